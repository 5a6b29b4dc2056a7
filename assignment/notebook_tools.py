"""Small tools for the Practice 07 notebook: find your code, run it safely, save figures.

The notebook ``practice07.ipynb`` imports this file from its own folder. Three things:

- ``setup()`` puts the folder that holds your ``student/`` package on the import path and
  chooses where figures go (``student/figures/``, handed in with your code).
- ``attempt(what)`` wraps a figure cell: a function you have not written yet prints
  "not implemented yet" and the cell finishes, so "Run All" always reaches the end; any
  other error in your code prints its type, message and place, and a short traceback.
  A name that an earlier cell should have defined points at that cell and what stopped it.
- ``save(fig, name)`` writes a figure as PNG into the figures folder.

``summary()`` lists every attempt with its status: ``done`` when everything in it worked,
``partly done`` when some of it did, ``not started`` when none of it did because functions
are not written or answers are still None, ``not working yet`` when none of it did and some
of it raised an error, and ``waiting on ...`` when the cell itself stopped. A part that a
cell leaves out until you set something (``skip``) counts as not done.

``tqdm`` is the progress bar to use: a widget when ``ipywidgets`` is installed, text
otherwise (without the warning ``tqdm.auto`` gives then). A bar shows only once its loop has
run for half a second, and a cell that fails takes its bars off the screen.

Two environment variables override the defaults (the project's own tests use them):
``PRACTICE07_STUDENT_ROOT``, a folder holding ``student/``, and ``PRACTICE07_FIGURES``, the
folder for the PNG files.
"""

from __future__ import annotations

import ast
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

try:  # progress bars as widgets in Jupyter when ipywidgets is there, as text otherwise
    import ipywidgets  # noqa: F401
    from tqdm.auto import tqdm as _tqdm
except ImportError:
    from tqdm.std import tqdm as _tqdm

__all__ = ["answer", "attempt", "run", "save", "setup", "skip", "summary", "tqdm"]

_WORKED = {"done", "answered"}
"""The outcomes of a part of a cell that count as done."""


@dataclass
class Session:
    """Where the notebook's inputs and outputs are."""

    root: Path
    """the folder that holds ``student/``"""
    figures: Path
    """where ``save`` writes PNG files"""
    started: float = field(default_factory=time.monotonic)
    """when ``setup`` ran (for the timing in ``summary``)"""
    outcomes: dict[str, str] = field(default_factory=dict)
    """what each attempt and each answer ended with, in the order they ran"""
    saved: list[Path] = field(default_factory=list)
    """the PNG files written so far"""


SESSION: Session | None = None


def find_root(start: Path) -> Path | None:
    """The first of ``start`` and its parents that contains a ``student/`` package."""
    for folder in [start, *start.parents]:
        if (folder / "student" / "__init__.py").is_file():
            return folder
    return None


def setup() -> Session:
    """Make ``import student`` find your code and choose the figures folder.

    Returns
    -------
    Session
        The folders in use; also kept in ``notebook_tools.SESSION``.
    """
    global SESSION
    given = os.environ.get("PRACTICE07_STUDENT_ROOT")
    root = Path(given).resolve() if given else find_root(Path.cwd().resolve())
    if root is None:
        raise RuntimeError(
            "Cannot find your student/ folder. Open this notebook from the assignment/ "
            "folder that sits beside student/ (the layout of student.zip), or set the "
            "environment variable PRACTICE07_STUDENT_ROOT to the folder that holds student/."
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    figures = Path(os.environ.get("PRACTICE07_FIGURES") or root / "student" / "figures")
    figures.mkdir(parents=True, exist_ok=True)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "figure.figsize": (10, 3.6)})
    SESSION = Session(root=root, figures=figures)
    print(f"Your code: {root / 'student'}")
    print(f"Figures are saved in: {figures}")
    return SESSION


def _session() -> Session:
    return SESSION if SESSION is not None else setup()


