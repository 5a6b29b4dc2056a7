"""Hidden checks of ``student/hmc.py`` (question 2.2).

Most sampler bugs are caught without statistics. The contract fixes where the randomness
comes from (``rng.standard_normal`` for momenta and proposals, ``rng.uniform`` or
``rng.random`` for the accept test), so a correct sampler run with a given seed produces
one of a few exactly predictable chains: the ones below, which differ only in the order of
draws that the contract allows (a uniform drawn every iteration or only when the accept
probability is below one; drawn before or after the momentum; all draws made up front). A
chain that matches none of them has a bug: a flipped sign, a missing 1/2 in the kinetic
energy, a stale Hamiltonian, the proposal stored on rejection, an inverted ratio.

Targets are child-side fixtures (Gaussians with known covariance, a banana built by the
grader), so a sampler that ignores ``log_density`` or recognises the banana fails.

Limitations
-----------
Statistical checks of stationarity (chains started at exact draws of the banana) are not
here yet: the exact-chain checks catch the same bugs at a fraction of the cost, but not a
sampler that draws its randomness in an order the contract does not allow and is
otherwise right. Such a sampler fails the exact-chain checks only.
"""

from __future__ import annotations

import numpy as np

from autograder.graders.support import (
    Fixture,
    NumpyRng,
    as_array,
    as_float,
    as_pair,
    check,
    close,
    expect,
    fail,
)

MEAN = np.array([0.5, -1.0])
COV = np.array([[1.0, 0.6], [0.6, 2.0]])
PRECISION = np.linalg.inv(COV)
GAUSS_LOG = Fixture("gaussian_log_density", {"mean": MEAN, "cov": COV})
GAUSS_GRAD = Fixture("gaussian_grad_log_density", {"mean": MEAN, "cov": COV})


def gauss_log(x):
    r = x - MEAN
    return -0.5 * float(r @ PRECISION @ r)


def gauss_grad(x):
    return -PRECISION @ (x - MEAN)


def banana_log(x, b=0.1):
    x1, x2 = x[..., 0], x[..., 1]
    return -(x1**2) / 200 - (x2 + b * x1**2 - 100 * b) ** 2 / 2


def banana_grad(x, b=0.1):
    x1, x2 = x[..., 0], x[..., 1]
    twist = x2 + b * x1**2 - 100 * b
    return np.stack([-x1 / 100 - 2 * b * x1 * twist, -twist], axis=-1)


def leapfrog_path(grad_log, x, p, eps, n_steps):
    """Velocity Verlet on U = -log pi; every state of the path, shapes (n_steps + 1, d)."""
    xs, ps = [x], [p]
    for _ in range(n_steps):
        p = p + eps / 2 * grad_log(x)  # p(n+1/2)
        x = x + eps * p  # x(n+1)
        p = p + eps / 2 * grad_log(x)  # p(n+1)
        xs.append(x)
        ps.append(p)
    return np.array(xs), np.array(ps)


# --------------------------------------------------------------------------------------------
# exact replicas of a correct sampler, one per allowed order of random draws

DRAW_ORDERS = ("each iteration", "uniform only when needed", "uniform first", "all up front")


class Draws:
    """Hands out momenta/proposal noise and uniforms in one allowed order."""

    def __init__(self, seed, order, n, d):
        self.rng = np.random.default_rng(seed)
        self.order = order
        if order == "all up front":
            self.normals = self.rng.standard_normal((n, d))
            self.uniforms = self.rng.uniform(size=n)
        self.i = -1
        self.d = d

    def normal(self):
        self.i += 1
        if self.order == "all up front":
            return self.normals[self.i]
        if self.order == "uniform first":
            self.pending = self.rng.uniform()
        return self.rng.standard_normal(self.d)

    def accept(self, log_ratio):
        """Decide acceptance for log acceptance ratio ``log_ratio`` (finite or not)."""
        if self.order == "all up front":
            u = self.uniforms[self.i]
        elif self.order == "uniform first":
            u = self.pending
        elif self.order == "uniform only when needed" and not (log_ratio < 0):
            return bool(np.isfinite(log_ratio))
        else:
            u = self.rng.uniform()
        return bool(np.isfinite(log_ratio) and np.log(u) < log_ratio)


