"""Intake: take exactly the five contract modules from a submission, nothing else.

A submission is one of

- a folder that holds ``student/`` (``alice/student/hmc.py``),
- the student folder itself (``student/hmc.py``, or a folder of the five modules),
- a zip file of either (a single top folder inside the zip is allowed).

Only the files ``integrators.py``, ``hmc.py``, ``lotka_volterra.py``, ``hutchinson.py`` and
``theory.py`` are taken, by exact name, as regular files of at most ``MAX_MODULE_BYTES``;
``student/__init__.py`` is always written fresh and empty. Everything else is listed in
``Intake.ignored`` and never copied, so a submission cannot bring packages, ``conftest.py``
or ``sitecustomize.py`` of its own into the grading folder.
"""

from __future__ import annotations

import logging
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

LOG = logging.getLogger(__name__)

MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")
MODULE_FILES = tuple(f"{name}.py" for name in MODULES)
MAX_MODULE_BYTES = 1_000_000
MAX_LISTED = 40


@dataclass
class Intake:
    """The part of a submission that will be graded."""

    name: str
    """a name for the submission, from its folder or zip name"""
    files: dict[str, bytes] = field(default_factory=dict)
    """module file name (``"hmc.py"``) -> its bytes"""
    ignored: list[str] = field(default_factory=list)
    """paths in the submission that were not taken (capped at ``MAX_LISTED``)"""
    problems: list[str] = field(default_factory=list)
    """messages about the submission as a whole (unreadable zip, oversized module, ...)"""

    @property
    def missing(self) -> list[str]:
        return [name for name in MODULE_FILES if name not in self.files]


def submission_name(path: Path) -> str:
    path = Path(path)
    name = path.stem if path.suffix == ".zip" else path.name
    if name == "student" and path.parent.name:
        name = path.parent.name
    return name or "submission"


def take(path: Path) -> Intake:
    """Read a submission folder or zip and keep only the contract modules."""
    path = Path(path)
    intake = Intake(submission_name(path))
    if path.is_dir():
        _take_folder(path, intake)
    elif path.is_file() and zipfile.is_zipfile(path):
        _take_zip(path, intake)
    elif path.exists():
        intake.problems.append("the submission is neither a folder nor a zip file")
    else:
        intake.problems.append("the submission path does not exist")
    LOG.debug(
        "intake %s: took %s, ignored %d", intake.name, sorted(intake.files), len(intake.ignored)
    )
    return intake


def _student_folder(root: Path) -> Path:
    if (root / "student").is_dir():
        return root / "student"
    return root


def _take_folder(root: Path, intake: Intake) -> None:
    folder = _student_folder(root)
    for name in MODULE_FILES:
        candidate = folder / name
        if candidate.is_symlink():
            intake.problems.append(f"student/{name} is a symbolic link and was not taken")
            continue
        if not candidate.is_file():
            continue
        size = candidate.stat().st_size
        if size > MAX_MODULE_BYTES:
            intake.problems.append(f"student/{name} is larger than {MAX_MODULE_BYTES} bytes")
            continue
        intake.files[name] = candidate.read_bytes()
    for item in sorted(root.rglob("*")):
        if len(intake.ignored) >= MAX_LISTED:
            break
        relative = item.relative_to(root)
        if "__pycache__" in relative.parts or item.is_dir():
            continue
        if item.parent == folder and item.name in intake.files:
            continue
        if item.parent == folder and item.name == "__init__.py":
            continue
        intake.ignored.append(relative.as_posix())


def _take_zip(path: Path, intake: Intake) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        intake.problems.append(f"the zip file could not be read: {error}")
        return
    with archive:
        members = archive.infolist()
        prefix = _zip_prefix([m.filename for m in members])
        for member in members:
            name = member.filename
            wanted = _wanted_member(name, prefix)
            if wanted is None:
                if not name.endswith("/") and "__pycache__" not in name:
                    if not name.endswith("__init__.py") and len(intake.ignored) < MAX_LISTED:
                        intake.ignored.append(name)
                continue
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                intake.problems.append(f"{name} is a symbolic link and was not taken")
                continue
            if member.file_size > MAX_MODULE_BYTES:
                intake.problems.append(f"{name} is larger than {MAX_MODULE_BYTES} bytes")
                continue
            if wanted in intake.files:
                intake.problems.append(f"{name} appears twice in the zip; the first was taken")
                continue
            try:
                data = archive.read(member)
            except Exception as error:  # corrupt member, bad compression
                intake.problems.append(f"{name} could not be read: {error}")
                continue
            intake.files[wanted] = data[:MAX_MODULE_BYTES]


def _zip_prefix(names: list[str]) -> str:
    """Where the five modules sit in the zip: '', 'student/', 'x/student/' or 'x/'."""
    for candidate in ("student/",):
        if any(n == candidate + f for n in names for f in MODULE_FILES):
            return candidate
    for name in names:
        path = PurePosixPath(name)
        if path.name in MODULE_FILES and len(path.parts) == 3 and path.parts[1] == "student":
            return f"{path.parts[0]}/student/"
    if any(n in MODULE_FILES for n in names):
        return ""
    for name in names:
        path = PurePosixPath(name)
        if path.name in MODULE_FILES and len(path.parts) == 2:
            return f"{path.parts[0]}/"
    return "student/"


def _wanted_member(name: str, prefix: str) -> str | None:
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    return rest if rest in MODULE_FILES else None
