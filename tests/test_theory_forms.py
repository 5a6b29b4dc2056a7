"""The theory checks accept every correct form of an answer and reject wrong ones, in words.

For every answer of ``theory.py`` this file lists correct forms that look different
(factored, expanded, ``Piecewise``, unevaluated matrix products, arrays, 1x1 matrices, other
orderings, the forms on which plain SymPy gives a false "different") and wrong forms (sign,
missing factor 1/2, transpose, wrong power, ...). Each form replaces the reference's function
in an in-process stand-in for a submission (``FormStudent``) whose arguments and answers
cross the same plain-data codec as in grading, and the hidden checks of that function are run
on it directly: every correct form passes them all; every wrong form fails the named check,
whose message must name the property that fails and must not show the expected answer.

The same stand-in proves that a function left unimplemented, or a constant left ``None``,
costs exactly the checks of that name. ``tests/test_theory_grading.py`` grades some of the
forms end to end through the engine.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import sympy as sp

import solutions.theory as reference
from autograder.childside import codec
from autograder.engine.child import CallResult, NotImplementedYet, StudentRaised
from autograder.graders import test_theory as graders
from autograder.graders.support import CheckFailed

# --------------------------------------------------------------------------------------------
# a submission in this process, behind the codec


class _Process:
    def ensure_module(self, module: str) -> None:
        pass


def _cross(value):
    """What the other side of the boundary receives: encoded, then decoded."""
    return codec.decode(codec.encode(value))


class FormStudent:
    """Stands in for ``support.Student``: calls go to ``module`` through the codec."""

    def __init__(self, module: types.SimpleNamespace):
        self.module = module
        self.process = _Process()
        self.notes: list[str] = []
        self.reports: dict[str, str] = {}
        self.used: set[str] = set()
        """the names of theory.py that calls and probes have read"""

    def call_full(self, target: str, *args, **kwargs) -> CallResult:
        name = target.partition(".")[2]
        self.used.add(name)
        function = getattr(self.module, name)
        try:
            value = function(*_cross(list(args)))
        except NotImplementedError:
            error = NotImplementedYet(f"`{name}` is not implemented yet")
            error.target = f"`{name}`"
            raise error from None
        return CallResult(_cross(value))

    def call(self, target: str, *args, **kwargs):
        return self.call_full(target, *args, **kwargs).value

    def probe(self, name: str, module: str, constant: str):
        assert name == "constant"
        self.used.add(constant)
        if not hasattr(self.module, constant):
            raise StudentRaised(f"student/{module}.py has no `{constant}`")
        return _cross(getattr(self.module, constant))

    def add_note(self, text: str) -> None:
        self.notes.append(text)

    def save_report(self, name: str, text: str) -> None:
        self.reports[name] = text


def submission(**overrides) -> FormStudent:
    """The reference's ``theory`` module with some names replaced."""
    names = {name: value for name, value in vars(reference).items() if not name.startswith("_")}
    names.update(overrides)
    return FormStudent(types.SimpleNamespace(**names))


#: the hidden checks of each name of theory.py
CHECKS: dict[str, tuple[Callable, ...]] = {
    "RELU_FIELD_GLOBALLY_LIPSCHITZ": (graders.test_relu_globally_lipschitz,),
    "PICARD_LINDELOF_UNIQUE_ON_0_T": (graders.test_picard_lindelof_unique,),
    "relu_field_lipschitz_bound": (graders.test_lipschitz_bound,),
    "square_field_solution": (graders.test_square_field_solution,),
    "square_field_blowup_time": (graders.test_square_field_blowup,),
    "linear_field_jacobian": (graders.test_linear_jacobian,),
    "linear_adjoint_rhs": (
        graders.test_linear_adjoint_rhs,
        graders.test_adjoint_conserves_pairing,
    ),
    "probability_flow_drift": (graders.test_probability_flow_drift,),
    "langevin_probability_flow_drift": (
        graders.test_langevin_drift,
        graders.test_langevin_stationary,
    ),
    "score_of_unnormalized": (
        graders.test_score_of_unnormalized,
        graders.test_score_drops_normalizer,
    ),
    "fourier_features": (
        graders.test_fourier_features_values,
        graders.test_fourier_features_hygiene,
    ),
    "SPECTRAL_BIAS_ANSWERS": (
        graders.test_spectral_keys,
        graders.test_spectral_low_first,
        graders.test_spectral_ntk,
        graders.test_spectral_pinn,
        graders.test_spectral_fourier,
        graders.test_spectral_scale,
    ),
    "hamiltonian_time_derivative": (
        graders.test_hamiltonian_time_derivative,
        graders.test_chain_rule_vanishes_along_hamilton,
    ),
    "hnn_vector_field": (graders.test_hnn_vector_field, graders.test_hnn_field_conserves),
    "exact_trace_vjp_count": (graders.test_exact_trace_vjp_count,),
    "probe_second_moment": (
        graders.test_probe_second_moment,
        graders.test_probe_moment_gives_trace,
    ),
    "euler_energy_after_one_step": (
        graders.test_energy_one_step,
        graders.test_energy_ratio_from_one_step,
    ),
    "euler_energy_after_n_steps": (
        graders.test_energy_n_steps,
        graders.test_energy_n_steps_matches_simulation,
    ),
    "FNO_NEEDS_LABELED_SOLUTIONS": (graders.test_fno_needs_labels,),
    "PINN_NEEDS_LABELED_SOLUTIONS": (graders.test_pinn_needs_labels,),
}


