"""``pytest student/``: one line per check still to do on the stubs, all green on the
reference."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run_self_checks(folder: Path) -> subprocess.CompletedProcess:
    """``pytest student/`` from the folder that holds ``student/``, as a student runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "student/", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def student_copy(tmp_path: Path, modules: Path) -> Path:
    """The stub folder (checks, conftest) with the five modules taken from ``modules``."""
    folder = tmp_path / "submission"
    shutil.copytree(
        ROOT / "student", folder / "student", ignore=shutil.ignore_patterns("__pycache__")
    )
    for module in modules.glob("*.py"):
        if module.name != "__init__.py":
            shutil.copy(module, folder / "student" / module.name)
    return folder


def test_stubs_get_one_not_implemented_line_per_check(tmp_path):
    run = run_self_checks(student_copy(tmp_path, ROOT / "student"))
    assert run.returncode == 1
    summary = re.search(r"Public self-checks passing: 0 of (\d+)\.", run.stdout)
    assert summary, run.stdout[-2000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("NOT IMPLEMENTED ")]
    assert len(lines) == int(summary.group(1)) > 0
    assert "Traceback (most recent call last)" not in run.stdout
    assert not re.search(r"^(WRONG|ERROR|CANNOT IMPORT) ", run.stdout, re.M), run.stdout


def test_reference_passes_every_self_check(tmp_path):
    run = run_self_checks(student_copy(tmp_path, ROOT / "solutions"))
    assert run.returncode == 0, run.stdout[-3000:]
    summary = re.search(r"Public self-checks passing: (\d+) of (\d+)\.", run.stdout)
    assert summary and summary.group(1) == summary.group(2), run.stdout[-2000:]


def test_each_line_names_the_function_checked_in_the_order_of_the_module(tmp_path):
    run = run_self_checks(student_copy(tmp_path, ROOT / "student"))
    assert re.search(
        r"^NOT IMPLEMENTED +hmc\.banana_grad_log_density +"
        r"\[test_banana_gradient_matches_finite_differences\]$",
        run.stdout,
        re.M,
    ), run.stdout
    defined = []  # theory.py's functions and constants, top to bottom
    for node in ast.parse((ROOT / "student" / "theory.py").read_text()).body:
        if isinstance(node, ast.FunctionDef):
            defined.append(node.name)
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined += [target.id for target in targets if isinstance(target, ast.Name)]
    listed = re.findall(r"^NOT IMPLEMENTED +theory\.(\w+)", run.stdout, re.M)
    assert listed and listed == sorted(listed, key=defined.index), listed