def _student_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame that lies in a file of the student package."""
    frames = traceback.extract_tb(error.__traceback__)
    root = _session().root / "student"
    mine = [f for f in frames if Path(f.filename).resolve().is_relative_to(root)]
    return mine[-1] if mine else None


def _function_name(frame: traceback.FrameSummary) -> str:
    module = Path(frame.filename).stem
    name = frame.name[: -len(".__init__")] if frame.name.endswith(".__init__") else frame.name
    return f"{module}.{name}"


@dataclass
class _Attempt:
    """An attempt that is running: what it has seen of its parts so far."""

    what: str
    parts: list[str] = field(default_factory=list)
    """the outcomes of the attempts and answers inside it"""
    bars: list[Any] = field(default_factory=list)
    """the progress bars opened inside it"""


_OPEN: list[_Attempt] = []
"""The attempts running now, outermost first (a figure cell may nest ``run`` calls)."""
_SAID: set[str] = set()
"""Missing functions already reported by the attempts running now (said once per cell)."""


class tqdm(_tqdm):  # noqa: N801 (the name everyone knows)
    """tqdm's progress bar, shown once its loop has run ``delay`` seconds (0.5 by default).

    A loop that stops at once, on a function not written yet, leaves no bar behind; a bar
    opened inside an ``attempt`` that fails is closed and taken off the screen.
    """

    def __init__(self, *args: Any, delay: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, delay=delay, **kwargs)
        if _OPEN:
            _OPEN[-1].bars.append(self)

    def display(self, *args: Any, **kwargs: Any) -> Any:
        """Draw the bar; a widget not shown yet stays hidden when its loop stops on an error.

        (``tqdm.notebook`` would show it then, in red, even before its delay is over.)
        """
        if kwargs.get("bar_style") == "danger" and getattr(self, "displayed", True) is False:
            return None
        return super().display(*args, **kwargs)


def _record(what: str, outcome: str) -> None:
    """Keep ``outcome`` for the summary, and as a part of the attempt running around it."""
    session = _session()
    session.outcomes.pop(what, None)  # listed in the order of the last run
    session.outcomes[what] = outcome
    if _OPEN:
        _OPEN[-1].parts.append(outcome)


def _status(parts: list[str]) -> str:
    """The status of an attempt that ran to its end, from the outcomes of its parts."""
    if all(part in _WORKED for part in parts):
        return "done"
    if any(part in _WORKED or part == "partly done" for part in parts):
        return "partly done"
    if any(part.startswith("error") or part == "not working yet" for part in parts):
        return "not working yet"
    return "not started"


@contextmanager
def attempt(what: str) -> Iterator[None]:
    """Run a block of student code; report what is missing or broken instead of crashing.

    Parameters
    ----------
    what : str
        What the block draws or computes, for the message (e.g. ``"1.7 energy plot"``).
    """
    session = _session()
    if not _OPEN:
        _SAID.clear()
    current = _Attempt(what)
    _OPEN.append(current)
    session.outcomes.pop(what, None)  # a cell run again starts afresh, listed in run order
    session.outcomes[what] = "running"
    open_figures = set(plt.get_fignums())
    try:
        yield
    except KeyboardInterrupt:
        raise
    except NotImplementedError as error:
        frame = _student_frame(error)
        name = _function_name(frame) if frame else str(error).split(":")[0] or "a function"
        if name not in _SAID:
            print(
                f"{what}: not implemented yet: {name}. Write it in student/"
                f"{name.split('.')[0]}.py, then run this cell again."
            )
            _SAID.add(name)
        session.outcomes[what] = f"waiting on {name}"
        _clean_up(open_figures, current.bars)
    except Exception as error:
        frame = _student_frame(error)
        if isinstance(error, NameError) and frame is None:
            # A name the notebook defines in an earlier cell: that cell has not run, or it
            # stopped before defining it.
            session.outcomes[what] = _report_missing_name(what, error)
        else:
            where = ""
            if frame is not None:
                where = f" (at {Path(frame.filename).name}:{frame.lineno} in "
                where += f"{_function_name(frame)})"
            message = str(error).splitlines()[0] if str(error) else ""
            print(f"{what}: your code raised {type(error).__name__}: {message}{where}")
            print("The traceback, innermost call last:")
            traceback.print_exception(type(error), error, error.__traceback__, limit=-4)
            session.outcomes[what] = f"error: {type(error).__name__}"
        _clean_up(open_figures, current.bars)
    else:
        session.outcomes[what] = _status(current.parts)
    finally:
        _OPEN.pop()
        if _OPEN:
            _OPEN[-1].parts.append(session.outcomes[what])


def _report_missing_name(what: str, error: NameError) -> str:
    """Say which earlier cell should have defined the missing name; return the outcome."""
    name = getattr(error, "name", None)
    cell = _cell_defining(name, _OPEN[0].what) if name else None
    before = _session().outcomes.get(cell) if cell else None
    if before is None or not before.startswith(("waiting on ", "error", "running")):
        print(
            f"{what}: needs an earlier cell ({error}). Run the cells above in order; if "
            "one of them printed a message, deal with it first."
        )
        return "waiting on an earlier cell"
    again = f'then run the cells from "{cell}" on again.'
    if before == "running":
        said = f'which did not finish. Run the cells from "{cell}" on again.'
    elif not before.startswith("waiting on "):
        problem = before.partition(": ")[2] or before
        said = f"which stopped with an error ({problem}). Fix that, {again}"
    else:
        blocker = before[len("waiting on ") :]
        if blocker.startswith('"'):  # a cell further up
            said = f"which is {before}. Deal with {blocker} first, {again}"
        elif blocker in ("an earlier cell", "a function"):
            said = f"which is {before}. Run the cells above in order, from the top."
        else:
            said = f"which is {before}. Write {blocker}, {again}"
    print(f'{what}: needs an earlier cell, "{cell}", {said}')
    return before if before.startswith("waiting on ") else f'waiting on "{cell}"'


def _cell_defining(name: str, running: str) -> str | None:
    """The ``attempt`` label of the last cell run in this kernel that defines ``name``.

    None outside Jupyter, when no cell run so far defines it, or when the cell that does is
    not an ``attempt``. The cell ``running`` now, and its earlier runs, are left out.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    for source in reversed(shell.history_manager.input_hist_parsed):
        try:
            statements = ast.parse(source).body
        except SyntaxError:
            continue
        for statement in statements:
            if name in _names_bound(statement):
                label = _attempt_label(statement)
                if label != running:
                    return label
    return None


