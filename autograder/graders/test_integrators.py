"""Hidden checks of ``student/integrators.py``: forward Euler (1.7) and leapfrog (2.2).

The checks judge properties that every correct implementation has, whatever its style:
values on cases worked by hand (the update formulas written out below), the order of the
one-step energy error under step halving, time reversibility, volume preservation, shapes,
float64 results and untouched inputs. Potentials are handed in as child-side fixtures that
student code cannot recognise.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from autograder.graders.support import (
    Fixture,
    StudentFunction,
    as_array,
    as_pair,
    check,
    close,
    expect,
    fail,
)

HARMONIC = Fixture("quadratic_grad")
ANHARMONIC = Fixture("anharmonic_grad")
K = np.array([[2.0, 0.5], [0.5, 1.0]])
COUPLED = Fixture("quadratic_grad", {"K": K})


def anharmonic_grad(q):
    return q + q**3


def anharmonic_energy(q, p):
    return float(np.sum(p**2 / 2 + q**2 / 2 + q**4 / 4))


def euler_reference(q, p, dt, grad):
    return q + dt * p, p - dt * grad(q)


def leapfrog_reference(q, p, dt, grad):
    p_half = p - dt / 2 * grad(q)  # p(n+1/2)
    q_next = q + dt * p_half  # q(n+1)
    return q_next, p_half - dt / 2 * grad(q_next)  # p(n+1)


def step_pair(student, name, q, p, dt, grad):
    """Call a student step and read its answer as two float arrays of q's shape."""
    value = student.call(f"integrators.{name}", q, p, dt, grad)
    q_next, p_next = as_pair(value, name)
    return (
        as_array(q_next, f"{name}'s q_next", shape=np.shape(q)),
        as_array(p_next, f"{name}'s p_next", shape=np.shape(p)),
    )


# --------------------------------------------------------------------------------------------
# 1.7 forward Euler


@check(
    "1.7 euler_step matches hand-worked values on the harmonic oscillator",
    points=1.5,
    catches="updating p with the new q (symplectic Euler); a sign error in the kick; "
    "a missing dt; returning (p, q)",
)
def test_euler_hand_worked(student):
    for q, p, dt in [(1.0, 0.0, 0.1), (0.3, -0.7, 0.25), (-2.0, 1.5, 0.01)]:
        got = step_pair(student, "euler_step", np.array(q), np.array(p), dt, HARMONIC)
        want = euler_reference(q, p, dt, lambda x: x)
        expect(close(got[0], want[0]), "q_next is wrong on the harmonic oscillator")
        expect(close(got[1], want[1]), "p_next is wrong on the harmonic oscillator")


@check(
    "1.7 euler_step takes both updates from the old state on a nonlinear potential",
    points=1,
    catches="using the updated q in the gradient; a gradient of the wrong sign; ignoring "
    "grad_potential in favour of the oscillator",
)
def test_euler_old_state(student):
    q, p = np.array([0.8, -0.4, 1.1]), np.array([0.3, 0.9, -0.2])
    got = step_pair(student, "euler_step", q, p, 0.05, ANHARMONIC)
    want = euler_reference(q, p, 0.05, anharmonic_grad)
    expect(
        close(got[0], want[0]) and close(got[1], want[1]),
        "the step is wrong on a nonlinear potential in 3 dimensions",
    )


@check(
    "1.7 euler_step keeps batched shapes, returns float64 and leaves its inputs unmodified",
    points=1,
    catches="in-place updates of q or p; flattening or transposing the state; float32 results",
)
def test_euler_shapes_and_inputs(student):
    q = np.linspace(-1, 1, 6).reshape(2, 3)
    p = np.linspace(0.5, -0.5, 6).reshape(2, 3)
    result = student.call_full("integrators.euler_step", q, p, 0.1, ANHARMONIC)
    if result.mutated:
        fail("euler_step modified its input arrays in place")
    q_next, p_next = as_pair(result.value, "euler_step")
    for value, what in [(q_next, "q_next"), (p_next, "p_next")]:
        array = as_array(value, f"euler_step's {what}", shape=(2, 3))
        expect(np.asarray(value).dtype == np.float64, f"euler_step's {what} is not float64")
        del array
    want = euler_reference(q, p, 0.1, anharmonic_grad)
    expect(close(q_next, want[0]) and close(p_next, want[1]), "the step is wrong on a batch")


