"""Traces and divergences, exact and by Hutchinson's estimator (section 1.6).

Continuous normalizing flows and the probability-flow ODE change log-densities by the
divergence of the vector field, ``d log p / dt = -Tr(df/dx)``. Computed exactly it costs
one vector-Jacobian product (VJP) per dimension, ``d`` backward passes. Hutchinson's
estimator replaces the trace by ``eps^T A eps`` for a random probe with ``E[eps eps^T] = I``:

    E[eps^T A eps] = sum_ij A_ij E[eps_i eps_j] = sum_i A_ii = Tr(A),

which is unbiased and needs one VJP per probe. Rademacher probes (independent signs) have
the lowest variance among probes with independent entries, ``2 (|S|_F^2 - sum_i S_ii^2)``
for the symmetric part ``S`` of ``A``, against ``2 |S|_F^2`` for Gaussian probes.

Random probes come only from the ``generator`` argument (torch's default generator when it
is ``None``).
"""

from collections.abc import Callable

import torch
from torch import Tensor

DISTRIBUTIONS = ("rademacher", "gaussian")


def _probes(
    shape: tuple[int, ...],
    distribution: str,
    generator: torch.Generator | None,
    dtype: torch.dtype,
) -> Tensor:
    """Draw probes with independent entries, zero mean and unit variance.

    Parameters
    ----------
    shape : tuple of int
        Shape of the tensor of probes.
    distribution : {"rademacher", "gaussian"}
        Uniform random signs, or standard normal entries.
    generator : torch.Generator or None
        Source of randomness.
    dtype : torch.dtype
        Floating dtype of the result.

    Returns
    -------
    Tensor of the given shape and dtype.
    """
    if distribution == "rademacher":
        return torch.randint(0, 2, shape, generator=generator).to(dtype) * 2 - 1
    if distribution == "gaussian":
        return torch.randn(shape, generator=generator, dtype=dtype)
    raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")


def hutchinson_trace(
    matvec: Callable[[Tensor], Tensor],
    dim: int,
    n_samples: int,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Estimate ``Tr(A)`` from matrix-vector products alone.

    Parameters
    ----------
    matvec : callable
        ``eps -> A @ eps`` for ``eps`` of shape (dim,) and any floating dtype, returning a
        tensor of shape (dim,) in the dtype of ``A``.
    dim : int
        Size of the square matrix ``A``.
    n_samples : int
        Number of independent probes, at least 1.
    distribution : {"rademacher", "gaussian"}, default "rademacher"
        Law of the probe entries.
    generator : torch.Generator, optional
        Source of the probes; torch's default generator when omitted.

    Returns
    -------
    Tensor, shape ()
        The mean of ``eps @ matvec(eps)`` over the probes, in the dtype of ``A``.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    probes = _probes((n_samples, dim), distribution, generator, torch.float64)

    estimates = []
    for eps in probes:
        a_eps = matvec(eps)
        estimates.append(torch.dot(eps.to(a_eps.dtype), a_eps))
    return torch.stack(estimates).mean()


def _working_input(x: Tensor) -> Tensor:
    """``x`` itself when it already requires grad, else a detached copy that does.

    Either way ``x`` is left untouched, and when it requires grad the result keeps the
    graph back to it.
    """
    return x if x.requires_grad else x.detach().clone().requires_grad_(True)


def _vjp(y: Tensor, x: Tensor, v: Tensor) -> Tensor:
    """``v^T (dy/dx)`` with a graph, zeros where ``y`` does not depend on ``x``."""
    if not y.requires_grad:
        return torch.zeros_like(x)
    (grad,) = torch.autograd.grad(y, x, grad_outputs=v, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad


def exact_divergence(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Divergence ``Tr(df/dx)`` of a row-wise vector field, exactly, by ``d`` VJPs.

    Because ``f`` acts on each row separately, the VJP with the cotangent ``e_i`` on every
    row returns, row by row, the ``i``-th row of that row's Jacobian; its ``i``-th entry is
    the diagonal element ``df_i/dx_i``. Summing over ``i`` gives the trace.

    Parameters
    ----------
    f : callable
        Maps ``(batch, d)`` to ``(batch, d)``, each output row depending only on its input
        row.
    x : Tensor, shape (batch, d)
        Points. Not modified; if it requires grad, the result is differentiable in it.

    Returns
    -------
    Tensor, shape (batch,)
        The divergence at each row, with a graph back to ``x`` and to ``f``'s parameters.
    """
    x_work = _working_input(x)
    y = f(x_work)

    divergence = torch.zeros(x.shape[0], dtype=y.dtype, device=y.device)
    for i in range(x.shape[1]):
        e_i = torch.zeros_like(y)
        e_i[:, i] = 1
        divergence = divergence + _vjp(y, x_work, e_i)[:, i]
    return divergence


def hutchinson_divergence(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    n_samples: int = 1,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Unbiased estimate of the divergence of a row-wise vector field, by VJPs.

    For each sample one probe ``eps`` of shape (batch, d) is drawn, a different probe for
    every row, and the estimate for row ``b`` is ``eps[b] . (eps^T df/dx)[b]``, one VJP
    for the whole batch.

    Parameters
    ----------
    f : callable
        Maps ``(batch, d)`` to ``(batch, d)``, each output row depending only on its input
        row.
    x : Tensor, shape (batch, d)
        Points. Not modified; if it requires grad, the result is differentiable in it.
    n_samples : int, default 1
        Probes per row, at least 1; the estimates are averaged.
    distribution : {"rademacher", "gaussian"}, default "rademacher"
        Law of the probe entries.
    generator : torch.Generator, optional
        Source of the probes; torch's default generator when omitted.

    Returns
    -------
    Tensor, shape (batch,)
        The estimate at each row, in the dtype of ``f(x)``, with a graph back to ``x`` and
        to ``f``'s parameters.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    x_work = _working_input(x)
    y = f(x_work)
    probes = _probes((n_samples, *y.shape), distribution, generator, y.dtype)

    estimate = torch.zeros(x.shape[0], dtype=y.dtype, device=y.device)
    for eps in probes:
        estimate = estimate + (_vjp(y, x_work, eps) * eps).sum(dim=-1)
    return estimate / n_samples
