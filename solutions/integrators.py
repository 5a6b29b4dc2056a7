"""Time-stepping schemes for separable Hamiltonian systems (sections 1.7 and 2.2).

The system is ``H(q, p) = |p|**2 / 2 + V(q)`` with unit mass, so Hamilton's equations read
``dq/dt = p`` and ``dp/dt = -grad V(q)``. Two one-step maps are provided:

* forward Euler, first order and not symplectic: on the harmonic oscillator it multiplies
  the energy by ``1 + dt**2`` at every step, so long simulations drift outwards;
* leapfrog (velocity Verlet), second order, symplectic and time-reversible: its energy
  error stays bounded, which is what makes it the integrator inside HMC.

``simulate`` applies either map repeatedly and records the whole path. Everything is numpy
float64; ``q`` and ``p`` may have any shape, as long as the two shapes agree and
``grad_potential`` returns an array of that same shape.
"""

from collections.abc import Callable
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

GradPotential = Callable[[NDArray[np.float64]], ArrayLike]
"""Gradient of the potential, ``q -> grad V(q)``, same shape as ``q``."""

Step = Callable[
    [NDArray[np.float64], NDArray[np.float64], float, GradPotential],
    tuple[NDArray[np.float64], NDArray[np.float64]],
]
"""A one-step map ``(q, p, dt, grad_potential) -> (q_next, p_next)``."""

T = TypeVar("T")


def _as_float64(value: ArrayLike) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array (a new array when a conversion is needed)."""
    return np.asarray(value, dtype=np.float64)


def euler_step(
    q: ArrayLike, p: ArrayLike, dt: float, grad_potential: GradPotential
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Take one forward Euler step of Hamilton's equations.

    Both updates use the old state only::

        q(n+1) = q(n) + dt * p(n)
        p(n+1) = p(n) - dt * grad V(q(n))

    Parameters
    ----------
    q : array_like, shape (...)
        Position.
    p : array_like, shape (...)
        Momentum, the same shape as ``q``.
    dt : float
        Time step, in the time unit of the system.
    grad_potential : callable
        ``q -> grad V(q)``, returning an array of ``q``'s shape.

    Returns
    -------
    q_next, p_next : ndarray of float64, shape (...)
        The state after one step (new arrays; the inputs are not modified).
    """
    q = _as_float64(q)
    p = _as_float64(p)

    q_next = q + dt * p
    p_next = p - dt * _as_float64(grad_potential(q))
    return q_next, p_next


def leapfrog_step(
    q: ArrayLike, p: ArrayLike, dt: float, grad_potential: GradPotential
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Take one leapfrog (velocity Verlet) step of Hamilton's equations.

    A half kick, a full drift and a second half kick::

        p(n+1/2) = p(n)     - dt/2 * grad V(q(n))
        q(n+1)   = q(n)     + dt   * p(n+1/2)
        p(n+1)   = p(n+1/2) - dt/2 * grad V(q(n+1))

    The map is symplectic (it preserves phase-space volume) and reversible: flipping the
    sign of ``p_next`` and stepping again returns to ``(q, -p)``. Both properties are what
    the Metropolis correction in HMC relies on.

    Parameters
    ----------
    q : array_like, shape (...)
        Position.
    p : array_like, shape (...)
        Momentum, the same shape as ``q``.
    dt : float
        Time step, in the time unit of the system.
    grad_potential : callable
        ``q -> grad V(q)``, returning an array of ``q``'s shape.

    Returns
    -------
    q_next, p_next : ndarray of float64, shape (...)
        The state after one step (new arrays; the inputs are not modified).
    """
    q = _as_float64(q)
    p = _as_float64(p)

    p_half = p - 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)

    q_next = q + dt * p_half  # q(n+1)

    p_next = p_half - 0.5 * dt * _as_float64(grad_potential(q_next))  # p(n+1)
    return q_next, p_next


def simulate(
    step: Step,
    q0: ArrayLike,
    p0: ArrayLike,
    dt: float,
    n_steps: int,
    grad_potential: GradPotential,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Apply a one-step map ``n_steps`` times and record the path.

    Parameters
    ----------
    step : callable
        A one-step map such as :func:`euler_step` or :func:`leapfrog_step`.
    q0 : array_like, shape (...)
        Initial position.
    p0 : array_like, shape (...)
        Initial momentum, the same shape as ``q0``.
    dt : float
        Time step, in the time unit of the system.
    n_steps : int
        Number of steps, at least 0.
    grad_potential : callable
        ``q -> grad V(q)``, returning an array of ``q``'s shape.

    Returns
    -------
    qs, ps : ndarray of float64, shape (n_steps + 1, ...)
        Positions and momenta; row 0 is the initial state, row ``k`` the state after
        ``k`` steps, i.e. at time ``k * dt``.
    """
    if n_steps < 0:
        raise ValueError(f"n_steps must be non-negative, got {n_steps}")
    q = _as_float64(q0)
    p = _as_float64(p0)
    if q.shape != p.shape:
        raise ValueError(f"q0 and p0 must have the same shape, got {q.shape} and {p.shape}")

    qs = np.empty((n_steps + 1, *q.shape), dtype=np.float64)
    ps = np.empty((n_steps + 1, *p.shape), dtype=np.float64)
    qs[0], ps[0] = q, p

    for k in range(n_steps):
        q, p = step(q, p, dt, grad_potential)
        qs[k + 1], ps[k + 1] = q, p
    return qs, ps


def euler_energy_ratio(dt: T) -> T:
    """Energy growth factor per forward Euler step on the harmonic oscillator.

    With ``V(q) = q**2 / 2`` one Euler step maps ``(q, p)`` to ``(q + dt p, p - dt q)``, and

        (q + dt p)**2 + (p - dt q)**2 = (1 + dt**2) (q**2 + p**2),

    the cross terms cancelling. So ``E(n+1) / E(n) = 1 + dt**2`` whatever the state: the
    energy grows geometrically, ``E(n) = (1 + dt**2)**n E(0)``, for every ``dt > 0``.

    Parameters
    ----------
    dt : float, ndarray or sympy.Expr
        Time step(s); an array is handled elementwise.

    Returns
    -------
    float, ndarray or sympy.Expr
        ``1 + dt**2``, of the same type as ``dt``.
    """
    return 1 + dt**2
