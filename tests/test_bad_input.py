"""Bad input loses the points of what it broke, with a clear message, and nothing else.

Each case is a submission with one kind of breakage: the ``broken`` example (a syntax
error, an exception, a wrong return type, shape and dtype, functions not started) and
breakages planted in the reference (a missing function, a wrong signature, NaN, a module
whose import fails). A missing module is ``tests/test_bug_variants.py``'s
``test_questions_using_each_module``. Every case says which checks it must fail, by check
name, and what their feedback must say; every other graded check must pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from autograder.engine.runner import grade_submission
from tests.conftest import check_names
from tests.test_bug_variants import QUESTIONS_USING
from tests.variants import Variant, planted, write_submission


@dataclass(frozen=True)
class Breakage:
    """What a broken submission must lose, and the feedback it must get."""

    hits: Callable[[str], bool]
    """whether the check of this name uses what is broken"""
    feedback: str
    """a regular expression the feedback of each such check matches"""


def assert_only_broken_checks_fail(tests, breakages: list[Breakage]) -> None:
    """Checks hit by a breakage fail with its feedback; every other check passes."""
    assert tests, "nothing was graded"
    for test in tests:
        hit = [b for b in breakages if b.hits(test.name)]
        if not hit:
            assert test.passed, f"{test.name} failed but uses nothing broken: {test.output}"
            continue
        assert not test.passed, f"{test.name} passed although it uses what is broken"
        assert any(re.search(b.feedback, test.output) for b in hit), (test.name, test.output)
        assert "Traceback" not in test.output, test.output


def mentions(*words: str) -> Callable[[str], bool]:
    return lambda name: any(word in name for word in words)


# --------------------------------------------------------------------------------------------
# the broken example


def test_broken_example_loses_only_what_it_broke(bundled):
    theory = set(check_names("test_theory"))
    assert_only_broken_checks_fail(
        bundled.results("broken").tests,
        [
            Breakage(
                lambda name: name in theory,
                r"student/theory\.py could not be imported: has a syntax error: .*line 135",
            ),
            Breakage(mentions("hutchinson_trace"), r"`hutchinson_trace` raised RuntimeError"),
            Breakage(
                mentions("1.7 simulate", "through simulate", "2.2 hmc_trajectory"),
                r"should be a numpy array, got a list",
            ),
            Breakage(mentions("banana_log_density"), r"has shape \(.*1,?\), expected"),
            Breakage(
                mentions("2.1 lotka_volterra gives", "2.1 lotka_volterra uses"),
                r"has dtype torch.float32, expected torch.float64",
            ),
            Breakage(mentions("2.1 lotka_volterra keeps"), r"has shape .* expected"),
            Breakage(mentions("2.1 lotka_volterra is differentiable"), r"no gradient flows"),
            Breakage(
                mentions(
                    "NeuralODEFunc", "train_neural_ode", "2.1 training", "plot_phase_portrait"
                ),
                r"is not implemented yet",
            ),
        ],
    )


# --------------------------------------------------------------------------------------------
# breakages planted in the reference

PLANTED = {
    "missing-function": (
        Variant(
            name="missing-function",
            module="integrators",
            old="def euler_energy_ratio(dt: T) -> T:",
            new="def energy_ratio(dt: T) -> T:",
            question="1.7",
            bug="the function is misnamed, so the contract's name is missing",
        ),
        [Breakage(mentions("euler_energy_ratio"), r"student/integrators\.py has no")],
    ),
    # leapfrog_step without its grad_potential parameter. hmc.py steps with it, so the
    # samplers' and the trajectory's checks fail too, with the same TypeError.
    "wrong-signature": (
        Variant(
            name="wrong-signature",
            module="integrators",
            old="""def leapfrog_step(
    q: ArrayLike, p: ArrayLike, dt: float, grad_potential: GradPotential
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:""",
            new="""def leapfrog_step(
    q: ArrayLike, p: ArrayLike, dt: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    grad_potential = lambda x: x  # noqa: E731""",
            question="2.2",
            bug="leapfrog_step forgets its grad_potential parameter",
        ),
        [
            Breakage(
                mentions("leapfrog_step", "hmc_sample", "hmc_trajectory", "the samplers"),
                r"raised TypeError: .*positional argument",
            )
        ],
    ),
    "nan": (
        Variant(
            name="nan",
            module="integrators",
            old="    q_next = q + dt * p\n    p_next",
            new="""    q_next = np.full_like(q, np.nan)
    for i in range(q.size - 1):  # one entry short: the last stays NaN
        q_next.flat[i] = q.flat[i] + dt * p.flat[i]
    p_next""",
            question="1.7",
            bug="an off-by-one loop leaves NaN in the result",
        ),
        [Breakage(mentions("euler_step", "Euler through simulate"), r"contains NaN or infinity")],
    ),
    "import-fails": (
        Variant(
            name="import-fails",
            module="hmc",
            old="from . import integrators\n",
            new="from . import integrators\nfrom .utils import effective_sample_size\n",
            question="2.2",
            bug="imports a helper module that was not submitted",
        ),
        [
            Breakage(
                lambda name: name.startswith("2.2") and "leapfrog_step" not in name,
                r"student/hmc\.py could not be imported: .*utils",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_planted_breakage_loses_only_what_it_broke(case, tmp_path):
    variant, breakages = PLANTED[case]
    source = write_submission(tmp_path / case, planted(variant))
    questions = QUESTIONS_USING[variant.module]
    result = grade_submission(source, questions=questions)
    assert result.error is None, result.error
    assert_only_broken_checks_fail(result.tests, breakages)
