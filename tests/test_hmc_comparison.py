"""The comparison of section 2.2 measures what it claims.

The vectorized samplers of ``benchmarks/hmc_comparison.py`` (used for the many-chain and
higher-dimensional numbers) reproduce the reference solution's chains when run on one chain,
and the diagnostics agree with cases whose answers are known.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from solutions import hmc as reference

pytest.importorskip("arviz_stats", reason="the comparison needs the analysis extra")

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "hmc_comparison.py"
spec = importlib.util.spec_from_file_location("hmc_comparison", PATH)
comparison = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = comparison  # dataclasses look their module up here
spec.loader.exec_module(comparison)


def test_vectorized_hmc_with_one_chain_is_the_reference():
    x0 = np.array([3.0, 1.5])
    want, rate = reference.hmc_sample(
        reference.banana_log_density,
        reference.banana_grad_log_density,
        x0,
        40,
        0.35,
        12,
        np.random.default_rng(4),
    )
    chains = comparison.hmc_chains(x0[None], 40, 0.35, 12, np.random.default_rng(4), keep=1)
    np.testing.assert_allclose(chains.kept[:, 0, :], want, rtol=1e-10, atol=1e-12)
    assert chains.accepted[0] / 40 == pytest.approx(rate)
    assert 0.1 < rate < 1.0


def test_vectorized_rwm_with_one_chain_is_the_reference():
    x0, std = np.array([-4.0, 2.0]), np.array([6.0, 9.0])
    want, rate = reference.random_walk_metropolis(
        reference.banana_log_density, x0, 300, std, np.random.default_rng(5)
    )
    chains = comparison.rwm_chains(x0[None], 300, std, np.random.default_rng(5), keep=1)
    np.testing.assert_allclose(chains.kept[:, 0, :], want, rtol=1e-12)
    assert chains.accepted[0] / 300 == pytest.approx(rate)


def test_twisted_gaussian_matches_the_banana_in_two_dimensions():
    x = comparison.exact_draws(np.random.default_rng(0), 50, 2)
    np.testing.assert_allclose(comparison.log_density(x), reference.banana_log_density(x))
    np.testing.assert_allclose(
        comparison.grad_log_density(x), reference.banana_grad_log_density(x)
    )


def test_diagnostics_on_known_cases():
    rng = np.random.default_rng(1)
    white = rng.standard_normal(20_000)
    assert comparison.ess(white) == pytest.approx(20_000, rel=0.1)
    phi = 0.9  # AR(1): ESS = n (1 - phi) / (1 + phi), lag-1 autocorrelation phi
    ar = np.empty(20_000)
    ar[0] = white[0]
    for i in range(1, len(ar)):
        ar[i] = phi * ar[i - 1] + np.sqrt(1 - phi**2) * white[i]
    assert comparison.ess(ar) == pytest.approx(20_000 * 0.1 / 1.9, rel=0.2)
    assert comparison.autocorrelation(ar, 1)[1] == pytest.approx(phi, abs=0.02)
    steps = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]])
    assert comparison.msjd(steps) == pytest.approx(12.5)
