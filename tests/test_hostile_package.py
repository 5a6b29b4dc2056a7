"""Nothing hidden reaches the student package: no line of ``solutions/`` or of the hidden
graders that is not also in the stubs appears anywhere in ``student.zip``."""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder import packaging

ROOT = Path(__file__).resolve().parents[1]
MIN_LENGTH = 20
"""shorter lines (``return q, p``, ``import numpy as np``) say nothing about the answers"""


def hidden_lines() -> set[str]:
    stubs = {
        line.strip()
        for path in (ROOT / "student").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    sources = [*(ROOT / "solutions").glob("*.py"), *(ROOT / "autograder" / "graders").glob("*.py")]
    lines = set()
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= MIN_LENGTH and line not in stubs:
                lines.add(line)
    return lines


def test_student_zip_holds_no_hidden_line(tmp_path):
    archive_path = packaging.build_student_zip(tmp_path / "dist" / "student.zip")
    hidden = hidden_lines()
    assert len(hidden) > 500, "the hidden sources were not found"
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert not [n for n in names if n.startswith(("solutions/", "autograder/", "tests/"))]
        for name in names:
            text = archive.read(name).decode("utf-8", errors="replace")
            shipped = {line.strip() for line in text.splitlines()}
            leaked = sorted(shipped & hidden)
            assert not leaked, f"{name} holds hidden lines, e.g. {leaked[:3]}"
