"""Hidden checks of ``student/theory.py``: the theory items 1.1 to 1.8.

Symbolic answers are judged by ``symbolic.check_equivalent``, so any form equal to the right
one is right (factored or expanded, a ``Piecewise``, an unevaluated matrix product, a 1x1
matrix for a scalar). The checks test each step of the argument, not only its last line,
and where they can they test the property that makes the step work rather than one formula:

- 1.1: the solution of ``h' = h**2`` is substituted back into the equation and the initial
  value; the blow-up time must be where that solution becomes unbounded (``1/h -> 0``);
- 1.2: the adjoint right-hand side must keep ``a^T h`` constant along ``h' = Theta h``;
- 1.3: the Langevin drift must vanish at stationarity, and the score must not change when
  the density is rescaled;
- 1.5: the HNN field must conserve ``H`` under the chain rule, and the chain rule must give
  zero along Hamilton's equations, for a general ``H``;
- 1.6: ``E[eps_i eps_j]`` must make ``E[eps^T A eps] = Tr(A)`` for a symbolic matrix ``A``;
- 1.7: ``E_1 / E_0`` must not depend on the state, and ``E_n`` must agree with forward
  Euler steps actually taken (here, by a trusted loop).

Each check uses only the function it judges (the trusted counterpart where a property needs
two), so a function left unimplemented costs only its own points. Derivatives of the
undefined ``H(q, p)`` are judged after replacing ``H`` by two concrete Hamiltonians. An answer
the checker can neither confirm nor refute passes and is flagged for a TA (``judge``).

The written answers (``WRITTEN_ANSWERS``) are not scored: at the end of this module they are
collected into ``written.md`` for the TA (``written_answers_for_the_ta``).

Points here: 1.1 6, 1.2 5, 1.3 6, 1.4 5, 1.5 5, 1.8 3, and the theory parts of two shared
questions, 1.6 (1 of its 8, the rest in the Hutchinson checks) and 1.7 (2.5 of its 10, the
rest in the integrator checks).

Limitations
-----------
``probability_flow_drift`` is tested with diffusions ``g`` that depend on time only, as the
contract states; for those the textbook drift ``f - g**2/2 * score`` is the only right one.
The yes/no items can only be judged right or wrong, so their feedback necessarily tells
which way the answer should go.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
import sympy as sp

from autograder.engine.child import NotImplementedYet, StudentCodeError, StudentRaised
from autograder.graders.support import CheckFailed, as_array, check, close, expect, fail
from autograder.graders.symbolic import (
    Verdict,
    as_matrix,
    as_scalar,
    check_equivalent,
    equivalent,
    refusal,
    substitute_function,
    time_budget,
)
from autograder.questions import BY_ID

LOG = logging.getLogger(__name__)

MODULE = "theory"

x = sp.Symbol("x")
t = sp.Symbol("t")
h0 = sp.Symbol("h0", positive=True)
sigma = sp.Symbol("sigma", positive=True)
Z = sp.Symbol("Z", positive=True)
q, p, q_dot, p_dot = sp.symbols("q p q_dot p_dot")
H = sp.Function("H")(q, p)
dt = sp.Symbol("dt", positive=True)
E0 = sp.Symbol("E0", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
d = sp.Symbol("d", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True)

#: concrete Hamiltonians that replace ``H`` before derivatives are compared numerically
CONCRETE_H = (
    q**2 * p + sp.sin(q) * p**3,
    sp.exp(q * p / 3) + q**4 / 4 + sp.cos(p) * q,
)

#: seconds of symbolic work one check may spend (on a pathological answer; the reference's
#: checks take well under 1 s): past it, comparisons end undecided and the answer is flagged
CHECK_SYMBOLIC_SECONDS = 20.0

#: the items whose Written part the handout asks for, in the handout's order
WRITTEN_ITEMS = ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "2.1", "2.2")
#: longest written answer kept per item (characters); longer ones are cut with a note
MAX_WRITTEN_CHARS = 20_000


@pytest.fixture(autouse=True)
def symbolic_time_budget():
    """Bound each check's symbolic work, whatever the size of the answer it judges."""
    with time_budget(CHECK_SYMBOLIC_SECONDS):
        yield


# --------------------------------------------------------------------------------------------
# reading answers


def answer(student, name: str, *args: Any) -> Any:
    """Call ``theory.<name>``; a function still raising NotImplementedError is unanswered."""
    try:
        return student.call(f"{MODULE}.{name}", *args)
    except NotImplementedYet:
        unanswered(name, "it raises NotImplementedError")


def unanswered(name: str, why: str) -> None:
    """Fail the check because ``name`` is not answered; the results list it as such."""
    failure = CheckFailed(f"`{name}` is not answered yet ({why})")
    failure.target = f"`{name}`"  # read by the runner for the "Not implemented yet" line
    raise failure


def constant(student, name: str) -> Any:
    """The value of the module constant ``theory.<name>``; ``None`` means unanswered."""
    student.process.ensure_module(MODULE)
    try:
        value = student.probe("constant", MODULE, name)
    except StudentRaised as error:
        if f"has no `{name}`" in error.feedback:
            fail(f"student/{MODULE}.py has no `{name}`")
        raise
    if value is None:
        unanswered(name, "it is still None")
    return value


def is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def bool_constant(student, name: str) -> bool:
    value = constant(student, name)
    if not is_bool(value):
        fail(f"`{name}` should be True or False, got {kind(value)}")
    return bool(value)


def expression(value: Any, what: str) -> sp.Expr:
    """A returned SymPy expression, number or 1x1 matrix, as one SymPy expression."""
    converted = as_scalar(value)
    if converted is None:
        fail(f"{what} {refusal(value, 'a SymPy expression')}")
    return converted


