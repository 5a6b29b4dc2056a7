"""Otter's door onto the same grading path: ``otter run``, ``otter grade`` and Gradescope.

The Otter test files that ``practice07 build`` generates hold one test case per hidden
check, each calling ``verdict(name)``. The first call grades the submission folder found
in the working directory (Otter runs tests from the submission folder) with
``grade_submission``, exactly as ``practice07 grade`` does, and keeps the result for the
rest of the run; each case then passes or raises with that check's feedback. Otter adds the
points up per question, so its scores equal ours by construction.

Student code still runs only in the engine's child process, never in Otter's kernel: the
entry script that Otter executes as "the submission" is ours and imports nothing of the
student's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from autograder.engine.results import SubmissionResult

LOG = logging.getLogger(__name__)

ENTRY_SCRIPT = "practice07_submission.py"
_RESULT: SubmissionResult | None = None


def submission_folder() -> Path:
    """The folder holding the student's ``student/`` package in an Otter run."""
    for candidate in (Path.cwd(), Path("/autograder/submission")):
        if (candidate / "student").is_dir():
            return candidate
    return Path.cwd()


def graded() -> SubmissionResult:
    """Grade the submission once per Otter run and keep the result."""
    global _RESULT
    if _RESULT is None:
        from autograder.engine.runner import grade_submission

        out_dir = os.environ.get("PRACTICE07_OTTER_OUT")
        folder = submission_folder()
        _RESULT = grade_submission(folder, Path(out_dir) if out_dir else None, name="submission")
        LOG.info("graded the submission: %s / 100", _RESULT.score)
        try:  # notes and written answers for Otter's overall output (see otter_plugin)
            from autograder.otter_plugin import write_handoff

            write_handoff(folder, _RESULT.summary_text())
        except Exception:
            LOG.exception("could not hand the grading summary over to the Otter plugin")
    return _RESULT


def verdict(name: str) -> None:
    """Pass if the hidden check ``name`` passed; otherwise raise with its feedback."""
    result = graded()
    for test in result.tests:
        if test.name == name:
            if not test.passed:
                raise AssertionError(test.output)
            return
    raise AssertionError(result.error or "this check did not run")
