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


def run_otter_in_layout(dist, tmp_path, place, questions: str, zips: bool = False) -> dict:
    """Lay out ``/autograder`` as Gradescope's and ``otter grade``'s containers do (the
    autograder zip in ``source/``, the submission put in ``submission/`` by ``place``), run
    the zip's ``run_otter.py`` on it, and return ``results.json``. ``zips`` sets the option
    that ``otter grade --ext zip`` adds to Otter's configuration (Otter extracts the zip)."""
    root = tmp_path / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    (root / "submission_metadata.json").write_text("{}")
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        archive.extractall(root / "source")
    if zips:
        config_path = root / "source" / "otter_config.json"
        config = json.loads(config_path.read_text())
        config_path.write_text(json.dumps({**config, "zips": True}))
    place(root / "submission")
    env = {
        **os.environ,
        "PRACTICE07_QUESTIONS": questions,
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter"),
    }
    process = subprocess.run(
        [sys.executable, str(root / "source" / "run_otter.py"), str(root)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert process.returncode == 0, (process.stdout + process.stderr)[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_layout_grades_a_submission_with_stray_top_level_files(dist, tmp_path):
    """On Gradescope the zip's ``run_otter.py`` cleans the extracted submission folder before
    Otter looks at it: a top-level ``conftest.py`` beside ``student/`` would otherwise end
    Otter's run with "More than one Python file found" and no score. The stray files are
    named in the output instead."""

    def place(folder: Path) -> None:
        shutil.copytree(ROOT / "solutions", folder / "student")
        (folder / "conftest.py").write_text("import os\nos._exit(1)\n")
        (folder / "helper.py").write_text("print('not graded')\n")

    results = run_otter_in_layout(dist, tmp_path, place, "1.8")
    assert results["score"] == pytest.approx(3.0)
    assert "conftest.py" in results["output"] and "helper.py" in results["output"]


def test_otter_grade_layout_grades_a_zip_full_of_tricks_like_practice07_grade(dist, tmp_path):
    """``otter grade --ext zip`` mounts the zip in ``submission/`` and has Otter extract it;
    ``run_otter.py`` first rewrites the zip to hold only the taken modules. A zip with the
    battery's zip tricks together (top-level scripts, names too long to extract, paths that
    climb out, a hostile duplicate of a module) around the reference gets the reference's
    13 points on 1.7 and 1.8, as under ``practice07 grade``, instead of Otter's "More than
    one Python file found" or an overwritten module."""
    from tests.hostile import BY_NAME, reference_files, write_zip

    tricks = ("zip-top-level-modules", "zip-non-utf8-names", "zip-path-traversal")
    extra = tuple(member for name in tricks for member in BY_NAME[name].zip_members)
    extra += BY_NAME["zip-duplicate-module"].zip_members

    def place(folder: Path) -> None:
        write_zip(folder / "submission.zip", reference_files(), extra)

    results = run_otter_in_layout(dist, tmp_path, place, "1.7,1.8", zips=True)
    assert results["score"] == pytest.approx(13.0), results.get("output", "")[-2000:]
