"""Deciding whether a SymPy answer equals the expected one, whatever form it is written in.

Every symbolic check of the graders goes through ``compare`` (a ``Verdict``), ``equivalent``
(yes/no) or ``check_equivalent`` (fails the running check with feedback in words). All three
run the same cascade and stop at the first step that decides:

1. **Type and shape.** The answer must be a SymPy expression or a plain number (``int``,
   ``float``, numpy scalar; not ``bool``). Where a ``Matrix`` is expected, the answer must
   be a matrix of the same shape and is compared entry by entry; a matrix expression of
   explicit matrices (``-Transpose(Theta) * a`` left unevaluated, a ``MatMul``) is made
   explicit first (``as_explicit``), and a 2-D (or, for a column, 1-D) SymPy ``Array`` is
   read as a matrix. Where a scalar is expected, a 1x1 matrix counts as its entry (``a^T b``
   is a 1x1 matrix in SymPy). Matrix-symbol entries (``Theta[0, 1]`` of a ``MatrixSymbol``)
   become plain symbols, the same on both sides. Equations (``Eq``), conditions, tuples and
   strings are refused.
2. **Structure.** ``answer == expected`` (SymPy's structural equality).
3. **Algebra.** The difference, with derivatives evaluated, is reduced by ``expand``, by
   ``together`` (numerator expanded), by ``expand_trig`` and ``fu`` when it holds
   trigonometric functions, and by ``simplify``, each under a size limit and a time limit. An
   exception or a time-out means "not shown", never "different". Zero proves equality. The
   costly rewrites (trigonometric, ``simplify``) run only when step 4 cannot decide: a zero
   difference and a numeric counterexample cannot both exist, so the order changes the cost,
   not the verdict.
4. **Numbers.** Both sides are evaluated (``evalf`` at 30 digits, no generated code) at
   random points drawn from each variable's domain. Points where the expectation is not a
   finite number (its poles) are skipped. Where the expectation is finite and the answer is
   not (``nan`` from a ``Piecewise`` with no branch there, ``zoo``), the answer is undefined
   where it must be defined: a counterexample (for continuous variables; an integer draw may
   land on a removable singularity and is skipped). The answer is equal when enough points
   are left and all agree within the tolerance below; one disagreeing point makes it
   different.

Tolerance. Two values ``a`` (answer) and ``b`` (expected) agree when
``|a - b| <= rtol * max(|a|, |b|, size) + atol`` with ``rtol = 1e-8``. ``size`` is the sum of
the absolute values of the top-level terms of either side at that point, or the size of
what should cancel that the caller passes as ``scale``, so that a difference that cancels
(an expected zero such as ``d/dt (a^T h)``) is judged against the size of what cancels, not
against zero; ``atol = 1e-12`` times the largest expected value seen, plus ``1e-15``.
Why these numbers: at 30 digits two forms of the same expression agree to about ``1e-25``; an
answer holding Python floats (``0.5``, ``1.4142135623730951``) agrees to about ``1e-16``;
every bug the graders look for changes the value by a relative amount of order one. ``1e-8``
sits far from both.

"Could not decide". When the cascade can neither show equality nor find a counterexample
(the answer could not be evaluated at enough points because evaluation failed or ran out of
time), the verdict is ``"undecided"``. That is never a reason to fail a check:
``check_equivalent`` returns the verdict, and the caller passes the check and flags the
answer for a person to read (see ``test_theory.judge``). An answer that is not a number for
a reason that cannot be right (it still holds an undefined function such as ``f(x)`` that is
not an argument) is refused with words saying so.

Symbols. The answer should use only the symbols listed in ``variables``. Other symbols are
not refused at once (they may cancel, as ``Z`` in ``Z*exp(u)/Z``): they are drawn like the
variables in step 4, and a different answer that holds them is reported as using symbols
that are not arguments. A symbol of the right name but other assumptions (``Symbol("h0")``
instead of the positive ``h0`` passed in) is a different symbol to SymPy and is named as such
in the feedback.

Step 3 misses true identities (``sin(x)**2 - sin(2*x)*tan(x)/2`` under ``simplify``;
``E0*exp(n*log(1 + dt**2)) - E0*(1 + dt**2)**n`` when ``dt`` is not declared positive);
the trigonometric rewrites and step 4 catch them. Step 4 cannot prove an identity, but a
wrong answer that agrees with the right one at 40 random points of a continuous domain to
eight digits is not a practical concern.

Domains. By default a variable is drawn from its assumptions: integer symbols from small
integers (``positive`` from 1 to 8, ``nonnegative`` from 0 to 8, otherwise -6 to 6), other
symbols uniformly from ``(0.1, 3)`` when positive, ``(0, 3)`` when nonnegative, their
negatives likewise, ``(-3, 3)`` otherwise. ``domain`` overrides this per variable with a
``(low, high)`` tuple (integers drawn for integer symbols) or a list of values to choose
from. Draws use a fixed seed, so a verdict is reproducible.

Undefined functions (``Function("H")(q, p)``) and their derivatives cannot be evaluated at
numbers. ``substitute_function`` replaces such a function by a concrete one (and evaluates
the derivatives), after which the comparison can run; a check should do this with more than
one concrete function.

Time. Each algebra step has a time limit, each evaluation at a point one of its own, the
numeric step a budget; ``time_budget`` bounds all the work inside a block (the graders give
each check one), after which comparisons end undecided.

Limitations
-----------
The time limits use ``SIGALRM`` and work only in the main thread of a Unix process with no
other interval timer running; elsewhere only the size limits protect the algebra step, and
the numeric step stops drawing points once its time budget is spent. Piecewise answers that
differ only on a set the random points never hit (a single point, say) are judged equal.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction
from sympy.logic.boolalg import Boolean
from sympy.matrices.expressions.matexpr import MatrixElement

from autograder.graders.support import Handle, fail

__all__ = [
    "Verdict",
    "as_expression",
    "as_matrix",
    "as_scalar",
    "check_equivalent",
    "compare",
    "equivalent",
    "refusal",
    "substitute_function",
    "time_budget",
]

N_POINTS = 40
"""valid points needed by the numeric step (with several variables)"""
MAX_DRAWS = 160
"""points tried at most before the numeric step gives up"""
RTOL = 1e-8
"""relative tolerance of the numeric step (see the module docstring for why)"""
ATOL_SCALE = 1e-12
"""absolute tolerance, as a fraction of the largest expected value seen"""
DIGITS = 30
ALGEBRA_SECONDS = 2.0
"""time limit of each algebra step"""
EVALUATION_SECONDS = 1.0
"""time limit of one evaluation at one point"""
NUMERIC_SECONDS = 6.0
"""time budget of the numeric step of one comparison"""
MAX_OPS_SIMPLIFY = 250
MAX_OPS_EXPAND = 2000
MAX_POWER = 64
"""integer powers above this are left to the numeric step"""
SEED = 7_2024


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison."""

    equal: bool
    """True only when the answer was shown (or tested) to equal the expectation"""
    reason: str
    """``"structural"``, ``"algebra"``, ``"numeric"`` when equal; otherwise ``"type"``,
    ``"shape"``, ``"symbols"`` (holds symbols or functions that are not arguments),
    ``"different"`` (a counterexample was found) or ``"undecided"``"""
    detail: str = ""
    """feedback-safe words about a refusal (type, shape, symbols); never an expected value"""

    @property
    def undecided(self) -> bool:
        return self.reason == "undecided"


