"""Grade one submission: intake, child process, hidden graders under pytest, results.

``grade_submission`` is the whole path for one submission. It never raises for anything a
submission does, and it always writes ``results.json``: a check that could not run scores
zero with a message, and a failure of the grading machinery itself is recorded in
``SubmissionResult.error`` and in the log.

The graders run in this process under ``pytest.main`` with the ``GradingPlugin`` below. The
plugin gives the tests their ``student`` fixture (a proxy to the child process), seeds
numpy, torch and the student's calls per test, and turns each test's outcome into a
``TestOutcome`` with feedback that is safe to show: the message of a ``CheckFailed`` or of a
``StudentCodeError``, never a traceback, an assertion rewrite or a grader's source line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import intake as intake_module
from autograder.engine import integrity, sandbox
from autograder.engine.child import StudentCodeError, StudentProcess, prepare_workdir
from autograder.engine.results import (
    SubmissionResult,
    TestOutcome,
    escape_text,
    write_results,
)
from autograder.feedback import write_feedback
from autograder.graders.support import CheckFailed, CheckInfo, Student
from autograder.questions import BY_ID

LOG = logging.getLogger(__name__)

GRADERS_DIR = Path(__file__).resolve().parent.parent / "graders"
PLUGIN_NAME = "practice07-grading"
DEFAULT_BUDGET = 900.0


class GradingPlugin:
    """pytest plugin that connects the hidden graders to one submission's child process."""

    def __init__(self, process: StudentProcess, select: Callable[[CheckInfo], bool] | None = None):
        self.process = process
        self.proxy = Student(process)
        self.select = select
        self.outcomes: dict[str, TestOutcome] = {}
        self.order: list[str] = []
        self.collection_errors: list[str] = []
        self.not_implemented: list[str] = []

    # collection ---------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, session, config, items) -> None:
        kept, dropped = [], []
        for item in items:
            info = getattr(getattr(item, "function", None), "check_info", None)
            if info is None:
                self.collection_errors.append(f"{item.nodeid} has no check metadata")
                dropped.append(item)
            elif self.select is not None and not self.select(info):
                dropped.append(item)
            else:
                kept.append(item)
                self.order.append(item.nodeid)
                self.outcomes[item.nodeid] = TestOutcome(
                    info.name, info.question, info.points, 0.0, "not run"
                )
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    # running ------------------------------------------------------------------------------

    @pytest.fixture
    def student(self, request) -> Student:
        info = request.node.function.check_info
        seed = zlib.crc32(info.name.encode("utf-8"))
        random.seed(seed)
        np.random.seed(seed)
        import torch

        torch.manual_seed(seed)
        self.proxy.seed = seed
        self.process.check_deadline = time.monotonic() + info.timeout
        yield self.proxy
        self.process.check_deadline = float("inf")

    @pytest.fixture(scope="session")
    def submission(self) -> Student:
        """The proxy outside any check (no check seed or time limit), for work that earns no
        points, such as collecting text for the TA. Its failures must not escape: an error
        in a fixture's teardown would count against the check that ran last."""
        return self.proxy

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        record = self.outcomes.get(item.nodeid)
        if record is None:
            return
        if call.when == "call":
            record.duration = call.duration
        if report.passed and call.when == "call":
            record.score = record.max_score
            record.output = "passed"
        elif report.failed:
            record.score = 0.0
            error = call.excinfo.value if call.excinfo is not None else None
            target = getattr(error, "target", "")
            if target and target not in self.not_implemented:
                self.not_implemented.append(target)
            record.output, record.internal_error = feedback_for(call.excinfo)
            if record.internal_error:
                LOG.error("grader error in %s:\n%s", item.nodeid, report.longreprtext)

    # the result ---------------------------------------------------------------------------

    def outcomes_in_order(self) -> list[TestOutcome]:
        """Outcomes grouped by question in the handout's order, file order within each."""
        position = {qid: index for index, qid in enumerate(BY_ID)}
        outcomes = [self.outcomes[nodeid] for nodeid in self.order]
        return sorted(outcomes, key=lambda outcome: position[outcome.question])


def feedback_for(excinfo) -> tuple[str, bool]:
    """Feedback for a failed check, and whether it was the grader's own failure."""
    if excinfo is None:
        return "failed", True
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return str(error), False
    if isinstance(error, StudentCodeError):
        text = escape_text(error.feedback)
        if error.output.strip():
            text += "\nYour code printed (each line marked with '| '):\n" + quote_output(
                error.output
            )
        return text, False
    if isinstance(error, AssertionError):
        return escape_text(str(error).split("\n", 1)[0]) or "check failed", False
    return (
        "the grader could not use your function's result as the contract describes "
        f"({type(error).__name__}); course staff can see the details",
        True,
    )


MAX_FEEDBACK_LINE = 300


def quote_output(output: str, max_lines: int = 30) -> str:
    """What student code printed, escaped, each line prefixed by ``| `` and cut to
    ``max_lines`` lines of at most ``MAX_FEEDBACK_LINE`` characters: it cannot pass for the
    grader's own words."""
    marker = " [output truncated]"
    truncated = output.endswith(marker)
    if truncated:
        output = output[: -len(marker)]
    lines = escape_text(output.strip("\n")).split("\n")
    shown = [
        "| " + (line if len(line) <= MAX_FEEDBACK_LINE else line[:MAX_FEEDBACK_LINE] + " [...]")
        for line in lines[:max_lines]
    ]
    if len(lines) > max_lines:
        shown.append(f"| [{len(lines) - max_lines} more lines not shown]")
    if truncated:
        shown.append("| [output truncated]")
    return "\n".join(shown)


