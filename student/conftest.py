"""Pytest settings for the public self-checks: one short line per failing check.

Run ``pytest student/`` from the folder that contains ``student/``. At the end of the run the
failing checks are listed module by module, in the order of the functions in the module, one
line each, with the function concerned, what was wrong and a hint:

- ``NOT IMPLEMENTED  module.name`` -- that function (or constant) still raises
  ``NotImplementedError`` (or is still ``None``); each check that waits on it has its line;
- ``WRONG  module.name: ...`` -- your code ran but gave a wrong answer; the line says what
  was expected;
- ``ERROR  module.name: ...`` -- your code raised an exception; the line names it, where it
  happened, and what usually causes it;
- ``CANNOT IMPORT  ...`` -- a test file could not import your module (e.g. a syntax error),
  so its checks did not run.

Then comes the count of public self-checks passed. Pass ``--tb=short`` (or ``--tb=long``)
to get pytest's usual tracebacks as well, e.g. ``pytest student/ --tb=short -k euler_step``.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from dataclasses import dataclass
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

MODULE_QUESTIONS = {
    "theory": "questions 1.1-1.8",
    "hutchinson": "question 1.6",
    "integrators": "questions 1.7 and 2.2",
    "lotka_volterra": "question 2.1",
    "hmc": "question 2.2",
}
"""The graded modules in the handout's order, with the questions they answer."""

FINAL_NOTE = (
    "These are the public self-checks only: the form of your answers and a few easy values.\n"
    "Hidden checks run at grading, test correctness much further, and are worth the points."
)
TODO_NOTE = (
    "NOT IMPLEMENTED: still raises NotImplementedError (a constant: still None); the "
    "docstring in student/<module>.py says what to write."
)
LEGEND = (
    "For the full traceback of one check: pytest student/ --tb=short -k <check name in brackets>"
)
MAX_MESSAGE = 300

# Usual causes of exceptions in these modules, as (pattern in the message, hint).
ERROR_HINTS = (
    (r"positional argument|unexpected keyword|required positional", "compare your parameters "
     "with the docstring: the checks call the function as the handout says"),
    (r"could not broadcast|shapes? .*(mismatch|not aligned)|size of tensor|must match the size"
     r"|inhomogeneous shape|cannot reshape", "print the shapes of your arrays: one of them is "
     "not the shape the docstring gives"),
    (r"expected scalar type|dtype|Double but found Float|Float but found Double",
     "mixing float32 and float64: cast to one dtype (the docstring says which to return)"),
    (r"does not require grad|does not have a grad_fn|Trying to backward through the graph",
     "gradients: the input needs requires_grad, and create_graph=True keeps the result "
     "differentiable"),
    (r"a leaf Variable that requires grad|in-place operation",
     "an in-place change (+=, requires_grad_(), x[...] = ...) on a tensor you were given: "
     "work on a copy or build new tensors"),
    (r"'numpy\.ndarray' object has no attribute|'Tensor' object has no attribute 'astype'"
     r"|can't convert .* to numpy|expected Tensor as element|numpy.ndarray to a torch",
     "mixing numpy arrays and torch tensors: this module works in one of them (see its "
     "docstring)"),
    (r"'NoneType' object", "something returned None: check that every branch of your "
     "function ends with a return"),
    (r"cannot unpack|too many values to unpack|not enough values to unpack",
     "the function should return a pair, e.g. return q_next, p_next"),
    (r"Cannot convert expression to float|can't convert expression|not iterable.*Symbol"
     r"|loop of ufunc does not support", "a SymPy symbol reached math or numpy: build SymPy "
     "answers with sympy functions and plain operators"),
)  # fmt: skip

_STATE = pytest.StashKey["State"]()


@dataclass
class Failure:
    """One failing check, as shown at the end of the run."""

    module: str
    """the student module the check belongs to (from the test file's name)"""
    label: str
    """NOT IMPLEMENTED, WRONG or ERROR"""
    function: str
    """``module.name`` of the function concerned, or the module when unknown"""
    text: str
    """what was wrong, in words, with a hint"""
    check: str
    """the check's name, for ``-k``"""


class State:
    """What the hooks collect during one run."""

    def __init__(self) -> None:
        self.compact = False
        self.failures: list[Failure] = []
        self.broken: dict[str, str] = {}  # module -> CANNOT IMPORT text
        self.broken_counts: dict[str, int] = {}  # module -> checks that did not run