# --------------------------------------------------------------------------------------------
# the interface


def equivalent(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    domain: Mapping | None = None,
    rtol: float = RTOL,
    scale: Any = None,
) -> bool:
    """Whether ``answer`` was shown or tested to equal ``expected`` (see the module)."""
    return compare(answer, expected, variables, domain, rtol, scale).equal


def check_equivalent(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    what: str,
    message: str,
    domain: Mapping | None = None,
    rtol: float = RTOL,
    scale: Any = None,
) -> Verdict:
    """Fail the running check if ``answer`` is shown to differ from ``expected``.

    ``what`` names the answer in feedback (``"square_field_blowup_time(h0)"``); ``message``
    is shown when the answer is readable but different, and must name the property that
    fails without revealing ``expected``. Returns the verdict when the check may go on:
    equal, or undecided (the caller decides what to do with an undecided answer; it is never
    wrong by itself).
    """
    verdict = compare(answer, expected, variables, domain, rtol, scale)
    if verdict.equal or verdict.undecided:
        return verdict
    if verdict.reason in ("type", "shape", "symbols"):
        fail(f"{what} {verdict.detail}")
    fail(message)
    return verdict  # not reached


def compare(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    domain: Mapping | None = None,
    rtol: float = RTOL,
    scale: Any = None,
) -> Verdict:
    """Run the cascade and say how it ended (see ``Verdict``).

    ``scale``, an expression in the variables, is the size of what should cancel when the
    expectation is zero (``|score|`` for ``score_p - score_t`` at ``score_p = score_t``): the
    numeric step then also accepts ``|a - b| <= rtol * |scale|``, so that an answer holding
    floats, whose terms SymPy has already merged into one tiny term, is judged against the
    size of the terms and not against zero.
    """
    variables = list(variables)
    domain = dict(domain or {})
    expected = _expected(expected)
    if isinstance(expected, sp.MatrixBase):
        return _compare_matrix(answer, expected, variables, domain, rtol, scale)
    got = _scalar_answer(answer)
    if isinstance(got, Verdict):
        return got
    return _compare_scalar(got, expected, variables, domain, rtol, scale)