def grade_submission(
    source: Path,
    out_dir: Path | None = None,
    *,
    name: str | None = None,
    budget: float = DEFAULT_BUDGET,
    questions: set[str] | None = None,
    select: Callable[[CheckInfo], bool] | None = None,
    secrets: tuple[Path, ...] = (),
) -> SubmissionResult:
    """Grade one submission and, with ``out_dir``, write ``out_dir/<name>/results.json``.

    Parameters
    ----------
    source : Path
        A submission folder or zip (see ``intake``).
    out_dir : Path, optional
        Where to write the submission's results folder.
    name : str, optional
        The results folder's name; by default from the submission.
    budget : float
        Wall-clock seconds of student code allowed for the whole submission.
    questions : set of str, optional
        Grade only these question ids.
    select : callable, optional
        Grade only the checks for which ``select(check_info)`` is true (with ``questions``,
        both must hold). The checks left out appear nowhere in the result.
    secrets : tuple of Path
        More paths the student process must not read (``out_dir`` and the grader's own
        folders are always included; see ``sandbox``).
    """
    started = time.monotonic()
    taken = intake_module.take(Path(source))
    result = SubmissionResult(name or taken.name)
    result.fingerprint = taken.fingerprint
    if questions is not None or select is not None:
        result.selection = sorted(questions) if select is None else ["*"]
    workdir = Path(tempfile.mkdtemp(prefix="practice07-"))
    process = plugin = None
    guard = integrity.Guard(sandbox.policy(), out_dir)
    try:
        result.notes.extend(intake_notes(taken))
        prepare_workdir(workdir, taken.files)
        hidden = tuple(secrets) + ((Path(out_dir),) if out_dir is not None else ())
        process = StudentProcess(workdir, budget=budget, secrets=hidden)
        process.spawn()
        plugin = GradingPlugin(process, _selection(questions, select))
        code = run_pytest(plugin)
        result.tests = plugin.outcomes_in_order()
        result.not_implemented = list(plugin.not_implemented)
        result.notes.extend(plugin.proxy.notes)
        result.reports = dict(plugin.proxy.reports)
        broken = [test.name for test in result.tests if test.internal_error]
        if plugin.collection_errors:
            result.error = "some grader files could not be loaded"
            LOG.error("collection errors:\n%s", "\n".join(plugin.collection_errors))
        elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            result.error = f"the grader stopped early ({code!r})"
            LOG.error("pytest exited with %r for %s", code, source)
        elif broken:
            result.error = (
                f"the grader itself failed on {len(broken)} check(s) of this submission "
                f"(first: {broken[0]}); course staff can see the details in the log"
            )
    except Exception as error:  # the machinery failed; keep what was graded
        LOG.exception("grading %s failed", source)
        result.error = f"{type(error).__name__}: {error}"
    finally:
        if process is not None:
            process.close()
            result.student_time = process.student_seconds
        shutil.rmtree(workdir, ignore_errors=True)
        tampered = guard.check()
        if tampered:
            LOG.critical("files of the grader changed while %s was graded: %s", source, tampered)
            result.error = (
                "files of the grader or of other results changed while this submission was "
                "graded; its scores are not trusted: " + ", ".join(tampered[:5])
            )
        result.execution_time = time.monotonic() - started
        if out_dir is not None:
            # results.json goes last: a batch that resumes treats it as "this one is done".
            folder = Path(out_dir) / result.name
            if process is not None and plugin is not None:
                write_artifacts(plugin.proxy.artifacts, folder)
            write_reports(result.reports, folder)
            write_feedback(result, folder)
            write_results(result, folder)
    return result


def _selection(
    questions: set[str] | None, select: Callable[[CheckInfo], bool] | None
) -> Callable[[CheckInfo], bool] | None:
    if questions is None:
        return select
    if select is None:
        return lambda info: info.question in questions
    return lambda info: info.question in questions and select(info)


def write_artifacts(artifacts: dict[str, bytes], folder: Path) -> None:
    """Write the figures the graders kept under ``folder/figures/``."""
    for name, data in artifacts.items():
        path = folder / "figures" / Path(name).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_reports(reports: dict[str, str], folder: Path) -> None:
    """Write the texts the graders kept for the TA (``written.md``) beside results.json."""
    for name, text in reports.items():
        path = folder / Path(name).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_pytest(plugin: GradingPlugin) -> int:
    """Run the hidden graders with ``plugin``; pytest's own output is discarded."""
    args = [
        str(GRADERS_DIR),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--assert=plain",
        "--rootdir",
        str(GRADERS_DIR),
        "-c",
        str(GRADERS_DIR / "pytest.ini"),
        "-q",
    ]
    with contextlib.redirect_stdout(io.StringIO()) as captured:
        code = pytest.main(args, plugins=[plugin])
    LOG.debug("pytest output:\n%s", captured.getvalue()[-5000:])
    return code


def intake_notes(taken: intake_module.Intake) -> list[str]:
    notes = list(taken.problems)
    if taken.missing:
        missing = ", ".join(f"student/{name}" for name in taken.missing)
        notes.append(f"Missing from the submission: {missing}.")
    if taken.ignored:
        shown = ", ".join(taken.ignored[:10])
        more = f" and {len(taken.ignored) - 10} more" if len(taken.ignored) > 10 else ""
        notes.append(escape_text(f"Not graded (only the five modules are taken): {shown}{more}."))
    return notes


def question_points(outcomes: list[TestOutcome]) -> dict[str, float]:
    """The points available per question among ``outcomes`` (for consistency checks)."""
    points: dict[str, float] = {}
    for outcome in outcomes:
        points[outcome.question] = points.get(outcome.question, 0.0) + outcome.max_score
    return {qid: points.get(qid, 0.0) for qid in BY_ID}
