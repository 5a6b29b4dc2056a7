"""The handout notebook: build it from its text source, and run it on any ``student/``.

The notebook ``assignment/practice07.ipynb`` is generated from a plain-text source in
Jupytext's Markdown format (prose as Markdown, code cells as fenced ``python`` blocks), so
that reviews and merges happen on text and the two files never disagree::

    python -m autograder.notebook build            # source -> practice07.ipynb (no outputs)
    python -m autograder.notebook check            # exit 1 if the .ipynb is out of date
    python -m autograder.notebook run FOLDER       # execute against FOLDER/student

``run`` executes the notebook top to bottom with ``nbclient`` in a fresh kernel, with
``FOLDER`` as the place where ``student/`` is found, and writes the figures into a folder of
your choice. Cells tagged ``answer:NAME`` hold values a student fills in (a variance law, a
tuning); ``execute`` can replace them, which is how the reference run draws every curve
(``solutions/notebook_answers.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOG = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignment"
SOURCE = ASSIGNMENT / "handout.md"
NOTEBOOK = ASSIGNMENT / "practice07.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
ANSWER_TAG = "answer:"


def read_source(source: Path = SOURCE):
    """The notebook made from the text source, without outputs, as an ``nbformat`` node."""
    import jupytext

    notebook = jupytext.read(source, fmt="md")
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    return notebook


def build(source: Path = SOURCE, out: Path = NOTEBOOK) -> Path:
    """Write the ``.ipynb`` made from ``source`` and return its path."""
    import nbformat

    notebook = read_source(source)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"  # stable ids: rebuilding changes nothing
    text = nbformat.writes(notebook, version=4)
    Path(out).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    LOG.info("wrote %s", out)
    return Path(out)


def in_sync(source: Path = SOURCE, notebook: Path = NOTEBOOK) -> bool:
    """Whether ``notebook`` is exactly what ``build`` makes from ``source``."""
    with tempfile.TemporaryDirectory() as temporary:
        fresh = build(source, Path(temporary) / "fresh.ipynb")
        return notebook.is_file() and fresh.read_text() == notebook.read_text()


@dataclass
class Execution:
    """What running the notebook gave."""

    seconds: float
    """wall-clock time of the whole run, kernel start included"""
    cell_seconds: list[tuple[str, float]] = field(default_factory=list)
    """for each code cell, its first line and how long it ran"""
    errors: list[str] = field(default_factory=list)
    """error outputs (a cell that raised), which a good run has none of"""
    text: str = ""
    """everything the cells printed, joined"""
    figures: list[Path] = field(default_factory=list)
    """the PNG files in the figures folder after the run"""
    notebook: object = None
    """the executed notebook (``nbformat`` node, outputs included)"""


def replace_answers(notebook, answers: dict[str, str]) -> list[str]:
    """Put ``answers[NAME]`` into each cell tagged ``answer:NAME``; return the names used."""
    used = []
    for cell in notebook.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith(ANSWER_TAG) and tag[len(ANSWER_TAG) :] in answers:
                cell["source"] = answers[tag[len(ANSWER_TAG) :]]
                used.append(tag[len(ANSWER_TAG) :])
    return used


def execute(
    student_root: Path,
    figures: Path,
    *,
    answers: dict[str, str] | None = None,
    notebook_path: Path = NOTEBOOK,
    cell_timeout: float = 600.0,
) -> Execution:
    """Run the notebook against ``student_root/student`` and collect what it produced.

    Parameters
    ----------
    student_root : Path
        The folder that holds the ``student/`` package to use.
    figures : Path
        Where the notebook saves its PNG files.
    answers : dict, optional
        Source code for the cells tagged ``answer:NAME``, by NAME.
    notebook_path : Path
        The notebook to run (by default the generated one).
    cell_timeout : float
        Seconds one cell may run before the run is stopped.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(notebook_path, as_version=4)
    if answers:
        replace_answers(notebook, answers)
    figures = Path(figures)
    figures.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="practice07-kernel-") as scratch:
        environment = {
            "PRACTICE07_STUDENT_ROOT": str(Path(student_root).resolve()),
            "PRACTICE07_FIGURES": str(figures.resolve()),
            "IPYTHONDIR": str(Path(scratch) / "ipython"),
            "JUPYTER_RUNTIME_DIR": str(Path(scratch) / "runtime"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        saved = {key: os.environ.get(key) for key in environment}
        os.environ.update(environment)
        started = time.monotonic()
        try:
            client = NotebookClient(
                notebook,
                timeout=cell_timeout,
                kernel_name=KERNELSPEC["name"],
                resources={"metadata": {"path": str(notebook_path.parent)}},
                allow_errors=True,
            )
            timings = []
            with client.setup_kernel():
                for index, cell in enumerate(notebook.cells):
                    cell_started = time.monotonic()
                    client.execute_cell(cell, index)
                    if cell.cell_type == "code":
                        first = (cell.source.strip().splitlines() or [""])[0]
                        timings.append((first[:60], time.monotonic() - cell_started))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    result = Execution(seconds=time.monotonic() - started, cell_seconds=timings)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                result.errors.append(f"{output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream":
                texts.append(output.get("text", ""))
            elif "text/plain" in output.get("data", {}):
                texts.append(output["data"]["text/plain"])
    result.text = "".join(texts)
    result.figures = sorted(figures.glob("*.png"))
    result.notebook = notebook
    return result


MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")


def reference_package(folder: Path) -> Path:
    """Lay the reference solutions out as ``folder/student/`` and return ``folder``."""
    package = Path(folder) / "student"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    for name in MODULES:
        (package / f"{name}.py").write_bytes((ROOT / "solutions" / f"{name}.py").read_bytes())
    return Path(folder)


def reference_answers() -> dict[str, str]:
    """The reference's code for the notebook's answer cells (never shipped to students)."""
    sys.path.insert(0, str(ROOT))
    try:
        from solutions.notebook_answers import ANSWERS
    finally:
        sys.path.remove(str(ROOT))
    return dict(ANSWERS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.notebook", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="write practice07.ipynb from its text source")
    commands.add_parser("check", help="exit 1 when practice07.ipynb is out of date")
    run = commands.add_parser("run", help="execute the notebook against FOLDER/student")
    run.add_argument("folder", help="the folder that holds student/, or 'reference'")
    run.add_argument("--figures", default=None, help="where to save the PNGs")
    run.add_argument("--reference-answers", action="store_true", help="fill the answer cells")
    args = parser.parse_args(argv)

    if args.command == "build":
        print(f"wrote {build()}")
        return 0
    if args.command == "check":
        if in_sync():
            print(f"{NOTEBOOK.name} is up to date with {SOURCE.name}")
            return 0
        print(f"{NOTEBOOK.name} is out of date: run python -m autograder.notebook build")
        return 1
    with tempfile.TemporaryDirectory(prefix="practice07-reference-") as temporary:
        folder = Path(args.folder)
        if args.folder == "reference":
            folder = reference_package(Path(temporary))
        figures = Path(args.figures or folder / "student" / "figures")
        answers = reference_answers() if args.reference_answers else None
        result = execute(folder, figures, answers=answers)
    for first_line, seconds in result.cell_seconds:
        print(f"{seconds:7.1f} s  {first_line}")
    print(f"{result.seconds:.1f} s in all; {len(result.figures)} figures in {figures}")
    for error in result.errors:
        print(f"cell error: {error}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
