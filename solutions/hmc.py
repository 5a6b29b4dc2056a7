"""Hamiltonian Monte Carlo and random-walk Metropolis on the banana density (section 2.2).

The target is the twisted Gaussian of Haario, Saksman and Tamminen (1999): draw
``z ~ N(0, I)`` in 2-D and set ``x1 = 10 z1``, ``x2 = z2 - b (x1**2 - 100)``. Its log
density, up to a constant, is

    log pi(x) = -x1**2 / 200 - (x2 + b x1**2 - 100 b)**2 / 2,

a long, thin, curved ridge (``Var x1 = 100``, ``Var x2 = 1 + 2 b**2 10**4``). A random walk
has to take small steps to stay on the ridge and so moves along it slowly; HMC follows the
gradient along the ridge and makes long moves that are still accepted.

HMC here uses a unit mass matrix and the leapfrog map of :mod:`.integrators` on the
potential ``U = -log pi``. All randomness comes from the ``rng`` argument, a
``numpy.random.Generator``, so a seed fixes the chain.
"""

import logging
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import integrators

logger = logging.getLogger(__name__)

LogDensity = Callable[[NDArray[np.float64]], ArrayLike]
"""``x -> log pi(x)`` for one point ``x`` of shape (d,), returning a scalar."""

GradLogDensity = Callable[[NDArray[np.float64]], ArrayLike]
"""``x -> grad log pi(x)`` for one point ``x`` of shape (d,), returning shape (d,)."""


def banana_log_density(x: ArrayLike, b: float = 0.1) -> NDArray[np.float64]:
    """Unnormalized log density of the 2-D banana distribution.

    Parameters
    ----------
    x : array_like, shape (..., 2)
        Points; the last axis holds ``(x1, x2)``.
    b : float, default 0.1
        Twist of the banana; ``b = 0`` gives the Gaussian ``N(0, diag(100, 1))``.

    Returns
    -------
    ndarray of float64, shape x.shape[:-1]
        ``-x1**2 / 200 - (x2 + b x1**2 - 100 b)**2 / 2``, with no normalizing constant.
    """
    x = np.asarray(x, dtype=np.float64)
    x1, x2 = x[..., 0], x[..., 1]
    ridge = x2 + b * x1**2 - 100.0 * b
    return -(x1**2) / 200.0 - 0.5 * ridge**2


def banana_grad_log_density(x: ArrayLike, b: float = 0.1) -> NDArray[np.float64]:
    """Gradient of :func:`banana_log_density` with respect to ``x``.

    With ``r = x2 + b x1**2 - 100 b``::

        d/dx1 log pi = -x1 / 100 - 2 b x1 r
        d/dx2 log pi = -r

    Parameters
    ----------
    x : array_like, shape (..., 2)
        Points; the last axis holds ``(x1, x2)``.
    b : float, default 0.1
        Twist of the banana.

    Returns
    -------
    ndarray of float64, shape (..., 2)
        The gradient at each point.
    """
    x = np.asarray(x, dtype=np.float64)
    x1, x2 = x[..., 0], x[..., 1]
    ridge = x2 + b * x1**2 - 100.0 * b
    return np.stack([-x1 / 100.0 - 2.0 * b * x1 * ridge, -ridge], axis=-1)


def _accept(log_ratio: float, rng: np.random.Generator) -> bool:
    """Metropolis test: accept with probability ``min(1, exp(log_ratio))``.

    The uniform draw is taken on every call, so the random stream does not depend on the
    outcome. A non-finite ``log_ratio`` (``nan`` from an overflowing proposal, or ``-inf``)
    is a rejection.
    """
    u = rng.uniform()
    if not np.isfinite(log_ratio):
        return False
    with np.errstate(divide="ignore"):  # log(0) = -inf accepts, as it should
        return bool(np.log(u) < log_ratio)


def _start(x0: ArrayLike) -> NDArray[np.float64]:
    """Copy the starting point into a fresh 1-D float64 array."""
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x0 must have shape (d,), got {x.shape}")
    return x


