"""``otter run`` on the built autograder zip gives the same per-question scores as
``practice07 grade``, for the reference and for an imperfect submission."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.questions import QUESTIONS
from tests.conftest import ROOT

SUBMISSIONS = {
    "reference": ROOT / "solutions",
    "partial": ROOT / "examples" / "partial" / "student",
}
"""Submission name in the bundled run -> the folder of its five modules."""


def student_zip(folder: Path, path: Path) -> Path:
    """A submission zip holding ``student/`` with the modules of ``folder``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("student/__init__.py", "")
        for module in sorted(folder.glob("*.py")):
            if module.name != "__init__.py":
                archive.write(module, f"student/{module.name}")
    return path


@pytest.fixture(scope="module")
def otter_results(dist, tmp_path_factory) -> dict[str, dict]:
    """Both ``otter run``s at once, each in its own folder with its own Jupyter dirs."""
    otter = [sys.executable, "-m", "otter", "run", "-a", str(dist / "autograder.zip")]
    runs = {}
    for name, folder in SUBMISSIONS.items():
        work = tmp_path_factory.mktemp(f"otter-{name}")
        (work / "out").mkdir()
        env = {
            **os.environ,
            "IPYTHONDIR": str(work / "ipython"),
            "JUPYTER_RUNTIME_DIR": str(work / "jupyter"),
        }
        submission = student_zip(folder, work / f"{name}.zip")
        runs[name] = (
            work,
            subprocess.Popen(
                [*otter, "-o", str(work / "out"), str(submission)],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
    results = {}
    for name, (work, process) in runs.items():
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, output[-3000:]
        results[name] = json.loads((work / "out" / "results.json").read_text())
        shutil.rmtree(work / "ipython", ignore_errors=True)
    return results


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_otter_run_gives_the_same_scores_per_question(bundled, otter_results, name):
    ours = bundled.results(name)
    theirs = {test["name"]: test for test in otter_results[name]["tests"]}
    for question in QUESTIONS:
        assert theirs[question.id]["max_score"] == question.points
        assert theirs[question.id]["score"] == pytest.approx(
            ours.question_scores()[question.id], abs=1e-9
        ), question.id
    assert otter_results[name]["score"] == pytest.approx(ours.score, abs=1e-9)
