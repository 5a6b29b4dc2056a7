"""Traces and divergences, exactly and with Hutchinson's stochastic estimator.

Handout question 1.6 (the cost of an exact Jacobian trace, and the random-probe trick that
avoids it). Along a probability-flow (or continuous-normalizing-flow) ODE ``dx/dt = f(x)``,
the log-density changes at the rate ``-Tr(df/dx)``, so these functions are also the
building block for those models.

Hutchinson's estimator: for a random probe ``eps`` with ``E[eps eps^T] = I`` (Rademacher
signs or standard Gaussian entries), ``eps^T A eps`` is an unbiased estimate of ``Tr(A)``.
Averaging over independent probes reduces its variance.

Rules for this module: torch tensors throughout; results keep the dtype of the inputs;
inputs are never changed in place; random probes come only from the ``generator`` argument
(torch's default generator when it is ``None``), so a seeded generator gives a repeatable
result.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

MatVec = Callable[[torch.Tensor], torch.Tensor]
Field = Callable[[torch.Tensor], torch.Tensor]


def hutchinson_trace(
    matvec: MatVec,
    dim: int,
    n_samples: int,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Estimate ``Tr(A)`` from matrix-vector products only.

    Draw ``n_samples`` independent probes ``eps`` of shape ``(dim,)`` and return the mean
    of ``eps @ matvec(eps)``.

    Parameters
    ----------
    matvec : callable
        ``matvec(eps)`` returns ``A @ eps``. It accepts a floating tensor of shape
        ``(dim,)`` of any dtype and answers in the dtype of ``A``.
    dim : int
        Size of the (square) matrix ``A``.
    n_samples : int
        Number of probes to average.
    distribution : {"rademacher", "gaussian"}, default "rademacher"
        Rademacher probes have entries -1 or +1 with probability 1/2 each; Gaussian probes
        have standard normal entries.
    generator : torch.Generator, optional
        Source of the probes; torch's default generator when ``None``.

    Returns
    -------
    torch.Tensor, 0-d
        The estimate, in the dtype that ``matvec`` returns.

    Hints
    -----
    ``torch.randint(0, 2, ..., generator=generator)`` gives random bits; map them to signs.
    Cast the probe to the dtype of ``matvec(eps)`` before the dot product. Raising
    ``ValueError`` for an unknown ``distribution`` saves you from silent typos.
    """
    raise NotImplementedError("hutchinson_trace: not implemented yet")


def exact_divergence(f: Field, x: torch.Tensor) -> torch.Tensor:
    """Compute the divergence ``Tr(df/dx)`` of ``f`` at each row of ``x``, exactly.

    Parameters
    ----------
    f : callable
        Maps a batch ``(batch, d)`` to ``(batch, d)``, row by row (row ``i`` of the output
        depends only on row ``i`` of the input). It may be a ``torch.nn.Module`` with
        parameters.
    x : torch.Tensor, shape (batch, d)
        Points at which to evaluate the divergence.

    Returns
    -------
    torch.Tensor, shape (batch,), dtype of ``x``
        The divergence at each row. The result must stay differentiable: it keeps a graph
        back to ``x`` and to the parameters of ``f``, so it can be used inside a loss.

    Hints
    -----
    One vector-Jacobian product per coordinate is enough: ``torch.autograd.grad`` with
    ``grad_outputs`` equal to a one-hot direction ``e_k`` repeated over the batch gives row
    ``k`` of every Jacobian at once (because rows do not interact). Pass
    ``create_graph=True`` to keep the result differentiable. ``torch.func.jacrev`` with
    ``torch.func.vmap`` is an alternative. If ``x`` does not require gradients, work on a
    copy that does, without changing ``x`` itself.
    """
    raise NotImplementedError("exact_divergence: not implemented yet")


def hutchinson_divergence(
    f: Field,
    x: torch.Tensor,
    n_samples: int = 1,
    distribution: str = "rademacher",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Unbiased stochastic estimate of the divergence ``Tr(df/dx)`` at each row of ``x``.

    Use one independent probe per row and per sample, and vector-Jacobian products (no
    full Jacobian), then average over the ``n_samples`` samples.

    Parameters
    ----------
    f : callable
        Maps ``(batch, d)`` to ``(batch, d)`` row by row, as in ``exact_divergence``.
    x : torch.Tensor, shape (batch, d)
        Points at which to estimate the divergence.
    n_samples : int, default 1
        Number of probes per row.
    distribution : {"rademacher", "gaussian"}, default "rademacher"
        Probe distribution, as in ``hutchinson_trace``.
    generator : torch.Generator, optional
        Source of the probes; torch's default generator when ``None``.

    Returns
    -------
    torch.Tensor, shape (batch,), dtype of ``x``
        The estimate for each row; differentiable like ``exact_divergence``.

    Hints
    -----
    For a probe ``eps`` of shape ``(batch, d)``, one call of ``torch.autograd.grad`` with
    ``grad_outputs=eps`` gives ``eps^T J`` for every row at once; then take a row-wise dot
    product with ``eps``.
    """
    raise NotImplementedError("hutchinson_divergence: not implemented yet")