def _is_ours(path) -> bool:
    """Whether a path lies inside this folder (so that the compact report applies)."""
    try:
        return Path(str(path)).resolve().is_relative_to(HERE)
    except (OSError, ValueError):
        return False


def _module_of(path) -> str:
    """The student module a test file checks: ``tests/test_hmc.py`` -> ``hmc``."""
    stem = Path(str(path)).stem
    return stem[len("test_") :] if stem.startswith("test_") else stem


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STATE] = State()


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
        config.stash[_STATE].compact = True
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


def _names_used(code: types.CodeType) -> list[str]:
    """The names a function's code uses, in order of first use, then those of its lambdas
    and comprehensions (which have code objects of their own before Python 3.12)."""
    names = list(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names += _names_used(constant)
    return names


def _function_under_check(item: pytest.Item) -> str | None:
    """The first student function or constant that a check's code refers to.

    A check such as ``integrators.simulate(integrators.euler_step, ...)`` is about
    ``simulate``: the names a test function uses are in its code object in order of first
    use, and the first one that is defined in a student module is the one under check. A
    check therefore calls the function it is about before any other student function.
    """
    function = getattr(item, "function", None)
    module = getattr(item, "module", None)
    if function is None or module is None:
        return None
    student_modules = [
        value
        for value in vars(module).values()
        if isinstance(value, types.ModuleType)
        and value.__name__.startswith("student.")
        and not value.__name__.startswith("student.tests")
    ]
    for name in _names_used(function.__code__):
        for student_module in student_modules:
            value = getattr(student_module, name, None)
            if value is None and not name.isupper():
                continue
            defined_here = getattr(value, "__module__", None) == student_module.__name__
            if defined_here or (name.isupper() and hasattr(student_module, name)):
                return f"{student_module.__name__.rpartition('.')[2]}.{name}"
    return None


def _without_prefix(text: str, function: str) -> str:
    """Drop a leading ``module.name`` or ``name`` from a message that starts with it."""
    for prefix in (function, function.rpartition(".")[2]):
        if prefix and text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] in " :,(":
            return text[len(prefix) :].lstrip(" :,")
    return text


def _error_hint(text: str) -> str:
    for pattern, hint in ERROR_HINTS:
        if re.search(pattern, text):
            return f" Hint: {hint}."
    return ""


def _describe(excinfo: pytest.ExceptionInfo, item: pytest.Item) -> tuple[str, str, str]:
    """Classify a failure: (label, function concerned, text)."""
    exc = excinfo.value
    entries = list(excinfo.traceback)
    student = [entry for entry in entries if _in_student_code(entry)]
    raised_in_student_code = bool(entries) and _in_student_code(entries[-1])
    raised_in_a_check = bool(entries) and _in_checks(entries[-1])
    module = _module_of(item.path)
    under_check = _function_under_check(item) or module

    if isinstance(exc, NotImplementedError):
        if raised_in_student_code:
            return "NOT IMPLEMENTED", _function_name(entries[-1]), ""
        if raised_in_a_check:  # a check found a theory constant still set to None
            text = _shorten(exc)
            name = text.split(" ")[0] if text.startswith(f"{module}.") else under_check
            return "NOT IMPLEMENTED", name, text[len(name) :].strip(" ()")
    if isinstance(exc, AssertionError) and raised_in_a_check:
        message = str(exc).split("\n")[0].strip() or "a check failed (no message)"
        return "WRONG", under_check, _shorten(_without_prefix(message, under_check))

    first_line = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if student:
        entry = student[-1]
        name = _function_name(entry)
        where = f"at {Path(str(entry.path)).name}:{entry.lineno + 1}"
        return "ERROR", name, _shorten(f"{first_line} ({where}).{_error_hint(first_line)}")
    where = "the check could not use what your function returned"
    return "ERROR", under_check, _shorten(f"{first_line} ({where}).{_error_hint(first_line)}")


@pytest.hookimpl(hookwrapper=True)  # old-style wrapper: works on pytest 7 and later
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Turn every failure into one line, kept for the summary at the end."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and _is_ours(item.path):
        state = item.config.stash[_STATE]
        label, function, text = _describe(call.excinfo, item)
        failure = Failure(_module_of(item.path), label, function, text, item.name)
        state.failures.append(failure)
        if state.compact:
            report.longrepr = _format(failure)