def run_check(check: Callable, student: FormStudent) -> str | None:
    """``None`` if the check passes, else its feedback (a ``CheckFailed`` message)."""
    try:
        check(student)
    except CheckFailed as error:
        return str(error)
    return None


# --------------------------------------------------------------------------------------------
# correct forms: at least five per answer, all accepted

s, k = sp.Symbol("s"), sp.Symbol("k", integer=True)
_h = sp.Function("h")


def _dsolve_solution(h0, t):
    solution = sp.dsolve(sp.Eq(_h(s).diff(s), _h(s) ** 2), _h(s), ics={_h(0): h0})
    return solution.rhs.subs(s, t)


def _column_from_sums(Theta, a):
    size = Theta.shape[0]
    return sp.Matrix([-sum(Theta[r, c] * a[r] for r in range(size)) for c in range(size)])


def _unevaluated_adjoint(Theta, a):
    """-Theta^T a as a MatMul of explicit matrices, never evaluated."""
    size = Theta.shape[0]
    M, v = sp.MatrixSymbol("M", size, size), sp.MatrixSymbol("v", size, 1)
    return (-M.T * v).xreplace({M: sp.ImmutableMatrix(Theta), v: sp.ImmutableMatrix(a)})


def _unevaluated_jacobian(Theta, h):
    size = Theta.shape[0]
    return sp.MatMul(sp.Identity(size), sp.ImmutableMatrix(Theta), evaluate=False)


def _chain_rule_by_path(H, q, p, q_dot, p_dot):
    """Differentiate H(Q(t), P(t)) in t, then put the velocities and the point back."""
    time, Q, P = sp.Symbol("time"), sp.Function("Q"), sp.Function("P")
    along = H.subs({q: Q(time), p: P(time)}).diff(time)
    along = along.subs({sp.Derivative(Q(time), time): q_dot, sp.Derivative(P(time), time): p_dot})
    return along.subs({Q(time): q, P(time): p})


def _chain_rule_with_subs(H, q, p, q_dot, p_dot):
    u = sp.Symbol("u")
    return (
        sp.Subs(sp.Derivative(H.subs(q, u), u), u, q) * q_dot
        + sp.Subs(sp.Derivative(H.subs(p, u), u), u, p) * p_dot
    )


def _energy_matrix_form(q, p, dt):
    """E_1 = s^T M^T M s / 2 with the Euler matrix M: a 1x1 Matrix."""
    state, step = sp.Matrix([q, p]), sp.Matrix([[1, dt], [-dt, 1]])
    return (state.T * step.T * step * state) / 2


def _energy_by_recurrence(E0, dt, n):
    E = sp.Function("E")
    m = sp.Symbol("m", integer=True, nonnegative=True)
    return sp.rsolve(E(m + 1) - (1 + sp.sympify(dt) ** 2) * E(m), E(m), {E(0): E0}).subs(m, n)


def _power_iteration(W):
    W = np.asarray(W, dtype=float)
    gram = W.T @ W
    v = np.ones(gram.shape[0]) / np.sqrt(gram.shape[0])
    for _ in range(2000):
        v = gram @ v
        v /= np.linalg.norm(v)
    return float(np.sqrt(v @ gram @ v))


def _fourier_loop(x, B):
    x, B = np.asarray(x, float), np.asarray(B, float)
    rows = []
    for point in x:
        phase = [2 * np.pi * float(point @ frequency) for frequency in B]
        rows.append([np.cos(z) for z in phase] + [np.sin(z) for z in phase])
    return np.array(rows, dtype=np.float64)


