"""One-step integrators for Hamiltonian systems, and the energy drift of forward Euler.

Handout questions 1.7 (why forward Euler is a poor choice for long simulations of an
oscillator) and 2.2 (the leapfrog step that drives the HMC sampler in ``hmc.py``).

Conventions used by every function here:

- The Hamiltonian is ``H(q, p) = |p|**2 / 2 + V(q)`` with unit mass.
- ``grad_potential(q)`` is a callable that returns the gradient of ``V`` at ``q``, an array
  with the shape of ``q``.
- ``q`` and ``p`` are numpy arrays of one common shape (any shape: a 0-d array for a single
  coordinate, ``(d,)`` for a point in ``d`` dimensions, ...). Work in float64.
- Never change an input array in place; build new arrays for the results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sympy

GradPotential = Callable[[np.ndarray], np.ndarray]
Step = Callable[[np.ndarray, np.ndarray, float, GradPotential], tuple[np.ndarray, np.ndarray]]


def euler_step(
    q: np.ndarray, p: np.ndarray, dt: float, grad_potential: GradPotential
) -> tuple[np.ndarray, np.ndarray]:
    """Advance ``(q, p)`` by one forward (explicit) Euler step of size ``dt``.

    Hamilton's equations are ``dq/dt = p`` and ``dp/dt = -grad V(q)``. Forward Euler moves
    both variables along these derivatives, evaluated at the *current* state only.

    Parameters
    ----------
    q : numpy.ndarray, float64, any shape
        Positions at the current time.
    p : numpy.ndarray, float64, same shape as ``q``
        Momenta at the current time.
    dt : float
        Step size.
    grad_potential : callable
        ``grad_potential(q)`` returns the gradient of the potential at ``q`` (shape of ``q``).

    Returns
    -------
    q_next, p_next : tuple of numpy.ndarray
        The state after one step, each with the shape of ``q``.

    Hints
    -----
    Both updates use the old ``q`` and the old ``p``: compute everything you need from the
    current state before you build either new array.
    """
    raise NotImplementedError("euler_step: not implemented yet")


def leapfrog_step(
    q: np.ndarray, p: np.ndarray, dt: float, grad_potential: GradPotential
) -> tuple[np.ndarray, np.ndarray]:
    """Advance ``(q, p)`` by one leapfrog (velocity Verlet) step of size ``dt``.

    Leapfrog is symplectic and time-reversible, which is why its energy error stays bounded
    over long runs, unlike forward Euler's. It splits the step into three parts: a half
    step on the momentum using the force at the current position, a full step on the
    position using that half-updated momentum, and a second half step on the momentum
    using the force at the *new* position.

    Parameters
    ----------
    q : numpy.ndarray, float64, any shape
        Positions at the current time.
    p : numpy.ndarray, float64, same shape as ``q``
        Momenta at the current time.
    dt : float
        Step size.
    grad_potential : callable
        ``grad_potential(q)`` returns the gradient of the potential at ``q`` (shape of ``q``).

    Returns
    -------
    q_next, p_next : tuple of numpy.ndarray
        The state after one full step, each with the shape of ``q``.

    Hints
    -----
    Half kick, drift, half kick. The force is minus the gradient of the potential, and the
    gradient is evaluated twice per step (at the old and at the new position).
    """
    raise NotImplementedError("leapfrog_step: not implemented yet")


def simulate(
    step: Step,
    q0: np.ndarray,
    p0: np.ndarray,
    dt: float,
    n_steps: int,
    grad_potential: GradPotential,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply a one-step integrator ``n_steps`` times and record the whole path.

    Parameters
    ----------
    step : callable
        A function with the signature of ``euler_step`` / ``leapfrog_step``:
        ``step(q, p, dt, grad_potential) -> (q_next, p_next)``.
    q0 : numpy.ndarray, float64, any shape
        Initial positions.
    p0 : numpy.ndarray, float64, same shape as ``q0``
        Initial momenta.
    dt : float
        Step size.
    n_steps : int
        Number of steps to take (0 is allowed: the path is then just the initial state).
    grad_potential : callable
        Passed on to ``step`` unchanged.

    Returns
    -------
    qs, ps : tuple of numpy.ndarray
        Arrays of shape ``(n_steps + 1, *q0.shape)``. Row 0 is the initial state and row
        ``k`` the state after ``k`` steps.

    Hints
    -----
    Allocate the two output arrays first, fill row 0, then loop.
    """
    raise NotImplementedError("simulate: not implemented yet")


def euler_energy_ratio(dt: float | np.ndarray | sympy.Expr) -> float | np.ndarray | sympy.Expr:
    """Energy growth factor ``E_{n+1} / E_n`` of forward Euler on the harmonic oscillator.

    For ``V(q) = q**2 / 2`` the energy is ``E = (p**2 + q**2) / 2``. One forward Euler step
    multiplies ``E`` by a factor that depends only on ``dt`` (not on ``q`` or ``p``). Return
    that factor.

    Parameters
    ----------
    dt : float, numpy.ndarray or sympy expression
        Step size. An array is handled elementwise; a SymPy symbol gives a SymPy expression.

    Returns
    -------
    ratio : same type as ``dt``
        The factor ``E_{n+1} / E_n``.

    Hints
    -----
    Write out one Euler step for this potential by hand, square both components and add
    them. Use only arithmetic operators (``+``, ``*``, ``**``): then the same line of code
    works for floats, numpy arrays and SymPy symbols alike.
    """
    raise NotImplementedError("euler_energy_ratio: not implemented yet")