def hmc_replica(log, grad, x0, n, eps, n_steps, seed, order):
    draws = Draws(seed, order, n, len(x0))
    x, samples, accepted = np.array(x0, dtype=float), [], 0
    for _ in range(n):
        p = draws.normal()
        xs, ps = leapfrog_path(grad, x, p, eps, n_steps)
        with np.errstate(all="ignore"):
            h_old = -log(x) + p @ p / 2
            h_new = -log(xs[-1]) + ps[-1] @ ps[-1] / 2
            log_ratio = h_old - h_new
        if draws.accept(log_ratio):
            x, accepted = xs[-1], accepted + 1
        samples.append(x)
    return np.array(samples), accepted / n


def rwm_replica(log, x0, n, std, seed, order):
    draws = Draws(seed, order, n, len(x0))
    x, samples, accepted = np.array(x0, dtype=float), [], 0
    for _ in range(n):
        proposal = x + std * draws.normal()
        if draws.accept(log(proposal) - log(x)):
            x, accepted = proposal, accepted + 1
        samples.append(x)
    return np.array(samples), accepted / n


def matches_a_replica(samples, replicas) -> bool:
    return any(close(samples, replica, rtol=1e-7, atol=1e-9) for replica in replicas)


def read_chain(value, what, n, d):
    samples, rate = as_pair(value, what)
    samples = as_array(samples, f"{what}'s samples", shape=(n, d))
    if isinstance(rate, (list, tuple)):
        fail(f"{what}'s acceptance_rate should be a float")
    return samples, as_float(rate, f"{what}'s acceptance_rate")


def changed_rows(samples, x0) -> np.ndarray:
    previous = np.vstack([np.asarray(x0, dtype=float)[None], samples[:-1]])
    return np.any(samples != previous, axis=1)


# --------------------------------------------------------------------------------------------
# the banana


@check(
    "2.2 banana_log_density matches the twisted Gaussian exactly, batched and for other b",
    points=2.5,
    catches="the mirrored banana (wrong sign of b); a missing 1/2 or 1/200; an added "
    "normalising constant; ignoring b; the wrong output shape for batches",
)
def test_banana_values(student):
    rng = np.random.default_rng(1)
    x = np.array([[0.0, 10.0], [3.0, -2.0], [-12.0, 4.5], [25.0, -50.0]])
    for b in (0.1, 0.25):
        kwargs = {} if b == 0.1 else {"b": b}
        got = as_array(
            student.call("hmc.banana_log_density", x, **kwargs), "banana_log_density", shape=(4,)
        )
        expect(
            close(got, banana_log(x, b), rtol=1e-10),
            "banana_log_density is wrong" + ("" if b == 0.1 else " for b other than 0.1"),
        )
    batch = rng.normal(size=(3, 4, 2)) * [10.0, 5.0]
    got = as_array(
        student.call("hmc.banana_log_density", batch), "banana_log_density", shape=(3, 4)
    )
    expect(close(got, banana_log(batch), rtol=1e-10), "banana_log_density is wrong on a batch")
    single = as_array(
        student.call("hmc.banana_log_density", np.array([3.0, -2.0])),
        "banana_log_density of one point",
        shape=(),
    )
    expect(
        close(single, banana_log(np.array([3.0, -2.0]))),
        "banana_log_density is wrong for a single point",
    )


@check(
    "2.2 banana_grad_log_density is the gradient of the banana log-density, batched",
    points=2,
    catches="a gradient of the wrong sign (grad U instead of grad log pi); a missing chain "
    "rule factor 2 b x1; ignoring b; wrong output shape",
)
def test_banana_gradient(student):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 2)) * [10.0, 5.0]
    for b in (0.1, 0.3):
        kwargs = {} if b == 0.1 else {"b": b}
        got = as_array(
            student.call("hmc.banana_grad_log_density", x, **kwargs),
            "banana_grad_log_density",
            shape=(5, 2),
        )
        expect(
            close(got, banana_grad(x, b), rtol=1e-9, atol=1e-10),
            "banana_grad_log_density is wrong" + ("" if b == 0.1 else " for b other than 0.1"),
        )
    single = as_array(
        student.call("hmc.banana_grad_log_density", np.array([3.0, -2.0])),
        "banana_grad_log_density of one point",
        shape=(2,),
    )
    expect(
        close(single, banana_grad(np.array([3.0, -2.0]))),
        "banana_grad_log_density is wrong for a single point",
    )


# --------------------------------------------------------------------------------------------
# HMC