def as_expression(value: Any) -> sp.Expr | sp.MatrixBase | None:
    """``value`` as a SymPy expression (numbers converted) or Matrix; ``None`` if neither.

    Matrix expressions of explicit shape (an unevaluated ``MatMul`` of explicit matrices,
    say) and 1-D or 2-D SymPy arrays are returned as explicit matrices (see ``as_matrix``).
    """
    matrix = as_matrix(value)
    if matrix is not None:
        return matrix
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        return sp.Float(float(value))
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return as_expression(value[()])
    return None


def as_matrix(value: Any) -> sp.MatrixBase | None:
    """``value`` as an explicit SymPy Matrix, or ``None`` if it is not matrix-like.

    Explicit matrices are returned as they are; a matrix expression of explicit shape is
    made explicit (``as_explicit``, under a time limit); a rank-2 SymPy ``Array`` becomes a
    Matrix of its shape and a rank-1 ``Array`` a column.
    """
    if isinstance(value, sp.MatrixBase):
        return value
    if isinstance(value, sp.MatrixExpr):
        rows, cols = value.shape
        if not (isinstance(rows, (int, sp.Integer)) and isinstance(cols, (int, sp.Integer))):
            return None
        # doit() multiplies explicit matrices at once; as_explicit() handles the rest
        # (matrix symbols), more slowly.
        ok, explicit = _limited(value.doit)
        if not (ok and isinstance(explicit, sp.MatrixBase)):
            ok, explicit = _limited(value.as_explicit)
        return explicit if ok and isinstance(explicit, sp.MatrixBase) else None
    if isinstance(value, sp.NDimArray) and value.rank() in (1, 2):
        items = value.tolist()
        return sp.Matrix(items) if value.rank() == 2 else sp.Matrix(len(items), 1, items)
    return None


def substitute_function(expr: Any, name: str, params: tuple[sp.Symbol, ...], body: sp.Expr) -> Any:
    """Replace the undefined function ``name`` by ``Lambda(params, body)`` and evaluate.

    Derivatives and ``Subs`` objects are evaluated afterwards, so
    ``Derivative(H(q, p), q)`` becomes the partial derivative of ``body``. Anything that is
    not a SymPy object is returned unchanged (the comparison then refuses it).
    """
    if isinstance(expr, (tuple, list)):
        return type(expr)(substitute_function(item, name, params, body) for item in expr)
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        return expr
    function = sp.Function(name)
    concrete = sp.Lambda(params, body)
    replaced = expr.replace(function, concrete)
    return _evaluate_derivatives(replaced)


# --------------------------------------------------------------------------------------------
# types and shapes


def _expected(expected):
    value = as_expression(expected)
    if value is None:
        raise TypeError(f"the grader's expectation is not a SymPy object: {expected!r}")
    return value


def as_scalar(answer: Any) -> sp.Expr | None:
    """``answer`` as one SymPy expression (numbers converted, a 1x1 matrix unwrapped)."""
    value = _scalar_answer(answer)
    return None if isinstance(value, Verdict) else value


def refusal(answer: Any, wanted: str) -> str:
    """Feedback-safe words on why ``answer`` is not ``wanted`` ("a SymPy expression")."""
    return _refusal(answer, wanted)


def _scalar_answer(answer) -> sp.Expr | Verdict:
    """The answer as a scalar expression, or a refusal in words."""
    value = as_expression(answer)
    if isinstance(value, sp.MatrixBase):
        if value.shape == (1, 1):
            return value[0, 0]
        return Verdict(
            False,
            "type",
            f"should be a single expression, got a SymPy Matrix of shape {value.shape}",
        )
    if value is None:
        return Verdict(False, "type", _refusal(answer, "a SymPy expression or a number"))
    return value


