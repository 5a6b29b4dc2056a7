"""Otter's door onto the same grading path: ``otter run``, ``otter grade`` and Gradescope.

The Otter test files that ``practice07 build`` generates hold one test case per hidden
check, each calling ``verdict(name)``. The first call grades the submission folder found
in the working directory (Otter runs tests from the submission folder) with
``grade_submission``, exactly as ``practice07 grade`` does, and keeps the result for the
rest of the run; each case then passes or raises with that check's feedback. Otter adds the
points up per question, so its scores equal ours by construction.

Student code still runs only in the engine's child process, never in Otter's kernel: the
entry script that Otter executes as "the submission" is ours and imports nothing of the
student's. Otter starts that kernel in the submission folder with the folder first on
``sys.path``, so a submission that ships a top-level ``numpy/``, ``otter/``, ``autograder/``
or ``traitlets/`` package would be imported by the kernel before any of our code runs. The
``SanitizeSubmission`` plugin (named in the generated ``otter_config.json``) prevents that:
it runs in Otter's runner process before the kernel starts, keeps only the five contract
modules (through ``intake``, the same rules as ``practice07 grade``), and removes every
other file and folder the student supplied; what it removed is listed in the feedback. A
top-level notebook in the zip would be chosen by Otter as "the submission" and run in its
kernel; the plugin overwrites whatever Otter chose with our harmless entry.

Before Otter looks at the submission, the ``run_otter.py`` of the autograder zip (what
Gradescope and ``otter grade`` start) calls ``clean_submission_folder``: stray files are
removed from an extracted submission, and a zip submission is rewritten to hold only the
taken modules, so that the tricks below cannot stop Otter there.

Limitations
-----------
``otter run`` (local, without Docker) does not go through ``run_otter.py``: it unzips a zip
submission with ``zipfile.extractall`` and looks for exactly one
top-level ``.py`` file (or one ``.ipynb``) before any plugin runs: a zip whose member
names make ``extractall`` fail (a name longer than the file system allows), or that holds a
second top-level ``.py`` file or a second notebook, ends with Otter's own error ("More than
one Python file found in submission") and no score, before this module is reached. Otter's
``extractall`` also lets a later duplicate member, or a ``student/../x`` name, overwrite an
earlier file, so such zips may score lower under Otter than under ``practice07 grade``
(never higher).
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import zipfile
from pathlib import Path

from autograder.engine.results import SubmissionResult, escape_text

try:
    from otter.plugins import AbstractOtterPlugin
except ImportError:  # Otter is optional for practice07 grade
    AbstractOtterPlugin = object

LOG = logging.getLogger(__name__)

ENTRY_SCRIPT = "practice07_submission.py"
PLUGIN = "autograder.otter_bridge.SanitizeSubmission"
"""the plugin's importable name, for ``otter_config.json``'s ``plugins`` list"""
NOTES_VARIABLE = "PRACTICE07_OTTER_NOTES"
"""set by the plugin in the runner; the kernel, started afterwards, inherits it"""
OTTER_OWN = {ENTRY_SCRIPT, "tests", "__init__.py"}
"""what Otter itself puts in the submission folder (our entry script, the test files)"""
_RESULT: SubmissionResult | None = None


def sanitize_folder(folder: Path, keep: str | None = ENTRY_SCRIPT) -> list[str]:
    """Leave in ``folder`` only Otter's own files (and ``keep``, the file Otter will run)
    and ``student/`` with the taken modules; with ``keep=None``, only ``student/``.

    Returns the notes for the feedback (what was not taken, and why).
    """
    from autograder.engine import intake
    from autograder.engine.runner import intake_notes

    folder = Path(folder)
    own = set() if keep is None else OTTER_OWN | {keep}
    taken = intake.take(folder)
    taken.ignored = [
        name
        for name in taken.ignored
        if name.split("/", 1)[0] not in OTTER_OWN and not name.endswith(".whl")
    ]
    for entry in list(folder.iterdir()):
        if entry.name in own and not entry.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    package = folder / "student"
    package.mkdir()
    (package / "__init__.py").write_bytes(b"")
    for name, data in taken.files.items():
        (package / name).write_bytes(data)
    return intake_notes(taken)


class SanitizeSubmission(AbstractOtterPlugin):
    """Otter plugin: clean the submission folder before Otter's kernel starts in it."""

    def before_grading(self, config) -> None:
        """Runs in Otter's runner process, in the submission folder.

        Otter has already chosen the file it will execute as "the submission": our entry
        script, unless the student's zip holds a top-level notebook (Otter prefers a single
        ``*.ipynb``). Whatever it chose is overwritten with our harmless entry, so that
        nothing of the student's ever runs in Otter's kernel.
        """
        folder = Path.cwd()
        chosen = Path(self.submission_path)
        self.notes = earlier_notes() + sanitize_folder(folder, keep=chosen.name)
        if chosen.name != ENTRY_SCRIPT:
            self.notes.append(
                escape_text(
                    f"{chosen.name} was not run: only the five modules in student/ are graded."
                )
            )
        write_entry(folder / chosen.name)
        os.environ[NOTES_VARIABLE] = json.dumps(self.notes)
        LOG.info("submission folder %s sanitized", folder)


