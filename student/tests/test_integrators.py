"""Public self-checks for integrators.py (questions 1.7 and 2.2).

The worked example throughout is the harmonic oscillator ``V(q) = q**2 / 2``, whose
potential gradient is ``q`` itself, started at ``(q, p) = (1, 0)`` with ``dt = 0.1``.
"""

import numpy as np
import sympy

from student import integrators


def spring(q):
    """Gradient of V(q) = q**2 / 2."""
    return q


def test_euler_step_one_step_on_the_oscillator():
    """One Euler step from (1, 0) with dt = 0.1 lands on (1, -0.1), worked by hand."""
    q, p = integrators.euler_step(np.array(1.0), np.array(0.0), 0.1, spring)
    assert np.allclose([q, p], [1.0, -0.1]), (
        f"euler_step from (q, p) = (1, 0) with dt = 0.1 returned ({float(q)}, {float(p)}), "
        "expected (1.0, -0.1). Hint: both updates use the OLD q and p."
    )


def test_euler_step_keeps_shape_and_inputs():
    """A state of shape (3,) stays of shape (3,), and the input arrays are not changed."""
    q0, p0 = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5])
    q_copy, p_copy = q0.copy(), p0.copy()
    q, p = integrators.euler_step(q0, p0, 0.1, spring)
    assert np.shape(q) == (3,) and np.shape(p) == (3,), (
        f"euler_step returned shapes {np.shape(q)} and {np.shape(p)}, expected (3,) and (3,)"
    )
    assert np.array_equal(q0, q_copy) and np.array_equal(p0, p_copy), (
        "euler_step changed its input arrays in place; build new arrays instead "
        "(e.g. q + dt * p rather than q += dt * p)"
    )


def test_leapfrog_step_one_step_on_the_oscillator():
    """One leapfrog step from (1, 0) with dt = 0.1 lands on (0.995, -0.09975)."""
    q, p = integrators.leapfrog_step(np.array(1.0), np.array(0.0), 0.1, spring)
    assert np.allclose([q, p], [0.995, -0.09975]), (
        f"leapfrog_step from (q, p) = (1, 0) with dt = 0.1 returned ({float(q)}, {float(p)}), "
        "expected (0.995, -0.09975). Hint: half kick, drift, half kick, and the force is "
        "minus the gradient."
    )


def test_leapfrog_step_keeps_shape_and_inputs():
    """A state of shape (2, 2) stays of shape (2, 2), and the inputs are not changed."""
    q0, p0 = np.ones((2, 2)), np.zeros((2, 2))
    q, p = integrators.leapfrog_step(q0, p0, 0.1, spring)
    assert np.shape(q) == (2, 2) and np.shape(p) == (2, 2), (
        f"leapfrog_step returned shapes {np.shape(q)} and {np.shape(p)}, expected (2, 2)"
    )
    assert np.array_equal(q0, np.ones((2, 2))) and np.array_equal(p0, np.zeros((2, 2))), (
        "leapfrog_step changed its input arrays in place; build new arrays instead"
    )


def test_simulate_shapes_and_first_rows():
    """simulate returns (n_steps + 1, *q0.shape) arrays: row 0 the start, row 1 one step."""
    q0, p0 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    qs, ps = integrators.simulate(integrators.euler_step, q0, p0, 0.1, 5, spring)
    assert np.shape(qs) == (6, 2) and np.shape(ps) == (6, 2), (
        f"simulate with n_steps=5 and q0 of shape (2,) returned shapes {np.shape(qs)} and "
        f"{np.shape(ps)}, expected (6, 2) for both (row 0 is the initial state)"
    )
    assert np.allclose(qs[0], q0) and np.allclose(ps[0], p0), (
        "simulate: row 0 should be the initial state (q0, p0)"
    )
    assert np.allclose(qs[1], [1.0, 0.1]) and np.allclose(ps[1], [-0.1, 1.0]), (
        f"simulate: row 1 should be one euler_step from row 0, got q={qs[1]}, p={ps[1]}"
    )


def test_euler_energy_ratio_float_array_and_symbol():
    """euler_energy_ratio(0.1) is 1.01; arrays work elementwise; symbols give SymPy."""
    ratio = integrators.euler_energy_ratio(0.1)
    assert isinstance(ratio, float), (
        f"euler_energy_ratio(0.1) returned a {type(ratio).__name__}, expected a float"
    )
    assert np.isclose(ratio, 1.01), f"euler_energy_ratio(0.1) returned {ratio}, expected 1.01"
    ratios = integrators.euler_energy_ratio(np.array([0.0, 0.1]))
    assert np.shape(ratios) == (2,) and np.allclose(ratios, [1.0, 1.01]), (
        f"euler_energy_ratio(np.array([0.0, 0.1])) returned {ratios}, expected [1.0, 1.01] "
        "(one ratio per step size)"
    )
    dt = sympy.Symbol("dt", positive=True)
    expression = integrators.euler_energy_ratio(dt)
    assert isinstance(expression, sympy.Basic), (
        f"euler_energy_ratio(Symbol('dt')) returned a {type(expression).__name__}, expected "
        "a SymPy expression. Hint: use only +, * and ** (no numpy functions)"
    )
