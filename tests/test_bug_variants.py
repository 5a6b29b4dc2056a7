"""Every planted bug loses points in its own question and nowhere else.

Each variant (see ``tests/variants``) is graded on every question except, for variants
outside ``lotka_volterra.py``, question 2.1, whose checks call only that module (proved by
``test_lotka_volterra_alone_gets_full_marks_in_2_1``) and whose training checks cost about
20 s. Variants of ``lotka_volterra.py`` skip the training checks unless they plant a bug in
the training itself.
"""

from __future__ import annotations

import pytest

from autograder.engine.runner import grade_submission
from autograder.questions import BY_ID
from tests.variants import Variant, all_variants, planted, reference_files, write_submission

TRAINING_WORDS = ("train_neural_ode",)


def is_training_check(info) -> bool:
    return info.question == "2.1" and any(word in info.name for word in TRAINING_WORDS)


def selection_for(variant: Variant):
    if variant.module != "lotka_volterra":
        return lambda info: info.question != "2.1"
    if variant.needs_training:
        return None
    return lambda info: not is_training_check(info)


def question_maxima(result) -> dict[str, float]:
    maxima: dict[str, float] = {}
    for test in result.tests:
        maxima[test.question] = maxima.get(test.question, 0.0) + test.max_score
    return maxima


VARIANTS = all_variants()


@pytest.mark.parametrize("variant", VARIANTS, ids=[variant.name for variant in VARIANTS])
def test_variant_loses_points_only_in_its_question(variant: Variant, tmp_path):
    assert variant.question in BY_ID
    source = write_submission(tmp_path / "submission", planted(variant))
    result = grade_submission(source, select=selection_for(variant))
    assert result.error is None, result.error
    scores, maxima = result.question_scores(), question_maxima(result)
    assert variant.question in maxima, "the variant's question was not graded"
    assert scores[variant.question] < maxima[variant.question], (
        f"{variant.name} ({variant.bug}) kept full marks in {variant.question}"
    )
    for question, maximum in maxima.items():
        if question != variant.question:
            assert scores[question] == pytest.approx(maximum), (
                f"{variant.name} lost points in {question}, not only in {variant.question}: "
                + "; ".join(
                    t.name for t in result.tests if t.question == question and not t.passed
                )
            )


def test_lotka_volterra_alone_gets_full_marks_in_2_1(tmp_path):
    """2.1's checks use nothing but ``lotka_volterra.py``: the reference's copy of that module
    alone, with the other four missing, earns all of 2.1."""
    files = {"lotka_volterra.py": reference_files()["lotka_volterra.py"]}
    result = grade_submission(write_submission(tmp_path / "lv-only", files), questions={"2.1"})
    assert result.error is None, result.error
    failed = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert not failed, failed
    assert result.question_scores()["2.1"] == BY_ID["2.1"].points