@check(
    "1.7 simulate applies the given step n_steps times and stacks the states from row 0",
    points=1.5,
    catches="a missing initial row; off-by-one step counts; ignoring the step argument; "
    "returning lists or the wrong axis order",
)
def test_simulate_bookkeeping(student):
    q0, p0 = np.array([0.5, -1.0]), np.array([1.0, 3.0])
    result = student.call_full(
        "integrators.simulate", Fixture("shift_step"), q0, p0, 0.25, 6, HARMONIC
    )
    qs, ps = as_pair(result.value, "simulate")
    qs = as_array(qs, "simulate's qs", shape=(7, 2))
    ps = as_array(ps, "simulate's ps", shape=(7, 2))
    k = np.arange(7)[:, None]
    expect(close(qs, q0 + 0.25 * k), "the rows of qs are not the successive states")
    expect(close(ps, p0 * 2.0**k), "the rows of ps are not the successive states")
    expect(not result.mutated, "simulate modified its input arrays in place")


@check(
    "1.7 simulate passes dt and grad_potential through to the step and handles n_steps = 0",
    points=0.5,
    catches="calling the step with a fixed dt or the wrong potential; failing on zero steps",
)
def test_simulate_passes_arguments(student):
    q0, p0 = np.array(0.5), np.array(0.0)
    qs, ps = as_pair(
        student.call("integrators.simulate", Fixture("gradient_step"), q0, p0, 0.1, 3, ANHARMONIC),
        "simulate",
    )
    qs = as_array(qs, "simulate's qs", shape=(4,))
    q, want = 0.5, [0.5]
    for _ in range(3):
        q = q - 0.1 * anharmonic_grad(q)
        want.append(q)
    expect(close(qs, want), "simulate does not hand dt and grad_potential to the step")
    expect(
        close(as_array(ps, "simulate's ps", shape=(4,)), [0, 1, 2, 3]),
        "simulate's ps do not follow the step",
    )
    qs, ps = as_pair(
        student.call("integrators.simulate", Fixture("shift_step"), q0, p0, 0.1, 0, HARMONIC),
        "simulate",
    )
    expect(
        close(as_array(qs, "simulate's qs with n_steps=0", shape=(1,)), [0.5]),
        "with n_steps = 0 simulate should return the initial state only",
    )


@check(
    "1.7 forward Euler through simulate grows the oscillator's energy by one factor per step",
    points=1,
    catches="an Euler step or simulate loop that is right once but drifts over many steps",
)
def test_euler_energy_growth(student):
    dt, n = 0.05, 200
    qs, ps = as_pair(
        student.call(
            "integrators.simulate",
            StudentFunction("integrators.euler_step"),
            np.array(1.0),
            np.array(0.0),
            dt,
            n,
            HARMONIC,
        ),
        "simulate",
    )
    qs = as_array(qs, "simulate's qs", shape=(n + 1,))
    ps = as_array(ps, "simulate's ps", shape=(n + 1,))
    energy = (qs**2 + ps**2) / 2
    expect(
        close(energy, 0.5 * (1 + dt**2) ** np.arange(n + 1), rtol=1e-8),
        "the energy under forward Euler does not grow by the factor the analysis gives",
    )


@check(
    "1.7 euler_energy_ratio gives the per-step energy factor for floats and numpy arrays",
    points=0.5,
    catches="a wrong factor (e.g. 1 + dt, or its inverse); no elementwise behaviour",
)
def test_energy_ratio_numeric(student):
    value = as_array(student.call("integrators.euler_energy_ratio", 0.1), "euler_energy_ratio")
    expect(close(value, 1.01), "euler_energy_ratio(0.1) is wrong")
    dts = np.array([0.0, 0.01, 0.3, 2.0])
    values = as_array(
        student.call("integrators.euler_energy_ratio", dts),
        "euler_energy_ratio of an array",
        shape=(4,),
    )
    expect(close(values, 1 + dts**2), "euler_energy_ratio is wrong elementwise")


@check(
    "1.7 euler_energy_ratio works on a SymPy symbol and equals the symbolic factor",
    points=0.5,
    catches="code that only works for floats (math functions, numpy casts) on a symbol",
)
def test_energy_ratio_symbolic(student):
    dt = sp.Symbol("dt", positive=True)
    value = student.call("integrators.euler_energy_ratio", dt)
    if not isinstance(value, sp.Basic):
        fail("euler_energy_ratio(dt) for a SymPy symbol should return a SymPy expression")
    expect(sp.expand(value - (1 + dt**2)) == 0, "euler_energy_ratio(dt) is wrong symbolically")


