"""Deciding whether a SymPy answer equals the expected one, whatever form it is written in.

Every symbolic check of the graders goes through ``equivalent`` (a yes/no answer) or
``check_equivalent`` (fails the check with feedback in words). Both run the same cascade
and stop at the first step that decides:

1. **Type.** The answer must be a SymPy expression or a plain number (``int``, ``float``,
   numpy scalar; not ``bool``); a SymPy ``Matrix`` when a ``Matrix`` is expected, of the
   same shape, compared entry by entry. Relations (``Eq``), booleans, tuples and strings are
   refused.
2. **Structure.** ``answer == expected`` (SymPy's structural equality).
3. **Algebra.** ``expand``, ``together`` (numerator expanded) and ``simplify`` of the
   difference, each given a size limit and, where the platform allows, a time limit; an
   exception or a time-out means "undecided", never "different". Zero proves equality.
4. **Numbers.** Both sides are evaluated (``evalf`` with 30 digits, no generated code) at
   random points drawn from each variable's domain. Points where either side is not a
   finite number (poles, ``zoo``, ``nan``) are skipped; the answer is equal only if enough
   points are left and all of them agree to a relative tolerance (default ``1e-8``, scaled
   by the size of both sides and by the largest expected value seen, so that an identically
   zero expectation is compared on an absolute scale). Disagreement at one valid point makes
   the answer different.

Symbols. The answer should use only the symbols listed in ``variables``. Other symbols
are not refused at once (they may cancel, as ``Z`` in ``Z*exp(u)/Z``): they are drawn like
the variables in step 4, and a different answer that holds them is reported as using
symbols that are not arguments. A symbol of the right name but other assumptions
(``Symbol("h0")`` instead of the positive ``h0`` passed in) is a different symbol to SymPy
and is named as such in the feedback.

Step 3 misses true identities (``sin(x)**2 - sin(2*x)*tan(x)/2``,
``E0*exp(n*log(1 + dt**2)) - E0*(1 + dt**2)**n``); step 4 catches them. Step 4 cannot prove
an identity, but a wrong answer that agrees with the right one at 40 random points of a
continuous domain is not a practical concern.

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

Limitations
-----------
The time limit uses ``SIGALRM`` and works only in the main thread of a Unix process with no
other interval timer running; elsewhere only the size limits protect the algebra step.
Piecewise answers that differ only on a set the random points never hit (a single point,
say) are judged equal.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from autograder.graders.support import Handle, fail

__all__ = [
    "Verdict",
    "as_expression",
    "check_equivalent",
    "compare",
    "equivalent",
    "substitute_function",
]

N_POINTS = 40
"""valid points needed by the numeric step (with several variables)"""
MAX_DRAWS = 160
"""points tried at most before the numeric step gives up"""
RTOL = 1e-8
DIGITS = 30
ALGEBRA_SECONDS = 2.0
"""time limit of each algebra step"""
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
    ``"shape"``, ``"symbols"`` (different, and holding symbols that are not arguments),
    ``"different"`` or ``"undecided"``"""
    detail: str = ""
    """feedback-safe words about a refusal (type, shape, symbols); never an expected value"""


# --------------------------------------------------------------------------------------------
# the interface


def equivalent(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    domain: Mapping | None = None,
    rtol: float = RTOL,
) -> bool:
    """Whether ``answer`` equals ``expected`` as a function of ``variables`` (see module)."""
    return compare(answer, expected, variables, domain, rtol).equal


def check_equivalent(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    what: str,
    message: str,
    domain: Mapping | None = None,
    rtol: float = RTOL,
) -> None:
    """Fail the running check unless ``answer`` equals ``expected``.

    ``what`` names the answer in feedback (``"square_field_blowup_time(h0)"``); ``message``
    is shown when the answer is readable but different, and must describe the kind of bug
    without revealing ``expected``.
    """
    verdict = compare(answer, expected, variables, domain, rtol)
    if verdict.equal:
        return
    if verdict.reason in ("type", "shape", "symbols"):
        fail(f"{what} {verdict.detail}")
    if verdict.reason == "undecided":
        fail(
            f"{what} could not be evaluated to finite numbers at enough points (it is "
            "undefined almost everywhere, or holds something that is not a formula)"
        )
    fail(message)