def _refusal(answer: Any, wanted: str) -> str:
    if isinstance(answer, sp.Equality):
        return (
            f"should be {wanted}, got an equation (Eq), which is true or false rather than a "
            "value; return an expression (for an equation from dsolve, its right-hand side "
            "`.rhs`)"
        )
    if isinstance(answer, Boolean):
        return f"should be {wanted}, got a condition ({type(answer).__name__}), not a value"
    return f"should be {wanted}, got {_kind(answer)}"


def _compare_matrix(answer, expected, variables, domain, rtol, scale) -> Verdict:
    got = as_matrix(answer)
    if got is None:
        return Verdict(False, "type", _refusal(answer, "a SymPy Matrix"))
    if got.shape != expected.shape:
        return Verdict(
            False, "shape", f"has shape {got.shape}, but the contract asks for {expected.shape}"
        )
    how = "structural"
    undecided = None
    for entry, want in zip(list(got), list(expected), strict=True):
        verdict = _compare_scalar(entry, want, variables, domain, rtol, scale)
        if verdict.undecided:
            undecided = verdict
            continue
        if not verdict.equal:
            return verdict
        how = _weakest(how, verdict.reason)
    return undecided if undecided is not None else Verdict(True, how)


# --------------------------------------------------------------------------------------------
# the cascade for one scalar


def _compare_scalar(got, expected, variables, domain, rtol, scale=None) -> Verdict:
    if not isinstance(got, sp.Expr):
        got = _scalar_answer(got)
        if isinstance(got, Verdict):
            return got
    got, expected, entries = _matrix_elements_as_symbols(got, expected)
    variables = variables + [s for s in entries if s not in variables]
    try:
        if got == expected:
            return Verdict(True, "structural")
    except Exception:
        pass
    # The cheap rewrites first; the costly ones (trigonometric, simplify) only when the
    # numbers cannot decide. A counterexample and a zero difference cannot both exist, so
    # the order changes the cost, never the verdict.
    if _algebra_zero(got, expected, thorough=False):
        return Verdict(True, "algebra")
    # Symbols that are not arguments are drawn like the others: they may cancel (Z/Z).
    # (The expectation may be built from an answer too: the ODE residual of a solution.)
    extra = sorted(
        (got.free_symbols | expected.free_symbols) - set(variables), key=lambda s: s.name
    )
    verdict = _numeric(got, expected, variables + extra, domain, rtol, scale)
    if verdict.reason == "different" and extra:
        return Verdict(False, "symbols", _symbol_problem(extra, variables))
    if verdict.undecided and _algebra_zero(got, expected, thorough=True):
        return Verdict(True, "algebra")
    return verdict


def _matrix_elements_as_symbols(got: sp.Expr, expected: sp.Expr) -> tuple:
    """Replace entries ``M[i, j]`` of matrix symbols by plain symbols, the same on both sides.

    Returns the two expressions and the new symbols, which count as arguments: they stand
    for the entries of a matrix that was an argument.
    """
    elements = got.atoms(MatrixElement) | expected.atoms(MatrixElement)
    if not elements:
        return got, expected, []
    names = {e: sp.Symbol(f"{e.parent}[{e.i}, {e.j}]") for e in elements}
    return got.xreplace(names), expected.xreplace(names), sorted(names.values(), key=str)


def _symbol_problem(extra: list, variables: list) -> str:
    names = {v.name for v in variables}
    same_name = [s.name for s in extra if s.name in names]
    if same_name:
        return (
            f"uses a symbol named {', '.join(same_name)} that is not the one passed in (it "
            "was created with other assumptions); build the answer from the arguments"
        )
    return (
        f"contains symbols that are not among the arguments ({', '.join(s.name for s in extra)})"
    )


# --------------------------------------------------------------------------------------------
# algebra