CORRECT: dict[str, dict[str, Callable]] = {
    "square_field_solution": {
        "reference": lambda h0, t: h0 / (1 - h0 * t),
        "reciprocal": lambda h0, t: 1 / (1 / h0 - t),
        "signs moved": lambda h0, t: -h0 / (h0 * t - 1),
        "piecewise before the blow-up": lambda h0, t: sp.Piecewise(
            (h0 / (1 - h0 * t), t < 1 / h0)
        ),
        "exp of a log": lambda h0, t: h0 * sp.exp(-sp.log(1 - h0 * t)),
        "dsolve": _dsolve_solution,
    },
    "square_field_blowup_time": {
        "reference": lambda h0: 1 / h0,
        "negative power": lambda h0: sp.Pow(h0, -1),
        "solve": lambda h0: sp.solve(1 - h0 * s, s)[0],
        "piecewise on the sign": lambda h0: sp.Piecewise((1 / h0, h0 > 0), (sp.oo, True)),
        "abs": lambda h0: 1 / sp.Abs(h0),
        "exp of a log": lambda h0: sp.exp(-sp.log(h0)),
    },
    "linear_field_jacobian": {
        "reference": lambda Theta, h: Theta,
        "Matrix.jacobian": lambda Theta, h: (Theta * h).jacobian(h),
        "entry by entry": lambda Theta, h: sp.Matrix(
            Theta.shape[0], Theta.shape[0], lambda r, c: sp.diff((Theta * h)[r], h[c])
        ),
        "immutable": lambda Theta, h: sp.ImmutableMatrix(Theta),
        "2-D Array": lambda Theta, h: sp.Array(Theta.tolist()),
        "unevaluated product": _unevaluated_jacobian,
        "double transpose": lambda Theta, h: Theta.T.T,
    },
    "linear_adjoint_rhs": {
        "reference": lambda Theta, a: -Theta.T * a,
        "transposed row": lambda Theta, a: -(a.T * Theta).T,
        "minus inside": lambda Theta, a: (-a.T * Theta).T,
        "sums": _column_from_sums,
        "unevaluated MatMul": _unevaluated_adjoint,
        "1-D Array": lambda Theta, a: sp.Array(list(-Theta.T * a)),
    },
    "probability_flow_drift": {
        "reference": lambda f, g, score: f - g**2 / 2 * score,
        "other order": lambda f, g, score: -score * g**2 / 2 + f,
        "one fraction": lambda f, g, score: (2 * f - g**2 * score) / 2,
        "rational half": lambda f, g, score: f - sp.Rational(1, 2) * g * g * score,
        "float half": lambda f, g, score: f - 0.5 * g**2 * score,
        "expanded": lambda f, g, score: sp.expand(f - g**2 / 2 * score),
    },
    "langevin_probability_flow_drift": {
        "reference": lambda score_p, score_t: score_p - score_t,
        "negated difference": lambda score_p, score_t: -(score_t - score_p),
        "general drift with g = sqrt(2)": lambda score_p, score_t: (
            score_p - sp.sqrt(2) ** 2 / 2 * score_t
        ),
        "one fraction": lambda score_p, score_t: (2 * score_p - 2 * score_t) / 2,
        "expanded": lambda score_p, score_t: sp.expand(score_p - score_t),
        "float sqrt(2) squared": lambda score_p, score_t: (
            score_p - 1.4142135623730951**2 / 2 * score_t
        ),
    },
    "score_of_unnormalized": {
        "reference": lambda lpt, x: sp.diff(lpt, x),
        "with log Z": lambda lpt, x: sp.diff(lpt - sp.log(sp.Symbol("Z", positive=True)), x),
        "p' / p": lambda lpt, x: sp.diff(sp.exp(lpt), x) / sp.exp(lpt),
        "unevaluated Derivative": lambda lpt, x: sp.Derivative(lpt, x),
        "log of the quotient": lambda lpt, x: sp.diff(
            sp.log(sp.exp(lpt) / sp.Symbol("Z", positive=True)), x
        ),
        "simplified": lambda lpt, x: sp.simplify(sp.diff(lpt, x)),
    },
    "hamiltonian_time_derivative": {
        "reference": lambda H, q, p, qd, pd: sp.diff(H, q) * qd + sp.diff(H, p) * pd,
        "other order": lambda H, q, p, qd, pd: pd * H.diff(p) + qd * H.diff(q),
        "unevaluated Derivative": lambda H, q, p, qd, pd: (
            sp.Derivative(H, q) * qd + sp.Derivative(H, p) * pd
        ),
        "along a path": _chain_rule_by_path,
        "Subs": _chain_rule_with_subs,
        "gradient times velocity, 1x1 Matrix": lambda H, q, p, qd, pd: (
            sp.Matrix([H.diff(q), H.diff(p)]).T * sp.Matrix([qd, pd])
        ),
    },
    "hnn_vector_field": {
        "reference": lambda H, q, p: (sp.diff(H, p), -sp.diff(H, q)),
        "list": lambda H, q, p: [H.diff(p), -H.diff(q)],
        "column Matrix": lambda H, q, p: sp.Matrix([H.diff(p), -H.diff(q)]),
        "symplectic matrix times gradient": lambda H, q, p: tuple(
            sp.Matrix([[0, 1], [-1, 0]]) * sp.Matrix([H.diff(q), H.diff(p)])
        ),
        "unevaluated Derivative": lambda H, q, p: (
            sp.Derivative(H, p),
            -sp.Derivative(H, q),
        ),
        "row Matrix": lambda H, q, p: sp.Matrix([[H.diff(p), -H.diff(q)]]),
    },
    "exact_trace_vjp_count": {
        "reference": lambda d: d,
        "sympify": lambda d: sp.sympify(d),
        "a Sum of ones": lambda d: sp.Sum(1, (k, 1, d)),
        "an evaluated Sum": lambda d: sp.Sum(1, (k, 0, d - 1)).doit(),
        "Max with 1": lambda d: sp.Max(1, d),
        "int for numbers": lambda d: int(d) if isinstance(d, int) else d * 1,
    },
    "probe_second_moment": {
        "reference": lambda i, j: sp.KroneckerDelta(i, j),
        "swapped": lambda i, j: sp.KroneckerDelta(j, i),
        "Piecewise with Eq": lambda i, j: sp.Piecewise((1, sp.Eq(i, j)), (0, True)),
        "Piecewise with Ne": lambda i, j: sp.Piecewise((0, sp.Ne(i, j)), (1, True)),
        "1 - min(1, |i - j|)": lambda i, j: 1 - sp.Min(1, sp.Abs(i - j)),
        "delta squared": lambda i, j: sp.KroneckerDelta(i, j) ** 2,
    },
    "euler_energy_after_one_step": {
        "reference": lambda q, p, dt: ((q + dt * p) ** 2 + (p - dt * q) ** 2) / 2,
        "factored": lambda q, p, dt: (1 + dt**2) * (q**2 + p**2) / 2,
        "expanded": lambda q, p, dt: sp.expand(((q + dt * p) ** 2 + (p - dt * q) ** 2) / 2),
        "matrix form, 1x1": _energy_matrix_form,
        "float half": lambda q, p, dt: 0.5 * ((q + dt * p) ** 2 + (p - dt * q) ** 2),
        "E0 plus growth": lambda q, p, dt: (q**2 + p**2) / 2 + dt**2 * (q**2 + p**2) / 2,
    },
    "euler_energy_after_n_steps": {
        "reference": lambda E0, dt, n: (1 + dt**2) ** n * E0,
        "exp of a log": lambda E0, dt, n: E0 * sp.exp(n * sp.log(1 + dt**2)),
        "Product": lambda E0, dt, n: E0 * sp.Product(1 + dt**2, (k, 1, n)),
        "square root squared": lambda E0, dt, n: E0 * sp.sqrt(1 + dt**2) ** (2 * n),
        "rsolve": _energy_by_recurrence,
        "Piecewise at n = 0": lambda E0, dt, n: sp.Piecewise(
            (E0, sp.Eq(n, 0)), (E0 * (1 + dt**2) ** n, True)
        ),
    },
    "relu_field_lipschitz_bound": {
        "reference": lambda W: float(np.linalg.norm(np.asarray(W, float), 2)),
        "largest singular value": lambda W: float(
            np.linalg.svd(np.asarray(W, float), compute_uv=False).max()
        ),
        "root of the largest eigenvalue of W^T W": lambda W: float(
            np.sqrt(np.linalg.eigvalsh(np.asarray(W, float).T @ np.asarray(W, float)).max())
        ),
        "power iteration": _power_iteration,
        "norm of the transpose": lambda W: float(np.linalg.norm(np.asarray(W, float).T, 2)),
        "numpy float64": lambda W: np.linalg.norm(np.asarray(W, float), 2),
    },
    "fourier_features": {
        "reference": reference.fourier_features,
        "loops": _fourier_loop,
        "hstack": lambda x, B: np.hstack(
            [np.cos(2 * np.pi * np.asarray(x) @ np.asarray(B).T)]
            + [np.sin(2 * np.pi * np.asarray(x) @ np.asarray(B).T)]
        ),
        "einsum": lambda x, B: np.concatenate(
            [
                f(2 * np.pi * np.einsum("nd,md->nm", np.asarray(x), np.asarray(B)))
                for f in (np.cos, np.sin)
            ],
            axis=1,
        ),
        "B x^T transposed": lambda x, B: np.concatenate(
            [np.cos(2 * np.pi * (B @ x.T).T), np.sin(2 * np.pi * (B @ x.T).T)], axis=-1
        ),
    },
}

