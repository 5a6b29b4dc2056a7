"""feedback.md and feedback.html: per question points, passes, failures and figures, safely."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.engine.results import SubmissionResult
from autograder.engine.results import TestOutcome as Outcome
from autograder.engine.runner import grade_submission
from autograder.feedback import render_html, render_markdown, write_feedback

ROOT = Path(__file__).resolve().parent.parent
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8ffff3f0005fe02fea7d6a4e70000000049454e44ae426082"
)
HOSTILE = "```\n</pre><script>alert(1)</script>\n# not a heading\n````"


def synthetic_result() -> SubmissionResult:
    result = SubmissionResult("alice")
    result.tests = [
        Outcome("1.7 euler_step matches hand-worked values", "1.7", 1.5, 1.5, "passed"),
        Outcome("1.7 simulate stacks the states from row 0", "1.7", 1.0, 0.0, "row 0 wrong"),
        Outcome("2.1 plot_phase_portrait draws a field", "2.1", 2.0, 0.0, HOSTILE),
    ]
    result.not_implemented = ["`train_neural_ode`"]
    result.notes = ["Not graded (only the five modules are taken): notes.txt."]
    result.reports = {"written.md": "## 1.1\nmy answer"}
    return result


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "phase_portrait.png").write_bytes(PNG)
    (tmp_path / "figures" / "other.png").write_bytes(PNG)
    return tmp_path


def test_markdown_has_points_passes_failures_and_figures_per_question(folder: Path) -> None:
    text = render_markdown(synthetic_result(), folder)
    assert "**Score: 1.5 / 36** (only some questions were graded)" in text
    assert "| [1.7 Forward Euler and energy](#q1-7) | 1.5 / 10 | 1 of 2 |" in text
    section_17 = text.split("## 1.7")[1].split("## 2.1")[0]
    assert "### Failed (1)" in section_17 and "row 0 wrong" in section_17
    assert "### Passed (1)" in section_17 and "euler_step matches" in section_17
    section_21 = text.split("## 2.1")[1].split("## Figures the grader saved")[0]
    assert "![phase_portrait.png](figures/phase_portrait.png)" in section_21
    assert "![other.png](figures/other.png)" in text.split("## Figures the grader saved")[1]
    assert "**Not implemented yet:** `train_neural_ode`." in text
    assert "notes.txt" in text
    assert "**Marked by a TA, not scored here:** [written.md](written.md)." in text


def test_markdown_keeps_student_output_inside_its_code_block(folder: Path) -> None:
    text = render_markdown(synthetic_result(), folder)
    fences = re.findall(r"^\s*(`{3,})", text, re.M)
    assert "`````" in fences  # longer than the longest backtick run in the message
    assert "\n# not a heading" not in text  # indented inside the list item's code block


def test_html_escapes_student_output_and_embeds_figures(folder: Path) -> None:
    page = render_html(synthetic_result(), folder)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("data:image/png;base64,") == 2
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and parser.tags.count("h2") == 3


def test_write_feedback_writes_both_files_and_never_raises(folder: Path) -> None:
    written = write_feedback(synthetic_result(), folder)
    assert [path.name for path in written] == ["feedback.md", "feedback.html"]
    broken = SubmissionResult("bob")
    broken.tests = [object()]  # type: ignore[list-item]
    assert write_feedback(broken, folder / "elsewhere") == []


def test_grading_writes_feedback_beside_results(tmp_path: Path) -> None:
    grade_submission(ROOT / "student", tmp_path, name="stubs", questions={"1.8"})
    text = (tmp_path / "stubs" / "feedback.md").read_text()
    assert (tmp_path / "stubs" / "results.json").is_file()
    assert "## 1.8 " in text and "0 / 3" in text and "### Failed" in text
    assert (tmp_path / "stubs" / "feedback.html").is_file()