def earlier_notes() -> list[str]:
    """Notes left by ``clean_submission_folder`` earlier in this process, if any."""
    try:
        notes = json.loads(os.environ.get(NOTES_VARIABLE, "[]"))
    except ValueError:
        return []
    return [str(note) for note in notes] if isinstance(notes, list) else []


def clean_submission_folder(autograder_dir: str | Path) -> None:
    """Keep only the five modules of ``student/`` in ``<autograder_dir>/submission``.

    Runs before Otter sees the folder (Gradescope and ``otter grade`` start grading with the
    ``run_otter.py`` that ``practice07 build`` writes), so that stray top-level files of a
    submission (a ``conftest.py``, a second script, names Otter cannot copy) cannot stop
    Otter before our plugin runs. A folder holding a single zip (``otter grade --ext zip``,
    which then has Otter extract it) gets the zip rewritten in place by ``rewrite_zip``.
    Never raises: a failure here leaves the plugin to do the work.
    """
    folder = Path(autograder_dir) / "submission"
    try:
        entries = list(folder.iterdir())
        if len(entries) == 1 and entries[0].suffix == ".zip" and entries[0].is_file():
            notes = rewrite_zip(entries[0])
            os.environ[NOTES_VARIABLE] = json.dumps(notes)
            LOG.info("submission zip %s rewritten before Otter", entries[0])
            return
        if not entries or all(entry.suffix == ".zip" for entry in entries):
            return
        notes = sanitize_folder(folder, keep=None)
        os.environ[NOTES_VARIABLE] = json.dumps(notes)
        LOG.info("submission folder %s cleaned before Otter", folder)
    except Exception:  # noqa: BLE001 - Otter's run and our plugin still follow
        LOG.exception("could not clean %s before Otter", folder)


def rewrite_zip(path: Path) -> list[str]:
    """Replace the zip at ``path``, in place, by one that holds only ``student/`` with the
    taken modules, read through ``intake`` as ``practice07 grade`` reads them; Otter then
    extracts a zip it can handle. Written in place, not renamed, because ``otter grade``
    mounts the file into its container. Returns the notes for the feedback."""
    from autograder.engine import intake
    from autograder.engine.runner import intake_notes

    taken = intake.take(Path(path))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("student/__init__.py", b"")
        for name, data in sorted(taken.files.items()):
            archive.writestr(f"student/{name}", data)
    Path(path).write_bytes(buffer.getvalue())
    return intake_notes(taken)


RUN_OTTER_TEXT = '''"""Grade one submission: clean its folder, then run Otter's autograding.

Written by ``practice07 build`` in place of the script ``otter generate`` makes: the same
call, preceded by ``autograder.otter_bridge.clean_submission_folder``.
"""

import sys

from otter.run.run_autograder import main as run_autograder

from autograder.otter_bridge import clean_submission_folder

if __name__ == "__main__":
    autograder_dir = sys.argv[1] if len(sys.argv) > 1 else "/autograder"
    clean_submission_folder(autograder_dir)
    run_autograder(autograder_dir)
'''
"""the ``run_otter.py`` of the autograder zip (``run_autograder`` calls it)"""


ENTRY_TEXT = (
    '"""Otter runs this file as the submission; grading happens in the test files.\n\n'
    "The student's code is in the student/ folder beside it and runs only in the\n"
    'grader\'s separate process."""\n'
)


def write_entry(path: Path) -> None:
    """Write our harmless entry at ``path``: a script, or a notebook of that script."""
    path = Path(path)
    if path.is_symlink() or path.is_dir():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if path.suffix == ".ipynb":
        cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": []}
        notebook = {
            "cells": [{**cell, "source": ENTRY_TEXT}],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        path.write_text(json.dumps(notebook))
    else:
        path.write_text(ENTRY_TEXT)


def submission_folder() -> Path:
    """The folder holding the student's ``student/`` package in an Otter run."""
    for candidate in (Path.cwd(), Path("/autograder/submission")):
        if (candidate / "student").is_dir():
            return candidate
    return Path.cwd()


def graded() -> SubmissionResult:
    """Grade the submission once per Otter run and keep the result.

    ``PRACTICE07_QUESTIONS`` (comma-separated ids) restricts grading to those questions, for
    tests of this path; ``PRACTICE07_OTTER_OUT`` names a folder for a copy of our own
    ``results.json`` and figures.
    """
    global _RESULT
    if _RESULT is None:
        from autograder.engine.runner import grade_submission

        out_dir = os.environ.get("PRACTICE07_OTTER_OUT")
        folder = submission_folder()
        questions = os.environ.get("PRACTICE07_QUESTIONS")
        _RESULT = grade_submission(
            folder,
            Path(out_dir) if out_dir else None,
            name="submission",
            questions=set(questions.split(",")) if questions else None,
            secrets=(folder.parent / "source", folder.parent / "results"),
        )
        # The kernel's own intake sees Otter's files beside student/; the plugin's notes,
        # taken before Otter's files mattered, are the ones to show.
        own = [note for note in _RESULT.notes if not note.startswith("Not graded")]
        notes = os.environ.get(NOTES_VARIABLE)
        if notes is None:
            LOG.warning("the submission folder was not sanitized (plugin %s not run)", PLUGIN)
        else:
            plugin_notes = json.loads(notes)
            own = plugin_notes + [note for note in own if note not in plugin_notes]
        _RESULT.notes = own
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