CORRECT_CASES = [(name, form) for name, forms in CORRECT.items() for form in forms]


@pytest.mark.parametrize(
    ("name", "form"), CORRECT_CASES, ids=[f"{n}: {f}" for n, f in CORRECT_CASES]
)
def test_correct_form_passes_every_check_of_its_name(name, form):
    student = submission(**{name: CORRECT[name][form]})
    failures = {check.__name__: run_check(check, student) for check in CHECKS[name]}
    assert not any(failures.values()), failures
    assert not student.notes, student.notes  # decided, not merely "could not decide"


def test_every_symbolic_answer_has_five_correct_forms():
    for name, forms in CORRECT.items():
        assert len(forms) >= 5, name


# --------------------------------------------------------------------------------------------
# wrong forms: at least three per answer, each rejected by a named check with a named property


@dataclass(frozen=True)
class Wrong:
    """A wrong answer, the check that must reject it, and words its feedback must contain."""

    form: Callable
    check: Callable
    says: str


WRONG: dict[str, dict[str, Wrong]] = {
    "square_field_solution": {
        "sign (h0/(1 + h0 t))": Wrong(
            lambda h0, t: h0 / (1 + h0 * t), graders.test_square_field_solution, "h' = h^2"
        ),
        "wrong power": Wrong(
            lambda h0, t: h0 / (1 - h0 * t) ** 2, graders.test_square_field_solution, "h' = h^2"
        ),
        "exponential": Wrong(
            lambda h0, t: h0 * sp.exp(h0 * t), graders.test_square_field_solution, "h' = h^2"
        ),
        "wrong initial value": Wrong(
            lambda h0, t: 1 / (1 - t), graders.test_square_field_solution, "h(0) = h0"
        ),
    },
    "square_field_blowup_time": {
        "sign (-1/h0)": Wrong(lambda h0: -1 / h0, graders.test_square_field_blowup, "unbounded"),
        "h0 itself": Wrong(lambda h0: h0, graders.test_square_field_blowup, "unbounded"),
        "wrong power": Wrong(lambda h0: h0**-2, graders.test_square_field_blowup, "unbounded"),
        "missing factor": Wrong(
            lambda h0: 1 / (2 * h0), graders.test_square_field_blowup, "unbounded"
        ),
        "never": Wrong(lambda h0: sp.oo, graders.test_square_field_blowup, "finite time"),
        "the solution": Wrong(
            lambda h0: h0 / (1 - h0 * sp.Symbol("t")),
            graders.test_square_field_blowup,
            "not among the arguments",
        ),
    },
    "linear_field_jacobian": {
        "transposed": Wrong(
            lambda Theta, h: Theta.T, graders.test_linear_jacobian, "entry (i, j)"
        ),
        "sign": Wrong(lambda Theta, h: -Theta, graders.test_linear_jacobian, "entry (i, j)"),
        "wrong power": Wrong(
            lambda Theta, h: Theta**2, graders.test_linear_jacobian, "entry (i, j)"
        ),
        "the field itself": Wrong(
            lambda Theta, h: Theta * h, graders.test_linear_jacobian, "shape"
        ),
        "derive_by_array (rank 4)": Wrong(
            lambda Theta, h: sp.derive_by_array(Theta * h, h),
            graders.test_linear_jacobian,
            "should be a SymPy Matrix",
        ),
    },
    "linear_adjoint_rhs": {
        "sign": Wrong(
            lambda Theta, a: Theta.T * a, graders.test_adjoint_conserves_pairing, "a^T h"
        ),
        "no transpose": Wrong(
            lambda Theta, a: -Theta * a, graders.test_adjoint_conserves_pairing, "a^T h"
        ),
        "missing factor": Wrong(
            lambda Theta, a: -Theta.T * a / 2, graders.test_linear_adjoint_rhs, "adjoint equation"
        ),
        "wrong power": Wrong(
            lambda Theta, a: -((Theta.T) ** 2) * a, graders.test_linear_adjoint_rhs, "adjoint"
        ),
        "a row": Wrong(lambda Theta, a: -(a.T * Theta), graders.test_linear_adjoint_rhs, "column"),
    },
    "probability_flow_drift": {
        "sign": Wrong(
            lambda f, g, score: f + g**2 / 2 * score,
            graders.test_probability_flow_drift,
            "same marginals",
        ),
        "missing 1/2": Wrong(
            lambda f, g, score: f - g**2 * score, graders.test_probability_flow_drift, "marginals"
        ),
        "wrong power of g": Wrong(
            lambda f, g, score: f - g / 2 * score, graders.test_probability_flow_drift, "marginals"
        ),
        "no f": Wrong(
            lambda f, g, score: -(g**2) / 2 * score,
            graders.test_probability_flow_drift,
            "marginals",
        ),
    },
    "langevin_probability_flow_drift": {
        "sign": Wrong(lambda sp_, st: st - sp_, graders.test_langevin_drift, "Langevin SDE"),
        "missing 1/2": Wrong(
            lambda sp_, st: sp_ - 2 * st, graders.test_langevin_drift, "Langevin"
        ),
        "score_p alone": Wrong(lambda sp_, st: sp_, graders.test_langevin_stationary, "vanish"),
        "sum": Wrong(lambda sp_, st: sp_ + st, graders.test_langevin_stationary, "vanish"),
    },
    "score_of_unnormalized": {
        "sign": Wrong(
            lambda lpt, x: -sp.diff(lpt, x), graders.test_score_of_unnormalized, "log p"
        ),
        "not differentiated": Wrong(
            lambda lpt, x: lpt, graders.test_score_of_unnormalized, "log p"
        ),
        "derivative of p_tilde": Wrong(
            lambda lpt, x: sp.diff(sp.exp(lpt), x), graders.test_score_of_unnormalized, "log p"
        ),
        "second derivative": Wrong(
            lambda lpt, x: sp.diff(lpt, x, 2), graders.test_score_of_unnormalized, "log p"
        ),
        "keeps a constant": Wrong(
            lambda lpt, x: sp.diff(lpt, x) + lpt.subs(x, 0),
            graders.test_score_drops_normalizer,
            "rescaled",
        ),
    },
    "hamiltonian_time_derivative": {
        "zero": Wrong(
            lambda H, q, p, qd, pd: sp.Integer(0),
            graders.test_hamiltonian_time_derivative,
            "general path",
        ),
        "velocities swapped": Wrong(
            lambda H, q, p, qd, pd: H.diff(q) * pd + H.diff(p) * qd,
            graders.test_chain_rule_vanishes_along_hamilton,
            "Hamilton's equations",
        ),
        "missing term": Wrong(
            lambda H, q, p, qd, pd: H.diff(q) * qd,
            graders.test_hamiltonian_time_derivative,
            "general path",
        ),
        "sign": Wrong(
            lambda H, q, p, qd, pd: H.diff(q) * qd - H.diff(p) * pd,
            graders.test_chain_rule_vanishes_along_hamilton,
            "Hamilton's equations",
        ),
        "missing 1/2": Wrong(
            lambda H, q, p, qd, pd: (H.diff(q) * qd + H.diff(p) * pd) / 2,
            graders.test_hamiltonian_time_derivative,
            "general path",
        ),
    },
    "hnn_vector_field": {
        "signs swapped": Wrong(
            lambda H, q, p: (-H.diff(p), H.diff(q)),
            graders.test_hnn_vector_field,
            "wrong way round",
        ),
        "components swapped": Wrong(
            lambda H, q, p: (-H.diff(q), H.diff(p)),
            graders.test_hnn_vector_field,
            "Hamilton's equation for q_dot",
        ),
        "gradient": Wrong(
            lambda H, q, p: (H.diff(q), H.diff(p)), graders.test_hnn_field_conserves, "conserve"
        ),
        "one sign": Wrong(
            lambda H, q, p: (H.diff(p), H.diff(q)), graders.test_hnn_field_conserves, "conserve"
        ),
        "missing 1/2": Wrong(
            lambda H, q, p: (H.diff(p) / 2, -H.diff(q)),
            graders.test_hnn_vector_field,
            "Hamilton's equation for q_dot",
        ),
        "not a pair": Wrong(lambda H, q, p: H.diff(p), graders.test_hnn_vector_field, "pair"),
    },
    "exact_trace_vjp_count": {
        "d squared": Wrong(lambda d: d**2, graders.test_exact_trace_vjp_count, "vector-Jacobian"),
        "one": Wrong(lambda d: 1, graders.test_exact_trace_vjp_count, "vector-Jacobian"),
        "2d": Wrong(lambda d: 2 * d, graders.test_exact_trace_vjp_count, "vector-Jacobian"),
        "half": Wrong(lambda d: d / 2, graders.test_exact_trace_vjp_count, "vector-Jacobian"),
    },
    "probe_second_moment": {
        "1 everywhere": Wrong(
            lambda i, j: sp.Integer(1), graders.test_probe_moment_gives_trace, "trace of A"
        ),
        "0 everywhere": Wrong(
            lambda i, j: sp.Integer(0), graders.test_probe_second_moment, "every pair"
        ),
        "doubled diagonal": Wrong(
            lambda i, j: 2 * sp.KroneckerDelta(i, j),
            graders.test_probe_moment_gives_trace,
            "biased",
        ),
        "shifted": Wrong(
            lambda i, j: sp.KroneckerDelta(i, j + 1),
            graders.test_probe_second_moment,
            "every pair",
        ),
        "a condition": Wrong(
            lambda i, j: sp.Eq(i, j), graders.test_probe_second_moment, "rather than a value"
        ),
    },
    "euler_energy_after_one_step": {
        "missing 1/2": Wrong(
            lambda q, p, dt: (q + dt * p) ** 2 + (p - dt * q) ** 2,
            graders.test_energy_one_step,
            "one forward Euler step",
        ),
        "symplectic Euler": Wrong(
            lambda q, p, dt: ((q + dt * p) ** 2 + (p - dt * (q + dt * p)) ** 2) / 2,
            graders.test_energy_ratio_from_one_step,
            "depends on the state",
        ),
        "sign in the kick": Wrong(
            lambda q, p, dt: ((q + dt * p) ** 2 + (p + dt * q) ** 2) / 2,
            graders.test_energy_ratio_from_one_step,
            "depends on the state",
        ),
        "factor 1 + dt": Wrong(
            lambda q, p, dt: (1 + dt) * (q**2 + p**2) / 2,
            graders.test_energy_ratio_from_one_step,
            "factor",
        ),
        "wrong power": Wrong(
            lambda q, p, dt: (1 + dt**4) * (q**2 + p**2) / 2,
            graders.test_energy_one_step,
            "one forward Euler step",
        ),
    },
    "euler_energy_after_n_steps": {
        "(1 + dt)^n": Wrong(
            lambda E0, dt, n: (1 + dt) ** n * E0, graders.test_energy_n_steps, "once per step"
        ),
        "linear growth": Wrong(
            lambda E0, dt, n: (1 + n * dt**2) * E0,
            graders.test_energy_n_steps_matches_simulation,
            "forward Euler steps",
        ),
        "exponent n - 1": Wrong(
            lambda E0, dt, n: (1 + dt**2) ** (n - 1) * E0,
            graders.test_energy_n_steps,
            "once per step",
        ),
        "amplitude factor (power n/2)": Wrong(
            lambda E0, dt, n: (1 + dt**2) ** (sp.sympify(n) / 2) * E0,
            graders.test_energy_n_steps_matches_simulation,
            "forward Euler steps",
        ),
        "no E0": Wrong(lambda E0, dt, n: (1 + dt**2) ** n, graders.test_energy_n_steps, "E_0"),
    },
    "relu_field_lipschitz_bound": {
        "Frobenius norm": Wrong(
            lambda W: float(np.linalg.norm(W, "fro")), graders.test_lipschitz_bound, "Frobenius"
        ),
        "largest entry": Wrong(
            lambda W: float(np.abs(W).max()), graders.test_lipschitz_bound, "smallest Lipschitz"
        ),
        "spectral radius": Wrong(
            lambda W: (
                float(np.abs(np.linalg.eigvals(W)).max()) if W.shape[0] == W.shape[1] else 0.0
            ),
            graders.test_lipschitz_bound,
            "smallest Lipschitz",
        ),
        "squared norm": Wrong(
            lambda W: float(np.linalg.norm(W, 2) ** 2), graders.test_lipschitz_bound, "smallest"
        ),
    },
    "fourier_features": {
        "missing 2 pi": Wrong(
            lambda x, B: np.concatenate([np.cos(x @ B.T), np.sin(x @ B.T)], axis=-1),
            graders.test_fourier_features_values,
            "frequency scale",
        ),
        "sines first": Wrong(
            lambda x, B: np.concatenate(
                [np.sin(2 * np.pi * x @ B.T), np.cos(2 * np.pi * x @ B.T)], axis=-1
            ),
            graders.test_fourier_features_values,
            "sine block",
        ),
        "interleaved": Wrong(
            lambda x, B: np.stack(
                [np.cos(2 * np.pi * x @ B.T), np.sin(2 * np.pi * x @ B.T)], axis=-1
            ).reshape(len(x), -1),
            graders.test_fourier_features_values,
            "order of the columns",
        ),
        "float32": Wrong(
            lambda x, B: reference.fourier_features(x, B).astype(np.float32),
            graders.test_fourier_features_hygiene,
            "float64",
        ),
    },
}

