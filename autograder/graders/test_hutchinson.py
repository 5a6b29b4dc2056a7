"""Hidden checks of ``student/hutchinson.py`` (1.6): Hutchinson's trace and divergence estimators.

The checks judge properties that every correct implementation has, whatever its style (a loop
over probes or one batched draw, ``torch.autograd.grad`` or ``torch.func``, probes in any
floating dtype):

- exact answers where the estimator has no noise: Rademacher probes on a diagonal matrix, or
  on a field with a diagonal Jacobian, give the exact trace on every probe;
- exact divergences and their gradients, derived by hand below for a linear field and for
  ``f(x) = tanh(x W^T + b)``;
- the laws of the estimator: its mean is the trace, and one probe's variance is
  ``2 |S|_F^2`` (Gaussian) or ``2 (|S|_F^2 - sum_i S_ii^2)`` (Rademacher), ``S`` the
  symmetric part of the matrix; an average of ``k`` independent probes has ``1/k`` of it;
- reproducibility from the ``generator`` argument, and untouched inputs.

Statistical checks use fixed generator seeds, so a given submission always gets the same
mark. Their margins are sized so that a correct implementation, whatever order it draws its
probes in, fails with probability below 1e-6 per check; each docstring says how. The exact
moments of one probe's estimate are computed here: for Rademacher probes by enumerating all
``2^d`` sign vectors, for Gaussian probes from the cumulants of a Gaussian quadratic form,
``kappa_r = 2^(r-1) (r-1)! sum_i lambda_i^r`` over the eigenvalues of ``S``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from autograder.graders.support import (
    Fixture,
    GradTensor,
    StudentFunction,
    TorchGenerator,
    as_tensor,
    check,
    close,
    expect,
    fail,
)

TRACE = "hutchinson.hutchinson_trace"
EXACT = "hutchinson.exact_divergence"
ESTIMATE = "hutchinson.hutchinson_divergence"
DISTRIBUTIONS = ("gaussian", "rademacher")

# A non-symmetric 5 x 5 matrix with a heavy diagonal: one probe's variance is 25.34 with
# Gaussian probes and 2.90 with Rademacher probes, Tr(A) = 1.4 and Tr(A^T A) = 17.93.
TRACE_MATRIX = np.array(
    [
        [1.5, 0.73, -0.41, 0.22, 0.95],
        [-0.31, -1.2, 0.57, 0.84, -0.66],
        [0.62, 0.13, 2.0, -0.78, 0.35],
        [0.47, -0.93, 0.26, 0.8, 0.51],
        [-0.54, 0.39, 0.69, -0.17, -1.7],
    ]
)
# Irrational entries, so that different Rademacher probes give different estimates.
SEED_MATRIX = np.sqrt(np.arange(2.0, 27.0)).reshape(5, 5) - 3.0

# Fields in d = 4.
LINEAR_MATRIX = np.array(
    [
        [0.9, -0.6, 0.3, 0.5],
        [0.4, -1.1, 0.7, -0.2],
        [-0.8, 0.2, 1.4, 0.6],
        [0.1, 0.9, -0.5, 0.7],
    ]
)
TANH_W = np.array(
    [
        [0.8, -0.5, 0.3, 0.2],
        [0.4, -1.3, 0.6, -0.7],
        [-0.2, 0.9, 0.5, 0.4],
        [0.6, 0.1, -0.8, 1.1],
    ]
)
TANH_B = np.array([0.1, -0.2, 0.3, 0.05])
DIAGONAL_W = np.diag(np.diag(TANH_W))
ELEMENTWISE_C = np.array([1.5, -0.7, 2.2, 0.4])
POINTS = np.array(
    [
        [0.3, -0.8, 0.5, 1.2],
        [-1.1, 0.4, 0.9, -0.3],
        [0.7, 1.3, -0.6, 0.2],
        [-0.2, -0.5, -1.4, 0.8],
    ]
)

# z-score limits; the docstrings of the checks that use them say what they guarantee.
MEAN_Z_LIMIT = 5.5
VARIANCE_Z_LIMIT = 6.5


def matvec(A, dtype="float64"):
    return Fixture("matvec", {"A": A, "dtype": dtype})


def tanh_field(W):
    return Fixture("tanh_field", {"W": W, "b": TANH_B})


def as_torch(array):
    return torch.as_tensor(np.asarray(array, dtype=float))


# --------------------------------------------------------------------------------------------
# exact laws of the estimator


def probe_moments(A, distribution):
    """Mean, variance and fourth central moment of ``eps^T A eps`` for one probe."""
    S = (np.asarray(A, dtype=float) + np.asarray(A, dtype=float).T) / 2
    if distribution == "gaussian":
        lam = np.linalg.eigvalsh(S)
        k2, k4 = 2 * np.sum(lam**2), 48 * np.sum(lam**4)
        return float(np.sum(lam)), float(k2), float(k4 + 3 * k2**2)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=len(S))))
    values = np.einsum("ki,ij,kj->k", signs, S, signs)
    centred = values - values.mean()
    return float(values.mean()), float(np.mean(centred**2)), float(np.mean(centred**4))


def mean_of_k(moments, k):
    """The same three moments for the average of ``k`` independent probes."""
    mean, var, mu4 = moments
    return mean, var / k, (mu4 + 3 * (k - 1) * var**2) / k**3


def mean_z(estimate, mean, var, n):
    """z-score of the mean of ``n`` independent estimates with the given law."""
    return (estimate - mean) / math.sqrt(var / n)


def variance_z(values, var, mu4):
    """z-score of the sample variance of iid ``values`` whose variance should be ``var``.

    ``Var(s^2) = mu4 / M - var^2 (M - 3) / (M (M - 1))`` for ``M`` iid values.
    """
    m = len(values)
    spread = float(np.var(values, ddof=1))
    return (spread - var) / math.sqrt(mu4 / m - var**2 * (m - 3) / (m * (m - 1)))


def tanh_jacobians(W, x):
    """``J[b, i, j] = df_i/dx_j`` at each row of ``x`` for ``f(x) = tanh(x W^T + b)``."""
    t = np.tanh(x @ W.T + TANH_B)
    return (1 - t**2)[:, :, None] * W[None, :, :]


def tanh_divergence_and_grads(W, x, cotangent):
    """The divergence of ``tanh(x W^T + b)`` and the gradients of ``sum(c * div)``.

    With ``z = x W^T + b``, ``t = tanh(z)`` and ``div = sum_i (1 - t_i^2) W_ii``:
    ``d div / d z_i = g_i = -2 t_i (1 - t_i^2) W_ii``, so ``d div / d x = g W``,
    ``d div / d b = g`` and ``d div / d W_ij = g_i x_j + [i = j] (1 - t_i^2)``; the
    gradients below sum these over the rows weighted by ``c``.
    """
    t = np.tanh(x @ W.T + TANH_B)
    div = (1 - t**2) @ np.diag(W)
    g = -2 * t * (1 - t**2) * np.diag(W)
    cg = cotangent[:, None] * g
    grad_w = cg.T @ x + np.diag(cotangent @ (1 - t**2))
    return div, cg @ W, grad_w, cg.sum(axis=0)


def tensor_values(value, what, shape, dtype=torch.float64):
    return as_tensor(value, what, shape=shape, dtype=dtype).tensor.numpy().astype(float)


def trace_values(values, what):
    """The float values of a list of 0-d float64 tensors (one per repeated call)."""
    return np.array([float(tensor_values(v, what, ())) for v in values])


def vjp_answer(student, function, f, x, cotangent, **kwargs):
    """Run the vjp probe on ``function(f, x, **kwargs)``; its answer as a dict."""
    answer = student.probe("vjp", StudentFunction(function), [f, x], kwargs, as_torch(cotangent))
    if not isinstance(answer, dict):
        fail("the gradient of the result could not be measured")
    return answer


# --------------------------------------------------------------------------------------------
# hutchinson_trace


@check(
    "1.6 hutchinson_trace returns a 0-d tensor in matvec's dtype, exact on diagonal "
    "matrices with Rademacher probes",
    points=0.5,
    catches="returning a float or a shape-(1,) tensor; casting the result to another dtype; "
    "summing instead of averaging; dividing by dim instead of n_samples; Gaussian probes "
    "when Rademacher (the default) is asked for; signs not mapped from random bits",
)
def test_trace_exact_on_diagonal(student):
    """Deterministic: with Rademacher probes ``eps^T D eps = Tr(D)`` for every probe."""
    for dim, n_samples, dtype in [(5, 1, "float64"), (7, 3, "float64"), (4, 17, "float32")]:
        diagonal = np.linspace(-1.5, 2.5, dim) + 0.3
        kwargs = {"generator": TorchGenerator(dim + n_samples)}
        if dim == 7:
            kwargs["distribution"] = "rademacher"
        value = student.call(TRACE, matvec(np.diag(diagonal), dtype), dim, n_samples, **kwargs)
        torch_dtype = getattr(torch, dtype)
        as_tensor(value, "hutchinson_trace's result", shape=())
        if value.dtype != torch_dtype:
            fail(
                "hutchinson_trace should return a 0-d tensor in the dtype that matvec "
                f"returns; with a {dtype} matvec it returned {value.dtype}"
            )
        got = tensor_values(value, "hutchinson_trace's result", (), torch_dtype)
        tolerance = 1e-5 if dtype == "float32" else 1e-10
        expect(
            close(got, diagonal.sum(), rtol=tolerance, atol=tolerance),
            "with Rademacher probes the estimate for a diagonal matrix should be its exact "
            "trace for any n_samples, and it is not",
        )


@check(
    "1.6 hutchinson_trace is unbiased for a non-symmetric matrix with both probe distributions",
    points=0.75,
    catches="the trace of A^T A (|A eps|^2); probes with the wrong variance or a non-zero "
    "mean (uniform or {0, 1} entries, {-1, 0, 1} signs); ignoring matvec",
)
def test_trace_unbiased(student):
    """One call of 10000 probes per distribution, z-test of the estimate against Tr(A).

    The estimate is the mean of ``n = 10000`` iid probe values with the exact law above, so
    ``z = (estimate - Tr A) / sqrt(var / n)`` is N(0, 1) to within the skewness of the mean
    (0.43 / 100 at most here). The limit |z| <= 5.5 has a two-sided normal tail of 3.8e-8
    per distribution, 7.6e-8 for the check; the Cornish-Fisher correction for that
    skewness leaves it below 1e-7. A biased estimator fails by a wide margin: Tr(A^T A) is
    8 standard deviations of one Gaussian probe away, 800 of the mean.
    """
    n = 10_000
    for seed, distribution in enumerate(DISTRIBUTIONS, start=101):
        value = student.call(
            TRACE, matvec(TRACE_MATRIX), 5, n, distribution, TorchGenerator(seed), timeout=60
        )
        estimate = float(tensor_values(value, "hutchinson_trace's result", ()))
        mean, var, _ = probe_moments(TRACE_MATRIX, distribution)
        expect(
            abs(mean_z(estimate, mean, var, n)) <= MEAN_Z_LIMIT,
            f"with {distribution} probes the average of many probes does not approach the "
            "trace of a non-symmetric matrix: the estimator is biased",
        )


@check(
    "1.6 hutchinson_trace has the per-probe variance of its distribution and averages "
    "independent probes",
    points=0.75,
    catches="Rademacher probes when Gaussian is asked for (or the reverse); one probe reused "
    "for all n_samples; probes correlated across samples; a probe variance other than 1",
)
def test_trace_variance_law(student):
    """Sample variance of repeated calls (one generator across them) against the exact law.

    3000 single-probe calls per distribution, and 1500 calls with n_samples = 4 (Rademacher),
    each on the same generator, give iid estimates. The sample variance ``s^2`` of ``M``
    values is compared with its exact mean and standard deviation (from the fourth central
    moment, computed exactly), limit |z| <= 6.5. The per-probe excess kurtosis is 3.2
    (Gaussian) and -0.9 (Rademacher), so ``s^2`` is a mean of ``M`` iid terms with a bounded
    skewness; the Cornish-Fisher 1e-7 quantile of z is at most 5.9 in the three cases
    (skewness of ``s^2`` below 0.2), so the check fails a correct implementation with
    probability below 3e-7. Simulated over 2000 seeds the three z-scores had standard
    deviation 1.0 and |z| < 5. Swapping the distributions moves the variance tenfold, reusing
    one probe fourfold (z above 40).
    """
    cases = [
        ("gaussian", 1, 3000, 201),
        ("rademacher", 1, 3000, 202),
        ("rademacher", 4, 1500, 203),
    ]
    for distribution, k, m, seed in cases:
        values = student.call(
            TRACE,
            matvec(TRACE_MATRIX),
            5,
            k,
            distribution=distribution,
            generator=TorchGenerator(seed),
            repeat=m,
            timeout=60,
        )
        values = trace_values(values, "hutchinson_trace's result")
        _, var, mu4 = mean_of_k(probe_moments(TRACE_MATRIX, distribution), k)
        if k == 1:
            message = (
                f"the spread of single-probe estimates with {distribution} probes does not "
                "match that distribution's variance: check which probes are drawn"
            )
        else:
            message = (
                "averaging n_samples probes does not reduce the variance by n_samples: the "
                "probes of one call are not independent (one probe reused?)"
            )
        expect(abs(variance_z(values, var, mu4)) <= VARIANCE_Z_LIMIT, message)


@check(
    "1.6 hutchinson_trace draws from the generator argument: same seed, same result; "
    "different seeds, different results; generator=None uses torch's default generator",
    points=0.5,
    catches="probes from torch's global generator while a generator is given; a fixed "
    "internal seed or fresh torch.Generator(); failing when generator is None",
)
def test_trace_generator(student):
    """Deterministic for Gaussian probes (ties have probability 0).

    For Rademacher probes with 10 probes on a 5 x 5 matrix with irrational entries, three
    seeds all give the same estimate with probability sum_v p_v^3 < 3e-11 (p_v computed by
    convolving the 16 one-probe values). The child reseeds torch's global generator before
    every call, so code that ignores the generator argument gives equal results for
    different seeds, and code that uses the default generator gives different results for
    different call seeds.
    """
    for distribution, n in [("gaussian", 4), ("rademacher", 10)]:
        results = []
        for seed in (11, 12, 13, 11):
            value = student.call(
                TRACE, matvec(SEED_MATRIX), 5, n, distribution, TorchGenerator(seed)
            )
            results.append(float(tensor_values(value, "hutchinson_trace's result", ())))
        expect(
            results[0] == results[3],
            f"two generators seeded alike gave different estimates ({distribution} probes): "
            "draw the probes only from the generator argument",
        )
        distinct = len(set(results[:3]))
        expect(
            distinct == 3 if distribution == "gaussian" else distinct > 1,
            f"generators with different seeds gave the same estimate ({distribution} probes): "
            "the probes do not come from the generator argument",
        )

    value = student.call(TRACE, matvec(np.diag([1.0, -2.0, 0.5, 3.0])), 4, 6)
    expect(
        close(tensor_values(value, "hutchinson_trace without a generator", ()), 2.5),
        "without a generator (generator=None) the Rademacher estimate of a diagonal matrix's "
        "trace is not exact",
    )
    results = []
    for call_seed in (5, 6):
        value = student.call(
            TRACE, matvec(SEED_MATRIX), 5, 4, "gaussian", None, call_seed=call_seed
        )
        results.append(float(tensor_values(value, "hutchinson_trace without a generator", ())))
    expect(
        results[0] != results[1],
        "with generator=None the probes should come from torch's default generator, but the "
        "result does not change when that generator's state does",
    )


# --------------------------------------------------------------------------------------------
# exact_divergence


@check(
    "1.6 exact_divergence gives the exact divergence of linear and tanh fields, shape (batch,)",
    points=0.75,
    catches="the sum of all Jacobian entries instead of the diagonal; Tr(J^T) mixed with rows; "
    "one VJP only; a scalar or (batch, d) result; float64 results for float32 inputs; "
    "failing when x does not require grad",
)
def test_exact_divergence_values(student):
    """Deterministic: ``Tr(A)`` for ``f(x) = x A^T``; ``sum_i (1 - t_i^2) W_ii`` for tanh."""
    x = POINTS[:3]
    value = student.call(EXACT, Fixture("linear_field", {"A": LINEAR_MATRIX}), as_torch(x))
    got = tensor_values(value, "exact_divergence's result", (3,))
    expect(
        close(got, np.full(3, np.trace(LINEAR_MATRIX)), rtol=1e-10, atol=1e-10),
        "the divergence of a linear field x -> x A^T should be Tr(A) in every row, and it is not",
    )

    value = student.call(EXACT, tanh_field(TANH_W), as_torch(POINTS))
    got = tensor_values(value, "exact_divergence's result", (4,))
    want = tanh_divergence_and_grads(TANH_W, POINTS, np.ones(4))[0]
    expect(
        close(got, want, rtol=1e-10, atol=1e-10),
        "the divergence of a nonlinear field (a tanh layer) is wrong",
    )

    x32 = as_torch(POINTS[:2]).to(torch.float32)
    value = student.call(EXACT, Fixture("linear_field", {"A": LINEAR_MATRIX}), x32)
    value = as_tensor(value, "exact_divergence's result for float32 x", shape=(2,))
    expect(
        value.dtype == torch.float32,
        "exact_divergence should keep the dtype of x (float32 in, float32 out)",
    )
    expect(
        close(value.tensor.numpy(), np.full(2, np.trace(LINEAR_MATRIX)), rtol=1e-5, atol=1e-5),
        "the divergence of a linear field is wrong for float32 inputs",
    )


@check(
    "1.6 exact_divergence is differentiable: its gradients in x and in the field's "
    "parameters match the analytic ones",
    points=0.75,
    catches="VJPs without create_graph=True; detaching x or the result; always working on a "
    "detached copy of x so no gradient reaches the caller's x; a graph that misses the "
    "field's parameters",
)
def test_exact_divergence_gradients(student):
    """Deterministic: back-propagates ``sum(c * div)`` and compares with the formulas in
    ``tanh_divergence_and_grads``; once with x requiring grad, once with a plain x (then
    only the parameters can receive gradients)."""
    cotangent = np.array([0.7, -1.1, 0.4, 1.3])
    div, grad_x, grad_w, grad_b = tanh_divergence_and_grads(TANH_W, POINTS, cotangent)

    answer = vjp_answer(
        student, EXACT, tanh_field(TANH_W), GradTensor(as_torch(POINTS)), cotangent
    )
    got = tensor_values(answer.get("output"), "exact_divergence's result", (4,))
    expect(close(got, div, rtol=1e-10, atol=1e-10), "the divergence of a tanh layer is wrong")
    if not answer.get("has_grad_fn"):
        fail(
            "exact_divergence's result has no graph: it is not differentiable (keep the graph "
            "of the vector-Jacobian products, e.g. with create_graph=True)"
        )
    grads = answer.get("grads") or [None, None]
    if grads[1] is None:
        fail("no gradient reaches x when x requires grad: the result is cut off from x")
    got = tensor_values(grads[1], "the gradient with respect to x", (4, 4))
    expect(
        close(got, grad_x, rtol=1e-8, atol=1e-10),
        "the gradient of the divergence with respect to x is wrong",
    )
    check_param_grads(answer, grad_w, grad_b, "exact_divergence")

    answer = vjp_answer(student, EXACT, tanh_field(TANH_W), as_torch(POINTS), cotangent)
    if not answer.get("has_grad_fn"):
        fail(
            "when x does not require grad, exact_divergence's result should still have a "
            "graph back to the field's parameters"
        )
    check_param_grads(answer, grad_w, grad_b, "exact_divergence", plain_x=True)


def check_param_grads(answer, grad_w, grad_b, name, plain_x=False, diagonal_only=False):
    when = " when x does not require grad" if plain_x else ""
    params = answer.get("param_grads") or [[None, None]]
    if len(params) != 1 or len(params[0]) != 2 or any(g is None for g in params[0]):
        fail(f"no gradient reaches the vector field's parameters through {name}{when}")
    got_w = tensor_values(params[0][0], "the gradient with respect to W", (4, 4))
    got_b = tensor_values(params[0][1], "the gradient with respect to b", (4,))
    if diagonal_only:
        got_w, grad_w = np.diag(got_w), np.diag(grad_w)
    expect(
        close(got_w, grad_w, rtol=1e-8, atol=1e-10)
        and close(got_b, grad_b, rtol=1e-8, atol=1e-10),
        f"the gradient of {name}'s result with respect to the field's parameters is wrong{when}",
    )


# --------------------------------------------------------------------------------------------
# hutchinson_divergence


@check(
    "1.6 hutchinson_divergence has shape (batch,) and is exact on every row for a field with "
    "a diagonal Jacobian and Rademacher probes",
    points=0.5,
    catches="a scalar (averaged over the batch) or (batch, d) result; summing instead of "
    "averaging over samples; Gaussian probes when Rademacher (the default) is asked for; "
    "probes of the wrong shape",
)
def test_estimate_exact_elementwise(student):
    """Deterministic: for ``f(x)_i = c_i tanh(x_i)`` every Rademacher probe gives
    ``sum_i c_i (1 - tanh(x_i)^2)``."""
    field = Fixture("elementwise_field", {"c": ELEMENTWISE_C})
    want = (1 - np.tanh(POINTS) ** 2) @ ELEMENTWISE_C
    for n_samples, kwargs in [(1, {}), (3, {"distribution": "rademacher"})]:
        kwargs["generator"] = TorchGenerator(30 + n_samples)
        value = student.call(ESTIMATE, field, as_torch(POINTS), n_samples, **kwargs)
        got = tensor_values(value, "hutchinson_divergence's result", (4,))
        expect(
            close(got, want, rtol=1e-10, atol=1e-10),
            "with Rademacher probes the estimate for a field with a diagonal Jacobian should "
            "be exact on every row, and it is not",
        )
    value = student.call(ESTIMATE, field, as_torch(POINTS[:2]).to(torch.float32), 2)
    value = as_tensor(value, "hutchinson_divergence's result for float32 x", shape=(2,))
    expect(
        value.dtype == torch.float32,
        "hutchinson_divergence should keep the dtype of x (float32 in, float32 out)",
    )


@check(
    "1.6 hutchinson_divergence is unbiased on a nonlinear field with both probe distributions",
    points=0.5,
    catches="the wrong quadratic form (|J eps|^2, or eps^T J^T J eps); probes with the wrong "
    "variance or a non-zero mean; VJPs taken at the wrong point",
)
def test_estimate_unbiased(student):
    """Four points of a tanh field, each repeated in 1000 rows, 5 probes per row.

    Each point's average over its rows is a mean of 5000 iid probe values with the law of
    its Jacobian ``J = diag(1 - t^2) W``, so ``z`` is N(0, 1) to within a skewness below
    0.01. Eight z-scores (4 points, 2 distributions), each with limit 5.5 (two-sided normal
    tail 3.8e-8): false-fail probability below 3.1e-7.
    """
    copies, n_samples = 1000, 5
    x = np.repeat(POINTS, copies, axis=0)
    jacobians = tanh_jacobians(TANH_W, POINTS)
    for seed, distribution in enumerate(DISTRIBUTIONS, start=301):
        value = student.call(
            ESTIMATE,
            tanh_field(TANH_W),
            as_torch(x),
            n_samples,
            distribution,
            TorchGenerator(seed),
            timeout=60,
        )
        got = tensor_values(value, "hutchinson_divergence's result", (len(x),))
        for index, jacobian in enumerate(jacobians):
            mean, var, _ = probe_moments(jacobian, distribution)
            average = float(np.mean(got[index * copies : (index + 1) * copies]))
            expect(
                abs(mean_z(average, mean, var, copies * n_samples)) <= MEAN_Z_LIMIT,
                f"with {distribution} probes the estimates do not average to the divergence "
                "of a nonlinear field: the estimator is biased",
            )


@check(
    "1.6 hutchinson_divergence draws an independent probe for every row",
    points=0.5,
    catches="one probe of shape (d,) shared by all rows; probes repeated across rows; "
    "the wrong distribution's variance",
)
def test_estimate_independent_rows(student):
    """A linear field on 3000 identical rows, one probe each: the spread across rows.

    The rows' estimates are iid with the exact per-probe law (variance 7.20 Gaussian, 4.38
    Rademacher for this matrix; excess kurtosis 2.6 and -0.5). Sample-variance z-test with
    limit 6.5 per distribution; the Cornish-Fisher 1e-7 quantile is below 5.9, so the
    false-fail probability is below 2e-7. A shared probe gives zero spread (z below -20).
    """
    rows = 3000
    x = np.tile(POINTS[:1], (rows, 1))
    for seed, distribution in enumerate(DISTRIBUTIONS, start=401):
        value = student.call(
            ESTIMATE,
            Fixture("linear_field", {"A": LINEAR_MATRIX}),
            as_torch(x),
            1,
            distribution,
            TorchGenerator(seed),
        )
        got = tensor_values(value, "hutchinson_divergence's result", (rows,))
        _, var, mu4 = probe_moments(LINEAR_MATRIX, distribution)
        expect(
            abs(variance_z(got, var, mu4)) <= VARIANCE_Z_LIMIT,
            f"with {distribution} probes the estimates for identical rows do not spread as "
            "independent probes should: each row needs its own probe, of the asked "
            "distribution",
        )


@check(
    "1.6 hutchinson_divergence with n_samples = k averages k independent probes per row",
    points=0.25,
    catches="one probe per row reused for every sample; the same probes for all samples",
)
def test_estimate_samples_independent(student):
    """The linear field on 3000 identical rows with n_samples = 4: the variance across rows
    must be a quarter of one probe's. Sample-variance z-test with limit 6.5 per distribution
    (the excess kurtosis of a mean of 4 is a quarter of one probe's): false-fail
    probability below 2e-7. Reusing one probe keeps the full variance (z above 30)."""
    rows, k = 3000, 4
    x = np.tile(POINTS[1:2], (rows, 1))
    for seed, distribution in enumerate(DISTRIBUTIONS, start=501):
        value = student.call(
            ESTIMATE,
            Fixture("linear_field", {"A": LINEAR_MATRIX}),
            as_torch(x),
            n_samples=k,
            distribution=distribution,
            generator=TorchGenerator(seed),
        )
        got = tensor_values(value, "hutchinson_divergence's result", (rows,))
        _, var, mu4 = mean_of_k(probe_moments(LINEAR_MATRIX, distribution), k)
        expect(
            abs(variance_z(got, var, mu4)) <= VARIANCE_Z_LIMIT,
            f"with n_samples = {k} ({distribution} probes) the variance is not divided by "
            f"{k}: the samples are not independent probes",
        )


@check(
    "1.6 hutchinson_divergence is differentiable in x and in the field's parameters",
    points=0.5,
    catches="VJPs without create_graph=True; detached probes products; a graph that misses x "
    "or the field's parameters",
)
def test_estimate_gradients(student):
    """Deterministic: for a tanh layer with diagonal ``W`` the Jacobian is diagonal, so with
    Rademacher probes the estimate equals the divergence as a function of ``x``, ``b`` and
    the diagonal of ``W``, and so do its gradients in them (the off-diagonal entries of
    ``W`` get a random gradient, which is only checked to exist). With Gaussian probes the
    gradients are random; the check asks only that they exist and are finite."""
    cotangent = np.array([0.7, -1.1, 0.4, 1.3])
    div, grad_x, grad_w, grad_b = tanh_divergence_and_grads(DIAGONAL_W, POINTS, cotangent)
    for distribution in DISTRIBUTIONS:
        answer = vjp_answer(
            student,
            ESTIMATE,
            tanh_field(DIAGONAL_W),
            GradTensor(as_torch(POINTS)),
            cotangent,
            n_samples=2,
            distribution=distribution,
            generator=TorchGenerator(61),
        )
        tensor_values(answer.get("output"), "hutchinson_divergence's result", (4,))
        if not answer.get("has_grad_fn"):
            fail(
                "hutchinson_divergence's result has no graph: it is not differentiable (keep "
                "the graph of the vector-Jacobian products, e.g. with create_graph=True)"
            )
        grads = answer.get("grads") or [None, None]
        if grads[1] is None:
            fail("no gradient reaches x when x requires grad: the result is cut off from x")
        got = tensor_values(grads[1], "the gradient with respect to x", (4, 4))
        params = answer.get("param_grads") or [[None, None]]
        if len(params) != 1 or any(g is None for g in params[0]):
            fail("no gradient reaches the vector field's parameters through the estimate")
        for grad in params[0]:
            as_tensor(grad, "the gradient with respect to the field's parameters")
        if distribution == "rademacher":
            expect(
                close(tensor_values(answer["output"], "the result", (4,)), div, rtol=1e-10),
                "with Rademacher probes the estimate for a diagonal tanh layer should be "
                "exact, and it is not",
            )
            expect(
                close(got, grad_x, rtol=1e-8, atol=1e-10),
                "the gradient of the estimate with respect to x is wrong",
            )
            check_param_grads(answer, grad_w, grad_b, "hutchinson_divergence", diagonal_only=True)


@check(
    "1.6 hutchinson_divergence draws from the generator argument, or from torch's default "
    "generator when it is None",
    points=0.25,
    catches="probes from torch's global generator while a generator is given; a fixed "
    "internal seed; failing when generator is None",
)
def test_estimate_generator(student):
    """Deterministic up to ties of probability 0 (Gaussian) or below 1e-12 (Rademacher
    probes on 3 rows of a tanh field: every row would have to tie)."""
    for distribution in DISTRIBUTIONS:
        results = []
        for seed in (71, 72, 71):
            value = student.call(
                ESTIMATE,
                tanh_field(TANH_W),
                as_torch(POINTS[:3]),
                6,
                distribution,
                TorchGenerator(seed),
            )
            results.append(tensor_values(value, "hutchinson_divergence's result", (3,)))
        expect(
            np.array_equal(results[0], results[2]),
            f"two generators seeded alike gave different estimates ({distribution} probes)",
        )
        expect(
            not np.array_equal(results[0], results[1]),
            f"generators with different seeds gave the same estimates ({distribution} "
            "probes): the probes do not come from the generator argument",
        )
    field = Fixture("elementwise_field", {"c": ELEMENTWISE_C})
    value = student.call(ESTIMATE, field, as_torch(POINTS), 2)
    expect(
        close(
            tensor_values(value, "hutchinson_divergence without a generator", (4,)),
            (1 - np.tanh(POINTS) ** 2) @ ELEMENTWISE_C,
            rtol=1e-10,
        ),
        "without a generator (generator=None) the estimate is wrong on an exact case",
    )
    results = [
        tensor_values(
            student.call(
                ESTIMATE, tanh_field(TANH_W), as_torch(POINTS), 2, "gaussian", call_seed=call_seed
            ),
            "hutchinson_divergence without a generator",
            (4,),
        )
        for call_seed in (8, 9)
    ]
    expect(
        not np.array_equal(results[0], results[1]),
        "with generator=None the probes should come from torch's default generator, but the "
        "result does not change when that generator's state does",
    )


@check(
    "1.6 exact_divergence and hutchinson_divergence leave x unchanged, its values and its "
    "requires_grad flag",
    points=0.5,
    catches="calling x.requires_grad_() on the caller's tensor; in-place changes to x",
)
def test_inputs_untouched(student):
    """Deterministic. ``mutated`` reports changed contents; the vjp probe takes gradients
    only for arguments that require grad after the call, so a gradient for a plain ``x``
    shows that the function switched its flag on."""
    for name, kwargs in [
        (EXACT, {}),
        (ESTIMATE, {"n_samples": 2, "generator": TorchGenerator(81)}),
    ]:
        label = name.partition(".")[2]
        result = student.call_full(name, tanh_field(TANH_W), as_torch(POINTS), **kwargs)
        expect(not result.mutated, f"{label} modified its input x in place")
        result = student.call_full(
            name, tanh_field(TANH_W), GradTensor(as_torch(POINTS)), **kwargs
        )
        expect(not result.mutated, f"{label} modified its input x in place")
        answer = vjp_answer(
            student, name, tanh_field(TANH_W), as_torch(POINTS), np.ones(4), **kwargs
        )
        grads = answer.get("grads") or [None, None]
        expect(
            grads[1] is None,
            f"{label} switched on requires_grad of the caller's x (x.requires_grad_()); work "
            "on a copy of x that requires grad instead",
        )
