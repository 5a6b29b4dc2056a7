"""``results.json`` in Gradescope's format, and ``grades.csv`` built from those files."""

from __future__ import annotations

import csv
import json

import pytest

from autograder.engine.results import SubmissionResult, write_gradebook, write_results
from autograder.engine.results import TestOutcome as Outcome  # not a pytest test class
from autograder.questions import BY_ID, QUESTIONS


@pytest.mark.parametrize("name", ["reference", "broken"])
def test_results_json_has_the_gradescope_fields(bundled, name):
    data = bundled.raw(name)
    assert isinstance(data["score"], (int, float))
    assert isinstance(data["execution_time"], (int, float))
    assert isinstance(data["output"], str) and data["output"].startswith("Hidden graders: ")
    assert data["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}
    assert data["extra_data"]["student_time"] <= data["execution_time"]
    assert data["tests"]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        question, _, what = test["name"].partition(" ")
        assert question in BY_ID and what, test["name"]
        assert test["number"] == question
        assert test["score"] in (0, test["max_score"]) and test["max_score"] > 0
        assert isinstance(test["output"], str) and test["output"]
    assert data["score"] == pytest.approx(sum(test["score"] for test in data["tests"]))


def test_check_points_add_up_to_each_question(bundled):
    points: dict[str, float] = {}
    for test in bundled.raw("reference")["tests"]:
        points[test["number"]] = points.get(test["number"], 0.0) + test["max_score"]
    assert points == pytest.approx({q.id: q.points for q in QUESTIONS})


def test_public_checks_are_never_called_all_the_tests(bundled):
    for name in ("reference", "stubs"):
        text = json.dumps(bundled.raw(name)).lower()
        assert "all tests passed" not in text and "all test cases passed" not in text
        assert "public self-checks in student/tests are not part of this score" in text


def test_feedback_shows_no_traceback_or_grader_source(bundled):
    for name in ("stubs", "partial", "buggy", "broken"):
        for test in bundled.raw(name)["tests"]:
            assert "Traceback" not in test["output"]
            assert "autograder/" not in test["output"] and "def test_" not in test["output"]


def test_gradebook_marks_submissions_without_results(tmp_path):
    graded = SubmissionResult("ann", tests=[Outcome("1.7 x", "1.7", 2.0, 2.0, "passed")])
    write_results(graded, tmp_path / "ann")
    path = write_gradebook(tmp_path, ["ann", "ben"], ["in/ann.zip", "in/ben.zip"])
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    header = ["submission", *[q.id for q in QUESTIONS], "total", "status", "source"]
    assert list(rows[0]) == header
    assert [row["source"] for row in rows] == ["in/ann.zip", "in/ben.zip"]
    assert rows[0]["1.7"] == "2" and rows[0]["total"] == "2" and rows[0]["status"] == "graded"
    assert rows[1]["submission"] == "ben" and rows[1]["status"] == "not graded"


def test_results_round_trip_through_results_json(tmp_path):
    result = SubmissionResult(
        "cy",
        tests=[
            Outcome("1.6 a", "1.6", 0.5, 0.5, "passed"),
            Outcome("2.2 b", "2.2", 1.5, 0.0, "the chain differs"),
        ],
        execution_time=3.25,
        student_time=1.5,
    )
    write_results(result, tmp_path / "cy")
    back = SubmissionResult.from_gradescope(
        "cy", json.loads((tmp_path / "cy" / "results.json").read_text())
    )
    assert back.question_scores() == result.question_scores()
    assert back.score == 0.5 and back.student_time == 1.5
    assert [t.output for t in back.tests] == ["passed", "the chain differs"]
