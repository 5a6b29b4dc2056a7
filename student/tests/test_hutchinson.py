"""Public self-checks for hutchinson.py (question 1.6).

The cases are chosen so that the answer is exact: with Rademacher probes,
``eps @ eps = dim`` for every probe, so the estimate of the identity's trace has no noise.
"""

import torch

from student import hutchinson
from student.tests.describe import kind


def shown(tensor):
    """A tensor as a short list for messages, rounded to 4 decimals."""
    return tensor.detach().round(decimals=4).tolist()


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def test_hutchinson_trace_of_identity_is_exact_with_rademacher():
    """Rademacher probes estimate Tr(I) = dim exactly, as a 0-d tensor."""
    estimate = hutchinson.hutchinson_trace(
        lambda eps: eps.to(torch.float64), 6, 10, "rademacher", seeded()
    )
    assert torch.is_tensor(estimate) and estimate.dim() == 0, (
        f"hutchinson_trace returned {kind(estimate)}, expected a 0-d tensor. Hint: the mean "
        "over the probes of eps @ matvec(eps), with .mean() giving a 0-d tensor"
    )
    assert abs(float(estimate) - 6.0) < 1e-9, (
        f"hutchinson_trace of the 6 x 6 identity with Rademacher probes returned "
        f"{float(estimate)}, expected exactly 6. Hint: each probe entry is -1 or +1"
    )


def test_hutchinson_trace_gaussian_is_repeatable():
    """Gaussian probes from generators seeded alike give the same estimate."""
    A = torch.diag(torch.arange(1.0, 5.0, dtype=torch.float64))

    def matvec(eps):
        return A @ eps.to(A.dtype)

    first = hutchinson.hutchinson_trace(matvec, 4, 50, "gaussian", seeded(3))
    again = hutchinson.hutchinson_trace(matvec, 4, 50, "gaussian", seeded(3))
    assert torch.is_tensor(first) and first.dim() == 0, (
        f"hutchinson_trace with Gaussian probes returned {kind(first)}, expected a 0-d tensor"
    )
    assert torch.isfinite(first) and float(first) == float(again), (
        f"hutchinson_trace gave {float(first)} and {float(again)} for the same seed. Hint: "
        "draw the probes with the generator argument"
    )


def test_exact_divergence_of_a_linear_field():
    """For f(x) = x @ A.T the divergence is Tr(A) at every row, shape (batch,)."""
    A = torch.tensor([[1.0, 2.0, 0.0], [0.0, -3.0, 1.0], [4.0, 0.0, 5.0]], dtype=torch.float64)
    x = torch.randn(4, 3, dtype=torch.float64, generator=seeded())
    div = hutchinson.exact_divergence(lambda z: z @ A.T, x)
    assert torch.is_tensor(div) and div.shape == (4,), (
        f"exact_divergence on x of shape (4, 3) returned {kind(div)}, expected shape (4,): one "
        "divergence per row"
    )
    assert torch.allclose(div, torch.full((4,), 3.0, dtype=torch.float64)), (
        f"exact_divergence of x -> x @ A.T returned {shown(div)}, expected Tr(A) = 3 in every row"
    )


def test_exact_divergence_of_a_square_field_and_differentiability():
    """For f(x) = x**2 the divergence is 2 * sum(x); the result keeps a graph to x."""
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64, requires_grad=True)
    div = hutchinson.exact_divergence(lambda z: z**2, x)
    assert torch.is_tensor(div) and div.shape == (2,), (
        f"exact_divergence on x of shape (2, 2) returned {kind(div)}, expected shape (2,)"
    )
    assert torch.allclose(div.detach(), torch.tensor([6.0, -1.0], dtype=torch.float64)), (
        f"exact_divergence of x -> x**2 at [[1, 2], [-1, 0.5]] returned "
        f"{shown(div)}, expected [6.0, -1.0]"
    )
    assert div.requires_grad, (
        "exact_divergence: the result has no graph back to x. Hint: create_graph=True"
    )


def test_hutchinson_divergence_shape_and_exact_case():
    """With Rademacher probes the estimate for f(x) = 2 x is exactly 2 d per row."""
    x = torch.randn(5, 3, dtype=torch.float64, generator=seeded())
    estimate = hutchinson.hutchinson_divergence(lambda z: 2.0 * z, x, 4, "rademacher", seeded())
    assert torch.is_tensor(estimate) and estimate.shape == (5,), (
        f"hutchinson_divergence on x of shape (5, 3) returned {kind(estimate)}, expected shape "
        "(5,): one estimate per row, averaged over the samples"
    )
    assert estimate.dtype == torch.float64, (
        f"hutchinson_divergence returned {estimate.dtype} for float64 x; keep x's dtype"
    )
    assert torch.allclose(estimate, torch.full((5,), 6.0, dtype=torch.float64)), (
        f"hutchinson_divergence of x -> 2 x in 3-D with Rademacher probes returned "
        f"{shown(estimate)}, expected 6 in every row"
    )


def test_hutchinson_divergence_is_repeatable():
    """Generators seeded alike give the same Gaussian-probe estimate."""
    x = torch.randn(3, 2, dtype=torch.float64, generator=seeded(1))

    def field(z):
        return torch.sin(z) * z.flip(-1)

    first = hutchinson.hutchinson_divergence(field, x, 2, "gaussian", seeded(5))
    again = hutchinson.hutchinson_divergence(field, x, 2, "gaussian", seeded(5))
    assert torch.equal(first.detach(), again.detach()), (
        "hutchinson_divergence gave different estimates for the same seed. Hint: draw the "
        "probes with torch.randint / torch.randn(..., generator=generator)"
    )