def column(value: Any, what: str, size: int) -> sp.Matrix:
    """A returned column: an explicit Matrix, a matrix expression or a 1-D Array."""
    matrix = as_matrix(value)
    if matrix is None:
        fail(f"{what} {refusal(value, 'a SymPy Matrix')}")
    if matrix.shape != (size, 1):
        fail(f"{what} has shape {matrix.shape}; it should be a column of shape ({size}, 1)")
    return matrix


def pair(value: Any, what: str) -> tuple:
    """Two expressions returned as a tuple, a list or a Matrix with two entries."""
    matrix = as_matrix(value) if not isinstance(value, (tuple, list)) else None
    if matrix is not None and len(matrix) == 2:
        value = tuple(matrix)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair (q_dot, p_dot), got {kind(value)}")
    return tuple(
        expression(item, f"component {index} of {what}") for index, item in enumerate(value)
    )


def kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, sp.Basic):
        return f"a SymPy {type(value).__name__}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def judge(
    student,
    value: Any,
    expected: Any,
    variables: list,
    what: str,
    message: str,
    domain: dict | None = None,
    scale: Any = None,
) -> Verdict:
    """``check_equivalent``, and an undecided answer is passed and flagged for a TA.

    "Could not decide" is never wrong by itself: the check goes on as if the answer were
    right, and a note in the results asks a person to read it.
    """
    verdict = check_equivalent(
        value, expected, variables, what, message, domain=domain, scale=scale
    )
    if verdict.undecided:
        LOG.warning("undecided: %s", what)
        student.add_note(
            f"{what}: the automatic check could neither confirm nor refute this answer, so "
            "it was accepted; a TA will read it."
        )
    return verdict


def symbol_matrix(name: str, size: int) -> sp.Matrix:
    return sp.Matrix(size, size, lambda r, c: sp.Symbol(f"{name}_{r}{c}"))


def symbol_column(name: str, size: int) -> sp.Matrix:
    return sp.Matrix(size, 1, lambda r, _: sp.Symbol(f"{name}_{r}"))


def symbols_of(*matrices: sp.Matrix) -> list:
    found: set = set()
    for matrix in matrices:
        found |= matrix.free_symbols
    return sorted(found, key=lambda s: s.name)


#: linear-ODE cases of 1.2: a generic Theta (never symmetric) in sizes 2 and 3, and a fixed
#: non-symmetric integer Theta
THETA_CASES = (
    symbol_matrix("theta", 2),
    symbol_matrix("theta", 3),
    sp.Matrix([[1, 2, 0], [-3, 1, 4], [0, 5, -2]]),
)


def with_concrete_h(expr: Any, body: sp.Expr) -> Any:
    return substitute_function(expr, "H", (q, p), body)


# --------------------------------------------------------------------------------------------
# 1.1 Picard-Lindelof and neural ODEs


@check(
    "1.1 RELU_FIELD_GLOBALLY_LIPSCHITZ says whether the ReLU field is globally Lipschitz",
    points=1,
    catches="confusing the ReLU's kink (no derivative at 0) with a lack of Lipschitz continuity",
)
def test_relu_globally_lipschitz(student):
    """ReLU is 1-Lipschitz and h -> W h + b is ||W||-Lipschitz: the answer is True."""
    value = bool_constant(student, "RELU_FIELD_GLOBALLY_LIPSCHITZ")
    expect(value is True, "RELU_FIELD_GLOBALLY_LIPSCHITZ is not the right answer")


@check(
    "1.1 PICARD_LINDELOF_UNIQUE_ON_0_T says whether the ReLU field has a unique solution on "
    "[0, T]",
    points=1,
    catches="thinking a non-differentiable field loses uniqueness, or that Picard-Lindelof "
    "is only local for a globally Lipschitz field",
)
def test_picard_lindelof_unique(student):
    """A globally Lipschitz field has a unique solution on every [0, T]: True."""
    value = bool_constant(student, "PICARD_LINDELOF_UNIQUE_ON_0_T")
    expect(value is True, "PICARD_LINDELOF_UNIQUE_ON_0_T is not the right answer")


def lipschitz_value(value: Any) -> float:
    """The bound as a float; a real SymPy number is accepted as well as a Python float."""
    if isinstance(value, sp.Basic) and value.is_number and value.is_real:
        return float(value)
    array = as_array(value, "relu_field_lipschitz_bound")
    if array.size != 1:
        fail(f"relu_field_lipschitz_bound should return one number, got shape {array.shape}")
    return float(array.reshape(()))


@check(
    "1.1 relu_field_lipschitz_bound is the spectral norm of W for non-symmetric and rectangular W",
    points=1.5,
    catches="the Frobenius norm; the largest absolute entry; the largest eigenvalue or the "
    "spectral radius (equal to the norm only for normal W); the squared norm",
)
def test_lipschitz_bound(student):
    """The constant is ||W||_2 = largest singular value; tested where other norms differ.

    Tolerance: relative 1e-6, loose enough for an iterative method (power iteration on
    W^T W) run to convergence and far tighter than the gap to every other norm on these
    matrices (at least 3 % for the Frobenius norm, more for the others).
    """
    rng = np.random.default_rng(2024)
    cases = [
        np.array([[1.0, 4.0], [0.0, 1.0]]),  # spectral radius 1, Frobenius close to the norm
        np.array([[0.0, -2.0], [0.5, 0.0]]),  # eigenvalues +-i
        rng.standard_normal((3, 3)),
        rng.standard_normal((3, 5)),
        rng.standard_normal((4, 2)) * 3.0,
    ]
    for W in cases:
        value = lipschitz_value(answer(student, "relu_field_lipschitz_bound", W))
        norm = float(np.linalg.norm(W, 2))
        if close(value, np.linalg.norm(W, "fro"), rtol=1e-6) and not close(value, norm, 1e-6):
            fail(
                "relu_field_lipschitz_bound gives the Frobenius norm, a valid but looser "
                "constant than the smallest one for the linear part"
            )
        expect(
            close(value, norm, rtol=1e-6),
            "relu_field_lipschitz_bound is not the smallest Lipschitz constant of the linear "
            "part, with Euclidean norms (tried with non-symmetric and non-square W)",
        )