def hmc_sample(
    log_density: LogDensity,
    grad_log_density: GradLogDensity,
    x0: ArrayLike,
    n_samples: int,
    step_size: float,
    n_leapfrog: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], float]:
    """Draw a Markov chain with Hamiltonian Monte Carlo (unit mass, fixed path length).

    Each iteration

    1. draws a momentum ``p ~ N(0, I)`` with ``rng.standard_normal(d)``;
    2. runs ``n_leapfrog`` leapfrog steps of size ``step_size`` on ``U = -log_density``
       from ``(x, p)`` to a proposal ``(x', p')``;
    3. accepts ``x'`` with probability ``min(1, exp(H(x, p) - H(x', p')))``, where
       ``H = U + |p|**2 / 2``, using one ``rng.uniform()`` draw; otherwise keeps ``x``.

    Because leapfrog is volume-preserving and reversible (with the momentum flip that a
    symmetric kinetic energy makes implicit), this test leaves ``pi`` invariant exactly; the
    integration error only lowers the acceptance rate.

    Parameters
    ----------
    log_density : callable
        ``x -> log pi(x)`` for ``x`` of shape (d,), up to a constant.
    grad_log_density : callable
        ``x -> grad log pi(x)``, shape (d,).
    x0 : array_like, shape (d,)
        Starting point (not modified).
    n_samples : int
        Number of iterations, i.e. rows of the output.
    step_size : float
        Leapfrog step size, in the units of ``x``.
    n_leapfrog : int
        Leapfrog steps per proposal; the path length is ``step_size * n_leapfrog``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    samples : ndarray of float64, shape (n_samples, d)
        Row ``i`` is the state after iteration ``i``; a rejection repeats the state.
    acceptance_rate : float
        Fraction of accepted proposals (0.0 when ``n_samples`` is 0).
    """
    x = _start(x0)
    d = x.shape[0]

    def grad_potential(q: NDArray[np.float64]) -> NDArray[np.float64]:
        return -np.asarray(grad_log_density(q), dtype=np.float64)

    potential = -float(log_density(x))
    samples = np.empty((n_samples, d), dtype=np.float64)
    n_accepted = 0

    for i in range(n_samples):
        p = rng.standard_normal(d)
        h_old = potential + 0.5 * float(p @ p)

        x_new, p_new = x, p
        with np.errstate(over="ignore", invalid="ignore"):  # diverging paths give inf/nan
            for _ in range(n_leapfrog):
                x_new, p_new = integrators.leapfrog_step(x_new, p_new, step_size, grad_potential)
            potential_new = -float(log_density(x_new))
            h_new = potential_new + 0.5 * float(p_new @ p_new)

        if _accept(h_old - h_new, rng):
            x, potential = x_new, potential_new
            n_accepted += 1
        samples[i] = x

    acceptance_rate = n_accepted / n_samples if n_samples else 0.0
    logger.debug("HMC: %d iterations, acceptance rate %.3f", n_samples, acceptance_rate)
    return samples, float(acceptance_rate)


def random_walk_metropolis(
    log_density: LogDensity,
    x0: ArrayLike,
    n_samples: int,
    proposal_std: float | ArrayLike,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], float]:
    """Draw a Markov chain with Gaussian random-walk Metropolis.

    Each iteration proposes ``x' = x + proposal_std * rng.standard_normal(d)`` and accepts
    it with probability ``min(1, pi(x') / pi(x))`` using one ``rng.uniform()`` draw. The
    proposal is symmetric, so no Hastings correction is needed.

    Parameters
    ----------
    log_density : callable
        ``x -> log pi(x)`` for ``x`` of shape (d,), up to a constant.
    x0 : array_like, shape (d,)
        Starting point (not modified).
    n_samples : int
        Number of iterations, i.e. rows of the output.
    proposal_std : float or array_like of shape (d,)
        Standard deviation of the proposal, one value or one per coordinate.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    samples : ndarray of float64, shape (n_samples, d)
        Row ``i`` is the state after iteration ``i``; a rejection repeats the state.
    acceptance_rate : float
        Fraction of accepted proposals (0.0 when ``n_samples`` is 0).
    """
    x = _start(x0)
    d = x.shape[0]
    proposal_std = np.asarray(proposal_std, dtype=np.float64)

    log_pi = float(log_density(x))
    samples = np.empty((n_samples, d), dtype=np.float64)
    n_accepted = 0

    for i in range(n_samples):
        x_new = x + proposal_std * rng.standard_normal(d)
        with np.errstate(over="ignore", invalid="ignore"):
            log_pi_new = float(log_density(x_new))

        if _accept(log_pi_new - log_pi, rng):
            x, log_pi = x_new, log_pi_new
            n_accepted += 1
        samples[i] = x

    acceptance_rate = n_accepted / n_samples if n_samples else 0.0
    logger.debug("RWM: %d iterations, acceptance rate %.3f", n_samples, acceptance_rate)
    return samples, float(acceptance_rate)


def hmc_trajectory(
    grad_log_density: GradLogDensity,
    x0: ArrayLike,
    p0: ArrayLike,
    step_size: float,
    n_leapfrog: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Leapfrog path of one HMC proposal, for plotting it in phase space.

    Parameters
    ----------
    grad_log_density : callable
        ``x -> grad log pi(x)``, shape (d,).
    x0 : array_like, shape (d,)
        Starting position.
    p0 : array_like, shape (d,)
        Starting momentum.
    step_size : float
        Leapfrog step size, in the units of ``x``.
    n_leapfrog : int
        Number of leapfrog steps.

    Returns
    -------
    xs, ps : ndarray of float64, shape (n_leapfrog + 1, d)
        Positions and momenta along the path; row 0 is ``(x0, p0)``, the last row the
        proposal before the accept/reject test.
    """

    def grad_potential(q: NDArray[np.float64]) -> NDArray[np.float64]:
        return -np.asarray(grad_log_density(q), dtype=np.float64)

    return integrators.simulate(
        integrators.leapfrog_step, _start(x0), _start(p0), step_size, n_leapfrog, grad_potential
    )