def hmc_chain(student, log, grad, x0, n, eps, n_steps, seed):
    value = student.call("hmc.hmc_sample", log, grad, x0, n, eps, n_steps, NumpyRng(seed))
    return read_chain(value, "hmc_sample", n, len(x0))


@check(
    "2.2 hmc_sample reproduces the exact chain of a correct HMC sampler on a Gaussian target",
    points=3,
    catches="a flipped sign in the acceptance ratio; a missing 1/2 in the kinetic energy; a "
    "stale Hamiltonian; storing the proposal on rejection; an inverted ratio; "
    "ignoring log_density or grad_log_density; not using the student's leapfrog_step",
)
def test_hmc_exact_chain_gaussian(student):
    x0, n, eps, n_steps, seed = np.array([1.5, -2.0]), 150, 0.45, 8, 11
    samples, rate = hmc_chain(student, GAUSS_LOG, GAUSS_GRAD, x0, n, eps, n_steps, seed)
    replicas = [
        hmc_replica(gauss_log, gauss_grad, x0, n, eps, n_steps, seed, order)
        for order in DRAW_ORDERS
    ]
    expect(
        matches_a_replica(samples, [r[0] for r in replicas]),
        "the chain differs from what a correct HMC sampler draws with the same rng "
        "(check the Hamiltonian, the acceptance rule and what is stored on rejection)",
    )


@check(
    "2.2 hmc_sample reproduces the exact chain of a correct HMC sampler on a banana target",
    points=2,
    catches="bugs that a Gaussian target hides: a gradient of the wrong sign in the "
    "potential, a leapfrog applied to log pi instead of U",
)
def test_hmc_exact_chain_banana(student):
    x0, n, eps, n_steps, seed = np.array([2.0, 5.0]), 100, 0.25, 12, 12
    log = Fixture("banana_log_density", {"b": 0.05})
    grad = Fixture("banana_grad_log_density", {"b": 0.05})
    samples, _ = hmc_chain(student, log, grad, x0, n, eps, n_steps, seed)
    replicas = [
        hmc_replica(
            lambda x: float(banana_log(x, 0.05)),
            lambda x: banana_grad(x, 0.05),
            x0,
            n,
            eps,
            n_steps,
            seed,
            order,
        )[0]
        for order in DRAW_ORDERS
    ]
    expect(
        matches_a_replica(samples, replicas),
        "the chain differs from what a correct HMC sampler draws with the same rng",
    )


@check(
    "2.2 hmc_sample's bookkeeping: shapes, acceptance rate, repeats on rejection, same seed",
    points=2,
    catches="an acceptance rate that is not the fraction of accepted proposals; rows that "
    "are not the state after each iteration; global random state instead of rng",
)
def test_hmc_bookkeeping(student):
    x0, n = np.array([0.0, 0.0]), 120
    samples, rate = hmc_chain(student, GAUSS_LOG, GAUSS_GRAD, x0, n, 0.9, 6, 3)
    again, rate_again = hmc_chain(student, GAUSS_LOG, GAUSS_GRAD, x0, n, 0.9, 6, 3)
    other, _ = hmc_chain(student, GAUSS_LOG, GAUSS_GRAD, x0, n, 0.9, 6, 4)
    expect(
        np.array_equal(samples, again) and rate == rate_again,
        "the same rng seed does not give the same chain",
    )
    expect(not np.array_equal(samples, other), "different rng seeds give the same chain")
    moved = changed_rows(samples, x0)
    expect(0.0 <= rate <= 1.0, "acceptance_rate is not a fraction")
    expect(
        abs(rate - moved.mean()) < 1e-12,
        "acceptance_rate is not the fraction of iterations whose state changed",
    )
    expect(
        0 < moved.sum() < n,
        "with this step size some proposals should be rejected and some accepted",
    )


@check(
    "2.2 hmc_sample rejects proposals whose Hamiltonian is not finite",
    points=1,
    catches="an accept rule like min(1, exp(dH)) that accepts NaN; keeping a state where "
    "the density is undefined",
)
def test_hmc_rejects_non_finite(student):
    x0, n = np.array([0.0]), 150
    log = Fixture("truncated_gaussian_log_density", {"radius": 1.5, "outside": float("nan")})
    grad = Fixture("gaussian_grad_log_density", {"mean": [0.0], "cov": [[1.0]]})
    samples, _ = hmc_chain(student, log, grad, x0, n, 0.5, 6, 5)
    expect(bool(np.all(np.abs(samples) <= 1.5)), "a proposal with a NaN Hamiltonian was accepted")