@check(
    "1.1 square_field_solution satisfies h' = h^2 and h(0) = h0",
    points=1.5,
    catches="a sign error (h0/(1 + h0 t)); the exponential solution of h' = h; a wrong "
    "initial value; code that only works for a symbolic h0",
)
def test_square_field_solution(student):
    """Substitutes the answer into the ODE and the initial condition; any form is right.

    Times are drawn before the blow-up (|t| < 1/h0), where the solution exists.
    """
    for initial, domain in [
        (h0, {h0: (0.1, 0.8), t: (-1.0, 1.0)}),
        (2, {t: (-0.4, 0.4)}),
        (sp.Rational(1, 3), {t: (-2.0, 2.0)}),
    ]:
        what = "square_field_solution(h0, t)"
        solution = expression(answer(student, "square_field_solution", initial, t), what)
        variables = [h0, t] if initial is h0 else [t]
        judge(
            student,
            sp.diff(solution, t),
            solution**2,
            variables,
            what,
            "square_field_solution does not satisfy the differential equation h' = h^2",
            domain=domain,
        )
        judge(
            student,
            solution.subs(t, 0),
            initial,
            variables,
            what,
            "square_field_solution does not satisfy the initial condition h(0) = h0",
            domain=domain,
        )


def true_square_solution(initial: sp.Expr, time: sp.Expr) -> sp.Expr:
    return initial / (1 - initial * time)


@check(
    "1.1 square_field_blowup_time is where the solution leaves every bounded set",
    points=1,
    catches="-1/h0 (the pole on the wrong side); h0 instead of its inverse; infinity (no "
    "finite blow-up); returning the solution instead of the time",
)
def test_square_field_blowup(student):
    """The blow-up time T must make the solution unbounded: 1/h(t) -> 0 as t -> T.

    The reciprocal of the solution h0/(1 - h0 t) is continuous, so h(t) -> infinity as
    t -> T exactly when 1/h(T) = 0; checked for a symbolic positive h0 and two numbers.
    """
    what = "square_field_blowup_time(h0)"
    for initial in (h0, 4, sp.Rational(2, 3)):
        value = expression(answer(student, "square_field_blowup_time", initial), what)
        if value.has(sp.oo, -sp.oo, sp.zoo):
            fail(
                "square_field_blowup_time says the solution never blows up, but for h0 > 0 "
                "the solution of h' = h^2 leaves every bounded set in finite time"
            )
        reciprocal = 1 / true_square_solution(sp.sympify(initial), value)
        judge(
            student,
            reciprocal,
            sp.Integer(0),
            [h0],
            what,
            "square_field_blowup_time is not a time at which the solution of h' = h^2 "
            "(h0 > 0) becomes unbounded: the solution is still finite there. (Near the true "
            "blow-up time an adaptive solver shrinks its steps towards zero and gives up, "
            "in torchdiffeq with 'underflow in dt'.)",
            domain={h0: (0.1, 3.0)},
            scale=1 / sp.sympify(initial),
        )


# --------------------------------------------------------------------------------------------
# 1.2 the adjoint of a linear ODE


@check(
    "1.2 linear_field_jacobian is the Jacobian of Theta h for symbolic and integer Theta",
    points=1.5,
    catches="the transpose of Theta; returning Theta h itself; differentiating with respect "
    "to the wrong variables; a row or flattened shape",
)
def test_linear_jacobian(student):
    """d(Theta h)/dh = Theta; Theta is never symmetric here, so Theta^T is caught."""
    for Theta in THETA_CASES:
        size = Theta.shape[0]
        h = symbol_column("h", size)
        value = answer(student, "linear_field_jacobian", Theta, h)
        judge(
            student,
            value,
            Theta,
            symbols_of(Theta, h),
            "linear_field_jacobian(Theta, h)",
            "linear_field_jacobian is not the Jacobian d(Theta h)/dh, whose entry (i, j) is "
            "the derivative of component i with respect to h[j]",
        )


@check(
    "1.2 linear_adjoint_rhs is the adjoint equation's right-hand side as a column",
    points=1.5,
    catches="a sign error (+Theta^T a); a missing transpose (-Theta a); returning the row "
    "-a^T Theta instead of a column",
)
def test_linear_adjoint_rhs(student):
    """da/dt = -Theta^T a, for generic and integer non-symmetric Theta."""
    for Theta in THETA_CASES:
        size = Theta.shape[0]
        a = symbol_column("a", size)
        rhs = column(answer(student, "linear_adjoint_rhs", Theta, a), "linear_adjoint_rhs", size)
        judge(
            student,
            rhs,
            -Theta.T * a,
            symbols_of(Theta, a),
            "linear_adjoint_rhs(Theta, a)",
            "linear_adjoint_rhs is not the transposed (column) form of the adjoint equation "
            "da^T/dt = -a^T df/dh for the field Theta h",
        )


