"""A batch loses nothing: it resumes where it stopped, and a grader-breaking submission is
reported, not dropped. Grades question 1.8 only (two cheap checks of ``theory.py``)."""

from __future__ import annotations

import csv
import json

import pytest

from autograder.engine.batch import WORKER_DIED, grade_many, kept_result
from autograder.engine.results import read_results
from tests import hostile

ONLY = {"1.8"}


def submissions(where, count):
    return [hostile.build_honest("reference", where / f"s{i}") for i in range(count)]


def csv_rows(out):
    with open(out / "grades.csv") as stream:
        return {row["submission"]: row for row in csv.DictReader(stream)}


def test_a_resumed_batch_grades_only_what_is_missing(tmp_path):
    sources = submissions(tmp_path / "src", 4)
    out = tmp_path / "out"
    names = [f"s{i}" for i in range(4)]

    # a first run that stopped after two submissions, one of them interrupted mid-grading
    first = grade_many(sources[:2], out, names=names[:2], questions=ONLY)
    assert all(r.score == 3 and not r.resumed for r in first)
    interrupted = json.loads((out / "s1" / "results.json").read_text())
    interrupted["extra_data"]["grading_error"] = "the grader stopped early (INTERRUPTED)"
    (out / "s1" / "results.json").write_text(json.dumps(interrupted))
    (out / "s2").mkdir()
    (out / "s2" / ".results.json.tmp123").write_text("{")  # a write cut short

    second = grade_many(sources, out, names=names, questions=ONLY)
    assert [r.resumed for r in second] == [True, False, False, False]
    assert [r.score for r in second] == [3, 3, 3, 3]
    rows = csv_rows(out)
    assert sorted(rows) == names and {row["status"] for row in rows.values()} == {"graded"}

    # a changed submission, or another selection of questions, is graded again
    assert kept_result(sources[0], out / "s0", ONLY) is not None
    assert kept_result(sources[0], out / "s0", {"1.8", "1.7"}) is None
    assert kept_result(sources[0], out / "s0", None) is None
    theory = sources[0] / "student" / "theory.py"
    theory.write_text(theory.read_text() + "\n# changed\n")
    assert kept_result(sources[0], out / "s0", ONLY) is None


def test_a_submission_that_kills_the_grader_is_reported_not_dropped(tmp_path, monkeypatch):
    """Without isolation (sandbox level ``none``, a TA's laptop) student code can kill the
    grading worker; the batch grades it again alone, then records why it failed."""
    monkeypatch.setenv("PRACTICE07_SANDBOX", "none")
    honest = submissions(tmp_path / "src", 2)
    killer = hostile.write_folder(tmp_path / "src" / "killer", hostile.reference_files())
    theory = killer / "student" / "theory.py"
    theory.write_text(
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + theory.read_text()
    )
    out = tmp_path / "out"
    results = grade_many(
        [honest[0], killer, honest[1]], out, names=["a", "killer", "b"], jobs=2, questions=ONLY
    )
    assert [r.score for r in results] == [3, 0, 3]
    assert results[1].error == WORKER_DIED
    on_disk = read_results(out / "killer")
    assert on_disk is not None and on_disk.error == WORKER_DIED
    rows = csv_rows(out)
    assert rows["killer"]["status"].startswith("grading error")
    assert rows["a"]["status"] == rows["b"]["status"] == "graded"


@pytest.mark.parametrize("bad", ["{", '{"tests": 5}', '{"score": 1, "tests": [{"x": 1}]}'])
def test_unreadable_results_are_graded_again(tmp_path, bad):
    source = hostile.write_folder(tmp_path / "src", {"theory.py": b"X = 1\n"})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text(bad)
    assert kept_result(source, tmp_path / "out", ONLY) is None


def test_workers_exit_when_their_grading_process_is_killed(tmp_path):
    """``kill PID`` on a ``practice07 grade --jobs 2`` (its process only, not its group)
    leaves no pool worker behind: each ends within seconds. Bug kind caught: orphaned
    workers that wait forever for work from a process that is gone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    slow = "import time\ntime.sleep(120)\n"
    sources = []
    for i in range(2):
        folder = tmp_path / f"slow{i}" / "student"
        folder.mkdir(parents=True)
        (folder / "theory.py").write_text(slow)
        sources.append(str(folder.parent))
    command = [sys.executable, "-m", "autograder.cli", "grade", *sources]
    command += ["--out", str(tmp_path / "out"), "--jobs", "2", "--questions", "1.8"]
    grader = subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    try:
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
            children = psutil.Process(grader.pid).children()
            workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) >= 2, "the pool's workers did not start"
        time.sleep(2)  # the workers are grading now
        os.kill(grader.pid, signal.SIGTERM)
        grader.wait(timeout=30)
        _, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, [p.pid for p in alive]
    finally:
        try:
            os.killpg(grader.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