def compare(
    answer: Any,
    expected: Any,
    variables: Iterable[sp.Symbol],
    domain: Mapping | None = None,
    rtol: float = RTOL,
) -> Verdict:
    """Run the cascade and say how it ended (see ``Verdict``)."""
    variables = list(variables)
    expected = _expected(expected)
    if isinstance(expected, sp.MatrixBase):
        if not isinstance(answer, sp.MatrixBase):
            return Verdict(False, "type", f"should be a SymPy Matrix, got {_kind(answer)}")
        if answer.shape != expected.shape:
            return Verdict(
                False,
                "shape",
                f"has shape {answer.shape}, but the contract asks for {expected.shape}",
            )
        how = "structural"
        for got, want in zip(list(answer), list(expected), strict=True):
            verdict = _compare_scalar(got, want, variables, domain, rtol)
            if not verdict.equal:
                return verdict
            how = _weakest(how, verdict.reason)
        return Verdict(True, how)
    return _compare_scalar(answer, expected, variables, domain, rtol)


def as_expression(value: Any) -> sp.Expr | sp.MatrixBase | None:
    """``value`` as a SymPy expression (numbers converted) or Matrix; ``None`` if neither."""
    if isinstance(value, sp.MatrixBase):
        return value
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


def substitute_function(expr: Any, name: str, params: tuple[sp.Symbol, ...], body: sp.Expr) -> Any:
    """Replace the undefined function ``name`` by ``Lambda(params, body)`` and evaluate.

    Derivatives and ``Subs`` objects are evaluated afterwards, so
    ``Derivative(H(q, p), q)`` becomes the partial derivative of ``body``. Anything that is
    not a SymPy object is returned unchanged (the comparison then refuses it).
    """
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        return expr
    function = sp.Function(name)
    concrete = sp.Lambda(params, body)
    replaced = expr.replace(function, concrete)
    return _evaluate_derivatives(replaced)


# --------------------------------------------------------------------------------------------
# the cascade for one scalar


def _compare_scalar(answer, expected, variables, domain, rtol) -> Verdict:
    got = as_expression(answer)
    if got is None or isinstance(got, sp.MatrixBase):
        return Verdict(
            False, "type", f"should be a SymPy expression or a number, got {_kind(answer)}"
        )
    try:
        if got == expected:
            return Verdict(True, "structural")
    except Exception:
        pass
    if _algebra_zero(got, expected):
        return Verdict(True, "algebra")
    # Symbols that are not arguments are drawn like the others: they may cancel (Z/Z).
    # (The expectation may be built from an answer too: the ODE residual of a solution.)
    extra = sorted(
        (got.free_symbols | expected.free_symbols) - set(variables), key=lambda s: s.name
    )
    verdict = _numeric(got, expected, variables + extra, domain or {}, rtol)
    if not verdict.equal and extra:
        return Verdict(False, "symbols", _symbol_problem(extra, variables))
    return verdict


def _expected(expected):
    value = as_expression(expected)
    if value is None:
        raise TypeError(f"the grader's expectation is not a SymPy object: {expected!r}")
    return value


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


def _algebra_zero(got: sp.Expr, expected: sp.Expr) -> bool:
    """Whether expand, together or simplify reduces the difference to zero (within limits)."""
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
    if ops <= MAX_OPS_SIMPLIFY:
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


def _limited(function, seconds: float = ALGEBRA_SECONDS) -> tuple[bool, Any]:
    """Run ``function()``; ``(False, None)`` if it raised or ran past ``seconds``."""
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


def _numeric(got, expected, variables, domain, rtol) -> Verdict:
    ok, prepared = _limited(lambda: (_evaluate_derivatives(got), _evaluate_derivatives(expected)))
    if not ok:
        return Verdict(False, "undecided")
    got, expected = prepared
    used = [v for v in variables if v in got.free_symbols | expected.free_symbols]
    needed = N_POINTS if used else 1
    rng = np.random.default_rng(SEED)
    pairs = []
    for _ in range(MAX_DRAWS if used else 1):
        point = {v: _draw(v, domain.get(v), rng) for v in used}
        a = _value_at(got, point)
        b = _value_at(expected, point)
        if a is None or b is None:
            continue
        pairs.append((a, b))
        if len(pairs) >= needed:
            break
    if len(pairs) < (needed + 1) // 2:
        return Verdict(False, "undecided")
    scale = max(abs(b) for _, b in pairs)
    atol = 1e-12 * scale + 1e-15
    for a, b in pairs:
        if not abs(a - b) <= rtol * max(abs(a), abs(b)) + atol:
            return Verdict(False, "different")
    return Verdict(True, "numeric")


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


def _value_at(expr: sp.Expr, point: dict) -> complex | None:
    """The complex value of ``expr`` at ``point``, or ``None`` if it is not a finite number."""
    ok, value = _limited(lambda: expr.evalf(DIGITS, subs=point))
    if not ok or not isinstance(value, sp.Expr):
        return None
    try:
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or not value.is_number:
            return None
        number = complex(value)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        return None
    return number


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