# --------------------------------------------------------------------------------------------
# 2.2 leapfrog
#
# One leapfrog step on the oscillator V(q) = q^2/2, written out by hand:
#     p(1/2) = p - dt/2 q
#     q(1)   = q + dt p(1/2)           = (1 - dt^2/2) q + dt p
#     p(1)   = p(1/2) - dt/2 q(1)      = (1 - dt^2/2) p - dt (1 - dt^2/4) q
# e.g. (q, p, dt) = (1, 0, 0.1) gives (0.995, -0.09975), and (0.3, -0.7, 0.25) gives
# (0.115625, -0.751953125).

BANANA_POTENTIAL = Fixture("banana_grad_potential", {"b": 0.1})


def banana_potential_grad(q, b=0.1):
    x1, x2 = q[..., 0], q[..., 1]
    twist = x2 + b * x1**2 - 100 * b
    return np.stack([x1 / 100 + 2 * b * x1 * twist, twist], axis=-1)


def oscillator_step(q, p, dt):
    """The hand-worked leapfrog step on V(q) = q^2/2 above."""
    return (1 - dt**2 / 2) * q + dt * p, (1 - dt**2 / 2) * p - dt * (1 - dt**2 / 4) * q


@check(
    "2.2 leapfrog_step matches hand-worked velocity Verlet values",
    points=2,
    catches="full kicks at both ends; the gradient of log p where grad U belongs; drift "
    "first (position Verlet); the second kick with the old gradient; returning (p, q)",
)
def test_leapfrog_hand_worked(student):
    worked = [(1.0, 0.0, 0.1, 0.995, -0.09975), (0.3, -0.7, 0.25, 0.115625, -0.751953125)]
    for q, p, dt, q_want, p_want in worked:
        got = step_pair(student, "leapfrog_step", np.array(q), np.array(p), dt, HARMONIC)
        expect(
            close(got[0], q_want, rtol=1e-12) and close(got[1], p_want, rtol=1e-12),
            "leapfrog_step is wrong on the harmonic oscillator, one step worked by hand",
        )
    q = np.array([[0.5, -1.2, 2.0], [0.0, 0.7, -0.3]])
    p = np.array([[1.0, 0.4, -0.6], [-1.5, 0.2, 0.9]])
    got = step_pair(student, "leapfrog_step", q, p, 0.3, HARMONIC)
    want = oscillator_step(q, p, 0.3)
    expect(
        close(got[0], want[0], rtol=1e-12, atol=1e-14)
        and close(got[1], want[1], rtol=1e-12, atol=1e-14),
        "leapfrog_step is wrong on a batch of harmonic oscillators",
    )
    cases = [
        (
            np.array([0.8, -0.4, 1.1]),
            np.array([0.3, 0.9, -0.2]),
            0.05,
            ANHARMONIC,
            anharmonic_grad,
        ),
        (np.array([1.0, -0.5]), np.array([0.2, 0.4]), 0.2, COUPLED, lambda x: K @ x),
        (
            np.array([6.0, 2.5]),
            np.array([0.5, -1.0]),
            0.1,
            BANANA_POTENTIAL,
            banana_potential_grad,
        ),
    ]
    for q, p, dt, fixture, grad in cases:
        got = step_pair(student, "leapfrog_step", q, p, dt, fixture)
        want = leapfrog_reference(q, p, dt, grad)
        expect(
            close(got[0], want[0], rtol=1e-10) and close(got[1], want[1], rtol=1e-10),
            "leapfrog_step is wrong on a nonlinear or coupled potential",
        )


def energy_error_ratios(student, q, p, dts, fixture, energy) -> list[float]:
    errors = []
    for dt in dts:
        q1, p1 = step_pair(student, "leapfrog_step", q, p, dt, fixture)
        errors.append(abs(energy(q1, p1) - energy(q, p)))
    if min(errors) <= 0:
        return [0.0] * (len(dts) - 1)
    return [errors[k] / errors[k + 1] for k in range(len(dts) - 1)]


