"""Public self-checks for integrators.py (questions 1.7 and 2.2).

The worked example throughout is the harmonic oscillator ``V(q) = q**2 / 2``, whose
potential gradient is ``q`` itself, started at ``(q, p) = (1, 0)`` with ``dt = 0.1``.
Each check looks at the form of the answer first (a pair, the shape of ``q``), then at
its value, so that the message names the first thing to fix.
"""

import numpy as np
import sympy

from student import integrators
from student.tests.describe import kind, shape_of


def spring(q):
    """Gradient of V(q) = q**2 / 2."""
    return q


def state_pair(result, function, shape):
    """Check that a step returned a pair ``(q_next, p_next)`` of the given shape."""
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"returned {kind(result)}, expected a pair (q_next, p_next). Hint: end with "
        f"`return q_next, p_next` in {function}"
    )
    q, p = result
    for name, value in (("q_next", q), ("p_next", p)):
        assert shape_of(value) == shape, (
            f"returned {name} as {kind(value)}, expected the shape of q, {shape}. Hint: "
            "compute with whole arrays (q + dt * p); no reshaping, stacking or indexing"
        )
    return q, p


def test_euler_step_one_step_on_the_oscillator():
    """One Euler step from (1, 0) with dt = 0.1 lands on (1, -0.1), worked by hand."""
    result = integrators.euler_step(np.array(1.0), np.array(0.0), 0.1, spring)
    q, p = state_pair(result, "euler_step", ())
    assert np.allclose([q, p], [1.0, -0.1]), (
        f"from (q, p) = (1, 0) with dt = 0.1 returned ({float(q)}, {float(p)}), "
        "expected (1.0, -0.1). Hint: both updates use the OLD q and p."
    )


def test_euler_step_keeps_shape_and_inputs():
    """A state of shape (3,) stays of shape (3,), and the input arrays are not changed."""
    q0, p0 = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5])
    q_copy, p_copy = q0.copy(), p0.copy()
    state_pair(integrators.euler_step(q0, p0, 0.1, spring), "euler_step", (3,))
    assert np.array_equal(q0, q_copy) and np.array_equal(p0, p_copy), (
        "changed its input arrays in place; build new arrays instead "
        "(e.g. q + dt * p rather than q += dt * p)"
    )


def test_leapfrog_step_one_step_on_the_oscillator():
    """One leapfrog step from (1, 0) with dt = 0.1 lands on (0.995, -0.09975)."""
    result = integrators.leapfrog_step(np.array(1.0), np.array(0.0), 0.1, spring)
    q, p = state_pair(result, "leapfrog_step", ())
    assert np.allclose([q, p], [0.995, -0.09975]), (
        f"from (q, p) = (1, 0) with dt = 0.1 returned ({float(q)}, {float(p)}), "
        "expected (0.995, -0.09975). Hint: half kick, drift, half kick, and the force is "
        "minus the gradient."
    )


def test_leapfrog_step_keeps_shape_and_inputs():
    """A state of shape (2, 2) stays of shape (2, 2), and the inputs are not changed."""
    q0, p0 = np.ones((2, 2)), np.zeros((2, 2))
    state_pair(integrators.leapfrog_step(q0, p0, 0.1, spring), "leapfrog_step", (2, 2))
    assert np.array_equal(q0, np.ones((2, 2))) and np.array_equal(p0, np.zeros((2, 2))), (
        "changed its input arrays in place; build new arrays instead"
    )


def test_simulate_shapes_and_first_rows():
    """simulate returns (n_steps + 1, *q0.shape) arrays: row 0 the start, row 1 one step."""
    q0, p0 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    result = integrators.simulate(integrators.euler_step, q0, p0, 0.1, 5, spring)
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"returned {kind(result)}, expected a pair (qs, ps)"
    )
    qs, ps = result
    assert shape_of(qs) == (6, 2) and shape_of(ps) == (6, 2), (
        f"with n_steps=5 and q0 of shape (2,) returned qs as {kind(qs)} and ps as {kind(ps)}, "
        "expected shape (6, 2) for both. Hint: row 0 is the initial state, then one row per "
        "step"
    )
    assert np.allclose(qs[0], q0) and np.allclose(ps[0], p0), (
        f"row 0 should be the initial state (q0, p0) = ({q0}, {p0}), got ({qs[0]}, {ps[0]})"
    )
    assert np.allclose(qs[1], [1.0, 0.1]) and np.allclose(ps[1], [-0.1, 1.0]), (
        f"row 1 should be one euler_step from row 0, ([1.0, 0.1], [-0.1, 1.0]), got "
        f"({qs[1]}, {ps[1]}). Hint: call step(q, p, dt, grad_potential) once per row"
    )


def test_euler_energy_ratio_float_array_and_symbol():
    """euler_energy_ratio(0.1) is 1.01; arrays work elementwise; symbols give SymPy."""
    ratio = integrators.euler_energy_ratio(0.1)
    assert isinstance(ratio, float), (
        f"euler_energy_ratio(0.1) returned {kind(ratio)}, expected a float. Hint: use only "
        "+, * and ** on dt"
    )
    assert np.isclose(ratio, 1.01), (
        f"euler_energy_ratio(0.1) returned {ratio}, expected 1.01. Hint: E_1 / E_0 for one "
        "Euler step of the oscillator does not depend on q or p"
    )
    ratios = integrators.euler_energy_ratio(np.array([0.0, 0.1]))
    assert shape_of(ratios) == (2,) and np.allclose(ratios, [1.0, 1.01]), (
        f"euler_energy_ratio(np.array([0.0, 0.1])) returned {kind(ratios)} {ratios!r}, "
        "expected [1.0, 1.01] (one ratio per step size)"
    )
    dt = sympy.Symbol("dt", positive=True)
    expression = integrators.euler_energy_ratio(dt)
    assert isinstance(expression, sympy.Basic), (
        f"euler_energy_ratio(Symbol('dt')) returned {kind(expression)}, expected "
        "a SymPy expression. Hint: use only +, * and ** (no numpy functions)"
    )
