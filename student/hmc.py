"""Hamiltonian Monte Carlo versus random-walk Metropolis on a banana-shaped density.

Handout question 2.2: sample the banana with HMC built on the leapfrog step of
``integrators.py``, plot one HMC trajectory in phase space, and compare with random-walk
Metropolis.

The banana (the "twisted Gaussian" of Haario, Saksman and Tamminen, 1999) lives in 2-D.
Take ``z ~ N(0, I)`` and set ``x1 = 10 * z1`` and ``x2 = z2 - b * (x1**2 - 100)``. Up to an
additive constant its log density is::

    log pi(x) = -x1**2 / 200 - (x2 + b * x1**2 - 100 * b)**2 / 2

with ``b = 0.1`` by default.

Rules for this module: work in float64 numpy arrays; never change an input in place; the
samplers take all their randomness from the ``rng`` argument (a ``numpy.random.Generator``)
and nowhere else, so one seed always gives one chain. Reuse ``integrators.leapfrog_step``
(import it with ``from . import integrators``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LogDensity = Callable[[np.ndarray], float]
GradLogDensity = Callable[[np.ndarray], np.ndarray]


def banana_log_density(x: np.ndarray, b: float = 0.1) -> np.ndarray:
    """Evaluate the banana log density given in the module docstring.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., 2)
        Points; the last axis holds ``(x1, x2)``. Any number of leading batch axes.
    b : float, default 0.1
        How strongly the banana is bent (``b = 0`` gives an axis-aligned Gaussian).

    Returns
    -------
    numpy.ndarray, float64, shape ``x.shape[:-1]``
        The log density at each point, exactly the formula above with no constant added.
        A single point of shape ``(2,)`` gives a 0-d result.

    Hints
    -----
    Index the last axis with ``x[..., 0]`` and ``x[..., 1]`` so that batches work for free.
    """
    raise NotImplementedError("banana_log_density: not implemented yet")


def banana_grad_log_density(x: np.ndarray, b: float = 0.1) -> np.ndarray:
    """Gradient of ``banana_log_density`` with respect to ``x``.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., 2)
        Points, as in ``banana_log_density``.
    b : float, default 0.1
        Bend of the banana.

    Returns
    -------
    numpy.ndarray, float64, shape of ``x``
        ``(d/dx1, d/dx2)`` of the log density at each point, stacked on the last axis.

    Hints
    -----
    Differentiate by hand (the chain rule on the squared term), then compare against a
    central finite difference at a few random points before you trust it.
    """
    raise NotImplementedError("banana_grad_log_density: not implemented yet")


def hmc_sample(
    log_density: LogDensity,
    grad_log_density: GradLogDensity,
    x0: np.ndarray,
    n_samples: int,
    step_size: float,
    n_leapfrog: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Run a Hamiltonian Monte Carlo chain with unit mass and a fixed number of steps.

    One iteration, starting from the current state ``x``:

    1. draw a fresh momentum ``p`` with ``rng.standard_normal(d)``;
    2. take ``n_leapfrog`` steps of ``integrators.leapfrog_step`` of size ``step_size`` on
       the potential ``U(x) = -log_density(x)``, giving a proposal ``(x_new, p_new)``;
    3. compare the total energy ``H = U(x) + |p|**2 / 2`` before and after, and accept the
       proposal with probability ``min(1, exp(H_old - H_new))``, using one draw of
       ``rng.uniform()`` (or ``rng.random()``); if ``H_new`` is not finite, reject. On
       rejection the chain stays where it was.

    No other random numbers may be drawn, and every one comes from ``rng``. Within that,
    the order is yours: the uniform may come before or after the momentum, be drawn only
    when the acceptance probability is below one, or all draws may be made up front
    (``rng.standard_normal((n_samples, d))``); the graders accept each of these.

    Parameters
    ----------
    log_density : callable
        ``log_density(x)`` for one point ``x`` of shape ``(d,)``, returning a scalar (known
        up to a constant).
    grad_log_density : callable
        ``grad_log_density(x)`` for one point, returning shape ``(d,)``.
    x0 : numpy.ndarray, shape (d,)
        Starting point of the chain.
    n_samples : int
        Number of iterations; also the number of rows returned.
    step_size : float
        Leapfrog step size.
    n_leapfrog : int
        Leapfrog steps per proposal.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    samples : numpy.ndarray, float64, shape (n_samples, d)
        Row ``i`` is the state after iteration ``i`` (a rejected proposal repeats the
        previous state; ``x0`` itself is not a row).
    acceptance_rate : float
        Fraction of the ``n_samples`` proposals that were accepted, a Python float.

    Hints
    -----
    ``grad_potential`` for the leapfrog step is the gradient of ``U``, not of the log
    density: mind the sign. Compare energies rather than densities, and do it in log space.
    """
    raise NotImplementedError("hmc_sample: not implemented yet")


def random_walk_metropolis(
    log_density: LogDensity,
    x0: np.ndarray,
    n_samples: int,
    proposal_std: float | np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Run a Gaussian random-walk Metropolis chain, the baseline that HMC is compared with.

    One iteration proposes ``x_new = x + proposal_std * rng.standard_normal(d)`` and accepts
    it with probability ``min(1, pi(x_new) / pi(x))``, using one draw of ``rng.uniform()``
    (or ``rng.random()``). No other random numbers may be drawn; as in ``hmc_sample``, the
    order of the draws is yours.

    Parameters
    ----------
    log_density : callable
        ``log_density(x)`` for one point ``x`` of shape ``(d,)``, returning a scalar.
    x0 : numpy.ndarray, shape (d,)
        Starting point of the chain.
    n_samples : int
        Number of iterations; also the number of rows returned.
    proposal_std : float or numpy.ndarray of shape (d,)
        Proposal standard deviation, one value or one per coordinate.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    samples : numpy.ndarray, float64, shape (n_samples, d)
        Row ``i`` is the state after iteration ``i``.
    acceptance_rate : float
        Fraction of accepted proposals, a Python float.

    Hints
    -----
    The density is only known up to a constant, and ratios of tiny densities underflow:
    work with differences of log densities.
    """
    raise NotImplementedError("random_walk_metropolis: not implemented yet")


def hmc_trajectory(
    grad_log_density: GradLogDensity,
    x0: np.ndarray,
    p0: np.ndarray,
    step_size: float,
    n_leapfrog: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Record the leapfrog path of a single HMC proposal, for a phase-space plot.

    Parameters
    ----------
    grad_log_density : callable
        ``grad_log_density(x)`` for one point, returning shape ``(d,)``.
    x0 : numpy.ndarray, shape (d,)
        Starting position.
    p0 : numpy.ndarray, shape (d,)
        Starting momentum.
    step_size : float
        Leapfrog step size.
    n_leapfrog : int
        Number of leapfrog steps.

    Returns
    -------
    xs, ps : tuple of numpy.ndarray, float64, each of shape (n_leapfrog + 1, d)
        Positions and momenta along the path; row 0 is ``(x0, p0)``.

    Hints
    -----
    This is the inner loop of ``hmc_sample`` with every intermediate state kept;
    ``integrators.simulate`` already does the bookkeeping.
    """
    raise NotImplementedError("hmc_trajectory: not implemented yet")