def _algebra_zero(got: sp.Expr, expected: sp.Expr, thorough: bool = True) -> bool:
    """Whether a rewrite reduces the difference to zero (within size and time limits).

    ``thorough=False`` tries ``expand`` and ``together`` only; ``True`` adds the
    trigonometric rewrites and ``simplify``.
    """
    ok, difference = _limited(lambda: _evaluate_derivatives(got - expected))
    if not ok:
        return False
    if _is_zero(difference):
        return True
    if _has_big_powers(difference):
        return False
    ops = _limited(lambda: sp.count_ops(difference))[1]
    if not isinstance(ops, int) or ops > MAX_OPS_EXPAND:
        return False
    steps = [sp.expand, lambda e: sp.expand(sp.numer(sp.together(e)))]
    if thorough and difference.has(TrigonometricFunction, HyperbolicFunction):
        steps.append(lambda e: sp.expand(sp.numer(sp.together(sp.expand_trig(e)))))
        steps.append(sp.fu)
    if thorough and ops <= MAX_OPS_SIMPLIFY:
        steps.append(sp.simplify)
    for step in steps:
        ok, result = _limited(lambda step=step: step(difference))
        if ok and _is_zero(result):
            return True
    return False


def _is_zero(expr) -> bool:
    ok, zero = _limited(lambda: bool(expr == 0) or expr.is_zero is True)
    return ok and zero is True


def _has_big_powers(expr: sp.Basic) -> bool:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_Number and abs(node.exp) > MAX_POWER:
            return True
        if isinstance(node, sp.Integer) and abs(int(node)) > 10**40:
            return True
    return False


def _evaluate_derivatives(expr):
    """Evaluate the ``Derivative`` and ``Subs`` nodes only (not integrals or sums)."""
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        return expr
    if not expr.has(sp.Derivative, sp.Subs):
        return expr
    return expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Subs)), lambda e: e.doit())


class _TimedOut(Exception):
    pass


_deadline = math.inf
"""monotonic time after which every step gives up at once (see ``time_budget``)"""


