"""The 2.2 graders are sound: their scripts decide, their statistics are calibrated, and
correct samplers written in other styles get full marks.

- Every scripted run keeps each accept/reject decision at least ``MARGIN`` from its
  threshold, so rounding differences between correct implementations cannot flip one, and
  every bug model that a check names in ``catches`` changes that check's chain.
- The scripted generator hands every allowed order and batching of draws the same values.
- The statistical checks' bounds are the chi-squared quantiles they claim, so a correct
  sampler fails each with probability ``ALPHA_STAT``; the reference passes both under a
  few grader seeds here (``benchmarks/hmc_grader_seeds.py`` runs 20).
- Two correct ``hmc.py`` files in other styles (draws up front or only when needed,
  ``random`` or ``uniform``, momenta as columns, a cached gradient) get all of 2.2.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from autograder.childside.fixtures import ScriptedGenerator
from autograder.engine.child import StudentProcess, prepare_workdir
from autograder.engine.runner import grade_submission
from autograder.graders import test_hmc as G
from autograder.graders.support import CheckFailed, Student
from autograder.questions import BY_ID
from tests.variants import reference_files, write_submission

ALTERNATIVES = Path(__file__).resolve().parent / "hmc_alternatives"


# --------------------------------------------------------------------------------------------
# the scripts


@pytest.mark.parametrize("script", G.ALL_SCRIPTS, ids=lambda s: f"{s.sampler}-{s.seed}")
def test_scripted_decisions_are_far_from_their_thresholds(script):
    _, accepted, ratios = script.replica()
    finite = np.isfinite(ratios)
    assert np.min(np.abs(ratios[finite] - np.log(script.u))) >= G.MARGIN
    assert 0.2 <= accepted.mean() <= 0.8, "a script should accept some proposals and reject some"


def undetected(scripts, bugs) -> list[str]:
    """The bug models whose chains equal the correct chain on every one of ``scripts``."""
    with np.errstate(all="ignore"):
        return [
            bug
            for bug in bugs
            if all(G.same_chain(s.replica(bug)[0], s.replica()[0]) for s in scripts)
        ]


def test_gaussian_hmc_scripts_catch_every_bug_model_but_nan():
    assert undetected(G.HMC_GAUSS_SCRIPTS, G.HMC_BUGS) == ["accepts NaN"]


def test_banana_hmc_script_catches_every_bug_model_but_nan():
    assert undetected([G.HMC_BANANA_SCRIPT], G.HMC_BUGS) == ["accepts NaN"]


def test_nan_script_catches_accepting_nan():
    samples, _, ratios = G.HMC_NAN_SCRIPT.replica()
    assert np.sum(np.isnan(ratios)) >= 5 and np.all(np.abs(samples) <= 1.5)
    with np.errstate(all="ignore"):
        accepts_nan = G.HMC_NAN_SCRIPT.replica("accepts NaN")[0]
    assert np.any(np.abs(accepts_nan) > 1.5)


def test_support_script_catches_moves_off_the_support():
    samples, _, ratios = G.RWM_SUPPORT_SCRIPT.replica()
    assert np.sum(np.isneginf(ratios)) >= 5 and np.all(np.abs(samples) <= 1.5)
    for bug in ("inverted ratio", "no accept/reject", "stores the proposal"):
        assert np.any(np.abs(G.RWM_SUPPORT_SCRIPT.replica(bug)[0]) > 1.5), bug


@pytest.mark.parametrize("sampler", ["hmc", "rwm"])
def test_bookkeeping_judges_a_chain_on_its_own_terms(sampler):
    """Wrong decisions alone do not fail the bookkeeping check; storing proposals does."""
    scripts = G.HMC_GAUSS_SCRIPTS if sampler == "hmc" else G.RWM_GAUSS_SCRIPTS
    bugs = G.HMC_BUGS if sampler == "hmc" else G.RWM_BUGS
    for script in scripts:
        for bug in bugs:
            with np.errstate(all="ignore"):
                samples, accepted, _ = script.replica(bug)
            run = G.Run(samples, float(accepted.mean()), 0, 0, [])
            if bug == "stores the proposal":
                with pytest.raises(CheckFailed):
                    G.expect_bookkeeping(script, run, sampler)
            elif bug not in ("ignores proposal_std", "proposal_std squared"):
                G.expect_bookkeeping(script, run, sampler)


def test_rwm_scripts_catch_every_bug_model():
    assert undetected(G.RWM_GAUSS_SCRIPTS, G.RWM_BUGS) == []
    assert np.ndim(G.RWM_GAUSS_SCRIPTS[0].proposal_std) == 1
    assert np.ndim(G.RWM_GAUSS_SCRIPTS[1].proposal_std) == 0


def test_bug_models_are_diagnosed_by_name():
    scripts = G.HMC_GAUSS_SCRIPTS
    for bug, description in G.HMC_BUGS.items():
        if bug == "accepts NaN":
            continue
        with np.errstate(all="ignore"):
            runs = [G.Run(s.replica(bug)[0], 0.0, 0, 0, []) for s in scripts]
        assert description in G.diagnose(scripts, runs, G.HMC_BUGS), bug


def test_complex_step_gradient_matches_central_differences():
    x = np.array([[3.0, -2.0], [-11.0, 4.0], [0.5, 9.0]])
    h = 1e-5
    for b in (0.1, 0.3):
        central = np.stack(
            [
                (G.banana_log(x + h * e, b) - G.banana_log(x - h * e, b)) / (2 * h)
                for e in np.eye(2)
            ],
            axis=-1,
        )
        np.testing.assert_allclose(G.banana_grad_complex_step(x, b), central, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# the scripted generator


def test_scripted_generator_gives_every_batching_the_same_values():
    n, d = 5, 3
    normals = np.arange(n * d, dtype=float).reshape(n, d)

    def fresh():
        return ScriptedGenerator(normals, 0.25, block=(n, d))

    rows = [fresh().standard_normal((n, d))]
    g = fresh()
    rows.append(np.array([g.standard_normal(d) for _ in range(n)]))
    g = fresh()
    rows.append(np.array([g.standard_normal(size=(d,)) for _ in range(n)]))
    g = fresh()
    rows.append(np.array([[g.standard_normal() for _ in range(d)] for _ in range(n)]))
    g = fresh()
    rows.append(np.array([g.normal(size=d) for _ in range(n)]))
    rows.append(fresh().standard_normal((d, n)).T)
    for other in rows[1:]:
        np.testing.assert_array_equal(other, normals)

    g = fresh()
    values = [g.uniform(), g.random(), g.uniform(0.0, 1.0), *g.random(2), *g.uniform(size=3)]
    assert values == [0.25] * 8 and g.uniforms_drawn == 8
    assert np.random.default_rng(g) is g and isinstance(g, np.random.Generator)
    g.integers(3)
    assert g.other_calls == ["integers"]


def test_real_generators_share_these_streams():
    """What the scripted generator assumes of numpy: these calls draw the same values."""

    def draws(f):
        return f(np.random.default_rng(5))

    n, d = 7, 3
    looped = draws(lambda r: np.array([r.standard_normal(d) for _ in range(n)]))
    np.testing.assert_array_equal(looped, draws(lambda r: r.standard_normal((n, d))))
    np.testing.assert_array_equal(looped, draws(lambda r: r.normal(size=(n, d))))
    np.testing.assert_array_equal(draws(lambda r: r.random(4)), draws(lambda r: r.uniform(size=4)))


# --------------------------------------------------------------------------------------------
# statistics


def test_statistical_bounds_are_the_stated_chi_squared_quantiles():
    stats = pytest.importorskip("scipy.stats")
    for test in (G.HMC_STAT, G.RWM_STAT):
        n = test.n_chains
        assert stats.chi2.cdf(test.low, n) == pytest.approx(G.ALPHA_STAT / 2, rel=1e-4)
        assert stats.chi2.sf(test.high, n) == pytest.approx(G.ALPHA_STAT / 2, rel=1e-4)
    assert 2 * G.ALPHA_STAT < 1e-6


def test_exact_draws_have_the_banana_moments():
    x = G.exact_banana_draws(np.random.default_rng(0), 200_000)
    w = G.ridge_statistic(x)
    assert abs(w.mean() - 1) < 6 * np.sqrt(2 / len(w))
    assert abs(x[:, 0].var() - 100) < 2
    assert abs(x[:, 1].var() - 201) < 8


@pytest.fixture(scope="module")
def reference_student():
    workdir = Path(tempfile.mkdtemp(prefix="practice07-test-"))
    prepare_workdir(workdir, reference_files())
    with StudentProcess(workdir) as process:
        yield Student(process)


GRADER_SEEDS = range(3)  # benchmarks/hmc_grader_seeds.py runs 20


def test_reference_passes_the_statistical_checks_under_several_grader_seeds(reference_student):
    failures = []
    for seed in GRADER_SEEDS:
        for sampler in ("hmc", "rwm"):
            passed, total = G.stationarity_verdict(reference_student, sampler, seed)
            if not passed:
                failures.append((sampler, seed, total))
    assert failures == []


# --------------------------------------------------------------------------------------------
# correct samplers in other styles


@pytest.mark.parametrize("style", ["up_front", "columns"])
def test_correct_samplers_in_other_styles_get_full_marks(style, tmp_path):
    files = reference_files()
    files["hmc.py"] = (ALTERNATIVES / f"{style}.py").read_bytes()
    result = grade_submission(write_submission(tmp_path / style, files), questions={"2.2"})
    assert result.error is None
    failed = [f"{t.name}: {t.output}" for t in result.tests if t.score < t.max_score]
    assert failed == []
    assert result.question_scores()["2.2"] == BY_ID["2.2"].points
