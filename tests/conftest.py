"""Gradings shared across the project's tests, each done once per test run.

Grading is the expensive part of these tests (a child process per submission, a network
trained for 2.1), so the runs that several test files judge are made here once:

- ``bundled``: ``practice07 grade`` with no arguments, as the README runs it but two
  submissions at a time: the reference, the untouched stubs and the imperfect submissions
  under ``examples/``, with the printed table, ``grades.csv`` and every ``results.json``;
- ``dist``: ``practice07 build``, the student package and the Otter autograder zip.

The suite runs on two pytest-xdist workers (``addopts`` in ``pyproject.toml``), and each
worker would make its own copy of a fixture, however wide its scope. These two are made
once per test run instead: the first worker to need one makes it under a file lock, in a
folder both workers see, and the other reads what it wrote.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from autograder import cli
from autograder.engine.results import SubmissionResult
from autograder.packaging import GRADERS_DIR

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("broken", "buggy", "partial")
"""The imperfect submissions under ``examples/``, by folder name, in the order graded."""


def check_names(grader_file: str) -> list[str]:
    """The names of the hidden checks defined in ``autograder/graders/<grader_file>.py``."""
    module = importlib.import_module(f"autograder.graders.{grader_file}")
    infos = (getattr(value, "check_info", None) for value in vars(module).values())
    return [info.name for info in infos if info is not None]


GRADER_FILES = tuple(sorted(path.stem for path in GRADERS_DIR.glob("test_*.py")))


@dataclass
class BundledRun:
    """What ``practice07 grade`` printed and wrote for the bundled examples."""

    status: int
    """the command's exit status"""
    stdout: str
    """what it printed"""
    out: Path
    """its results folder"""

    def results(self, name: str) -> SubmissionResult:
        """The ``results.json`` of one submission, read back."""
        return SubmissionResult.from_gradescope(name, self.raw(name))

    def raw(self, name: str) -> dict:
        """The ``results.json`` of one submission as parsed JSON."""
        return json.loads((self.out / name / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory, worker_id) -> Path:
    """A folder of this test run that every xdist worker sees."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def bundled(shared_tmp) -> BundledRun:
    folder = shared_tmp / "bundled"
    record = folder / "run.json"
    with FileLock(str(shared_tmp / "bundled.lock")):
        if not record.exists():
            folder.mkdir(exist_ok=True)
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                status = cli.main(["grade", "--out", str(folder / "out"), "--jobs", "2"])
            record.write_text(json.dumps({"status": status, "stdout": stdout.getvalue()}))
    run = json.loads(record.read_text())
    return BundledRun(run["status"], run["stdout"], folder / "out")


@pytest.fixture(scope="session")
def dist(shared_tmp) -> Path:
    out = shared_tmp / "dist"
    with FileLock(str(shared_tmp / "dist.lock")):
        if not (out / "autograder.zip").exists():
            with contextlib.redirect_stdout(io.StringIO()):
                assert cli.main(["build", "--out", str(out)]) == 0
    return out