@check(
    "1.2 linear_adjoint_rhs keeps a^T h constant along h' = Theta h",
    points=2,
    catches="any right-hand side that breaks d/dt (a^T h) = 0, the property that makes the "
    "adjoint carry the gradient backwards: a sign error, a missing transpose",
)
def test_adjoint_conserves_pairing(student):
    """d/dt (a^T h) = (da/dt)^T h + a^T Theta h must vanish identically in a and h."""
    for Theta in THETA_CASES:
        size = Theta.shape[0]
        a, h = symbol_column("a", size), symbol_column("h", size)
        rhs = column(answer(student, "linear_adjoint_rhs", Theta, a), "linear_adjoint_rhs", size)
        pairing_rate = (rhs.T * h)[0, 0] + (a.T * Theta * h)[0, 0]
        judge(
            student,
            pairing_rate,
            sp.Integer(0),
            symbols_of(Theta, a, h),
            "d/dt (a^T h) with your linear_adjoint_rhs",
            "with this linear_adjoint_rhs, a^T h is not constant along h' = Theta h, so the "
            "adjoint state would not carry the gradient back in time",
            scale=(a.T * Theta * h)[0, 0],
        )


# --------------------------------------------------------------------------------------------
# 1.3 score-based models and Langevin dynamics


@check(
    "1.3 probability_flow_drift is the drift of the probability-flow ODE for any drift f and "
    "diffusion g(t)",
    points=2.5,
    catches="+ g^2/2 score (the reverse-SDE sign); g instead of g^2; a missing 1/2 (the "
    "reverse-SDE drift f - g^2 score); dropping f",
)
def test_probability_flow_drift(student):
    """With g free of x (the contract) the drift is f - g**2/2 * score."""
    cases = [
        (-x / 2, sigma, -x / sigma**2),
        (sp.sin(x) + x**3 / 3, sp.sqrt(1 + t**2), -sp.tanh(x)),
        (sp.Integer(0), sp.exp(t), 2 - x**3),
        (-x, sp.Integer(3), -x / 5 + sp.Rational(1, 7)),
        (t * x - 1, 1 + t, sp.cos(x) * t),
    ]
    for f, g, score in cases:
        value = answer(student, "probability_flow_drift", f, g, score)
        judge(
            student,
            expression(value, "probability_flow_drift(f, g, score)"),
            f - g**2 / 2 * score,
            [x, t, sigma],
            "probability_flow_drift(f, g, score)",
            "probability_flow_drift is not a drift whose deterministic flow has the same "
            "marginals as dx = f dt + g dW (check the Fokker-Planck equation term by term)",
        )


@check(
    "1.3 langevin_probability_flow_drift is the probability-flow drift of the Langevin SDE",
    points=1,
    catches="score_t - score_p (sign); a factor 2 from g^2 = 2 without the 1/2; returning "
    "score_p alone",
)
def test_langevin_drift(student):
    """With f = score_p and g = sqrt(2): score_p - score_t."""
    for score_p, score_t in [
        (-x, -x / 4),
        (x - x**3, -sp.tanh(x)),
        (sp.sin(x), x * sp.cos(x) - 1),
    ]:
        value = answer(student, "langevin_probability_flow_drift", score_p, score_t)
        judge(
            student,
            expression(value, "langevin_probability_flow_drift(score_p, score_t)"),
            score_p - score_t,
            [x],
            "langevin_probability_flow_drift(score_p, score_t)",
            "langevin_probability_flow_drift is not the probability-flow drift of the "
            "Langevin SDE dx = score_p dt + sqrt(2) dW",
        )


@check(
    "1.3 langevin_probability_flow_drift vanishes once score_t = score_p",
    points=0.5,
    catches="a drift that keeps moving particles after the chain has reached its target "
    "(score_p alone, score_p + score_t)",
)
def test_langevin_stationary(student):
    """At stationarity the probability flow stands still."""
    for score in (-x, x - x**3, -sp.tanh(x) + sp.Rational(1, 2)):
        value = answer(student, "langevin_probability_flow_drift", score, score)
        judge(
            student,
            expression(value, "langevin_probability_flow_drift(score, score)"),
            sp.Integer(0),
            [x],
            "langevin_probability_flow_drift(score, score)",
            "langevin_probability_flow_drift does not vanish when the current marginal is "
            "already the target",
            scale=score,
        )


LOG_P_TILDES = (
    -(x**2) / 2,
    -(x**4) / 4 + x**2 + 3,
    sp.log(1 + x**2) - x**2 / 8,
    2 * x - sp.cosh(x),
)


@check(
    "1.3 score_of_unnormalized is the derivative of the log-density",
    points=1.5,
    catches="returning log_p_tilde itself; dividing by p_tilde (the derivative of p_tilde "
    "over p_tilde twice); differentiating p_tilde instead of its log; a sign error",
)
def test_score_of_unnormalized(student):
    """d/dx log(p_tilde / Z) = d/dx log p_tilde, for several log-densities."""
    for log_p_tilde in LOG_P_TILDES:
        value = answer(student, "score_of_unnormalized", log_p_tilde, x)
        judge(
            student,
            expression(value, "score_of_unnormalized(log_p_tilde, x)"),
            sp.diff(log_p_tilde, x),
            [x],
            "score_of_unnormalized(log_p_tilde, x)",
            "score_of_unnormalized is not the derivative of log p with respect to x",
        )


@check(
    "1.3 score_of_unnormalized does not depend on the normalizing constant",
    points=0.5,
    catches="answers that change when log_p_tilde is shifted by -log Z (dividing by p_tilde, "
    "keeping a constant term)",
)
def test_score_drops_normalizer(student):
    """log_p_tilde - log Z, with a symbol Z, must give the same score: Z drops out."""
    for log_p_tilde in LOG_P_TILDES[:3]:
        value = answer(student, "score_of_unnormalized", log_p_tilde - sp.log(Z), x)
        judge(
            student,
            expression(value, "score_of_unnormalized(log_p_tilde - log(Z), x)"),
            sp.diff(log_p_tilde, x),
            [x, Z],
            "score_of_unnormalized(log_p_tilde - log(Z), x)",
            "score_of_unnormalized changes when the density is rescaled by a constant",
        )


