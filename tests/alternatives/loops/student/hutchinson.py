"""Hutchinson's estimator with one probe at a time, and divergences by coordinate loops."""

import torch


def _probe(shape, distribution, generator, dtype):
    if distribution == "gaussian":
        return torch.randn(shape, generator=generator, dtype=torch.float64).to(dtype)
    if distribution == "rademacher":
        signs = torch.randint(0, 2, shape, generator=generator).to(torch.float64)
        return torch.where(signs > 0, 1.0, -1.0).to(dtype)
    raise ValueError(distribution)


def hutchinson_trace(matvec, dim, n_samples, distribution="rademacher", generator=None):
    total = None
    for _ in range(n_samples):
        eps = _probe((dim,), distribution, generator, torch.float64)
        a_eps = matvec(eps)
        term = (eps.to(a_eps.dtype) * a_eps).sum()
        total = term if total is None else total + term
    return total / n_samples


def exact_divergence(f, x):
    x_work = x if x.requires_grad else x.detach().clone().requires_grad_(True)
    y = f(x_work)
    diagonal = []
    for i in range(x.shape[1]):
        (grad_i,) = torch.autograd.grad(y[:, i].sum(), x_work, create_graph=True)
        diagonal.append(grad_i[:, i])
    return torch.stack(diagonal, dim=1).sum(dim=1)


def hutchinson_divergence(f, x, n_samples=1, distribution="rademacher", generator=None):
    x_work = x if x.requires_grad else x.detach().clone().requires_grad_(True)
    y = f(x_work)
    # all probes drawn at once, rows first: a different order of draws than sample by sample
    probes = _probe((x.shape[0], n_samples, x.shape[1]), distribution, generator, y.dtype)
    estimate = 0
    for k in range(n_samples):
        eps = probes[:, k, :]
        (vjp,) = torch.autograd.grad(y, x_work, grad_outputs=eps, create_graph=True)
        estimate = estimate + torch.einsum("bd,bd->b", vjp, eps)
    return estimate / n_samples