WRONG_CASES = [(name, form) for name, forms in WRONG.items() for form in forms]


@pytest.mark.parametrize(("name", "form"), WRONG_CASES, ids=[f"{n}: {f}" for n, f in WRONG_CASES])
def test_wrong_form_is_rejected_with_the_property_named(name, form):
    wrong = WRONG[name][form]
    student = submission(**{name: wrong.form})
    feedback = run_check(wrong.check, student)
    assert feedback is not None, f"{wrong.check.__name__} accepted a wrong {name}: {form}"
    assert wrong.says in feedback, feedback
    assert "NotImplemented" not in feedback
    assert not student.notes, student.notes


def test_every_symbolic_answer_has_three_wrong_forms():
    for name in CORRECT:
        assert len(WRONG.get(name, {})) >= 3, name


# --------------------------------------------------------------------------------------------
# feedback never shows the expected answer


def test_feedback_does_not_show_expected_answers():
    """The rejections above never print an expected expression (a few spot checks)."""
    cases = [
        ("square_field_blowup_time", lambda h0: -1 / h0, graders.test_square_field_blowup, "1/h0"),
        ("euler_energy_after_n_steps", lambda E0, dt, n: E0, graders.test_energy_n_steps, "**n"),
        (
            "linear_adjoint_rhs",
            lambda Theta, a: Theta.T * a,
            graders.test_linear_adjoint_rhs,
            "theta_",
        ),
    ]
    for name, form, check, secret in cases:
        feedback = run_check(check, submission(**{name: form}))
        assert feedback is not None and secret not in feedback, feedback


