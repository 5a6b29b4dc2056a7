"""``practice07 grade``: exit status, printed table, ``grades.csv``, one results folder each."""

from __future__ import annotations

import csv
import zipfile

from autograder import cli
from autograder.questions import QUESTIONS
from tests.conftest import EXAMPLES

BUNDLED = ("reference", "stubs", *EXAMPLES)


def test_bundled_run_exits_0_whatever_the_scores(bundled):
    assert bundled.status == 0, bundled.stdout


def test_bundled_run_grades_reference_stubs_and_examples(bundled):
    for name in BUNDLED:
        assert (bundled.out / name / "results.json").is_file(), name
        assert f"graded {name}:" in bundled.stdout


def test_printed_table_has_a_row_per_submission_and_a_column_per_question(bundled):
    lines = bundled.stdout.splitlines()
    header = next(line for line in lines if line.startswith("submission"))
    assert header.split() == ["submission", *[q.id for q in QUESTIONS], "total", "seconds"]
    for name in BUNDLED:
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.split()[-2] == f"{bundled.results(name).score:g}"


def test_grades_csv_agrees_with_every_results_json(bundled):
    with open(bundled.out / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["submission"] for row in rows] == list(BUNDLED)
    for row in rows:
        result = bundled.results(row["submission"])
        scores = result.question_scores()
        assert row["status"] == "graded"
        assert float(row["total"]) == result.score
        for question in QUESTIONS:
            assert float(row[question.id]) == scores[question.id]


def test_submissions_given_as_folder_student_folder_and_zip(tmp_path, capsys):
    """Three forms of the same partly done submission, graded on one question: same scores,
    distinct results folders, exit status 0 although nothing scores full marks."""
    source = cli.ROOT / "examples" / "partial"
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((source / "student").glob("*.py")):
            zipped.write(path, f"alice/student/{path.name}")
    out = tmp_path / "out"
    status = cli.main(
        ["grade", str(source), str(source / "student"), str(archive), "--out", str(out)]
        + ["--questions", "1.7"]
    )
    assert status == 0, capsys.readouterr().out
    with open(out / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["submission"] for row in rows] == ["partial", "partial-2", "alice"]
    assert len({row["1.7"] for row in rows}) == 1
    assert float(rows[0]["1.7"]) > 0


def test_zips_with_the_same_name_are_told_apart_by_folder_and_source(tmp_path, capsys):
    """Every student's ``python -m student.submit`` writes ``submission.zip``: graded from
    ``alice/`` and ``bob/``, the results are named after those folders, and ``grades.csv``
    says which file each row was graded from."""
    source = cli.ROOT / "examples" / "partial" / "student"
    zips = []
    for student in ("alice", "bob"):
        archive = tmp_path / student / "submission.zip"
        archive.parent.mkdir()
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in sorted(source.glob("*.py")):
                zipped.write(path, f"student/{path.name}")
        zips.append(archive)
    out = tmp_path / "out"
    status = cli.main(["grade", *map(str, zips), "--out", str(out), "--questions", "1.8"])
    assert status == 0, capsys.readouterr().out
    with open(out / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["submission"] for row in rows] == ["alice", "bob"]
    assert [row["source"] for row in rows] == [str(path) for path in zips]


def test_missing_submission_is_a_usage_error(tmp_path, capsys):
    status = cli.main(["grade", str(tmp_path / "nobody"), "--out", str(tmp_path / "out")])
    assert status == 2
    assert "no such submission" in capsys.readouterr().err
