"""``python -m student.submit``: refuses what would cost points mechanically, zips the rest.

The tool ships inside ``student/`` and runs without the autograder, so these tests run it
the way a student does: as ``python -m student.submit`` in a folder laid out like the
unzipped student package. Its contract table is checked against the stubs and the
reference, so that it cannot drift from what the graders call.
"""

from __future__ import annotations

import importlib.util
import inspect
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.engine import intake

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")


def load_submit(student: Path):
    """Import ``student/submit.py`` from a given folder, as its own module."""
    name = f"submit_under_test_{abs(hash(str(student)))}"
    spec = importlib.util.spec_from_file_location(name, student / "submit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def lay_out(folder: Path, source: Path) -> Path:
    """``folder/student/``: the shipped files, with the five modules taken from ``source``."""
    student = folder / "student"
    shutil.copytree(
        ROOT / "student", student, ignore=shutil.ignore_patterns("__pycache__", "figures")
    )
    for name in MODULES:
        shutil.copy(source / f"{name}.py", student / f"{name}.py")
    return folder


def submit(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "student.submit", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def signature_entries(function) -> list[str]:
    entries = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            entries.append(f"**{parameter.name}")
        elif parameter.default is parameter.empty:
            entries.append(parameter.name)
        else:
            entries.append(f"{parameter.name}={parameter.default!r}")
    return entries


@pytest.mark.parametrize("package", ["student", "solutions"])
def test_contract_table_matches_the_stubs_and_the_reference(package: str) -> None:
    """Every name, parameter and default in the table is what the code defines."""
    table = load_submit(ROOT / "student").CONTRACT
    assert set(table) == set(MODULES)
    for module_name, names in table.items():
        module = importlib.import_module(f"{package}.{module_name}")
        for name, expected in names.items():
            value = getattr(module, name)
            if expected[0] == "def":
                wanted = [e for e in expected[1]]
                got = signature_entries(value)
                for index, entry in enumerate(wanted):
                    if entry.endswith("=*"):  # the default is the student's choice
                        assert got[index].startswith(entry[:-1]), (module_name, name)
                    else:
                        assert got[index] == entry, (module_name, name, got)
            elif expected[0] == "class":
                for method, parameters in expected[1].items():
                    assert signature_entries(getattr(value, method)) == parameters
            elif package == "solutions" and expected[0] == "bool":
                assert isinstance(value, bool)
            elif package == "solutions":
                assert set(value) == set(expected[1])


def test_reference_passes_and_the_zip_is_what_the_grader_takes(tmp_path: Path) -> None:
    folder = lay_out(tmp_path, ROOT / "solutions")
    (folder / "student" / "figures").mkdir()
    (folder / "student" / "figures" / "energy.png").write_bytes(b"png")
    completed = submit(folder, "--no-tests")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "problem" not in completed.stdout.split("4. names")[1].split("Wrote")[0].replace(
        "0 problem(s)", ""
    )
    archive = zipfile.ZipFile(folder / "submission.zip")
    names = set(archive.namelist())
    assert {f"student/{m}.py" for m in MODULES} <= names
    assert "student/figures/energy.png" in names
    assert not any("tests/" in n or n.endswith(("conftest.py", "submit.py")) for n in names)
    taken = intake.take(folder / "submission.zip")
    assert taken.missing == [] and taken.problems == []


def test_stubs_are_zipped_with_the_self_checks_and_unfinished_names_listed(tmp_path) -> None:
    folder = lay_out(tmp_path, ROOT / "student")
    completed = submit(folder)
    assert completed.returncode == 0, completed.stdout
    assert "integrators.py (questions 1.7 and 2.2): 0 of " in completed.stdout
    assert "self-checks: Public self-checks passing: 0 of " in completed.stdout
    assert "Not done yet" in completed.stdout and "integrators: euler_step" in completed.stdout
    assert (folder / "submission.zip").is_file()


def test_mechanical_problems_refuse_the_zip_with_one_message_each(tmp_path: Path) -> None:
    folder = lay_out(tmp_path, ROOT / "solutions")
    student = folder / "student"
    edits = {
        "integrators.py": ("def euler_step(", "def euler_step(:"),
        "hmc.py": ("from . import integrators", "import integrators"),
        "hutchinson.py": ("import torch\n", "import torch\nfrom . import helpers\n"),
        "theory.py": ("def euler_energy_after_n_steps(E0", "def euler_energy_after_n_steps(E_0"),
        "lotka_volterra.py": (
            "    seed: int = 0,\n    **options",
            "    seed: int = 1,\n    **options",
        ),
    }
    for name, (old, new) in edits.items():
        text = (student / name).read_text()
        assert old in text, name
        (student / name).write_text(text.replace(old, new, 1))
    (student / "helpers.py").write_text("X = 1\n")
    completed = submit(folder, "--no-tests", "--force")
    out = " ".join(completed.stdout.split())
    assert completed.returncode == 0 and (folder / "submission.zip").is_file()
    assert "5 problem(s) that would cost points for a mechanical reason" in out
    assert "student/integrators.py has a syntax error at line" in out
    assert "`import integrators` works only when student/ itself is the working folder" in out
    assert "student/hutchinson.py cannot be imported the way the grader imports it" in out
    assert "theory.euler_energy_after_n_steps: parameter 1 is `E_0`, expected `E0`" in out
    assert "lotka_volterra.train_neural_ode: `seed` has default 1" in out
    assert "student/helpers.py: not graded" in out
    assert "--force: writing the zip anyway." in out


def test_a_problem_means_no_zip_without_force(tmp_path: Path, capsys) -> None:
    """In-process and cheap: no module compiles, so nothing needs importing."""
    folder = lay_out(tmp_path, ROOT / "student")
    for name in MODULES:
        (folder / "student" / f"{name}.py").write_text("def broken(:\n")
    submit_module = load_submit(folder / "student")
    assert submit_module.main(["--no-tests"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "5 problem(s) that would cost points" in out and "No zip written" in out
    assert not (folder / "submission.zip").exists()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import time\nwhile True:\n    time.sleep(0.1)\n", "did not finish within"),
        ("import os\nos._exit(3)\n", "stopped the Python process"),
    ],
)
def test_an_import_that_hangs_or_exits_is_named(tmp_path, source: str, expected: str) -> None:
    submit_module = load_submit(ROOT / "student")
    submit_module.IMPORT_LIMIT = 3.0
    report = submit_module.Report()
    found = submit_module.import_like_the_grader({"integrators": source.encode()}, report)
    assert found == {}
    assert len(report.problems) == 1
    assert "student/integrators.py" in report.problems[0] and expected in report.problems[0]