@contextlib.contextmanager
def time_budget(seconds: float):
    """Bound the checker's total time inside the block: once ``seconds`` have passed, every
    algebra step and evaluation gives up at once, so comparisons end undecided."""
    global _deadline
    previous = _deadline
    _deadline = min(previous, time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline = previous


def _limited(function, seconds: float = ALGEBRA_SECONDS) -> tuple[bool, Any]:
    """Run ``function()``; ``(False, None)`` if it raised or ran past ``seconds``."""
    seconds = min(seconds, _deadline - time.monotonic())
    if seconds <= 0:
        return False, None
    try:
        with _alarm(seconds):
            return True, function()
    except Exception:  # the time limit, RecursionError, whatever SymPy raises
        return False, None


@contextlib.contextmanager
def _alarm(seconds: float):
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise _TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------------------------
# numbers

# what one evaluation gave
_FINITE, _NONFINITE, _NOT_A_NUMBER, _FAILED = "finite", "nonfinite", "not a number", "failed"


def _numeric(got, expected, variables, domain, rtol, scale=None) -> Verdict:
    ok, prepared = _limited(lambda: (_evaluate_derivatives(got), _evaluate_derivatives(expected)))
    if not ok:
        return Verdict(False, "undecided")
    got, expected = prepared
    unknown = got.atoms(AppliedUndef) - expected.atoms(AppliedUndef)
    if unknown:
        return Verdict(False, "symbols", _unknown_objects(got, variables))
    if expected.atoms(AppliedUndef):  # nothing to evaluate: the caller must substitute
        return Verdict(False, "undecided")
    used = [v for v in variables if v in got.free_symbols | expected.free_symbols]
    continuous = not any(v.is_integer for v in used)
    needed = N_POINTS if used else 1
    deadline = min(time.monotonic() + NUMERIC_SECONDS, _deadline)
    rng = np.random.default_rng(SEED)
    pairs, not_numbers = [], 0
    for _ in range(MAX_DRAWS if used else 1):
        if time.monotonic() > deadline:
            break
        point = {v: _draw(v, domain.get(v), rng) for v in used}
        kind_b, b = _value_at(expected, point)
        if kind_b != _FINITE:
            continue
        kind_a, a = _value_at(got, point)
        if kind_a == _NONFINITE and continuous:
            return Verdict(False, "different")
        if kind_a == _NOT_A_NUMBER:
            not_numbers += 1
        if kind_a != _FINITE:
            continue
        pairs.append((a, b, point))
        if len(pairs) >= needed:
            break
    if len(pairs) < (needed + 1) // 2:
        if not_numbers and not_numbers >= len(pairs):
            return Verdict(False, "symbols", _unknown_objects(got, variables))
        return Verdict(False, "undecided")
    largest = max(abs(b) for _, b, _ in pairs)
    atol = ATOL_SCALE * largest + 1e-15
    for a, b, point in pairs:
        if abs(a - b) <= rtol * max(abs(a), abs(b)) + atol:
            continue
        size = max(_size_at(got, point), _size_at(expected, point))
        if scale is not None:
            size = max(size, _size_at(sp.Abs(sp.sympify(scale)), point))
        if not abs(a - b) <= rtol * max(abs(a), abs(b), size) + atol:
            return Verdict(False, "different")
    return Verdict(True, "numeric")


def _unknown_objects(expr: sp.Expr, variables: list) -> str:
    functions = sorted({type(f).__name__ for f in expr.atoms(AppliedUndef)})
    if functions:
        return (
            "is not a number even when every argument is: it still holds the undefined "
            f"function {', '.join(functions)}, which is not an argument"
        )
    return "is not a number even when every argument is a number"


def _draw(symbol: sp.Symbol, spec, rng: np.random.Generator) -> sp.Expr:
    integer = bool(symbol.is_integer)
    if spec is None:
        spec = _default_range(symbol)
    if isinstance(spec, tuple) and len(spec) == 2:
        low, high = spec
        if integer:
            return sp.Integer(int(rng.integers(int(low), int(high) + 1)))
        return sp.Float(float(rng.uniform(float(low), float(high))), DIGITS)
    values = list(spec)
    value = values[int(rng.integers(len(values)))]
    converted = as_expression(value)
    return converted if converted is not None else sp.sympify(value)


def _default_range(symbol: sp.Symbol) -> tuple:
    if symbol.is_integer:
        if symbol.is_positive:
            return (1, 8)
        if symbol.is_nonnegative:
            return (0, 8)
        if symbol.is_negative:
            return (-8, -1)
        if symbol.is_nonpositive:
            return (-8, 0)
        return (-6, 6)
    if symbol.is_positive:
        return (0.1, 3.0)
    if symbol.is_nonnegative:
        return (0.0, 3.0)
    if symbol.is_negative:
        return (-3.0, -0.1)
    if symbol.is_nonpositive:
        return (-3.0, 0.0)
    return (-3.0, 3.0)


def _value_at(expr: sp.Expr, point: dict) -> tuple[str, complex | None]:
    """What ``expr`` is at ``point``: a finite complex number, or why not.

    ``evalf`` with ``subs`` keeps full precision through cancellations; where it fails or
    leaves something unevaluated (``Min`` of a tiny difference, a ``Piecewise`` condition),
    the point is substituted first and the result evaluated.
    """
    ways = [
        lambda: expr.evalf(DIGITS, subs=point),
        lambda: expr.xreplace(point).evalf(DIGITS),
    ]
    if expr.has(*_SUBSTITUTE_FIRST):
        ways.reverse()
    kind, number = _evaluate(ways[0])
    if kind in (_FAILED, _NOT_A_NUMBER):
        kind, number = _evaluate(ways[1])
    return kind, number


#: nodes that ``evalf(subs=...)`` often leaves unevaluated or fails on
_SUBSTITUTE_FIRST = (sp.Piecewise, sp.Min, sp.Max, sp.KroneckerDelta, sp.Abs)


def _evaluate(function) -> tuple[str, complex | None]:
    ok, value = _limited(function, EVALUATION_SECONDS)
    if not ok:
        return _FAILED, None
    if not isinstance(value, sp.Expr):
        return _NOT_A_NUMBER, None
    try:
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            return _NONFINITE, None
        if not value.is_number:
            return _NOT_A_NUMBER, None
        number = complex(value)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return _FAILED, None
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        return _NONFINITE, None
    return _FINITE, number


def _size_at(expr: sp.Expr, point: dict) -> float:
    """The sum of the absolute values of the top-level terms of ``expr`` at ``point``."""
    total = 0.0
    for term in sp.Add.make_args(expr):
        kind, value = _value_at(term, point)
        if kind == _FINITE:
            total += abs(value)
    return total


# --------------------------------------------------------------------------------------------


_STRENGTH = {"structural": 0, "algebra": 1, "numeric": 2}


def _weakest(a: str, b: str) -> str:
    return a if _STRENGTH[a] >= _STRENGTH[b] else b


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, sp.Basic):
        return f"a SymPy {type(value).__name__}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, Handle):
        return f"an object of type {value.type.rpartition('.')[2]}"
    return f"a {type(value).__name__}"