# --------------------------------------------------------------------------------------------
# 1.4 PINNs and spectral bias


def fourier_reference(x_in: np.ndarray, B: np.ndarray) -> np.ndarray:
    z = 2 * np.pi * x_in @ B.T
    return np.concatenate([np.cos(z), np.sin(z)], axis=-1)


@check(
    "1.4 fourier_features is [cos(2 pi x B^T), sin(2 pi x B^T)] with cosines first",
    points=2,
    catches="a missing 2 pi (or pi alone); sines first; interleaved cos/sin columns; x B "
    "instead of x B^T; stacking on the wrong axis",
)
def test_fourier_features_values(student):
    """Random x (n, d) and B (m, d), including a square B and m = 1."""
    rng = np.random.default_rng(14)
    for rows, dim, freqs in [(6, 3, 4), (5, 2, 2), (3, 1, 1), (4, 3, 1)]:
        x_in = rng.uniform(-1, 1, (rows, dim))
        B = rng.normal(0, 2.0, (freqs, dim))
        value = answer(student, "fourier_features", x_in, B)
        got = as_array(value, "fourier_features", shape=(rows, 2 * freqs))
        want = fourier_reference(x_in, B)
        if close(got, np.concatenate([want[:, freqs:], want[:, :freqs]], axis=-1)):
            fail("fourier_features puts the sine block before the cosine block")
        expect(
            close(got, want, rtol=1e-9, atol=1e-12),
            "fourier_features does not give the embedding of the contract (check the "
            "frequency scale, the product with B and the order of the columns)",
        )


@check(
    "1.4 fourier_features returns float64 and leaves its inputs unmodified",
    points=0.5,
    catches="in-place scaling of x or B; float32 results",
)
def test_fourier_features_hygiene(student):
    rng = np.random.default_rng(15)
    x_in, B = rng.uniform(-1, 1, (7, 2)), rng.normal(0, 1, (3, 2))
    try:
        result = student.call_full(f"{MODULE}.fourier_features", x_in, B)
    except NotImplementedYet:
        unanswered("fourier_features", "it raises NotImplementedError")
    if result.mutated:
        fail("fourier_features modified its input arrays in place")
    value = as_array(result.value, "fourier_features", shape=(7, 6))
    expect(np.asarray(result.value).dtype == np.float64, "fourier_features is not float64")
    expect(close(value, fourier_reference(x_in, B)), "fourier_features is wrong")


SPECTRAL_KEYS = {
    "low_frequencies_learned_first": True,
    "ntk_eigenvalues_decay_with_frequency": True,
    "pinn_residual_loss_removes_spectral_bias": False,
    "fourier_features_let_mlp_fit_high_frequencies": True,
    "larger_fourier_scale_always_better": False,
}


def spectral_answers(student) -> dict:
    value = constant(student, "SPECTRAL_BIAS_ANSWERS")
    if not isinstance(value, dict):
        fail(f"`SPECTRAL_BIAS_ANSWERS` should be a dict, got {kind(value)}")
    return value


@check(
    "1.4 SPECTRAL_BIAS_ANSWERS has exactly the five keys, each True or False",
    points=0.5,
    catches="misspelt or missing keys; extra keys; strings or numbers instead of bools",
)
def test_spectral_keys(student):
    value = spectral_answers(student)
    missing = sorted(set(SPECTRAL_KEYS) - set(value))
    extra = sorted(set(value) - set(SPECTRAL_KEYS))
    if missing:
        fail(f"`SPECTRAL_BIAS_ANSWERS` is missing the keys {', '.join(missing)}")
    if extra:
        fail(f"`SPECTRAL_BIAS_ANSWERS` has keys the contract does not ask for: {', '.join(extra)}")
    not_bool = sorted(key for key, item in value.items() if not is_bool(item))
    if not_bool:
        fail(f"in `SPECTRAL_BIAS_ANSWERS`, these are not True or False: {', '.join(not_bool)}")


def spectral_check(key: str, catches: str):
    @check(f"1.4 SPECTRAL_BIAS_ANSWERS judges {key}", points=0.4, catches=catches)
    def test(student):
        value = spectral_answers(student)
        if key not in value or value[key] is None:
            fail(f"`SPECTRAL_BIAS_ANSWERS` does not answer {key} yet")
        if not is_bool(value[key]):
            fail(f"`SPECTRAL_BIAS_ANSWERS[{key!r}]` should be True or False")
        expect(bool(value[key]) is SPECTRAL_KEYS[key], f"the answer to {key} is not right")

    test.__doc__ = f"The statement {key!r} is judged correctly."
    return test


test_spectral_low_first = spectral_check(
    "low_frequencies_learned_first", "not knowing the spectral bias (frequency principle)"
)
test_spectral_ntk = spectral_check(
    "ntk_eigenvalues_decay_with_frequency", "not relating spectral bias to the NTK spectrum"
)
test_spectral_pinn = spectral_check(
    "pinn_residual_loss_removes_spectral_bias",
    "believing a physics loss cures spectral bias (it inherits it)",
)
test_spectral_fourier = spectral_check(
    "fourier_features_let_mlp_fit_high_frequencies", "not knowing what Fourier features are for"
)
test_spectral_scale = spectral_check(
    "larger_fourier_scale_always_better",
    "missing that too large a scale overfits with noisy, aliased fits",
)


# --------------------------------------------------------------------------------------------
# 1.5 conservation in Hamiltonian neural networks


