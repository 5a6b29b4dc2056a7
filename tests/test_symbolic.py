"""The equivalence checker of ``autograder/graders/symbolic.py``, tested directly.

Each case is an identity on which plain SymPy answers wrongly or not at all (``==`` is
structural, ``simplify`` misses identities, ``equals`` may answer ``None``, matrix-symbol
expressions stay unsimplified until made explicit), a form the checker must read (matrix
expressions, arrays, 1x1 matrices, ``Piecewise``), or a refusal that must be worded for the
student. The last group pins the tolerance and the "could not decide" policy.
"""

from __future__ import annotations

import pytest
import sympy as sp

from autograder.childside import codec
from autograder.graders import symbolic
from autograder.graders.support import CheckFailed
from autograder.graders.symbolic import check_equivalent, compare

x, y = sp.symbols("x y")
t = sp.Symbol("t")
h0 = sp.Symbol("h0", positive=True)
dt = sp.Symbol("dt", positive=True)
E0 = sp.Symbol("E0", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
i, j = sp.symbols("i j", integer=True)


def crossed(value):
    """The value as the grader receives it from a submission (encoded, then decoded)."""
    return codec.decode(codec.encode(value))


# --------------------------------------------------------------------------------------------
# identities that plain SymPy gets wrong


def test_structural_equality_is_not_enough():
    assert ((x + 1) ** 2 == x**2 + 2 * x + 1) is False
    assert compare((x + 1) ** 2, x**2 + 2 * x + 1, [x]).equal


def test_identity_that_simplify_misses():
    difference = sp.sin(x) ** 2 - sp.sin(2 * x) * sp.tan(x) / 2
    assert sp.simplify(difference) != 0  # the trap
    verdict = compare(difference, sp.Integer(0), [x])
    assert verdict.equal, verdict


def test_exp_log_form_with_a_plain_symbol():
    """Without assumptions on dt, simplify cannot merge exp(n log(1 + dt^2))."""
    step = sp.Symbol("dt")
    answer = E0 * sp.exp(n * sp.log(1 + step**2))
    assert sp.simplify(answer - E0 * (1 + step**2) ** n) != 0  # the trap
    assert compare(answer, E0 * (1 + step**2) ** n, [E0, step, n]).equal


def test_identity_where_equals_is_unsure():
    """``equals`` may answer None (it does here, in SymPy 1.14); the checker still decides."""
    answer = sp.sqrt(x**2 + 2 * x + 1)
    expected = sp.Abs(x + 1)
    assert compare(answer, expected, [x]).equal
    assert not compare(answer, x + 1, [x]).equal  # differs for x < -1


def test_matrix_symbol_identity_needs_as_explicit():
    a, Theta, h = (
        sp.MatrixSymbol("a", 3, 1),
        sp.MatrixSymbol("Theta", 3, 3),
        sp.MatrixSymbol("h", 3, 1),
    )
    difference = a.T * Theta * h - h.T * Theta.T * a
    assert sp.simplify(difference) != sp.ZeroMatrix(1, 1)  # the trap: it stays as it is
    assert compare(difference, sp.Integer(0), []).equal
    assert compare(-Theta.T * a, (-a.T * Theta).T, []).equal
    assert not compare(-Theta * a, (-a.T * Theta).T, []).equal


def test_piecewise_and_kronecker_forms():
    delta = sp.KroneckerDelta(i, j)
    assert compare(sp.Piecewise((1, sp.Eq(i, j)), (0, True)), delta, [i, j]).equal
    assert compare(1 - sp.Min(1, sp.Abs(i - j)), delta, [i, j]).equal
    assert not compare(sp.Integer(1), delta, [i, j]).equal
    solution = sp.Piecewise((h0 / (1 - h0 * t), t < 1 / h0))
    assert compare(solution, h0 / (1 - h0 * t), [h0, t], {h0: (0.1, 0.8), t: (-1, 1)}).equal


def test_piecewise_undefined_where_the_answer_must_be_defined_is_different():
    verdict = compare(sp.Piecewise((x, x > 0)), x, [x])
    assert verdict.reason == "different"


def test_sums_products_and_derivatives_are_evaluated():
    k = sp.Symbol("k", integer=True)
    assert compare(sp.Sum(1, (k, 1, n)), n, [n]).equal
    assert compare(E0 * sp.Product(1 + dt**2, (k, 1, n)), E0 * (1 + dt**2) ** n, [E0, dt, n]).equal
    assert compare(sp.Derivative(sp.sin(x) * x, x), sp.cos(x) * x + sp.sin(x), [x]).equal


# --------------------------------------------------------------------------------------------
# forms the checker reads, and what crosses the boundary


def test_unevaluated_matrix_product_of_explicit_matrices():
    Theta = sp.Matrix([[1, 2], [x, 4]])
    a = sp.Matrix([y, 3])
    M, v = sp.MatrixSymbol("M", 2, 2), sp.MatrixSymbol("v", 2, 1)
    answer = (-M.T * v).xreplace({M: sp.ImmutableMatrix(Theta), v: sp.ImmutableMatrix(a)})
    assert not isinstance(answer, sp.MatrixBase)  # a MatMul, not a Matrix
    assert compare(crossed(answer), -Theta.T * a, [x, y]).equal


def test_arrays_are_read_as_matrices():
    Theta = sp.Matrix([[x, 1], [0, y]])
    assert compare(sp.Array(Theta.tolist()), Theta, [x, y]).equal
    assert compare(sp.Array([x, y]), sp.Matrix([x, y]), [x, y]).equal  # 1-D: a column
    verdict = compare(sp.derive_by_array(Theta * sp.Matrix([x, y]), [x, y]), Theta, [x, y])
    assert verdict.reason in ("type", "shape")


def test_a_1x1_matrix_counts_as_its_entry():
    assert compare(sp.Matrix([[x**2]]), x**2, [x]).equal
    verdict = compare(sp.Matrix([x, y]), x, [x, y])
    assert verdict.reason == "type" and "shape (2, 1)" in verdict.detail


def test_shape_mismatch_is_named():
    verdict = compare(sp.Matrix([[x, y]]), sp.Matrix([x, y]), [x, y])
    assert verdict.reason == "shape" and "(1, 2)" in verdict.detail


@pytest.mark.parametrize(
    "value",
    [
        sp.Piecewise((x, x > 0), (-x, True)),
        sp.KroneckerDelta(i, j),
        sp.Derivative(sp.Function("H")(x, y), x),
        sp.Subs(sp.Derivative(sp.Function("H")(t, y), t), t, x),
        sp.Sum(x**i, (i, 0, n)),
        sp.Matrix([[x, sp.sqrt(2)], [sp.Rational(1, 3), sp.pi]]),
        sp.Float("0.1", 30) * x,
    ],
)
def test_answers_cross_the_boundary_unchanged(value):
    assert crossed(value) == value


# --------------------------------------------------------------------------------------------
# refusals, in words


def test_equation_and_condition_are_refused_in_words():
    verdict = compare(sp.Eq(sp.Function("h")(t), 1 / (1 - t)), 1 / (1 - t), [t])
    assert verdict.reason == "type" and ".rhs" in verdict.detail
    verdict = compare(x > 0, x, [x])
    assert verdict.reason == "type" and "condition" in verdict.detail


def test_other_types_are_refused():
    for value in (None, True, "x", (x, x), [x]):
        assert compare(value, x, [x]).reason == "type"


def test_symbol_with_other_assumptions_is_named():
    plain = sp.Symbol("h0")
    verdict = compare(1 / plain, 1 / h0, [h0])
    assert verdict.reason == "symbols" and "other assumptions" in verdict.detail


def test_extra_symbols_may_cancel():
    Z = sp.Symbol("Z", positive=True)
    assert compare(Z * sp.exp(x) / Z, sp.exp(x), [x]).equal
    verdict = compare(Z * x, x, [x])
    assert verdict.reason == "symbols" and "Z" in verdict.detail


def test_unknown_function_is_refused_in_words():
    verdict = compare(sp.Function("f")(x), x, [x])
    assert verdict.reason == "symbols" and "undefined function f" in verdict.detail


def test_check_equivalent_fails_with_the_callers_message_only():
    with pytest.raises(CheckFailed) as caught:
        check_equivalent(-1 / h0, 1 / h0, [h0], "blowup(h0)", "is not where h blows up")
    assert str(caught.value) == "is not where h blows up"


# --------------------------------------------------------------------------------------------
# tolerance


def test_floats_in_an_answer_are_accepted():
    assert compare(0.5 * x**2, x**2 / 2, [x]).equal
    assert compare(x - 1.4142135623730951**2 / 2 * x, sp.Integer(0), [x], scale=x).equal


def test_a_relative_error_of_a_millionth_is_rejected():
    """The tolerance (1e-8) is far below every bug and far above rounding."""
    assert not compare(x**2 * (1 + sp.Rational(1, 10**6)), x**2, [x]).equal
    assert compare(x**2 * (1 + sp.Rational(1, 10**12)), x**2, [x]).equal


def test_expected_zero_is_judged_against_the_size_of_what_cancels():
    a = sp.symbols("a0:3")
    terms = sum(a[r] * (r + 1) * x for r in range(3))
    assert compare(terms - 1.0000000000000002 * terms, sp.Integer(0), [x, *a], scale=terms).equal
    assert not compare(terms - 1.001 * terms, sp.Integer(0), [x, *a], scale=terms).equal


# --------------------------------------------------------------------------------------------
# "could not decide"


def test_could_not_decide_is_not_wrong(monkeypatch):
    """When no point can be evaluated the verdict is undecided, and the check goes on."""
    monkeypatch.setattr(symbolic, "_evaluate", lambda function: (symbolic._FAILED, None))
    answer = sp.exp(sp.sin(x)) * x + 1  # not reducible by the cheap rewrites
    verdict = compare(answer, sp.exp(sp.sin(x)) * (x + 1), [x])
    assert verdict.undecided and not verdict.equal
    returned = check_equivalent(answer, sp.exp(sp.sin(x)) * (x + 1), [x], "it", "wrong")
    assert returned.undecided


def test_a_counterexample_is_wrong():
    assert compare(h0 / (1 + h0 * t), h0 / (1 - h0 * t), [h0, t]).reason == "different"


def test_verdicts_are_reproducible():
    first = compare(sp.sin(x) + 1e-3 * x**7, sp.sin(x), [x])
    second = compare(sp.sin(x) + 1e-3 * x**7, sp.sin(x), [x])
    assert first == second and not first.equal


def test_a_spent_time_budget_ends_undecided_not_wrong():
    with symbolic.time_budget(0.0):
        verdict = compare((x + 1) ** 2, x**2 + 2 * x + 1, [x])
        assert verdict.undecided
        assert compare(x, x, [x]).equal  # structural equality needs no time
    assert compare((x + 1) ** 2, x**2 + 2 * x + 1, [x]).equal
