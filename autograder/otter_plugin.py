"""An Otter plugin that gives Otter's results the same overall output as ``practice07 grade``.

Otter builds Gradescope's ``results.json`` itself, from its test files: one entry per
question, and no text about the submission as a whole. Our own results carry such text:
notes (modules missing, answers flagged for a TA) and the written answers collected for the
TA (``written.md``). The bridge (``otter_bridge.graded``), which runs in Otter's kernel,
leaves ``SubmissionResult.summary_text()`` in a hand-off file; this plugin, which Otter runs
in its own process after grading (``after_grading``), puts that text into the top-level
``output`` of the results, where Gradescope shows it above the per-question entries.

The hand-off file lives in the temporary folder, in a subfolder named after a hash of the
submission folder's path, which both processes know.

Limitations
-----------
Student code runs in the engine's child process as the same user, so it could write a file at
the hand-off path; the bridge writes its own text after the child has finished, and the text
only ever reaches that student's own results output.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from otter.plugins import AbstractOtterPlugin

LOG = logging.getLogger(__name__)

HANDOFF_FOLDER = "practice07-otter"
HANDOFF_FILE = "output.txt"
PLUGIN_NAME = f"{__name__}.ResultsOutputPlugin"
"""the importable name that goes into ``otter_config.json``'s ``plugins``"""


def handoff_path(submission_folder: Path) -> Path:
    """Where the summary of the submission graded in ``submission_folder`` is handed over."""
    key = hashlib.sha256(str(Path(submission_folder).resolve()).encode("utf-8")).hexdigest()
    return Path(tempfile.gettempdir()) / HANDOFF_FOLDER / key[:20] / HANDOFF_FILE


def write_handoff(submission_folder: Path, text: str) -> None:
    """Leave ``text`` for the plugin (called by the bridge in Otter's kernel)."""
    path = handoff_path(submission_folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class ResultsOutputPlugin(AbstractOtterPlugin):
    """Sets the results' top-level output to the text the bridge handed over."""

    def after_grading(self, results) -> None:
        """Put the hand-off text into ``results``' output; leave it alone if there is none."""
        path = handoff_path(Path(self.submission_path).parent)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            LOG.warning("no grading summary was handed over at %s", path)
            return
        results.set_output(text)
