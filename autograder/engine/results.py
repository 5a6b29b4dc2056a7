"""Results of grading: per test, per submission, and the gradebook across submissions.

A submission's results are written as Gradescope's ``results.json`` (top-level ``score``,
``execution_time``, ``output``, ``extra_data`` and ``tests``, each test with ``name``,
``number``, ``score``, ``max_score``, ``output`` and ``visibility``). ``extra_data`` holds
timings: ``student_time``, the seconds spent in the submission's own code, and
``check_time``, the seconds spent in the checks, student code included. ``grades.csv`` is
rebuilt from the ``results.json`` files on disk, so it always agrees with them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.questions import QUESTIONS

RESULTS_FILE = "results.json"
GRADES_FILE = "grades.csv"
MAX_REPORT_SHOWN = 50_000
"""characters of a report (written answers) shown in the results' output; the file beside
``results.json`` keeps all of it"""
_CONTROL = {code: f"\\x{code:02x}" for code in range(32) if code not in (9, 10)}
_CONTROL[127] = "\\x7f"


def escape_text(text: str) -> str:
    """``text`` with control characters (terminal escapes, carriage returns, NUL) shown as
    ``\\xNN`` and lone surrogates replaced, so that it prints as what it is."""
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text.translate(_CONTROL)


@dataclass
class TestOutcome:
    """One hidden check's verdict."""

    name: str
    """the test's name, starting with its question id ("2.2 leapfrog ...")"""
    question: str
    """the question id, e.g. ``"2.2"``"""
    max_score: float
    """the points the check is worth"""
    score: float = 0.0
    """the points earned: all or nothing"""
    output: str = ""
    """feedback for the student: what kind of bug was found, never expected values"""
    duration: float = 0.0
    """seconds the check took, student code included"""
    internal_error: bool = False
    """the grader itself failed on this check; staff should look at the log"""

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass
class SubmissionResult:
    """All verdicts for one submission, plus what intake noticed."""

    name: str
    """the submission's name (folder or zip stem)"""
    tests: list[TestOutcome] = field(default_factory=list)
    """one outcome per hidden check, in the order they ran"""
    notes: list[str] = field(default_factory=list)
    """messages about the submission as a whole: ignored files, missing modules"""
    execution_time: float = 0.0
    """wall-clock seconds for the whole submission"""
    student_time: float = 0.0
    """seconds of that spent inside the submission's own code (answered calls only)"""
    error: str | None = None
    """set when grading itself failed; the scores are then incomplete"""
    not_implemented: list[str] = field(default_factory=list)
    """functions that still raise ``NotImplementedError``, in the order first met"""
    fingerprint: str = ""
    """SHA-256 of the modules that were taken (see ``intake``): a changed submission is
    graded again when a batch resumes"""
    selection: list[str] | None = None
    """the question ids graded when only some were (``["*"]`` for a custom selection)"""
    resumed: bool = False
    """read back from an earlier run's ``results.json`` rather than graded now"""
    reports: dict[str, str] = field(default_factory=dict)
    """Markdown texts for the TA by file name (the written answers, ``written.md``), written
    beside ``results.json`` and appended to its output"""

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.tests), 6)

    def question_scores(self) -> dict[str, float]:
        scores = {question.id: 0.0 for question in QUESTIONS}
        for test in self.tests:
            scores[test.question] = round(scores.get(test.question, 0.0) + test.score, 6)
        return scores

    def summary_text(self) -> str:
        lines = [
            f"Hidden graders: {format_points(self.score)} / 100 points. (The public self-checks"
            " in student/tests are not part of this score.)"
        ]
        for question in QUESTIONS:
            mine = [t for t in self.tests if t.question == question.id]
            if not mine:
                continue
            passed = sum(t.passed for t in mine)
            got = format_points(sum(t.score for t in mine))
            lines.append(
                f"  {question.id} {question.title}: {got} / {format_points(question.points)}"
                f" ({passed} of {len(mine)} checks passed)"
            )
        if self.not_implemented:
            lines.append("")
            lines.append("Not implemented yet: " + ", ".join(self.not_implemented) + ".")
        if self.notes:
            lines.append("")
            lines.extend(escape_text(note) for note in self.notes)
        if self.error:
            lines.append("")
            lines.append(f"Grading did not complete: {self.error}")
        for name, text in self.reports.items():
            lines.append("")
            lines.append(f"----- {name} (for the TA; not scored automatically) -----")
            text = escape_text(text.rstrip())
            if len(text) > MAX_REPORT_SHOWN:
                text = text[:MAX_REPORT_SHOWN] + f"\n[cut at {MAX_REPORT_SHOWN} characters]"
            lines.append(text)
        return "\n".join(lines)

    def to_gradescope(self) -> dict:
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 2),
            "output": self.summary_text(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": {
                "grading_error": self.error,
                "fingerprint": self.fingerprint,
                "selection": self.selection,
                "question_scores": self.question_scores(),
                "student_time": round(self.student_time, 3),
                "check_time": round(sum(test.duration for test in self.tests), 3),
            },
            "tests": [
                {
                    "name": test.name,
                    "number": test.question,
                    "score": test.score,
                    "max_score": test.max_score,
                    "output": test.output,
                    "visibility": "visible",
                }
                for test in self.tests
            ],
        }

    @classmethod
    def from_gradescope(cls, name: str, data: dict) -> SubmissionResult:
        extra = data.get("extra_data")
        extra = extra if isinstance(extra, dict) else {}
        result = cls(
            name,
            execution_time=float(data.get("execution_time", 0.0)),
            error=extra.get("grading_error"),
            fingerprint=str(extra.get("fingerprint") or ""),
            selection=extra.get("selection"),
        )
        result.student_time = float(extra.get("student_time", 0.0))
        for test in data.get("tests", []):
            result.tests.append(
                TestOutcome(
                    name=test["name"],
                    question=test.get("number") or test["name"].split(" ", 1)[0],
                    max_score=float(test["max_score"]),
                    score=float(test["score"]),
                    output=test.get("output", ""),
                )
            )
        return result


def format_points(value: float) -> str:
    return f"{value:g}"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_results(result: SubmissionResult, folder: Path) -> Path:
    """Write ``folder/results.json`` for one submission and return its path."""
    path = Path(folder) / RESULTS_FILE
    write_atomically(path, json.dumps(result.to_gradescope(), indent=2) + "\n")
    return path


def read_results(folder: Path) -> SubmissionResult | None:
    path = Path(folder) / RESULTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SubmissionResult.from_gradescope(Path(folder).name, data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_gradebook(out_dir: Path, names: list[str], sources: list[str] | None = None) -> Path:
    """Rebuild ``grades.csv`` from the ``results.json`` of each named submission.

    ``sources``, in the order of ``names``, fills the last column: the path each submission
    was graded from, which tells rows apart when every student's zip has the same name.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["submission", *[q.id for q in QUESTIONS], "total", "status", "source"])
    sources = list(sources) if sources is not None else [""] * len(names)
    for name, source in zip(names, sources, strict=True):
        result = read_results(Path(out_dir) / name)
        if result is None:
            writer.writerow([name, *["" for _ in QUESTIONS], "", "not graded", source])
            continue
        scores = result.question_scores()
        status = "graded" if not result.error else f"grading error: {result.error}"[:300]
        writer.writerow(
            [
                name,
                *[format_points(scores[q.id]) for q in QUESTIONS],
                format_points(result.score),
                status,
                source,
            ]
        )
    path = Path(out_dir) / GRADES_FILE
    write_atomically(path, buffer.getvalue())
    return path
