"""Callables that graders hand to student code, built on the child side by name.

A request names a fixture and its parameters (``{"__fixture__": {"name": ..., "kwargs":
...}}``); the child builds it here. Student code can never tell a fixture from an ordinary
function or module: that is the point, so that code which recognises a test target, or
ignores the callable it is given, is caught.

Every fixture is deterministic, takes the shapes the contract says, and keeps no state
except a call counter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FIXTURES: dict[str, Callable] = {}


def fixture(function: Callable) -> Callable:
    FIXTURES[function.__name__] = function
    return function


def make(name: str, **kwargs):
    """Build the fixture ``name`` with its parameters."""
    if name not in FIXTURES:
        raise LookupError(f"unknown fixture {name!r}")
    return FIXTURES[name](**kwargs)


# --------------------------------------------------------------------------------------------
# potentials and densities for the numpy integrators and samplers


@fixture
def quadratic_grad(K=None):
    """``grad V(q) = K q`` for ``V(q) = q^T K q / 2`` (the harmonic oscillator when K = 1)."""
    stiffness = None if K is None else np.asarray(K, dtype=float)

    def grad_potential(q):
        q = np.asarray(q, dtype=float)
        return q.copy() if stiffness is None else stiffness @ q

    return grad_potential


@fixture
def quartic_grad(k=1.0):
    """``grad V(q) = k q^3`` for ``V(q) = k q^4 / 4``, elementwise."""

    def grad_potential(q):
        return k * np.asarray(q, dtype=float) ** 3

    return grad_potential


@fixture
def anharmonic_grad(k=1.0):
    """``grad V(q) = q + k q^3`` for ``V(q) = q^2/2 + k q^4/4``, elementwise."""

    def grad_potential(q):
        q = np.asarray(q, dtype=float)
        return q + k * q**3

    return grad_potential


@fixture
def gaussian_log_density(mean, cov):
    """Unnormalized Gaussian log-density, for x of shape (d,)."""
    mean = np.asarray(mean, dtype=float)
    precision = np.linalg.inv(np.asarray(cov, dtype=float))

    def log_density(x):
        r = np.asarray(x, dtype=float) - mean
        return -0.5 * float(r @ precision @ r)

    return log_density


@fixture
def gaussian_grad_log_density(mean, cov):
    """Gradient of ``gaussian_log_density``, shape (d,)."""
    mean = np.asarray(mean, dtype=float)
    precision = np.linalg.inv(np.asarray(cov, dtype=float))

    def grad_log_density(x):
        return -precision @ (np.asarray(x, dtype=float) - mean)

    return grad_log_density


@fixture
def truncated_gaussian_log_density(radius, outside=-np.inf):
    """Standard Gaussian log-density inside the ball of ``radius``, ``outside`` beyond it.

    With ``outside = nan`` the Hamiltonian of a proposal that leaves the ball is NaN, which
    an acceptance rule such as ``min(1, exp(dH))`` would wrongly accept.
    """

    def log_density(x):
        x = np.asarray(x, dtype=float)
        return -0.5 * float(x @ x) if float(x @ x) <= radius**2 else float(outside)

    return log_density


@fixture
def banana_log_density(b=0.1):
    """The twisted Gaussian of the handout, for x of shape (2,), as a plain target."""

    def log_density(x):
        x1, x2 = np.asarray(x, dtype=float)
        return -(x1**2) / 200 - (x2 + b * x1**2 - 100 * b) ** 2 / 2

    return log_density


@fixture
def banana_grad_log_density(b=0.1):
    """Gradient of ``banana_log_density``, shape (2,)."""

    def grad_log_density(x):
        x1, x2 = np.asarray(x, dtype=float)
        twist = x2 + b * x1**2 - 100 * b
        return np.array([-x1 / 100 - 2 * b * x1 * twist, -twist])

    return grad_log_density


# --------------------------------------------------------------------------------------------
# step functions for `simulate`, with known outcomes


@fixture
def shift_step():
    """A fake integrator step: ``(q + dt, 2 p)``, so row k of a run is ``(q0 + k dt, 2^k p0)``."""

    def step(q, p, dt, grad_potential):
        return np.asarray(q, dtype=float) + dt, 2.0 * np.asarray(p, dtype=float)

    return step


@fixture
def gradient_step():
    """A fake step that uses what it is given: ``(q - dt grad_potential(q), p + 1)``."""

    def step(q, p, dt, grad_potential):
        q = np.asarray(q, dtype=float)
        return q - dt * np.asarray(grad_potential(q)), np.asarray(p, dtype=float) + 1.0

    return step


# --------------------------------------------------------------------------------------------
# torch fixtures for the Hutchinson estimators


@fixture
def matvec(A, dtype="float64"):
    """``eps -> A eps`` for a fixed matrix, in the dtype of A, for eps of any float dtype."""
    import torch

    matrix = torch.as_tensor(np.asarray(A), dtype=getattr(torch, dtype))

    def apply(eps):
        return matrix @ eps.to(matrix.dtype)

    return apply


@fixture
def linear_field(A):
    """``f(x) = x A^T`` row by row: divergence ``Tr(A)`` everywhere."""
    import torch

    matrix = torch.as_tensor(np.asarray(A))

    def field(x):
        return x @ matrix.to(x.dtype).T

    return field


@fixture
def tanh_field(W, b):
    """``f(x) = tanh(x W^T + b)`` as a module with parameters ``W`` (d, d) and ``b`` (d,).

    Its divergence is ``sum_i (1 - tanh(z_i)^2) W_ii`` with ``z = x W^T + b``.
    """
    import torch

    class TanhField(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.W = torch.nn.Parameter(torch.as_tensor(np.asarray(W), dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.as_tensor(np.asarray(b), dtype=torch.float64))

        def forward(self, x):
            return torch.tanh(x @ self.W.T + self.b)

    return TanhField()


@fixture
def elementwise_field(c):
    """``f(x)_i = c_i tanh(x_i)``: a diagonal Jacobian, so Rademacher probes are exact."""
    import torch

    scale = torch.as_tensor(np.asarray(c), dtype=torch.float64)

    def field(x):
        return scale.to(x.dtype) * torch.tanh(x)

    return field


# --------------------------------------------------------------------------------------------
# planar vector fields for the Neural ODE task


@fixture
def lotka_volterra_field(alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    """The true predator–prey field as a module ``forward(t, y)``."""
    import torch

    class Field(torch.nn.Module):
        def forward(self, t, y):
            x, z = y[..., 0], y[..., 1]
            return torch.stack((alpha * x - beta * x * z, delta * x * z - gamma * z), dim=-1)

    return Field()


# --------------------------------------------------------------------------------------------
# section 2.2: a potential for leapfrog checks and a generator whose draws the grader scripts


@fixture
def banana_grad_potential(b=0.1):
    """``grad U`` for ``U = -log pi`` of the banana, for q of shape (2,): a coupled,
    nonlinear potential for the leapfrog checks."""

    def grad_potential(q):
        x1, x2 = np.asarray(q, dtype=float)
        twist = x2 + b * x1**2 - 100 * b
        return np.array([x1 / 100 + 2 * b * x1 * twist, twist])

    return grad_potential


class ScriptedGenerator(np.random.Generator):
    """A ``numpy.random.Generator`` whose normal and uniform draws the grader chooses.

    The contract lets a sampler take its randomness from ``rng.standard_normal`` (momenta
    and proposals) and ``rng.uniform`` or ``rng.random`` (the accept test), in any order and
    in any batching. This generator makes the outcome of every such order the same:

    - every standard normal value handed out, by ``standard_normal`` or ``normal``, is the
      next value of ``normals`` in order, whatever the shapes asked for. So
      ``standard_normal(d)`` n times, ``standard_normal(size=(d,))``, d scalar calls per
      iteration and one ``standard_normal((n, d))`` up front all give iteration ``i`` the
      values ``normals[i]``. A request of shape ``(d, n)`` (with ``d != n``) made before any
      other normal draw gets the same block transposed, so that column ``i`` is iteration
      ``i``'s draw;
    - every uniform value, from ``uniform`` or ``random``, is the same number ``uniform``.
      A sampler that draws its uniform every iteration, only when the acceptance
      probability is below one, or all at once, therefore makes the same decisions.

    Draws beyond the script continue with ordinary pseudo-random numbers, and every draw is
    counted: ``normals_drawn``, ``uniforms_drawn`` and ``other_calls`` (the names of any
    other sampling methods used) tell the grader how the sampler used its generator. It is
    a real ``Generator`` subclass, so ``np.random.default_rng(rng)`` returns it unchanged.

    Limitations
    -----------
    Unlike the other fixtures it can be told apart: ``type(rng) is np.random.Generator`` is
    false (``isinstance`` is true). Recognising it gains a sampler nothing, since passing
    still takes the decisions of a correct one.
    """

    ALLOWED = frozenset({"standard_normal", "normal", "uniform", "random"})

    def __init__(self, normals, uniform, block=None):
        super().__init__(np.random.PCG64(0))
        self._normals = np.asarray(normals, dtype=np.float64).ravel()
        self._uniform = float(uniform)
        self._block = None if block is None else (int(block[0]), int(block[1]))
        self.normals_drawn = 0
        self.uniforms_drawn = 0
        self.other_calls: list[str] = []

    @staticmethod
    def _shape(size, default=()):
        if size is None:
            return tuple(default)
        return tuple(int(k) for k in np.atleast_1d(np.asarray(size, dtype=np.int64)))

    def _take_normals(self, shape):
        count = int(np.prod(shape, dtype=np.int64))
        start = self.normals_drawn
        values = self._normals[start : start + count]
        self.normals_drawn += count
        if values.size < count:  # beyond the script: counted, and ordinary draws
            extra = np.random.Generator.standard_normal(self, count - values.size)
            values = np.concatenate([values, extra])
        if self._block is not None and start == 0 and len(shape) == 2:
            n, d = self._block
            if shape == (d, n) and d != n and count == n * d:
                return values.reshape(n, d).T.copy()
        return values.reshape(shape)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        shape = out.shape if out is not None else self._shape(size)
        values = self._take_normals(shape).astype(dtype)
        if out is not None:
            out[...] = values
            return out
        return float(values) if size is None else values

    def normal(self, loc=0.0, scale=1.0, size=None):
        shape = self._shape(size, np.broadcast(np.asarray(loc), np.asarray(scale)).shape)
        values = np.asarray(loc) + np.asarray(scale) * self._take_normals(shape)
        return float(values) if np.ndim(values) == 0 else values

    def uniform(self, low=0.0, high=1.0, size=None):
        shape = self._shape(size, np.broadcast(np.asarray(low), np.asarray(high)).shape)
        count = int(np.prod(shape, dtype=np.int64))
        self.uniforms_drawn += count
        values = np.asarray(low) + (np.asarray(high) - np.asarray(low)) * np.full(
            shape, self._uniform
        )
        return float(values) if np.ndim(values) == 0 else values

    def random(self, size=None, dtype=np.float64, out=None):
        shape = out.shape if out is not None else self._shape(size)
        self.uniforms_drawn += int(np.prod(shape, dtype=np.int64))
        values = np.full(shape, self._uniform).astype(dtype)
        if out is not None:
            out[...] = values
            return out
        return float(values) if size is None else values


def _counted(name):
    method = getattr(np.random.Generator, name)

    def counted(self, *args, **kwargs):
        self.other_calls.append(name)
        return method(self, *args, **kwargs)

    counted.__name__ = name
    return counted


for _name in dir(np.random.Generator):
    if (
        not _name.startswith("_")
        and _name not in ScriptedGenerator.ALLOWED
        and callable(getattr(np.random.Generator, _name))
    ):
        setattr(ScriptedGenerator, _name, _counted(_name))
del _name
