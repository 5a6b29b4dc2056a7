"""Notice, and undo, changes student code made to the grader's files while it ran.

In ``namespaces`` and ``permissions`` mode (see ``sandbox``) the student process cannot
reach the grader's package or the results folder, and ``Guard`` does nothing. In ``none``
mode it runs as the grader's user and could rewrite the hidden graders, or the
``results.json`` of submissions graded earlier. ``Guard`` snapshots both before a
submission is graded and compares after: results files of other submissions are restored
from the snapshot, and any change is reported so that the submission's result is marked as
not trusted.

Limitations
-----------
In ``none`` mode the Python environment itself (numpy, torch) is writable by the student
process if it is writable by the grader's user; ``Guard`` does not hash it (tens of
thousands of files). Grade as root, or from a read-only environment, to rule that out.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from autograder.engine.results import RESULTS_FILE, write_atomically
from autograder.engine.sandbox import PACKAGE_DIR, Policy

LOG = logging.getLogger(__name__)


def package_digest() -> dict[str, str]:
    """SHA-256 of every Python file of the grader's package, by relative path."""
    digests = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        try:
            digests[str(path.relative_to(PACKAGE_DIR))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
        except OSError:
            digests[str(path.relative_to(PACKAGE_DIR))] = "unreadable"
    return digests


class Guard:
    """Before/after comparison of the grader's package and the results folder."""

    def __init__(self, policy: Policy, out_dir: Path | None):
        self.active = policy.mode == "none"
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.package: dict[str, str] = {}
        self.results: dict[Path, bytes] = {}
        if not self.active:
            return
        self.package = package_digest()
        if self.out_dir is not None and self.out_dir.is_dir():
            for path in self.out_dir.glob(f"*/{RESULTS_FILE}"):
                try:
                    self.results[path] = path.read_bytes()
                except OSError:
                    continue

    def check(self) -> list[str]:
        """What changed since the snapshot (restoring results files); empty when nothing."""
        if not self.active:
            return []
        changed = []
        now = package_digest()
        for name in sorted(set(now) | set(self.package)):
            if now.get(name) != self.package.get(name):
                changed.append(f"autograder/{name}")
        for path, data in self.results.items():
            try:
                current = path.read_bytes()
            except OSError:
                current = None
            if current != data:
                changed.append(str(path))
                write_atomically(path, data.decode("utf-8"))
                LOG.warning("restored %s, changed while another submission was graded", path)
        return changed
