"""Feedback a student can read: ``feedback.md`` and ``feedback.html`` beside ``results.json``.

For each question: the points, the checks that passed, the checks that failed with the
grader's message (the kind of bug found, never an expected value), and the figures the
grader saved under ``<results folder>/figures/``. The Markdown file links the figures; the
HTML file embeds them, so it can be sent on its own.

Both files are built from the ``SubmissionResult`` alone. The messages in it were written by
the graders for students (see ``engine/runner.feedback_for``) or printed by the student's
own code; both are shown verbatim inside code blocks (Markdown) or escaped (HTML), so
nothing in them can change the page.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.results import (
    SubmissionResult,
    TestOutcome,
    format_points,
    write_atomically,
)
from autograder.questions import QUESTIONS, Question

LOG = logging.getLogger(__name__)

MARKDOWN_FILE = "feedback.md"
HTML_FILE = "feedback.html"
FIGURES_DIR = "figures"
FIGURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")
MAX_EMBEDDED_BYTES = 5_000_000
"""A figure larger than this is linked from the HTML file instead of embedded."""

INTRODUCTION = (
    "Your score comes from hidden checks that call your functions with their own inputs. A "
    "failed check says what kind of mistake it found; it does not give the expected values. "
    "Reproduce the situation it describes with a small test of your own, fix the code, and "
    "run `pytest student/` again. Your written answers and figures are marked separately by "
    "a TA."
)


@dataclass
class QuestionFeedback:
    """What one question's section shows."""

    question: Question
    """the question (id, title, points)"""
    passed: list[TestOutcome] = field(default_factory=list)
    """checks that earned their points"""
    failed: list[TestOutcome] = field(default_factory=list)
    """checks that did not"""
    figures: list[Path] = field(default_factory=list)
    """figures the grader saved for this question"""

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.passed + self.failed), 6)

    @property
    def graded(self) -> bool:
        return bool(self.passed or self.failed)


def check_title(test: TestOutcome) -> str:
    """A check's name without its leading question id."""
    prefix = f"{test.question} "
    return test.name[len(prefix) :] if test.name.startswith(prefix) else test.name


def saved_figures(folder: Path) -> list[Path]:
    """The figures the grader wrote under ``folder/figures/``, by name."""
    figures = Path(folder) / FIGURES_DIR
    if not figures.is_dir():
        return []
    return sorted(
        path
        for path in figures.iterdir()
        if path.is_file() and not path.is_symlink() and path.suffix.lower() in FIGURE_SUFFIXES
    )


def figure_question(figure: Path, sections: list[QuestionFeedback]) -> str | None:
    """The question a figure belongs to, or None when it cannot be told.

    A figure whose name starts with a question id (``2.1-phase.png``, ``2_1_phase.png``)
    belongs to that question; otherwise to the one question whose check names mention the
    figure's name (``phase_portrait.png`` and "2.1 plot_phase_portrait draws ...").
    """
    stem = figure.stem
    for section in sections:
        qid = section.question.id
        if re.match(rf"{re.escape(qid)}(?!\d)|{qid.replace('.', '_')}(?!\d)", stem):
            return qid
    words = stem.lower()
    owners = {
        section.question.id
        for section in sections
        for test in section.passed + section.failed
        if words in test.name.lower()
    }
    return owners.pop() if len(owners) == 1 else None


def build_sections(
    result: SubmissionResult, folder: Path
) -> tuple[list[QuestionFeedback], list[Path]]:
    """Group the outcomes and figures by question; return the sections and unplaced figures."""
    sections = [QuestionFeedback(question) for question in QUESTIONS]
    by_id = {section.question.id: section for section in sections}
    for test in result.tests:
        section = by_id.get(test.question)
        if section is None:
            continue
        (section.passed if test.passed else section.failed).append(test)
    unplaced = []
    for figure in saved_figures(folder):
        owner = figure_question(figure, sections)
        if owner is None:
            unplaced.append(figure)
        else:
            by_id[owner].figures.append(figure)
    return sections, unplaced


# ---------------------------------------------------------------------------------------------
# Markdown


