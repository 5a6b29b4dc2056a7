"""Hutchinson's trace estimator and divergences (question 1.6)."""

import torch


def sample_probe(shape, distribution, generator):
    if distribution == "gaussian":
        return torch.randn(shape, generator=generator, dtype=torch.float64)
    signs = torch.randint(0, 2, shape, generator=generator, dtype=torch.float64)
    return 2 * signs - 1


def hutchinson_trace(matvec, dim, n_samples, distribution="rademacher", generator=None):
    total = 0.0
    for _ in range(n_samples):
        eps = sample_probe((dim,), distribution, generator)
        a_eps = matvec(eps)
        total = total + torch.dot(eps.to(a_eps.dtype), a_eps)
    return total / n_samples


def exact_divergence(f, x):
    x = x.detach().clone().requires_grad_(True)
    y = f(x)
    div = torch.zeros(x.shape[0], dtype=x.dtype)
    for i in range(x.shape[1]):
        (row,) = torch.autograd.grad(y[:, i].sum(), x, retain_graph=True)
        div = div + row[:, i]
    return div


def hutchinson_divergence(f, x, n_samples=1, distribution="rademacher", generator=None):
    x_ = x if x.requires_grad else x.detach().clone().requires_grad_(True)
    y = f(x_)
    est = torch.zeros(x.shape[0], dtype=y.dtype)
    for _ in range(n_samples):
        eps = sample_probe((x.shape[1],), distribution, generator).to(y.dtype)
        eps = eps.expand_as(y)  # the same probe for every row of the batch
        (vjp,) = torch.autograd.grad(y, x_, grad_outputs=eps, create_graph=True)
        est = est + (vjp * eps).sum(-1)
    return est / n_samples
