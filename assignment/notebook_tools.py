"""Small tools for the Practice 07 notebook: find your code, run it safely, save figures.

The notebook ``practice07.ipynb`` imports this file from its own folder. Three things:

- ``setup()`` puts the folder that holds your ``student/`` package on the import path and
  chooses where figures go (``student/figures/``, handed in with your code).
- ``attempt(what)`` wraps a figure cell: a function you have not written yet prints
  "not implemented yet" and the cell finishes, so "Run All" always reaches the end; any
  other error in your code prints its type, message and place, and a short traceback.
- ``save(fig, name)`` writes a figure as PNG into the figures folder.

``tqdm`` is the progress bar to use: a widget when ``ipywidgets`` is installed, text
otherwise (without the warning ``tqdm.auto`` gives then).

Two environment variables override the defaults (the project's own tests use them):
``PRACTICE07_STUDENT_ROOT``, a folder holding ``student/``, and ``PRACTICE07_FIGURES``, the
folder for the PNG files.
"""

from __future__ import annotations

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
    from tqdm.auto import tqdm
except ImportError:
    from tqdm.std import tqdm

__all__ = ["answer", "attempt", "run", "save", "setup", "summary", "tqdm"]


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
    """what each attempted cell ended with: ``drawn`` or the reason it did not"""
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


_OPEN: list[str] = []
"""The attempts running now, outermost first (a figure cell may nest ``run`` calls)."""
_SAID: set[str] = set()
"""Missing functions already reported by the attempts running now (said once per cell)."""


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
    _OPEN.append(what)
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
        _failed(session, what, f"waiting on {name}")
        _close_new(open_figures)
    except Exception as problem:
        error = problem
        frame = _student_frame(error)
        if isinstance(error, NameError) and frame is None:
            # A name the notebook defines in an earlier cell: that cell has not run, or it
            # stopped before defining it.
            print(
                f"{what}: needs an earlier cell ({error}). Run the cells above in order; if "
                "one of them printed a message, deal with it first."
            )
            _failed(session, what, "waiting on an earlier cell")
        else:
            where = ""
            if frame is not None:
                where = f" (at {Path(frame.filename).name}:{frame.lineno} in "
                where += f"{_function_name(frame)})"
            message = str(error).splitlines()[0] if str(error) else ""
            print(f"{what}: your code raised {type(error).__name__}: {message}{where}")
            print("The traceback, innermost call last:")
            traceback.print_exception(type(error), error, error.__traceback__, limit=-4)
            _failed(session, what, f"error: {type(error).__name__}")
        _close_new(open_figures)
    else:
        if session.outcomes.get(what) == "running":
            session.outcomes[what] = "done"
    finally:
        _OPEN.pop()


def _failed(session: Session, what: str, outcome: str) -> None:
    """Record a failed attempt, and mark the attempts around it as only partly done."""
    session.outcomes[what] = outcome
    for outer in _OPEN[:-1]:
        session.outcomes[outer] = "partly done"


def _close_new(before: set[int]) -> None:
    """Close figures opened by a failed block, so half-drawn plots do not show."""
    for number in set(plt.get_fignums()) - before:
        plt.close(number)


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


def summary() -> None:
    """Print which cells ran, which wait on unwritten code, and the figures saved."""
    session = _session()
    print(f"{time.monotonic() - session.started:.0f} s since setup.")
    for what, outcome in session.outcomes.items():
        print(f"  {what}: {outcome}")
    print(f"{len(session.saved)} figure(s) saved in {session.figures}:")
    for path in session.saved:
        print(f"  {path.name}")


def answer(label: str, value: Any, *args: Any) -> Any:
    """Show one of your theory answers, rendered; call ``value(*args)`` when it is a function.

    A function that is not written yet prints "not implemented yet" (see ``attempt``); a
    constant still ``None`` shows as "not answered yet". Nothing is checked here: the
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
        return None
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