# --------------------------------------------------------------------------------------------
# an unanswered name costs exactly its own checks


def _raises(*args):
    raise NotImplementedError


ALL_CHECKS = {check for checks in CHECKS.values() for check in checks}


def test_checks_cover_every_check_of_the_module():
    found = {
        value
        for name, value in vars(graders).items()
        if name.startswith("test_") and hasattr(value, "check_info")
    }
    assert found == ALL_CHECKS


def test_each_check_reads_only_the_names_it_judges():
    """A check that reads no other name cannot lose points for another name's answer."""
    for name, checks in CHECKS.items():
        for check in checks:
            student = submission()
            assert run_check(check, student) is None
            assert student.used == {name}, (check.__name__, student.used)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_an_unanswered_name_fails_its_own_checks_in_words(name):
    """This name unimplemented (or still None), every other name answered: its checks fail
    saying so; with the test above, no other check can fail."""
    unanswered = _raises if callable(getattr(reference, name)) else None
    student = submission(**{name: unanswered})
    for check in CHECKS[name]:
        assert "not answered yet" in (run_check(check, student) or ""), check.__name__


def test_reference_passes_every_check():
    student = submission()
    assert {check.__name__: run_check(check, student) for check in ALL_CHECKS} == {
        check.__name__: None for check in ALL_CHECKS
    }


def test_an_answer_the_checker_cannot_decide_passes_and_is_flagged(monkeypatch):
    """Neither algebra nor numbers decide (both disabled here): the check passes, and a note
    for the TA names the answer. "Could not decide" never counts as wrong by itself."""
    from autograder.graders import symbolic

    monkeypatch.setattr(symbolic, "_algebra_zero", lambda *args, **kwargs: False)
    monkeypatch.setattr(symbolic, "_evaluate", lambda function: (symbolic._FAILED, None))
    form = CORRECT["euler_energy_after_n_steps"]["exp of a log"]
    student = submission(euler_energy_after_n_steps=form)
    assert run_check(graders.test_energy_n_steps, student) is None
    assert student.notes and "a TA will read it" in student.notes[0]
    assert "euler_energy_after_n_steps" in student.notes[0]