def chain_rule(body: sp.Expr, velocity_q: sp.Expr, velocity_p: sp.Expr) -> sp.Expr:
    return sp.diff(body, q) * velocity_q + sp.diff(body, p) * velocity_p


def hamilton_field(body: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    return sp.diff(body, p), -sp.diff(body, q)


@check(
    "1.5 hamiltonian_time_derivative is the chain rule along an arbitrary path",
    points=2,
    catches="returning 0 (conservation holds only along Hamilton's equations, not along "
    "every path); swapping q_dot and p_dot; a missing term; a sign error",
)
def test_hamiltonian_time_derivative(student):
    """H_q q_dot + H_p p_dot, for symbol and expression velocities and two concrete H."""
    for velocity_q, velocity_p in [(q_dot, p_dot), (p**2 - q, sp.sin(q) * p + 1)]:
        value = answer(student, "hamiltonian_time_derivative", H, q, p, velocity_q, velocity_p)
        what = "hamiltonian_time_derivative(H, q, p, q_dot, p_dot)"
        value = expression(value, what)
        for body in CONCRETE_H:
            judge(
                student,
                with_concrete_h(value, body),
                chain_rule(body, velocity_q, velocity_p),
                [q, p, q_dot, p_dot],
                what,
                "hamiltonian_time_derivative is not dH/dt along a general path (here the "
                "velocities are arbitrary, not Hamilton's equations, so dH/dt need not be 0)",
            )


@check(
    "1.5 hnn_vector_field gives Hamilton's equations, signs included, for a general H",
    points=2,
    catches="swapped signs (-dH/dp, dH/dq); swapped components; the gradient (dH/dq, dH/dp) "
    "instead of the symplectic gradient; not a pair",
)
def test_hnn_vector_field(student):
    """Each component is compared after replacing H by two concrete Hamiltonians."""
    field = pair(answer(student, "hnn_vector_field", H, q, p), "hnn_vector_field")
    for body in CONCRETE_H:
        got = [with_concrete_h(component, body) for component in field]
        want = hamilton_field(body)
        flipped = all(equivalent(g, -w, [q, p]) for g, w in zip(got, want, strict=True))
        if flipped:
            fail(
                "hnn_vector_field has the signs of Hamilton's equations the wrong way round "
                "(it runs the dynamics backwards in time)"
            )
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            name = "q_dot" if index == 0 else "p_dot"
            judge(
                student,
                g,
                w,
                [q, p],
                f"the {name} of hnn_vector_field",
                f"the {name} of hnn_vector_field is not Hamilton's equation for {name}",
            )


@check(
    "1.5 hnn_vector_field conserves a general H: dH/dt along it is zero",
    points=0.5,
    catches="a field that does not conserve H (the gradient field, one sign flipped), i.e. a "
    "broken proof of conservation",
)
def test_hnn_field_conserves(student):
    """The chain rule (done here) along the student's field vanishes for every concrete H."""
    field = pair(answer(student, "hnn_vector_field", H, q, p), "hnn_vector_field")
    for body in CONCRETE_H:
        velocity = [with_concrete_h(component, body) for component in field]
        judge(
            student,
            chain_rule(body, *velocity),
            sp.Integer(0),
            [q, p],
            "dH/dt along hnn_vector_field",
            "along your hnn_vector_field dH/dt is not zero for a general H, so the field "
            "does not conserve the learned energy",
            scale=sp.diff(body, q) * sp.diff(body, p),
        )


@check(
    "1.5 hamiltonian_time_derivative vanishes along Hamilton's equations for a general H",
    points=0.5,
    catches="a chain rule whose two terms do not cancel along Hamilton's equations (a sign "
    "error, a swapped velocity)",
)
def test_chain_rule_vanishes_along_hamilton(student):
    """The student's dH/dt with Hamilton's equations (built here) as velocities is zero."""
    velocity_q, velocity_p = sp.diff(H, p), -sp.diff(H, q)
    value = answer(student, "hamiltonian_time_derivative", H, q, p, velocity_q, velocity_p)
    what = "hamiltonian_time_derivative along Hamilton's equations"
    value = expression(value, what)
    if equivalent(value, sp.Integer(0), [q, p]):
        return
    for body in CONCRETE_H:
        judge(
            student,
            with_concrete_h(value, body),
            sp.Integer(0),
            [q, p],
            what,
            "your hamiltonian_time_derivative is not zero along Hamilton's equations for a "
            "general H, so it cannot prove that an HNN conserves H",
            scale=sp.diff(body, q) * sp.diff(body, p),
        )


# --------------------------------------------------------------------------------------------
# 1.6 divergence and Hutchinson's estimator (theory part, 1 of the question's 8 points)


@check(
    "1.6 exact_trace_vjp_count is the number of VJPs an exact trace needs",
    points=0.5,
    catches="d^2 (one per Jacobian entry); 1 (one VJP does not give the diagonal); 2d",
)
def test_exact_trace_vjp_count(student):
    """One VJP per row of the Jacobian: d, for a symbol d and for d = 7."""
    message = (
        "exact_trace_vjp_count is not the number of vector-Jacobian products an exact trace needs"
    )
    what = "exact_trace_vjp_count(d)"
    judge(
        student,
        expression(answer(student, "exact_trace_vjp_count", d), what),
        d,
        [d],
        what,
        message,
    )
    what = "exact_trace_vjp_count(7)"
    value = expression(answer(student, "exact_trace_vjp_count", 7), what)
    judge(student, value, sp.Integer(7), [], what, message)


def second_moment(student) -> sp.Expr:
    what = "probe_second_moment(i, j)"
    return expression(answer(student, "probe_second_moment", i, j), what)


@check(
    "1.6 probe_second_moment is E[eps_i eps_j] for every pair (i, j), as one expression",
    points=0.25,
    catches="1 everywhere (forgetting independence); 0 everywhere; a Python if on symbols "
    "(decides i == j structurally); a Boolean Eq instead of an expression",
)
def test_probe_second_moment(student):
    """E[eps_i eps_j] = KroneckerDelta(i, j), tested at integer pairs and symbolically."""
    value = second_moment(student)
    what = "probe_second_moment(i, j)"
    message = "probe_second_moment is not E[eps_i eps_j] for every pair of indices"
    for a, b in [(0, 0), (1, 1), (3, 3), (-2, -2), (0, 1), (1, 0), (2, 5), (4, -1)]:
        at = value.xreplace({i: sp.Integer(a), j: sp.Integer(b)})
        judge(student, at, sp.KroneckerDelta(a, b), [], what, message)
    judge(student, value.xreplace({j: i}), sp.Integer(1), [i], what, message)
    for shift in (1, 2, -3):
        judge(student, value.xreplace({j: i + shift}), sp.Integer(0), [i], what, message)


@check(
    "1.6 probe_second_moment makes E[eps^T A eps] = Tr(A) for a symbolic matrix A",
    points=0.25,
    catches="a second moment under which Hutchinson's estimator is biased (1 everywhere "
    "gives the sum of all entries; a factor 2 on the diagonal doubles the trace)",
)
def test_probe_moment_gives_trace(student):
    """sum_ij A_ij E[eps_i eps_j] with the student's moment equals Tr(A), A 3x3 and 4x4."""
    value = second_moment(student)
    for size in (3, 4):
        A = symbol_matrix("A", size)
        expectation = sum(
            A[r, c] * value.xreplace({i: sp.Integer(r), j: sp.Integer(c)})
            for r in range(size)
            for c in range(size)
        )
        judge(
            student,
            expectation,
            A.trace(),
            symbols_of(A),
            "E[eps^T A eps] with your probe_second_moment",
            "with this probe_second_moment, E[eps^T A eps] = sum_ij A_ij E[eps_i eps_j] is not "
            "the trace of A, so Hutchinson's estimator would be biased",
        )


# --------------------------------------------------------------------------------------------
# 1.7 forward Euler and energy (theory part, 2.5 of the question's 10 points)


def euler_energy_reference(q0: float, p0: float, step: float, count: int) -> float:
    """The oscillator's energy after ``count`` forward Euler steps, by a plain loop."""
    q_n, p_n = q0, p0
    for _ in range(count):
        q_n, p_n = q_n + step * p_n, p_n - step * q_n  # both from the old state
    return (q_n**2 + p_n**2) / 2


def energy_one_step(student) -> sp.Expr:
    what = "euler_energy_after_one_step(q, p, dt)"
    return expression(answer(student, "euler_energy_after_one_step", q, p, dt), what)


@check(
    "1.7 euler_energy_after_one_step is the energy at the forward Euler update",
    points=0.75,
    catches="the symplectic Euler update (new q in the kick); a missing 1/2; the factor "
    "(1 + dt) or (1 - dt^2); code that fails for numbers",
)
def test_energy_one_step(student):
    """((q + dt p)^2 + (p - dt q)^2)/2 = (1 + dt^2) E_0, symbolically and for numbers."""
    expected = ((q + dt * p) ** 2 + (p - dt * q) ** 2) / 2
    what = "euler_energy_after_one_step(q, p, dt)"
    message = (
        "euler_energy_after_one_step is not the energy (p^2 + q^2)/2 at the state that one "
        "forward Euler step reaches from (q, p)"
    )
    judge(student, energy_one_step(student), expected, [q, p, dt], what, message)
    for numbers in [(1.0, -2.0, 0.5), (sp.Rational(3, 2), sp.Integer(1), sp.Rational(1, 4))]:
        value = answer(student, "euler_energy_after_one_step", *numbers)
        want = expected.subs(dict(zip((q, p, dt), numbers, strict=True)))
        judge(student, expression(value, what), want, [], what, message)


@check(
    "1.7 euler_energy_after_one_step grows the energy by one factor for every state",
    points=0.5,
    catches="an E_1 whose ratio to E_0 depends on (q, p) (cross terms that do not cancel: "
    "the symplectic Euler update, a sign error in one update), or is not forward Euler's "
    "factor",
)
def test_energy_ratio_from_one_step(student):
    """E_1 / E_0 must be free of q and p, and equal to the per-step factor of the contract."""
    what = "euler_energy_after_one_step(q, p, dt) / E_0"
    ratio = energy_one_step(student) / ((q**2 + p**2) / 2)
    for variable in (q, p):
        judge(
            student,
            sp.diff(ratio, variable),
            sp.Integer(0),
            [q, p, dt],
            what,
            "the ratio E_1 / E_0 of your euler_energy_after_one_step depends on the state "
            "(q, p), so the energy would not grow by one factor per step",
            scale=ratio / (q**2 + p**2 + 1),
        )
    judge(
        student,
        ratio,
        1 + dt**2,
        [q, p, dt],
        what,
        "the ratio E_1 / E_0 of your euler_energy_after_one_step is not the factor that "
        "euler_energy_ratio(dt) gives",
    )


@check(
    "1.7 euler_energy_after_n_steps is the energy after n forward Euler steps, for symbolic n",
    points=0.75,
    catches="(1 + dt)^n; (1 + n dt^2) (linear growth); an exponent n - 1 or n + 1; "
    "(1 + dt^2)^(n/2) (the amplitude factor)",
)
def test_energy_n_steps(student):
    """(1 + dt^2)^n E0, accepted in any equal form (e.g. E0 exp(n log(1 + dt^2)))."""
    what = "euler_energy_after_n_steps(E0, dt, n)"
    message = (
        "euler_energy_after_n_steps is not E_0 multiplied by the one-step energy factor once "
        "per step"
    )
    value = answer(student, "euler_energy_after_n_steps", E0, dt, n)
    judge(student, expression(value, what), (1 + dt**2) ** n * E0, [E0, dt, n], what, message)
    for e0, step, count in [(2.0, 0.5, 3), (sp.Integer(3), sp.Rational(1, 3), 5)]:
        value = answer(student, "euler_energy_after_n_steps", e0, step, count)
        want = (1 + sp.sympify(step) ** 2) ** count * sp.sympify(e0)
        judge(student, expression(value, what), want, [], what, message)


@check(
    "1.7 euler_energy_after_n_steps agrees with the energy of forward Euler steps taken one "
    "by one",
    points=0.5,
    catches="a closed form that does not match what the integrator does: growth linear in n, "
    "an exponent off by one, (1 + dt)^n",
)
def test_energy_n_steps_matches_simulation(student):
    """E_n at numbers against a loop of forward Euler steps on the oscillator.

    Tolerance: relative 1e-8; the loop's rounding error after 60 steps is below 1e-13.
    """
    for q0, p0, step, count in [(1.0, 0.0, 0.1, 60), (0.3, -1.2, 0.25, 7), (2.0, 1.0, 1.0, 4)]:
        energy = (q0**2 + p0**2) / 2
        what = f"euler_energy_after_n_steps({energy:g}, {step:g}, {count})"
        value = expression(
            answer(student, "euler_energy_after_n_steps", energy, step, count), what
        )
        judge(
            student,
            value,
            sp.Float(euler_energy_reference(q0, p0, step, count), 30),
            [],
            what,
            "euler_energy_after_n_steps does not match the energy after that many forward "
            "Euler steps on the oscillator, taken one at a time",
        )


# --------------------------------------------------------------------------------------------
# 1.8 neural operators versus PINNs


@check(
    "1.8 FNO_NEEDS_LABELED_SOLUTIONS says whether an FNO's loss needs solved examples",
    points=1.5,
    catches="confusing the FNO's supervised data loss with a physics loss",
)
def test_fno_needs_labels(student):
    """An FNO is trained on input/solution pairs: True."""
    value = bool_constant(student, "FNO_NEEDS_LABELED_SOLUTIONS")
    expect(value is True, "FNO_NEEDS_LABELED_SOLUTIONS is not the right answer")


@check(
    "1.8 PINN_NEEDS_LABELED_SOLUTIONS says whether a PINN's physics loss needs solved examples",
    points=1.5,
    catches="thinking the PDE residual loss needs ground-truth solutions",
)
def test_pinn_needs_labels(student):
    """A PINN trains on the residual and the initial/boundary conditions only: False."""
    value = bool_constant(student, "PINN_NEEDS_LABELED_SOLUTIONS")
    expect(value is False, "PINN_NEEDS_LABELED_SOLUTIONS is not the right answer")


# --------------------------------------------------------------------------------------------
# written answers, for the TA (no points)


@pytest.fixture(scope="module", autouse=True)
def written_answers_for_the_ta(submission):
    """After this module's checks, collect ``WRITTEN_ANSWERS`` into ``written.md``.

    Nothing here may raise: an error in a fixture's teardown would count against the check
    that ran last.
    """
    yield
    collect_written_answers(submission)


def collect_written_answers(student) -> None:
    """Save ``written.md`` for the TA from ``WRITTEN_ANSWERS``; never raises."""
    try:
        text = written_report(read_written_answers(student), student.notes)
    except Exception:  # the report must never cost points
        LOG.exception("collecting the written answers failed")
        text = written_report("the written answers could not be read", [])
    student.save_report("written.md", text)


def read_written_answers(student) -> dict[str, str] | str:
    """The student's ``WRITTEN_ANSWERS``, or words saying why there are none."""
    try:
        student.process.ensure_module(MODULE)
        value = student.probe("constant", MODULE, "WRITTEN_ANSWERS")
    except StudentCodeError as error:
        return f"`WRITTEN_ANSWERS` could not be read: {error.feedback}"
    if not isinstance(value, dict):
        return f"`WRITTEN_ANSWERS` should be a dict of strings, got {kind(value)}"
    return value


def written_report(answers: dict | str, notes: list[str]) -> str:
    """The Markdown file a TA reads: each item's written answer under the item's title."""
    lines = [
        "# Written answers",
        "",
        "From `WRITTEN_ANSWERS` in `student/theory.py`. Not scored automatically; the "
        "handout's **Written** parts say what each answer should cover.",
        "",
    ]
    if notes:
        lines += ["## Notes from the automatic checks", ""]
        lines += [f"- {note}" for note in notes]
        lines.append("")
    if isinstance(answers, str):
        return "\n".join([*lines, f"_{answers}._", ""])
    keys = [key for key in WRITTEN_ITEMS] + sorted(
        (str(key) for key in answers if key not in WRITTEN_ITEMS), key=str
    )
    for key in keys:
        title = BY_ID[key].title if key in BY_ID else "(not an item of the handout)"
        lines += [f"## {key} {title}", ""]
        value = answers.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            lines.append("_(no answer)_")
        elif not isinstance(value, str):
            lines.append(f"_(not a string: {kind(value)})_")
        else:
            text = value.strip()
            if len(text) > MAX_WRITTEN_CHARS:
                text = text[:MAX_WRITTEN_CHARS] + f"\n\n_(cut at {MAX_WRITTEN_CHARS} characters)_"
            lines.append(text)
        lines.append("")
    return "\n".join(lines)