@check(
    "2.2 leapfrog_step's one-step energy error falls about 8x per halving of dt",
    points=1.5,
    catches="a first-order scheme (Euler or symplectic Euler) posing as leapfrog; unbalanced "
    "kicks",
)
def test_leapfrog_energy_order(student):
    # One step's energy error is c dt^3 + O(dt^4): on the oscillator c = q p / 4 exactly, so
    # from (0.8, 0.6) the ratios are 8 (1 + O(dt)); a correct step gives 7.98, 7.99 there
    # and 8.80, 8.43 on the anharmonic case. First-order schemes (forward or symplectic
    # Euler) give ratios near 4, full kicks at both ends near 2.
    dts = (0.02, 0.01, 0.005)
    ratios = energy_error_ratios(
        student,
        np.array(0.8),
        np.array(0.6),
        dts,
        HARMONIC,
        lambda q, p: float(q**2 / 2 + p**2 / 2),
    )
    ratios += energy_error_ratios(
        student,
        np.array([0.8, -0.4, 1.1]),
        np.array([0.3, 0.9, -0.2]),
        dts,
        ANHARMONIC,
        anharmonic_energy,
    )
    expect(
        all(6.5 <= r <= 10.0 for r in ratios),
        "the energy error of one step does not shrink like dt^3",
    )


@check(
    "2.2 leapfrog_step is time-reversible: flipping the momentum retraces the step",
    points=1,
    catches="asymmetric compositions (one kick then drift); a kick that reuses a stale gradient",
)
def test_leapfrog_reversible(student):
    cases = [
        (np.array([0.8, -0.4, 1.1]), np.array([0.3, 0.9, -0.2]), 0.1, ANHARMONIC),
        (np.array([6.0, 2.5]), np.array([0.5, -1.0]), 0.1, BANANA_POTENTIAL),
    ]
    for q, p, dt, fixture in cases:
        q1, p1 = step_pair(student, "leapfrog_step", q, p, dt, fixture)
        q2, p2 = step_pair(student, "leapfrog_step", q1, -p1, dt, fixture)
        expect(
            close(q2, q, rtol=1e-10, atol=1e-12) and close(-p2, p, rtol=1e-10, atol=1e-12),
            "stepping back with flipped momentum does not return to the start",
        )


@check(
    "2.2 leapfrog_step preserves phase-space volume (Jacobian determinant 1)",
    points=1,
    catches="non-symplectic updates such as forward Euler, or mixing the old and new gradients",
)
def test_leapfrog_volume(student):
    # The 4 x 4 Jacobian of one step in (q1, q2, p1, p2) on the banana's potential, by central
    # differences (truncation about h^2 |third derivatives| ~ 1e-11, rounding ~ 1e-10).
    dt, h = 0.2, 1e-6
    base = np.array([6.0, 2.5, 0.5, -1.0])

    def step(state):
        q1, p1 = step_pair(student, "leapfrog_step", state[:2], state[2:], dt, BANANA_POTENTIAL)
        return np.concatenate([q1, p1])

    jacobian = np.empty((4, 4))
    for j in range(4):
        shift = np.zeros(4)
        shift[j] = h
        jacobian[:, j] = (step(base + shift) - step(base - shift)) / (2 * h)
    expect(abs(np.linalg.det(jacobian) - 1.0) < 1e-6, "the step does not preserve volume")


@check(
    "2.2 leapfrog_step keeps batched shapes, returns float64 and leaves its inputs unmodified",
    points=1,
    catches="in-place kicks on p or drifts on q; reshaping the state; float32 results",
)
def test_leapfrog_shapes_and_inputs(student):
    q = np.linspace(-1, 1, 6).reshape(3, 2)
    p = np.linspace(0.5, -0.5, 6).reshape(3, 2)
    result = student.call_full("integrators.leapfrog_step", q, p, 0.1, ANHARMONIC)
    if result.mutated:
        fail("leapfrog_step modified its input arrays in place")
    q_next, p_next = as_pair(result.value, "leapfrog_step")
    for value, what in [(q_next, "q_next"), (p_next, "p_next")]:
        as_array(value, f"leapfrog_step's {what}", shape=(3, 2))
        expect(np.asarray(value).dtype == np.float64, f"leapfrog_step's {what} is not float64")
    want = leapfrog_reference(q, p, 0.1, anharmonic_grad)
    expect(
        close(q_next, want[0], rtol=1e-8) and close(p_next, want[1], rtol=1e-8),
        "the step is wrong on a batch",
    )