def _count_checks(path: Path) -> int:
    """How many checks a test file holds, read from its source (it could not be imported)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return 0
    count = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            cases = 1
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "attr", "") == "parametrize"
                    and len(decorator.args) >= 2
                    and isinstance(decorator.args[1], (ast.List, ast.Tuple))
                ):
                    cases *= len(decorator.args[1].elts)
            count += cases
    return count


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A test file that cannot be imported becomes one CANNOT IMPORT line."""
    outcome = yield
    report = outcome.get_result()
    path = getattr(collector, "path", None)
    if not report.failed or path is None or not _is_ours(path):
        return
    text = str(report.longrepr)
    reasons = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    reason = reasons[-1] if reasons else (text.strip().splitlines() or ["unknown"])[-1]
    places = re.findall(r'File "([^"]+)", line (\d+)|^(\S+\.py):(\d+): in', text, re.M)
    places = [(a or c, b or d) for a, b, c, d in places if "tests" not in Path(a or c).parts]
    if places:
        reason += f" (at {Path(places[-1][0]).name}:{places[-1][1]})"
    module = _module_of(path)
    state = collector.config.stash[_STATE]
    state.broken[module] = (
        f"{_shorten(reason)}. Nothing in this file was checked; to see the whole error run: "
        f'python -c "import student.{module}"'
    )
    state.broken_counts[module] = _count_checks(Path(str(path)))


def _order_in_module(module: str) -> dict[str, int]:
    """The line where each top-level function, class and constant of a student module starts."""
    try:
        tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines.setdefault(node.name, node.lineno)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    lines.setdefault(target.id, node.lineno)
    return lines


def _in_module_order(failures: list[Failure], module: str) -> list[Failure]:
    """The failures of one module, by where their function is defined (checks in run order
    for the same function; a failure that names no function of the module comes last)."""
    lines = _order_in_module(module)
    unknown = float("inf")

    def place(failure: Failure) -> float:
        name = failure.function.split(".")[1] if "." in failure.function else ""
        return lines.get(name, unknown)

    return sorted((f for f in failures if f.module == module), key=place)


def _format(failure: Failure) -> str:
    text = f"{failure.label:<16} {failure.function}"
    if failure.text:
        text += f": {failure.text}"
    return f"{text}   [{failure.check}]"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Print the failures module by module and the count of public self-checks passed."""
    state = config.stash[_STATE]
    stats = terminalreporter.stats
    reports = [
        report
        for key in ("passed", "failed", "error", "skipped")
        for report in stats.get(key, [])
        if isinstance(report, pytest.TestReport) and _is_ours(config.rootpath / report.fspath)
    ]
    if not reports and not state.broken:
        return
    per_module: dict[str, dict[str, set]] = {}
    for report in reports:
        module = _module_of(report.fspath)
        entry = per_module.setdefault(module, {"all": set(), "bad": set(), "good": set()})
        entry["all"].add(report.nodeid)
        if report.failed:
            entry["bad"].add(report.nodeid)
        elif report.passed and report.when == "call":
            entry["good"].add(report.nodeid)

    terminalreporter.write_sep("=", "public self-checks")
    modules = [m for m in MODULE_QUESTIONS if m in per_module or m in state.broken]
    modules += sorted(set(per_module) - set(modules))
    total = passed = not_run = 0
    for module in modules:
        entry = per_module.get(module, {"all": set(), "bad": set(), "good": set()})
        n_all, n_good = len(entry["all"]), len(entry["good"] - entry["bad"])
        total += n_all
        passed += n_good
        questions = MODULE_QUESTIONS.get(module)
        heading = f"{module}.py" + (f" ({questions})" if questions else "")
        if module in state.broken:
            count = state.broken_counts.get(module, 0)
            total += count
            not_run += count
            terminalreporter.write_line(f"{heading}: cannot be imported, {count} checks not run")
            terminalreporter.write_line(f"{'CANNOT IMPORT':<16} {state.broken[module]}")
            continue
        terminalreporter.write_line(f"{heading}: {n_good} of {n_all} checks pass")
        for failure in _in_module_order(state.failures, module):
            terminalreporter.write_line(_format(failure))

    terminalreporter.write_line("")
    if any(f.label == "NOT IMPLEMENTED" for f in state.failures):
        terminalreporter.write_line(TODO_NOTE)
    if any(f.label != "NOT IMPLEMENTED" for f in state.failures):
        terminalreporter.write_line(LEGEND)
    summary = f"Public self-checks passing: {passed} of {total}"
    if not_run:
        summary += f" ({not_run} did not run because a module could not be imported)"
    terminalreporter.write_line(summary + ".")
    for line in FINAL_NOTE.splitlines():
        terminalreporter.write_line(line)