def _names_bound(statement: ast.stmt) -> set[str]:
    """The names a statement binds in the notebook's namespace (not inside its functions)."""
    bound, todo = set(), [statement]
    local_scopes = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            continue
        if isinstance(node, local_scopes):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return bound


def _attempt_label(statement: ast.stmt) -> str | None:
    """``what`` of a ``with attempt(what):`` statement, or None for any other statement."""
    if not isinstance(statement, ast.With):
        return None
    for item in statement.items:
        call = item.context_expr
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "attempt"
            and call.args
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            return call.args[0].value
    return None


def _clean_up(figures_before: set[int], bars: list[Any]) -> None:
    """After a failed block: close the figures it opened and take its progress bars away."""
    for number in set(plt.get_fignums()) - figures_before:
        plt.close(number)
    for bar in bars:
        bar.leave = False
        bar.close()
        widget = getattr(bar, "container", None)  # the notebook widget of tqdm.notebook
        if widget is not None:
            widget.close()


def run(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``function(*args, **kwargs)`` inside ``attempt(what)``; None when it failed."""
    with attempt(what):
        return function(*args, **kwargs)
    return None


def save(fig: plt.Figure, name: str) -> Path:
    """Save ``fig`` as ``<figures folder>/<name>.png`` and return the path."""
    session = _session()
    path = session.figures / f"{name}.png"
    fig.savefig(path, bbox_inches="tight")
    if path not in session.saved:
        session.saved.append(path)
    print(f"saved {path.name}")
    return path


def skip(what: str, reason: str) -> None:
    """Report a part of a cell left out until you supply what it needs; it counts as not done.

    Parameters
    ----------
    what : str
        The part left out, e.g. ``"2.2 random_walk_metropolis"``.
    reason : str
        What to do to have it run, e.g. ``"set RWM_PROPOSAL_STD in the cell above"``.
    """
    print(f"{what} skipped: {reason}.")
    _record(what, "skipped")


def summary() -> None:
    """Print which cells ran, which wait on unwritten code, and the figures saved."""
    session = _session()
    print(f"{time.monotonic() - session.started:.0f} s since setup.")
    for what, outcome in session.outcomes.items():
        print(f"  {what}: {outcome}")
    if not session.saved:
        print(f"No figures saved yet; they go to {session.figures}.")
        return
    print(f"{len(session.saved)} figure(s) saved in {session.figures}:")
    for path in session.saved:
        print(f"  {path.name}")


def answer(label: str, value: Any, *args: Any) -> Any:
    """Show one of your theory answers, rendered; call ``value(*args)`` when it is a function.

    A function that is not written yet prints "not implemented yet" (see ``attempt``); a
    constant still ``None`` shows as "not answered yet". Either way the answer counts as not
    done in the status of the cell around it (see ``summary``). Nothing is checked here: the
    grader decides whether an answer is right.

    Parameters
    ----------
    label : str
        What is shown, e.g. ``"square_field_solution(h0, t)"``.
    value : object
        A function of ``theory.py`` (called with ``args``) or one of its constants.
    *args : object
        The arguments for a function.
    """
    if callable(value) and not isinstance(value, type):
        value = run(label, value, *args)
        if value is None:
            return None
    elif value is None:
        _display_text(f"{label}: not answered yet (still None)")
        _record(label, "not answered yet")
        return None
    else:
        _record(label, "answered")
    _display_value(label, value)
    return value


def _display_text(text: str) -> None:
    print(text)


def _display_value(label: str, value: Any) -> None:
    """A SymPy value as LaTeX in Jupyter (plain text elsewhere); anything else as text."""
    try:
        import sympy
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        print(f"{label} = {value!r}")
        return
    if get_ipython() is None:
        print(f"{label} = {value!r}")
        return
    symbolic = (sympy.Basic, sympy.MatrixBase)
    if isinstance(value, symbolic) or (
        isinstance(value, tuple) and all(isinstance(v, symbolic) for v in value)
    ):
        display(Markdown(f"`{label}` $= {sympy.latex(value)}$"))
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        display(Markdown(f"`{label}`: array of shape {tuple(value.shape)}, {value.dtype}"))
    else:
        display(Markdown(f"`{label}` = `{value!r}`"))