def _fenced(text: str) -> str:
    """``text`` as a fenced code block that no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _inline(text: str) -> str:
    """A check name made safe for one Markdown line."""
    return re.sub(r"([\\`*\[\]<>|])", r"\\\1", " ".join(text.split()))


def render_markdown(result: SubmissionResult, folder: Path) -> str:
    """The whole ``feedback.md`` for one submission."""
    sections, unplaced = build_sections(result, folder)
    graded = [section for section in sections if section.graded]
    possible = sum(section.question.points for section in graded)
    lines = [
        f"# Feedback for {_inline(result.name)}",
        "",
        f"**Score: {format_points(result.score)} / {format_points(possible)}**"
        + (" (only some questions were graded)" if graded and len(graded) < len(sections) else ""),
        "",
        INTRODUCTION,
        "",
    ]
    if result.error:
        lines += [
            "> **Grading did not complete.** The scores below may be incomplete; course staff "
            "have the details.",
            "",
        ]
    lines += ["| question | points | checks passed |", "|---|---:|---:|"]
    for section in graded:
        question = section.question
        lines.append(
            f"| [{question.id} {_inline(question.title)}](#{_anchor(question)}) "
            f"| {format_points(section.score)} / {format_points(question.points)} "
            f"| {len(section.passed)} of {len(section.passed) + len(section.failed)} |"
        )
    lines.append("")
    if result.not_implemented:
        names = ", ".join(f"`{name.strip('`')}`" for name in result.not_implemented)
        lines += [f"**Not implemented yet:** {names}.", ""]
    reports = sorted(getattr(result, "reports", {}) or {})
    if reports:
        links = ", ".join(f"[{_inline(name)}]({name})" for name in reports)
        lines += [f"**Marked by a TA, not scored here:** {links}.", ""]
    if result.notes:
        lines += ["**About the submission:**", ""]
        lines += [f"- {_inline(note)}" for note in result.notes]
        lines.append("")

    for section in graded:
        question = section.question
        lines += [
            f'<a id="{_anchor(question)}"></a>',
            "",
            f"## {question.id} {_inline(question.title)}: "
            f"{format_points(section.score)} / {format_points(question.points)}",
            "",
        ]
        if section.failed:
            lines += [f"### Failed ({len(section.failed)})", ""]
            for test in section.failed:
                lines += [
                    f"- **{_inline(check_title(test))}** "
                    f"({format_points(test.score)} / {format_points(test.max_score)})",
                    "",
                    _indent(_fenced(test.output or "no message"), "  "),
                    "",
                ]
        if section.passed:
            lines += [f"### Passed ({len(section.passed)})", ""]
            lines += [
                f"- {_inline(check_title(test))} ({format_points(test.max_score)})"
                for test in section.passed
            ]
            lines.append("")
        for figure in section.figures:
            lines += [f"![{_inline(figure.name)}]({FIGURES_DIR}/{figure.name})", ""]
    if unplaced:
        lines += ["## Figures the grader saved", ""]
        for figure in unplaced:
            lines += [f"![{_inline(figure.name)}]({FIGURES_DIR}/{figure.name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _anchor(question: Question) -> str:
    return "q" + question.id.replace(".", "-")


# ---------------------------------------------------------------------------------------------
# HTML

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #1d1d1f; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.7rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.full { background: #e9f7ec; } .partial { background: #fff6e0; } .none { background: #fdecec; }
pre { background: #f5f5f7; padding: 0.6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
li.failed { margin-bottom: 0.8rem; } .points { color: #555; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0; }
.warning { border-left: 4px solid #d33; padding-left: 0.8rem; }
"""


def _figure_html(figure: Path) -> str:
    name = html.escape(figure.name)
    size = figure.stat().st_size
    if size > MAX_EMBEDDED_BYTES:
        return f'<p><a href="{FIGURES_DIR}/{name}">{name}</a> (too large to embed)</p>'
    kind = "svg+xml" if figure.suffix.lower() == ".svg" else figure.suffix.lower().lstrip(".")
    kind = "jpeg" if kind == "jpg" else kind
    data = base64.b64encode(figure.read_bytes()).decode("ascii")
    image = f'<img alt="{name}" src="data:image/{kind};base64,{data}">'
    return f"<figure>{image}<figcaption>{name}</figcaption></figure>"


