"""Single-bug variants of ``solutions/hutchinson.py`` (question 1.6)."""

from tests.variants import Variant

RADEMACHER = "return torch.randint(0, 2, shape, generator=generator).to(dtype) * 2 - 1"

VARIANTS = [
    Variant(
        name="trace-sum-not-mean",
        module="hutchinson",
        old="    return torch.stack(estimates).mean()",
        new="    return torch.stack(estimates).sum()",
        question="1.6",
        bug="sums the probe estimates instead of averaging them",
    ),
    Variant(
        name="trace-zero-one-probes",
        module="hutchinson",
        old=RADEMACHER,
        new="return torch.randint(0, 2, shape, generator=generator).to(dtype)",
        question="1.6",
        bug="Rademacher probes left as random bits 0/1 instead of signs -1/+1",
    ),
    Variant(
        name="rademacher-branch-draws-gaussians",
        module="hutchinson",
        old=RADEMACHER,
        new="return torch.randn(shape, generator=generator, dtype=dtype)",
        question="1.6",
        bug="a copy-paste slip: the Rademacher branch draws Gaussian probes",
    ),
    Variant(
        name="probes-ignore-generator",
        module="hutchinson",
        old="    probes = _probes((n_samples, dim), distribution, generator, torch.float64)",
        new="    probes = _probes((n_samples, dim), distribution, None, torch.float64)",
        question="1.6",
        bug="hutchinson_trace draws its probes from torch's global generator, not the argument",
    ),
    Variant(
        name="trace-one-probe-reused",
        module="hutchinson",
        old="    probes = _probes((n_samples, dim), distribution, generator, torch.float64)",
        new="    probes = _probes((1, dim), distribution, generator, torch.float64)"
        ".expand(n_samples, dim)",
        question="1.6",
        bug="one probe drawn and reused for every sample",
    ),
    Variant(
        name="vjp-without-create-graph",
        module="hutchinson",
        old="grad_outputs=v, create_graph=True, allow_unused=True",
        new="grad_outputs=v, retain_graph=True, allow_unused=True",
        question="1.6",
        bug="vector-Jacobian products without create_graph=True: the divergence has no graph",
    ),
    Variant(
        name="exact-divergence-sums-jacobian-row",
        module="hutchinson",
        old="        divergence = divergence + _vjp(y, x_work, e_i)[:, i]",
        new="        divergence = divergence + _vjp(y, x_work, e_i).sum(dim=-1)",
        question="1.6",
        bug="adds whole rows of the Jacobian instead of its diagonal entries",
    ),
    Variant(
        name="divergence-one-probe-for-all-rows",
        module="hutchinson",
        old="    probes = _probes((n_samples, *y.shape), distribution, generator, y.dtype)",
        new="    probes = _probes((n_samples, 1, y.shape[1]), distribution, generator, y.dtype)"
        ".expand(n_samples, *y.shape)",
        question="1.6",
        bug="hutchinson_divergence shares one probe across all rows of the batch",
    ),
    Variant(
        name="divergence-flags-caller-x",
        module="hutchinson",
        old="    return x if x.requires_grad else x.detach().clone().requires_grad_(True)",
        new="    return x.requires_grad_(True)",
        question="1.6",
        bug="switches on requires_grad of the caller's x instead of working on a copy",
    ),
]
