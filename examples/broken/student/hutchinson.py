"""Question 1.6."""

import torch


def hutchinson_trace(matvec, dim, n_samples, distribution="rademacher", generator=None):
    estimates = []
    for _ in range(n_samples):
        if distribution == "gaussian":
            eps = torch.randn(dim, generator=generator)
        else:
            eps = torch.randint(0, 2, (dim,), generator=generator).float() * 2 - 1
        estimates.append(torch.dot(eps, matvec(eps)))  # eps is float32, A eps may not be
    return torch.stack(estimates).mean()


def exact_divergence(f, x):
    x = x if x.requires_grad else x.detach().clone().requires_grad_(True)
    out = f(x)
    terms = []
    for k in range(x.shape[1]):
        basis = torch.zeros_like(out)
        basis[:, k] = 1.0
        (g,) = torch.autograd.grad(out, x, grad_outputs=basis, create_graph=True)
        terms.append(g[:, k])
    return torch.stack(terms, dim=1).sum(dim=1)


def hutchinson_divergence(f, x, n_samples=1, distribution="rademacher", generator=None):
    x = x if x.requires_grad else x.detach().clone().requires_grad_(True)
    out = f(x)
    estimates = []
    for _ in range(n_samples):
        if distribution == "gaussian":
            eps = torch.randn(out.shape, generator=generator, dtype=out.dtype)
        else:
            eps = torch.randint(0, 2, out.shape, generator=generator).to(out.dtype) * 2 - 1
        (g,) = torch.autograd.grad(out, x, grad_outputs=eps, create_graph=True)
        estimates.append((g * eps).sum(dim=1))
    return torch.stack(estimates).mean(dim=0)
