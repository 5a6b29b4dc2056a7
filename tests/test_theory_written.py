"""Written answers: collected into ``written.md`` for the TA, and shown in Otter's output.

``tests/test_theory_grading.py`` follows them through ``practice07 grade``; here are the
pieces: the report's layout, its robustness (collecting it never fails a check), and the
hand-over from the bridge in Otter's kernel to the plugin in Otter's runner.
"""

from __future__ import annotations

import importlib

from otter.test_files import GradingResults

from autograder import otter_plugin
from autograder.engine.child import StudentCrashed
from autograder.graders import test_theory as graders
from autograder.questions import BY_ID
from tests.test_theory_forms import submission


def test_report_has_every_item_in_order_with_its_title():
    answers = {"2.2": "table", "1.1": "blow-up", "extra": "more"}
    text = graders.written_report(answers, ["1.7 E_n: accepted, a TA will read it."])
    positions = [text.index(f"## {item} {BY_ID[item].title}") for item in graders.WRITTEN_ITEMS]
    assert positions == sorted(positions)
    assert "blow-up" in text and "table" in text and "more" in text
    assert text.count("_(no answer)_") == len(graders.WRITTEN_ITEMS) - 2
    assert "a TA will read it" in text.split("## 1.1")[0]


def test_non_strings_and_long_answers_are_shown_safely():
    text = graders.written_report({"1.1": 3, "1.2": "x" * (graders.MAX_WRITTEN_CHARS + 10)}, [])
    assert "not a string" in text
    assert "cut at" in text


def test_collecting_never_raises_and_always_saves_a_report():
    student = submission()

    def crash(*args, **kwargs):
        raise StudentCrashed("the process running your code was killed")

    student.probe = crash
    graders.collect_written_answers(student)
    assert "could not be read" in student.reports["written.md"]

    student = submission(WRITTEN_ANSWERS=["not", "a", "dict"])
    graders.collect_written_answers(student)
    assert "should be a dict" in student.reports["written.md"]

    student = submission()
    student.probe = None  # anything at all going wrong
    graders.collect_written_answers(student)
    assert "could not be read" in student.reports["written.md"]


def test_reference_written_answers_cover_every_item():
    student = submission()
    graders.collect_written_answers(student)
    assert "_(no answer)_" not in student.reports["written.md"]


def test_otter_plugin_sets_the_output_that_the_bridge_handed_over(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    entry = folder / "practice07_submission.py"
    module, _, name = otter_plugin.PLUGIN_NAME.rpartition(".")
    plugin_class = getattr(importlib.import_module(module), name)

    results = GradingResults([])
    plugin_class(str(entry), {}, {}).after_grading(results)
    assert results.output is None  # nothing handed over: left alone

    otter_plugin.write_handoff(folder, "Hidden graders: 9 / 100\n# Written answers\n...")
    plugin_class(str(entry), {}, {}).after_grading(results)
    assert results.output.startswith("Hidden graders: 9 / 100")
    otter_plugin.handoff_path(folder).unlink()
