"""Pytest settings for the public self-checks: one short line per failing check.

Run ``pytest student/`` from the folder that contains ``student/``. Each failing check is
reported as one line at the end of the run:

- ``NOT IMPLEMENTED  module.name`` -- that function (or constant) still raises
  ``NotImplementedError`` (or is still ``None``);
- ``WRONG  ...`` -- your code ran but gave a wrong answer; the line says what was expected;
- ``ERROR  ...`` -- your code raised an exception; the line names it and where it happened;
- ``CANNOT IMPORT  ...`` -- a test file could not import your module (e.g. a syntax error).

Pass ``--tb=short`` (or ``--tb=long``) to get pytest's usual tracebacks as well, e.g.
``pytest student/ --tb=short -k euler_step``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no windows pop up while the checks draw figures

import pytest  # noqa: E402

sys.dont_write_bytecode = True  # keep __pycache__ folders out of the folder you submit

try:  # the checks use tiny tensors: one thread is faster, and steadier on a busy machine
    import torch

    torch.set_num_threads(1)
except ImportError:  # the numpy and SymPy checks still run; the torch ones will say why not
    pass

HERE = Path(__file__).resolve().parent
TESTS = HERE / "tests"

FINAL_NOTE = (
    "These are the public self-checks only; hidden checks run at grading and are worth the points."
)
LEGEND = [
    "NOT IMPLEMENTED: still raises NotImplementedError (or is still None).  "
    "WRONG: ran, wrong answer.",
    "ERROR: raised an exception.  Tracebacks: pytest student/ --tb=short -k <check name>",
]
MAX_MESSAGE = 300

_COMPACT = pytest.StashKey[bool]()
_LINES = pytest.StashKey[list]()
_BROKEN_FILES = pytest.StashKey[list]()


def _is_ours(path) -> bool:
    """Whether a path lies inside this folder (so that the compact report applies)."""
    try:
        return Path(str(path)).resolve().is_relative_to(HERE)
    except (OSError, ValueError):
        return False


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_COMPACT] = False
    config.stash[_LINES] = []
    config.stash[_BROKEN_FILES] = []


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items) -> None:
    """Switch to the compact report when only these checks run and no --tb was given.

    Running the self-checks together with other tests (e.g. ``pytest .`` one folder up)
    keeps pytest's usual report.
    """
    if not all(_is_ours(item.path) for item in items):
        return
    # A test file that cannot import your module must not stop the other modules' checks.
    config.option.continue_on_collection_errors = True
    if config.option.tbstyle == "auto":
        config.stash[_COMPACT] = True
        config.option.tbstyle = "no"
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:  # our own summary replaces pytest's FAILED/ERROR lines
            reporter.reportchars = reporter.reportchars.replace("f", "").replace("E", "")


def _shorten(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _in_student_code(entry) -> bool:
    """Whether a traceback entry lies in a student module (not in the checks themselves)."""
    if not _is_ours(entry.path):
        return False
    path = Path(str(entry.path)).resolve()
    return not path.is_relative_to(TESTS) and path != HERE / "conftest.py"


def _in_checks(entry) -> bool:
    """Whether a traceback entry lies in one of the self-check files."""
    try:
        return Path(str(entry.path)).resolve().is_relative_to(TESTS)
    except (OSError, ValueError):
        return False


def _function_name(entry) -> str:
    """``module.function`` (or ``module.Class`` for ``__init__``) of a traceback entry."""
    code = entry.frame.code.raw
    name = getattr(code, "co_qualname", code.co_name)
    if name.endswith(".__init__"):
        name = name[: -len(".__init__")]
    elif name == "__init__":  # Python 3.10 has no co_qualname
        owner = entry.frame.f_locals.get("self")
        name = type(owner).__name__ if owner is not None else name
    return f"{Path(str(entry.path)).stem}.{name}"


def _one_line(excinfo: pytest.ExceptionInfo) -> tuple[str, str]:
    """Classify a failure and describe it in one line: (label, text)."""
    exc = excinfo.value
    entries = list(excinfo.traceback)
    student = [entry for entry in entries if _in_student_code(entry)]
    raised_in_student_code = bool(entries) and _in_student_code(entries[-1])
    raised_in_a_check = bool(entries) and _in_checks(entries[-1])

    if isinstance(exc, NotImplementedError):
        if raised_in_student_code:
            return "NOT IMPLEMENTED", _function_name(entries[-1])
        if raised_in_a_check:  # a check found a theory constant still set to None
            return "NOT IMPLEMENTED", _shorten(exc)
    if isinstance(exc, AssertionError) and raised_in_a_check:
        message = str(exc).split("\n")[0].strip() or "a check failed (no message)"
        return "WRONG", _shorten(message)

    where = "in the check itself (look at what your function returned)"
    if student:
        entry = student[-1]
        where = f"at {Path(str(entry.path)).name}:{entry.lineno + 1} in {_function_name(entry)}"
    first_line = str(exc).split("\n")[0]
    return "ERROR", _shorten(f"{type(exc).__name__}: {first_line} ({where})")


@pytest.hookimpl(hookwrapper=True)  # old-style wrapper: works on pytest 7 and later
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Turn every failure into one line, kept for the summary at the end."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        label, text = _one_line(call.excinfo)
        line = f"{label:<16} {text}   [{item.name}]"
        item.config.stash[_LINES].append(line)
        if item.config.stash[_COMPACT]:
            report.longrepr = line


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A test file that cannot be imported becomes one CANNOT IMPORT line."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        text = str(report.longrepr)
        reasons = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
        reason = reasons[-1] if reasons else (text.strip().splitlines() or ["unknown"])[-1]
        places = re.findall(r'File "([^"]+)", line (\d+)|^(\S+\.py):(\d+): in', text, re.M)
        places = [(a or c, b or d) for a, b, c, d in places if "tests" not in Path(a or c).parts]
        if places:
            reason += f" (at {Path(places[-1][0]).name}:{places[-1][1]})"
        line = f"{'CANNOT IMPORT':<16} {_shorten(reason)}   [{report.nodeid}]"
        collector.config.stash[_BROKEN_FILES].append(line)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the one-line messages and the count of public self-checks passed."""
    stats = terminalreporter.stats
    reports = [
        report
        for key in ("passed", "failed", "error", "skipped")
        for report in stats.get(key, [])
        if isinstance(report, pytest.TestReport) and _is_ours(config.rootpath / report.fspath)
    ]
    checks = {report.nodeid for report in reports}
    bad = {report.nodeid for report in reports if report.failed}
    passed = {report.nodeid for report in reports if report.passed and report.when == "call"}
    n_passed = len(passed - bad)

    lines = config.stash.get(_BROKEN_FILES, []) + config.stash.get(_LINES, [])
    if not reports and not lines:
        return
    terminalreporter.write_sep("=", "public self-checks")
    for line in lines:
        terminalreporter.write_line(line)
    if lines:
        terminalreporter.write_line("")
        for legend_line in LEGEND:
            terminalreporter.write_line(legend_line)
    broken = len(config.stash.get(_BROKEN_FILES, []))
    summary = f"Public self-checks passing: {n_passed} of {len(checks)}"
    if broken:
        files = "1 test file" if broken == 1 else f"{broken} test files"
        summary += f" ({files} could not import your code, so some checks did not run)"
    terminalreporter.write_line(summary + ".")
    terminalreporter.write_line(FINAL_NOTE)
