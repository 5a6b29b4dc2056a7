"""Exact and stochastic divergences (question 1.6), written with torch.func."""

import torch
from torch.func import jacrev, vmap


def _draw(shape, distribution, generator, dtype):
    if distribution == "rademacher":
        bits = torch.randint(0, 2, shape, generator=generator)
        return (2 * bits - 1).to(dtype)
    if distribution == "gaussian":
        return torch.randn(shape, generator=generator).to(dtype)
    raise ValueError(f"unknown distribution {distribution}")


def hutchinson_trace(matvec, dim, n_samples, distribution="rademacher", generator=None):
    # all probes at once, float32, and matvec mapped over them with vmap
    eps = _draw((n_samples, dim), distribution, generator, torch.float32)
    products = torch.vmap(matvec)(eps)
    return (eps.to(products.dtype) * products).sum(dim=1).mean()


def exact_divergence(f, x):
    # full Jacobian of every row, d x d, then its trace
    def one_row(row):
        return f(row.unsqueeze(0)).squeeze(0)

    jacobians = vmap(jacrev(one_row))(x)
    return torch.diagonal(jacobians, dim1=-2, dim2=-1).sum(-1)


def hutchinson_divergence(f, x, n_samples=1, distribution="rademacher", generator=None):
    x_in = x if x.requires_grad else x.detach().requires_grad_(True)
    fx = f(x_in)
    total = torch.zeros(x.shape[0], dtype=fx.dtype)
    for _ in range(n_samples):
        eps = _draw(tuple(x.shape), distribution, generator, fx.dtype)
        (vjp,) = torch.autograd.grad(fx, x_in, eps, create_graph=True)
        total = total + (vjp * eps).sum(dim=1)
    return total / n_samples
