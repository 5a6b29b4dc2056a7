"""Every planted bug loses points in its own question and nowhere else.

Each variant (see ``tests/variants``) is graded on the questions whose checks call the
module it changes, ``QUESTIONS_USING[module]``; the other questions cannot see the change.
That map is proved here rather than assumed: with a module missing from the reference,
every question outside the map keeps full marks (``test_questions_using_each_module``), and
2.1, whose checks cost about 20 s of training, uses ``lotka_volterra.py`` alone
(``test_2_1_checks_call_lotka_volterra_only``). Variants of ``lotka_volterra.py``
skip the training checks unless they plant a bug in the training itself.
"""

from __future__ import annotations

import re

import pytest

from autograder.engine.runner import GRADERS_DIR, grade_submission
from autograder.questions import BY_ID
from tests.variants import (
    MODULES,
    Variant,
    all_variants,
    planted,
    reference_files,
    write_submission,
)

TRAINING_WORDS = ("train_neural_ode",)
THEORY_QUESTIONS = {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"}
QUESTIONS_USING: dict[str, set[str]] = {
    "integrators": {"1.7", "2.2"},  # 2.2 through hmc.py, which steps with leapfrog_step
    "hmc": {"2.2"},
    "hutchinson": {"1.6"},
    "lotka_volterra": {"2.1"},
    "theory": THEORY_QUESTIONS,
}
"""Question ids whose hidden checks call each student module (directly or through another)."""


def is_training_check(info) -> bool:
    return info.question == "2.1" and any(word in info.name for word in TRAINING_WORDS)


def selection_for(variant: Variant):
    questions = QUESTIONS_USING[variant.module]
    if variant.module == "lotka_volterra" and not variant.needs_training:
        return lambda info: info.question in questions and not is_training_check(info)
    return lambda info: info.question in questions


def question_maxima(result) -> dict[str, float]:
    maxima: dict[str, float] = {}
    for test in result.tests:
        maxima[test.question] = maxima.get(test.question, 0.0) + test.max_score
    return maxima


def failures(result, question: str) -> str:
    return "; ".join(
        f"{t.name}: {t.output}" for t in result.tests if t.question == question and not t.passed
    )


VARIANTS = all_variants()


@pytest.mark.parametrize("variant", VARIANTS, ids=[variant.name for variant in VARIANTS])
def test_variant_loses_points_only_in_its_question(variant: Variant, tmp_path):
    assert variant.question in BY_ID
    assert variant.question in QUESTIONS_USING[variant.module], (
        f"{variant.name}: question {variant.question} does not use {variant.module}.py"
    )
    source = write_submission(tmp_path / "submission", planted(variant))
    result = grade_submission(source, select=selection_for(variant))
    assert result.error is None, result.error
    scores, maxima = result.question_scores(), question_maxima(result)
    assert variant.question in maxima, "the variant's question was not graded"
    assert scores[variant.question] < maxima[variant.question], (
        f"{variant.name} ({variant.bug}) kept full marks in {variant.question}"
    )
    for question, maximum in maxima.items():
        if question != variant.question and question not in variant.knock_on:
            assert scores[question] == pytest.approx(maximum), (
                f"{variant.name} lost points in {question}, not only in {variant.question}: "
                + failures(result, question)
            )


@pytest.mark.parametrize("module", MODULES)
def test_questions_using_each_module(module: str, tmp_path):
    """With ``module`` missing, the questions outside ``QUESTIONS_USING[module]`` keep full
    marks, the questions in it lose points, and every check that failed names the missing
    module (as missing, or as what another module could not import). 2.1 is left to the next
    test (its checks train a network)."""
    files = reference_files()
    del files[f"{module}.py"]
    source = write_submission(tmp_path / f"no-{module}", files)
    result = grade_submission(source, select=lambda info: info.question != "2.1")
    assert result.error is None, result.error
    assert any(f"student/{module}.py" in note for note in result.notes)
    scores, maxima = result.question_scores(), question_maxima(result)
    for question, maximum in maxima.items():
        if question in QUESTIONS_USING[module]:
            assert scores[question] < maximum, f"{question} does not seem to use {module}.py"
        else:
            assert scores[question] == pytest.approx(maximum), (
                f"{question} uses {module}.py: " + failures(result, question)
            )
    for test in result.tests:
        if not test.passed:
            assert module in test.output and (
                "missing" in test.output or "import" in test.output
            ), (
                test.name,
                test.output,
            )


def test_2_1_checks_call_lotka_volterra_only(tmp_path):
    """2.1's checks use nothing but ``lotka_volterra.py``.

    The checks that run without training are graded on the reference's copy of that module
    alone, the other four missing, and must all pass. The training checks (20 s or more
    each time) are covered by reading the grader file instead: every student function it
    names, as ``"module.name"``, lies in ``lotka_volterra``. The reference's full marks in
    2.1, training included, are ``tests/test_examples.py``'s to prove.
    """
    source = (GRADERS_DIR / "test_lotka_volterra.py").read_text(encoding="utf-8")
    named = set(re.findall(r"[\"']({})\.\w+[\"']".format("|".join(MODULES)), source))
    assert named == {"lotka_volterra"}, named

    files = {"lotka_volterra.py": reference_files()["lotka_volterra.py"]}
    result = grade_submission(
        write_submission(tmp_path / "lv-only", files),
        select=lambda info: info.question == "2.1" and not is_training_check(info),
    )
    assert result.error is None, result.error
    assert len(result.tests) >= 5
    failed = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert not failed, failed