def _score_class(section: QuestionFeedback) -> str:
    if section.score >= section.question.points - 1e-9:
        return "full"
    return "partial" if section.score > 0 else "none"


def render_html(result: SubmissionResult, folder: Path) -> str:
    """The whole ``feedback.html`` for one submission (figures embedded)."""
    escape = html.escape
    sections, unplaced = build_sections(result, folder)
    graded = [section for section in sections if section.graded]
    possible = sum(section.question.points for section in graded)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Feedback for {escape(result.name)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Feedback for {escape(result.name)}</h1>",
        f"<p><strong>Score: {format_points(result.score)} / {format_points(possible)}</strong>"
        + (" (only some questions were graded)" if graded and len(graded) < len(sections) else "")
        + "</p>",
        f"<p>{_code_spans(escape(INTRODUCTION))}</p>",
    ]
    if result.error:
        parts.append(
            '<p class="warning"><strong>Grading did not complete.</strong> The scores below may '
            "be incomplete; course staff have the details.</p>"
        )
    parts.append("<table><tr><th>question</th><th>points</th><th>checks passed</th></tr>")
    for section in graded:
        question = section.question
        parts.append(
            f'<tr class="{_score_class(section)}"><td><a href="#{_anchor(question)}">'
            f"{escape(question.id)} {escape(question.title)}</a></td>"
            f'<td class="n">{format_points(section.score)} / {format_points(question.points)}'
            f'</td><td class="n">{len(section.passed)} of '
            f"{len(section.passed) + len(section.failed)}</td></tr>"
        )
    parts.append("</table>")
    if result.not_implemented:
        names = ", ".join(f"<code>{escape(n.strip('`'))}</code>" for n in result.not_implemented)
        parts.append(f"<p><strong>Not implemented yet:</strong> {names}.</p>")
    reports = sorted(getattr(result, "reports", {}) or {})
    if reports:
        links = ", ".join(f'<a href="{escape(n)}">{escape(n)}</a>' for n in reports)
        parts.append(f"<p><strong>Marked by a TA, not scored here:</strong> {links}.</p>")
    if result.notes:
        parts.append("<p><strong>About the submission:</strong></p><ul>")
        parts += [f"<li>{escape(note)}</li>" for note in result.notes]
        parts.append("</ul>")

    for section in graded:
        question = section.question
        parts.append(
            f'<h2 id="{_anchor(question)}">{escape(question.id)} {escape(question.title)}: '
            f"{format_points(section.score)} / {format_points(question.points)}</h2>"
        )
        if section.failed:
            parts.append(f"<h3>Failed ({len(section.failed)})</h3><ul>")
            for test in section.failed:
                parts.append(
                    f'<li class="failed"><strong>{escape(check_title(test))}</strong> '
                    f'<span class="points">({format_points(test.score)} / '
                    f"{format_points(test.max_score)})</span>"
                    f"<pre>{escape(test.output or 'no message')}</pre></li>"
                )
            parts.append("</ul>")
        if section.passed:
            parts.append(
                f"<details><summary>Passed ({len(section.passed)})</summary><ul>"
                + "".join(
                    f"<li>{escape(check_title(test))} "
                    f'<span class="points">({format_points(test.max_score)})</span></li>'
                    for test in section.passed
                )
                + "</ul></details>"
            )
        parts += [_figure_html(figure) for figure in section.figures]
    if unplaced:
        parts.append("<h2>Figures the grader saved</h2>")
        parts += [_figure_html(figure) for figure in unplaced]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _code_spans(escaped: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


# ---------------------------------------------------------------------------------------------


def write_feedback(result: SubmissionResult, folder: Path) -> list[Path]:
    """Write ``feedback.md`` and ``feedback.html`` into ``folder``; return their paths.

    Never raises: feedback is a courtesy on top of ``results.json`` (written right after it),
    so a failure here is logged and grading goes on.
    """
    folder = Path(folder)
    written = []
    for name, render in ((MARKDOWN_FILE, render_markdown), (HTML_FILE, render_html)):
        try:
            write_atomically(folder / name, render(result, folder))
            written.append(folder / name)
        except Exception:  # a bad figure file, a full disk: keep grading
            LOG.exception("could not write %s for %s", name, result.name)
    return written
