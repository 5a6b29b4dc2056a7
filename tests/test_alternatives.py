"""Correct code written unlike the reference gets full marks from the checks that judge it.

Two independent implementations of the functions whose graders are complete (the four
integrator functions, the banana density and its gradient, the Lotka–Volterra field and the
three Hutchinson functions):

- ``tests/alternatives/loops``: explicit loops over elements and points, a leapfrog that
  caches the last gradient between calls, probes drawn one at a time or all at once rows
  first, divergences by coordinate loops with ``torch.autograd.grad``;
- ``examples/partial``: ``np.stack`` of lists, float32 probes with ``torch.vmap`` over the
  mat-vec, ``torch.func.jacrev`` under ``torch.vmap`` for the exact divergence.

Only the checks of those functions are graded (the other functions are not written).
"""

from __future__ import annotations

from autograder.engine.runner import grade_submission
from tests.conftest import ROOT, check_names

JUDGED = {
    "test_integrators": lambda name: True,
    "test_hutchinson": lambda name: True,
    "test_hmc": lambda name: name.startswith("2.2 banana_"),
    "test_lotka_volterra": lambda name: name.startswith("2.1 lotka_volterra "),
}
"""Grader modules, and which of their checks judge the functions above."""


def judged_checks() -> set[str]:
    return {name for file, keep in JUDGED.items() for name in check_names(file) if keep(name)}


def test_the_judged_checks_cover_every_function():
    names = " ".join(judged_checks())
    for function in (
        "euler_step",
        "leapfrog_step",
        "simulate",
        "euler_energy_ratio",
        "banana_log_density",
        "banana_grad_log_density",
        "lotka_volterra",
        "hutchinson_trace",
        "exact_divergence",
        "hutchinson_divergence",
    ):
        assert f" {function} " in f" {names} ", function


def assert_full_marks(tests, names):
    graded = {test.name for test in tests if test.name in names}
    assert graded == names, f"not graded: {sorted(names - graded)}"
    failed = [f"{t.name}: {t.output}" for t in tests if t.name in names and not t.passed]
    assert not failed, failed


def test_loops_and_cached_gradients_get_full_marks():
    names = judged_checks()
    result = grade_submission(
        ROOT / "tests" / "alternatives" / "loops", select=lambda info: info.name in names
    )
    assert result.error is None, result.error
    assert_full_marks(result.tests, names)


def test_torch_func_and_float32_probes_get_full_marks(bundled):
    assert_full_marks(bundled.results("partial").tests, judged_checks())