# --------------------------------------------------------------------------------------------
# random-walk Metropolis


def rwm_chain(student, log, x0, n, std, seed):
    value = student.call("hmc.random_walk_metropolis", log, x0, n, std, NumpyRng(seed))
    return read_chain(value, "random_walk_metropolis", n, len(x0))


@check(
    "2.2 random_walk_metropolis reproduces the exact chain of a correct sampler",
    points=2.5,
    catches="an inverted ratio pi(x)/pi(x'); comparing densities instead of log-densities "
    "wrongly; storing the proposal on rejection; a proposal without proposal_std",
)
def test_rwm_exact_chain(student):
    x0, n, std, seed = np.array([1.0, 1.0]), 300, 1.3, 21
    samples, _ = rwm_chain(student, GAUSS_LOG, x0, n, std, seed)
    replicas = [rwm_replica(gauss_log, x0, n, std, seed, order)[0] for order in DRAW_ORDERS]
    expect(
        matches_a_replica(samples, replicas),
        "the chain differs from what a correct random-walk Metropolis sampler draws with "
        "the same rng",
    )


@check(
    "2.2 random_walk_metropolis's bookkeeping: shapes, acceptance rate, same seed",
    points=1.5,
    catches="an acceptance rate that is not the fraction of accepted proposals; global "
    "random state instead of rng",
)
def test_rwm_bookkeeping(student):
    x0, n = np.array([0.0, 0.0]), 200
    samples, rate = rwm_chain(student, GAUSS_LOG, x0, n, 2.0, 6)
    again, rate_again = rwm_chain(student, GAUSS_LOG, x0, n, 2.0, 6)
    other, _ = rwm_chain(student, GAUSS_LOG, x0, n, 2.0, 7)
    expect(
        np.array_equal(samples, again) and rate == rate_again,
        "the same rng seed does not give the same chain",
    )
    expect(not np.array_equal(samples, other), "different rng seeds give the same chain")
    moved = changed_rows(samples, x0)
    expect(
        abs(rate - moved.mean()) < 1e-12,
        "acceptance_rate is not the fraction of iterations whose state changed",
    )
    expect(0 < moved.sum() < n, "some proposals should be rejected and some accepted")


# --------------------------------------------------------------------------------------------
# the trajectory and untouched inputs


@check(
    "2.2 hmc_trajectory returns every state of the leapfrog path, starting at (x0, p0)",
    points=2.5,
    catches="a missing initial row; only the end point; positions without momenta; the "
    "gradient of U where the gradient of log pi is given",
)
def test_hmc_trajectory(student):
    x0, p0, eps, n_steps = np.array([1.5, -2.0]), np.array([0.3, 1.1]), 0.2, 15
    value = student.call("hmc.hmc_trajectory", GAUSS_GRAD, x0, p0, eps, n_steps)
    xs, ps = as_pair(value, "hmc_trajectory")
    xs = as_array(xs, "hmc_trajectory's xs", shape=(n_steps + 1, 2))
    ps = as_array(ps, "hmc_trajectory's ps", shape=(n_steps + 1, 2))
    want_x, want_p = leapfrog_path(gauss_grad, x0, p0, eps, n_steps)
    expect(close(xs, want_x, rtol=1e-8, atol=1e-10), "the positions along the path are wrong")
    expect(close(ps, want_p, rtol=1e-8, atol=1e-10), "the momenta along the path are wrong")


@check(
    "2.2 the samplers and hmc_trajectory leave their input arrays unmodified",
    points=0.5,
    catches="in-place updates of x0 or p0 (a chain that moves its caller's array)",
)
def test_samplers_inputs_unmodified(student):
    x0, p0 = np.array([0.4, -0.2]), np.array([0.5, 0.5])
    calls = [
        ("hmc.hmc_sample", (GAUSS_LOG, GAUSS_GRAD, x0, 20, 0.3, 5, NumpyRng(1))),
        ("hmc.random_walk_metropolis", (GAUSS_LOG, x0, 20, 0.5, NumpyRng(1))),
        ("hmc.hmc_trajectory", (GAUSS_GRAD, x0, p0, 0.3, 5)),
    ]
    for target, args in calls:
        if student.call_full(target, *args).mutated:
            fail(f"{target.split('.')[1]} modified an input array in place")
