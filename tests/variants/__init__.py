"""Single-bug variants of the reference solution, to prove that the graders catch real bugs.

A variant is the reference with one realistic bug planted in one module: a text
replacement that must match exactly once, so that a change to the reference that makes a
variant meaningless breaks its test instead of silently passing. ``tests/test_bug_variants.py``
grades each variant and asserts that it loses points in its own question and keeps full
marks in every other question that was graded, except the ``knock_on`` questions that it
names.

Each module of this package lists variants in ``VARIANTS``; ``all_variants`` collects every
module of the package, in name order.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")


@dataclass(frozen=True)
class Variant:
    """One bug planted in one module of the reference solution."""

    name: str
    """a short identifier, used as the test id"""
    module: str
    """the student module the bug lives in, e.g. ``"integrators"``"""
    old: str
    """text of the reference module that occurs exactly once"""
    new: str
    """what that text becomes in the variant"""
    question: str
    """the question id that must lose points"""
    bug: str
    """the kind of bug, in words, as a student would make it"""
    needs_training: bool = False
    """grade the 2.1 checks that run the student's training (about 20 s more)"""
    knock_on: tuple[str, ...] = ()
    """other questions that may lose points too, because the reference itself calls the
    broken function there (``hmc_trajectory`` is built on ``simulate``): a student whose
    answer reuses a broken function loses those points as well"""


def reference_files() -> dict[str, bytes]:
    """The five modules of the reference solution, by file name."""
    return {f"{name}.py": (SOLUTIONS / f"{name}.py").read_bytes() for name in MODULES}


def planted(variant: Variant) -> dict[str, bytes]:
    """The reference's five modules with ``variant`` planted; raises if it does not apply."""
    files = reference_files()
    key = f"{variant.module}.py"
    text = files[key].decode("utf-8")
    count = text.count(variant.old)
    if count != 1:
        raise ValueError(
            f"variant {variant.name}: the text to replace occurs {count} times in "
            f"solutions/{key}, not once"
        )
    files[key] = text.replace(variant.old, variant.new).encode("utf-8")
    return files


def write_submission(folder: Path, files: dict[str, bytes]) -> Path:
    """Write ``folder/student/`` with ``files`` and an empty ``__init__.py``; return folder."""
    package = Path(folder) / "student"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_bytes(b"")
    for name, data in files.items():
        (package / name).write_bytes(data)
    return Path(folder)


def all_variants() -> list[Variant]:
    """Every variant of every module of this package, in module-name order."""
    variants = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        variants.extend(module.VARIANTS)
    names = [variant.name for variant in variants]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"variant names used twice: {sorted(duplicates)}")
    return variants
