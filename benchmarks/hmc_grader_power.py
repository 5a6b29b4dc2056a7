"""Calibration and power of the two statistical checks of 2.2, by simulation.

    python benchmarks/hmc_grader_power.py [--runs 200]

Each statistical check starts ``N`` chains at exact draws of the banana, runs a few
transitions of the student's sampler, and fails when the sum of the ridge statistic
``w = (x2 + b x1**2 - 100 b)**2`` over the last states leaves the central ``1 - ALPHA_STAT``
interval of chi-squared(N). For a correct sampler that sum is exactly chi-squared(N), so the
false-fail probability is ``ALPHA_STAT`` by construction; this script checks the claim
empirically (the simulated sums' mean and variance against N and 2N, and the rejection rate
at a loose level) and measures, for each bug model of the grader, the probability that a
grader run catches it. The samplers here are vectorized over chains (numpy), with the same
settings as the checks, imported from the grader. Needs scipy (for the loose level only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import chi2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.graders import test_hmc as G  # noqa: E402

B = 0.1


def log_density(x):
    return -(x[..., 0] ** 2) / 200 - (x[..., 1] + B * x[..., 0] ** 2 - 100 * B) ** 2 / 2


def grad_log_density(x):
    x1, x2 = x[..., 0], x[..., 1]
    ridge = x2 + B * x1**2 - 100 * B
    return np.stack([-x1 / 100 - 2 * B * x1 * ridge, -ridge], axis=-1)


def hmc_last(x, n_iter, eps, n_steps, rng, bug=None):
    """Last states of HMC chains (rows of x), with one of ``G.HMC_BUGS`` planted."""
    x = x.copy()
    stale = -log_density(x)
    kinetic = 1.0 if bug == "missing 1/2" else 0.5
    sign = -1.0 if bug == "leapfrog on log pi" else 1.0
    last = x
    for _ in range(n_iter):
        p = rng.standard_normal(x.shape)
        q, pq = x.copy(), p.copy()
        for _ in range(n_steps):
            pq = pq + sign * eps / 2 * grad_log_density(q)  # p(n+1/2)
            q = q + eps * pq  # q(n+1)
            pq = pq + sign * eps / 2 * grad_log_density(q)  # p(n+1)
        potential = stale if bug == "stale potential" else -log_density(x)
        p_old = pq if bug == "momentum after the path" else p
        kinetic_old = 1.0 if bug == "missing 1/2 in H_old" else kinetic
        ratio = potential + kinetic_old * (p_old**2).sum(-1)
        ratio -= -log_density(q) + kinetic * (pq**2).sum(-1)
        if bug == "flipped sign":
            ratio = -ratio
        u = rng.uniform(size=len(x))
        accept = np.log(u) < ratio
        if bug == "accepts NaN":
            accept |= np.isnan(ratio)
        if bug == "no accept/reject":
            accept[:] = True
        x = np.where(accept[:, None], q, x)
        last = q if bug == "stores the proposal" else x
    return last


def rwm_last(x, n_iter, std, rng, bug=None):
    """Last states of random-walk Metropolis chains, with one of ``G.RWM_BUGS`` planted."""
    x = x.copy()
    log_x = log_density(x)
    if bug == "ignores proposal_std":
        std = np.ones_like(std)
    elif bug == "proposal_std squared":
        std = std**2
    last = x
    for _ in range(n_iter):
        proposal = x + std * rng.standard_normal(x.shape)
        log_new = log_density(proposal)
        ratio = log_new - log_x
        if bug == "inverted ratio":
            ratio = -ratio
        accept = np.log(rng.uniform(size=len(x))) < ratio
        if bug == "no accept/reject":
            accept[:] = True
        x = np.where(accept[:, None], proposal, x)
        if bug != "stale density":
            log_x = np.where(accept, log_new, log_x)
        last = proposal if bug == "stores the proposal" else x
    return last


def grader_sums(sampler, runs, rng, bug=None):
    """The statistic of ``runs`` simulated grader runs (NaN where a chain diverged)."""
    test = G.HMC_STAT if sampler == "hmc" else G.RWM_STAT
    starts = G.exact_banana_draws(rng, runs * test.n_chains)
    with np.errstate(all="ignore"):
        if sampler == "hmc":
            last = hmc_last(starts, test.n_transitions, *G.HMC_STAT_SETTINGS, rng, bug)
        else:
            last = rwm_last(starts, test.n_transitions, G.RWM_STAT_STD, rng, bug)
        sums = G.ridge_statistic(last).reshape(runs, test.n_chains).sum(axis=1)
    return np.where(np.isfinite(sums), sums, np.nan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="simulated grader runs per row")
    parser.add_argument("--null-runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()

    print(f"ALPHA_STAT = {G.ALPHA_STAT:g} per check (two-sided, exact chi-squared bounds)\n")
    print("## Correct samplers: the sum over N chains against chi-squared(N)\n")
    print("| check | N | mean (N) | variance (2N) | rejected at 1e-2 | rejected at ALPHA |")
    print("|---|---:|---:|---:|---:|---:|")
    for sampler, test in (("hmc", G.HMC_STAT), ("rwm", G.RWM_STAT)):
        sums = grader_sums(sampler, args.null_runs, rng)
        low, high = chi2.ppf(0.005, test.n_chains), chi2.isf(0.005, test.n_chains)
        loose = np.mean((sums < low) | (sums > high))
        strict = np.mean((sums < test.low) | (sums > test.high) | np.isnan(sums))
        print(
            f"| {sampler} | {test.n_chains} | {np.nanmean(sums):.1f} | {np.nanvar(sums):.0f} "
            f"| {loose:.4f} | {strict:.4f} |"
        )

    print(f"\n## Bug models: probability that one grader run fails ({args.runs} runs each)\n")
    print("| check | bug model | failed runs | median sum / N |")
    print("|---|---|---:|---:|")
    for sampler, bugs in (("hmc", G.HMC_BUGS), ("rwm", G.RWM_BUGS)):
        test = G.HMC_STAT if sampler == "hmc" else G.RWM_STAT
        for bug in bugs:
            sums = grader_sums(sampler, args.runs, rng, bug)
            caught = np.mean((sums < test.low) | (sums > test.high) | np.isnan(sums))
            ratio = np.nanmedian(sums) / test.n_chains if np.any(np.isfinite(sums)) else np.inf
            print(f"| {sampler} | {bug} | {caught:.3f} | {ratio:.3g} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
