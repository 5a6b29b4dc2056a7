"""Hidden checks of ``student/hmc.py`` (question 2.2).

Deterministic checks come first and catch most bugs without statistics:

- the banana's values against the formula, and its gradient against a complex-step finite
  difference of that formula (exact to rounding for a polynomial), batched and for other b;
- the samplers run with a *scripted* generator (``childside.fixtures.ScriptedGenerator``):
  its normal draws are values the check chooses, handed out in order whatever shapes the
  sampler asks for, and every uniform draw returns one chosen number ``u``. Every order of
  draws that the contract allows (a uniform every iteration or only when the acceptance
  probability is below one; before or after the momentum; ``uniform`` or ``random``; one
  draw per iteration or all up front) then gives the same accept/reject decisions, and the
  check knows them in advance: iteration ``i`` accepts exactly when its log acceptance ratio
  exceeds ``log u``. The scripts are chosen so that every decision is at least ``MARGIN``
  away from that threshold (rounding cannot flip it) and so that each bug model in
  ``HMC_BUGS`` and ``RWM_BUGS`` produces a different chain (``tests/test_hmc_graders.py``
  proves both). A chain that matches a bug model is told which kind of bug it looks like;
- the bookkeeping on the chain's own terms: every row is the previous state (a rejection)
  or the proposal made from it with that iteration's scripted draw (an acceptance), and
  ``acceptance_rate`` is the fraction of rows that moved. Wrong decisions alone cost points
  in the decision checks only;
- how the sampler uses its generator (one momentum or proposal per iteration, at most one
  uniform per iteration and one for every rejection, nothing else), and that a real
  generator's seed fixes the chain;
- rejection of proposals whose Hamiltonian is NaN, and of moves off a target's support.

Targets are child-side fixtures (Gaussians with known covariance, bananas with other b, a
truncated Gaussian), so code that recognises the banana or ignores ``log_density`` fails.

Then two statistical checks: chains started at exact draws of the banana (b = 0.1), a few
transitions each, and the ridge statistic ``w = (x2 + b x1**2 - 100 b)**2`` at the last
state. For a correct sampler every chain's last state is an exact draw, so ``w = z2**2``
and the sum of ``w`` over ``N`` independent chains is exactly chi-squared with ``N``
degrees of freedom. The check fails outside the central ``1 - ALPHA_STAT`` interval of that
distribution, so a correct sampler fails it with probability ``ALPHA_STAT`` = 2.5e-7 per
check, exactly (over the grader's seed and the sampler's draws), whatever its order of
draws; the two checks together stay below 5e-7 per submission. The bounds are quantiles
computed once with scipy and checked by ``tests/test_hmc_graders.py``;
``benchmarks/hmc_grader_power.py`` measures which bugs they detect.

Limitations
-----------
The scripted uniform is one number per run, so a sampler that reuses one uniform draw for
every iteration makes the same decisions as a correct one on that run; it is caught by the
count of uniforms it draws instead. A sampler that takes momenta in an order other than
iteration by iteration (say, column ``i`` of a ``(d, n)`` block drawn later than the first
draw) is outside the contract's natural reading and fails the exact-chain checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograder.graders.support import (
    Fixture,
    NumpyRng,
    StudentFunction,
    as_array,
    as_float,
    as_pair,
    check,
    close,
    expect,
    fail,
)

MARGIN = 1e-3
"""the least distance, in log space, between a scripted decision's ratio and ``log u``"""

CHAIN_RTOL, CHAIN_ATOL = 1e-7, 1e-9
"""how close a student's chain must be to the expected one (rounding differs by style)"""


# --------------------------------------------------------------------------------------------
# targets: a child-side fixture and its grader-side twin


@dataclass(frozen=True)
class Target:
    """A density handed to student code as a fixture, and the same density here."""

    log_fixture: Fixture
    """``log_density`` as the student receives it"""
    grad_fixture: Fixture | None
    """``grad_log_density`` as the student receives it (None where not needed)"""
    log: Callable
    """the log density, for one point of shape (d,), evaluated here"""
    grad: Callable | None
    """its gradient, evaluated here"""
    dim: int
    """the dimension d"""


def banana_log(x, b=0.1):
    x = np.asarray(x)
    x1, x2 = x[..., 0], x[..., 1]
    return -(x1**2) / 200 - (x2 + b * x1**2 - 100 * b) ** 2 / 2


def banana_grad_complex_step(x, b=0.1, h=1e-30):
    """The gradient of ``banana_log`` by complex-step differentiation: a finite difference
    in the imaginary direction, exact to rounding for this polynomial (no cancellation)."""
    x = np.asarray(x, dtype=float)
    grad = np.empty_like(x)
    for k in range(x.shape[-1]):
        shifted = x.astype(complex)
        shifted[..., k] += 1j * h
        grad[..., k] = banana_log(shifted, b).imag / h
    return grad


def gaussian_target(mean, cov) -> Target:
    mean, cov = np.asarray(mean, dtype=float), np.asarray(cov, dtype=float)
    precision = np.linalg.inv(cov)
    kwargs = {"mean": mean, "cov": cov}
    return Target(
        Fixture("gaussian_log_density", kwargs),
        Fixture("gaussian_grad_log_density", kwargs),
        lambda x: -0.5 * float((x - mean) @ precision @ (x - mean)),
        lambda x: -precision @ (x - mean),
        len(mean),
    )


def banana_target(b) -> Target:
    return Target(
        Fixture("banana_log_density", {"b": b}),
        Fixture("banana_grad_log_density", {"b": b}),
        lambda x: float(banana_log(x, b)),
        lambda x: banana_grad_complex_step(x, b),
        2,
    )


def truncated_target(radius, outside) -> Target:
    """Standard normal in 1-D inside ``|x| <= radius``; ``outside`` (NaN or -inf) beyond."""

    def log(x):
        return -0.5 * float(x @ x) if float(x @ x) <= radius**2 else float(outside)

    return Target(
        Fixture("truncated_gaussian_log_density", {"radius": radius, "outside": outside}),
        Fixture("gaussian_grad_log_density", {"mean": [0.0], "cov": [[1.0]]}),
        log,
        lambda x: -np.asarray(x, dtype=float),
        1,
    )


GAUSS = gaussian_target([0.5, -1.0], [[1.0, 0.6], [0.6, 2.0]])
BANANA_B02 = banana_target(0.2)
BANANA = banana_target(0.1)
TRUNCATED_NAN = truncated_target(1.5, float("nan"))
TRUNCATED_INF = truncated_target(1.5, float("-inf"))


# --------------------------------------------------------------------------------------------
# replicas of a correct sampler, and of the bugs it must not be


HMC_BUGS = {
    "flipped sign": "the acceptance ratio has the wrong sign (exp(H_new - H_old))",
    "missing 1/2": "the kinetic energy is |p|^2 instead of |p|^2 / 2",
    "missing 1/2 in H_old": "the kinetic energy in H_old is |p|^2 instead of |p|^2 / 2",
    "stale potential": "H_old uses the potential of an earlier state, not the current one",
    "momentum after the path": "H_old is computed with the momentum at the end of the path",
    "stores the proposal": "a rejected proposal is stored as the sample",
    "no accept/reject": "every proposal is accepted",
    "leapfrog on log pi": "leapfrog is run with the gradient of log pi in place of grad U",
    "accepts NaN": "a proposal whose H is NaN can be accepted",
}
"""bug models of ``hmc_sample``: name -> the kind of bug, as feedback names it"""

RWM_BUGS = {
    "inverted ratio": "the ratio is inverted (pi(x) / pi(x'))",
    "stale density": "log pi(x) is not updated when a proposal is accepted",
    "stores the proposal": "a rejected proposal is stored as the sample",
    "no accept/reject": "every proposal is accepted",
    "ignores proposal_std": "the proposal does not use proposal_std",
    "proposal_std squared": "proposal_std is used as a variance",
}
"""bug models of ``random_walk_metropolis``"""


def leapfrog_path(grad_log, x, p, eps, n_steps, sign=1.0):
    """Velocity Verlet on U = -log pi; every state, shapes (n_steps + 1, d).

    ``sign = -1`` runs it on log pi instead (a bug model)."""
    xs, ps = [x], [p]
    for _ in range(n_steps):
        p = p + sign * eps / 2 * grad_log(x)  # p(n+1/2)
        x = x + eps * p  # x(n+1)
        p = p + sign * eps / 2 * grad_log(x)  # p(n+1)
        xs.append(x)
        ps.append(p)
    return np.array(xs), np.array(ps)


def decide(log_ratio, u, accepts_nan=False):
    """The Metropolis decision for a scripted uniform ``u``."""
    if np.isnan(log_ratio):
        return accepts_nan
    return bool(np.log(u) < log_ratio)


def hmc_replica(target, x0, normals, u, eps, n_steps, bug=None):
    """Chain, decisions and log ratios of HMC with scripted draws; ``bug`` from HMC_BUGS."""
    x = np.array(x0, dtype=float)
    kinetic = 1.0 if bug == "missing 1/2" else 0.5
    sign = -1.0 if bug == "leapfrog on log pi" else 1.0
    stale_potential = -target.log(x)
    samples, accepted, ratios = [], [], []
    with np.errstate(all="ignore"):
        for p in np.asarray(normals, dtype=float):
            xs, ps = leapfrog_path(target.grad, x, p, eps, n_steps, sign)
            potential = stale_potential if bug == "stale potential" else -target.log(x)
            p_old = ps[-1] if bug == "momentum after the path" else p
            kinetic_old = 1.0 if bug == "missing 1/2 in H_old" else kinetic
            h_old = potential + kinetic_old * float(p_old @ p_old)
            h_new = -target.log(xs[-1]) + kinetic * float(ps[-1] @ ps[-1])
            ratio = h_old - h_new
            if bug == "flipped sign":
                ratio = -ratio
            ok = decide(ratio, u, accepts_nan=bug == "accepts NaN")
            if bug == "no accept/reject":
                ok = True
            if ok:
                x = xs[-1]
            samples.append(xs[-1] if bug == "stores the proposal" else x)
            accepted.append(ok)
            ratios.append(ratio)
    return np.array(samples), np.array(accepted), np.array(ratios)


def rwm_replica(target, x0, normals, u, std, bug=None):
    """Chain, decisions and log ratios of random-walk Metropolis with scripted draws."""
    x = np.array(x0, dtype=float)
    std = np.asarray(std, dtype=float)
    if bug == "ignores proposal_std":
        std = np.ones_like(std)
    elif bug == "proposal_std squared":
        std = std**2
    log_x = target.log(x)
    samples, accepted, ratios = [], [], []
    with np.errstate(all="ignore"):
        for z in np.asarray(normals, dtype=float):
            proposal = x + std * z
            log_new = target.log(proposal)
            ratio = log_new - log_x
            if bug == "inverted ratio":
                ratio = -ratio
            ok = True if bug == "no accept/reject" else decide(ratio, u)
            if ok:
                x = proposal
                if bug != "stale density":
                    log_x = log_new
            samples.append(proposal if bug == "stores the proposal" else x)
            accepted.append(ok)
            ratios.append(ratio)
    return np.array(samples), np.array(accepted), np.array(ratios)


# --------------------------------------------------------------------------------------------
# the scripted runs


@dataclass(frozen=True)
class Script:
    """One scripted run of a sampler: its target, settings and draws."""

    sampler: str
    """``"hmc"`` or ``"rwm"``"""
    target: Target
    """the density"""
    x0: tuple
    """the starting point"""
    n: int
    """iterations"""
    seed: int
    """seeds the scripted normals (values chosen once, here)"""
    scale: float
    """multiplies the scripted normals (large momenta leave a truncated target)"""
    u: float
    """the value every uniform draw returns"""
    step_size: float = 0.0
    """HMC: leapfrog step size"""
    n_leapfrog: int = 0
    """HMC: leapfrog steps"""
    proposal_std: tuple | float = 0.0
    """RWM: the proposal's standard deviation"""

    @property
    def normals(self) -> np.ndarray:
        draws = np.random.default_rng(self.seed).standard_normal((self.n, self.target.dim))
        return self.scale * draws

    def replica(self, bug=None):
        if self.sampler == "hmc":
            return hmc_replica(
                self.target,
                self.x0,
                self.normals,
                self.u,
                self.step_size,
                self.n_leapfrog,
                bug,
            )
        return rwm_replica(self.target, self.x0, self.normals, self.u, self.proposal_std, bug)

    def proposal(self, x, i) -> np.ndarray:
        """The proposal that iteration ``i`` makes from state ``x`` with its scripted draw."""
        z = self.normals[i]
        if self.sampler == "hmc":
            with np.errstate(all="ignore"):
                xs, _ = leapfrog_path(self.target.grad, x, z, self.step_size, self.n_leapfrog)
            return xs[-1]
        return x + np.asarray(self.proposal_std, dtype=float) * z

    def args(self) -> list:
        """The sampler's arguments with ``None`` where the generator goes (the last one)."""
        x0 = np.array(self.x0, dtype=float)
        if self.sampler == "hmc":
            t = self.target
            return [t.log_fixture, t.grad_fixture, x0, self.n, self.step_size, self.n_leapfrog]
        std = self.proposal_std
        return [self.target.log_fixture, x0, self.n, np.array(std) if np.ndim(std) else std]


HMC_GAUSS_SCRIPTS = (
    Script("hmc", GAUSS, (1.5, -2.0), 30, 112, 1.0, 0.7, step_size=1.08, n_leapfrog=4),
    Script("hmc", GAUSS, (-0.5, 0.5), 30, 135, 1.3, 0.2, step_size=1.32, n_leapfrog=3),
)
HMC_BANANA_SCRIPT = Script(
    "hmc", BANANA_B02, (4.0, 0.5), 30, 123, 1.0, 0.5, step_size=0.32, n_leapfrog=8
)
HMC_NAN_SCRIPT = Script(
    "hmc", TRUNCATED_NAN, (0.2,), 30, 104, 2.0, 0.05, step_size=0.5, n_leapfrog=4
)
RWM_GAUSS_SCRIPTS = (
    Script("rwm", GAUSS, (1.0, 1.0), 40, 201, 1.0, 0.5, proposal_std=(1.6, 0.7)),
    Script("rwm", GAUSS, (0.0, -2.5), 40, 202, 1.0, 0.12, proposal_std=1.9),
)
RWM_SUPPORT_SCRIPT = Script("rwm", TRUNCATED_INF, (1.0,), 40, 203, 1.0, 0.3, proposal_std=1.2)

ALL_SCRIPTS = (
    *HMC_GAUSS_SCRIPTS,
    HMC_BANANA_SCRIPT,
    HMC_NAN_SCRIPT,
    *RWM_GAUSS_SCRIPTS,
    RWM_SUPPORT_SCRIPT,
)


@dataclass
class Run:
    """What a student's sampler did on one script."""

    samples: np.ndarray
    """its chain, shape (n, d)"""
    rate: float
    """its acceptance_rate"""
    normals_drawn: int
    """standard normal values it took"""
    uniforms_drawn: int
    """uniform values it took"""
    other_calls: list
    """other sampling methods it called"""


FUNCTION = {"hmc": "hmc_sample", "rwm": "random_walk_metropolis"}


def run_script(student, script: Script) -> Run:
    args = script.args()
    answer = student.probe(
        "scripted_run",
        StudentFunction(f"hmc.{FUNCTION[script.sampler]}"),
        [*args, None],
        len(args),
        script.normals,
        script.u,
        (script.n, script.target.dim),
    )
    what = FUNCTION[script.sampler]
    samples, rate = read_chain(answer["value"], what, script.n, script.target.dim)
    return Run(
        samples,
        rate,
        int(answer["normals_drawn"]),
        int(answer["uniforms_drawn"]),
        list(answer["other_calls"]),
    )


def read_chain(value, what, n, d):
    samples, rate = as_pair(value, what)
    samples = as_array(samples, f"{what}'s samples", shape=(n, d))
    if isinstance(rate, (list, tuple)):
        fail(f"{what}'s acceptance_rate should be a float")
    return samples, as_float(rate, f"{what}'s acceptance_rate")


def same_chain(a, b) -> bool:
    return close(a, b, rtol=CHAIN_RTOL, atol=CHAIN_ATOL)


def diagnose(scripts, runs, bugs: dict) -> str:
    """Feedback for chains that are not the expected ones: the bug model they all match when
    exactly one does (judged on two scripts or more; one short script can let an unmodelled
    bug mimic a model), or else where and how the first wrong chain departs."""
    matches = []
    for bug, description in bugs.items() if len(scripts) >= 2 else ():
        with np.errstate(all="ignore"):
            if all(
                same_chain(run.samples, script.replica(bug)[0])
                for script, run in zip(scripts, runs, strict=True)
            ):
                matches.append(description)
    if len(matches) == 1:
        return (
            f"the chains are what a sampler with this bug draws (look there first): {matches[0]}"
        )
    for script, run in zip(scripts, runs, strict=True):
        expected, accepted, _ = script.replica()
        if same_chain(run.samples, expected):
            continue
        previous = np.vstack([np.array(script.x0, dtype=float)[None], run.samples[:-1]])
        stayed = np.all(run.samples == previous, axis=1)
        wrong = ~np.all(np.isclose(run.samples, expected, CHAIN_RTOL, CHAIN_ATOL), axis=1)
        i = int(np.argmax(wrong))
        if accepted[i] and stayed[i]:
            how = "it rejects a proposal that a correct sampler accepts"
        elif not accepted[i] and not stayed[i]:
            how = "it moves where a correct sampler rejects the proposal and keeps its state"
        else:
            how = "the proposal itself differs (check the proposal or the leapfrog path)"
        return f"the chain first departs from a correct sampler's at iteration {i}: {how}"
    return "the chain differs from a correct sampler's"


def expect_chains(scripts, student, bugs: dict) -> list[Run]:
    """Run every script; fail with a diagnosis unless every chain is the expected one."""
    runs = [run_script(student, script) for script in scripts]
    if not all(
        same_chain(run.samples, script.replica()[0])
        for script, run in zip(scripts, runs, strict=True)
    ):
        fail(diagnose(scripts, runs, bugs))
    return runs


def expect_bookkeeping(script: Script, run: Run, what: str) -> None:
    """Judged on the chain's own terms, whatever its decisions: every row is the previous
    state (a rejection) or the proposal made from it with that iteration's draw (an
    acceptance), and the rate is the fraction of rows that moved."""
    previous = np.array(script.x0, dtype=float)
    moved = np.zeros(script.n, dtype=bool)
    for i, row in enumerate(run.samples):
        if not np.array_equal(row, previous):
            expect(
                same_chain(row, script.proposal(previous, i)),
                f"{what}: row {i} is neither the previous state (a rejection must repeat it "
                "exactly) nor the proposal made from that state (an acceptance)",
            )
            moved[i] = True
        previous = row
    expect(
        abs(run.rate - moved.mean()) < 1e-12,
        f"{what}: acceptance_rate is not the fraction of the n_samples proposals accepted",
    )


def expect_draw_counts(script: Script, run: Run, what: str) -> None:
    """One normal vector per iteration; at most one uniform per iteration, and one for every
    rejection of a proposal with a finite ratio (a rejection needs a uniform draw)."""
    _, _, ratios = script.replica()
    previous = np.vstack([np.array(script.x0, dtype=float)[None], run.samples[:-1]])
    rejected = np.all(run.samples == previous, axis=1) & np.isfinite(ratios)
    kind = "momentum" if script.sampler == "hmc" else "proposal"
    if run.other_calls:
        fail(
            f"{what} calls rng.{run.other_calls[0]}; the contract allows only "
            "rng.standard_normal and rng.uniform (or rng.random)"
        )
    expect(
        run.normals_drawn == script.n * script.target.dim,
        f"{what} does not draw exactly one {kind} of d standard normals per iteration "
        "from rng.standard_normal",
    )
    expect(
        int(rejected.sum()) <= run.uniforms_drawn <= script.n,
        f"{what} does not take its accept test's uniform draws from rng (at most one per "
        "iteration, and one for every proposal that the test rejects)",
    )


def expect_seeded(student, function: str, args: tuple, n: int) -> None:
    """Same seed, same chain; different seeds, different chains (unless nothing moved)."""
    chains = [
        read_chain(student.call(f"hmc.{function}", *args, NumpyRng(seed)), function, n, 2)
        for seed in (3, 3, 4)
    ]
    expect(
        np.array_equal(chains[0][0], chains[1][0]) and chains[0][1] == chains[1][1],
        f"{function} gives different chains for the same rng seed",
    )
    moved = chains[0][1] > 0 or chains[2][1] > 0
    expect(
        not moved or not np.array_equal(chains[0][0], chains[2][0]),
        f"{function} gives the same chain for different rng seeds",
    )


# --------------------------------------------------------------------------------------------
# the banana


@check(
    "2.2 banana_log_density matches the twisted Gaussian exactly, batched and for other b",
    points=2.5,
    catches="the mirrored banana (wrong sign of b); a missing 1/2 or 1/200; an added "
    "normalising constant; ignoring b; the wrong output shape for batches or one point",
)
def test_banana_values(student):
    # (0, 10) sits on the ridge at x1 = 0: 0; (0, 0) is 10 below it: -50; (10, 0) is on the
    # ridge at x1 = 10: -100/200 = -0.5; (-12, 4.5) with b = 0.25: -0.72 - (4.5 + 36 - 25)^2/2
    worked = [
        ([0.0, 10.0], 0.1, 0.0),
        ([0.0, 0.0], 0.1, -50.0),
        ([10.0, 0.0], 0.1, -0.5),
        ([-12.0, 4.5], 0.25, -0.72 - 15.5**2 / 2),
    ]
    for x, b, want in worked:
        kwargs = {} if b == 0.1 else {"b": b}
        got = as_array(
            student.call("hmc.banana_log_density", np.array(x), **kwargs),
            "banana_log_density of one point",
            shape=(),
        )
        expect(
            close(got, want, rtol=1e-12, atol=1e-12),
            "banana_log_density is wrong at a point worked by hand"
            + ("" if b == 0.1 else " with b other than 0.1"),
        )
    rng = np.random.default_rng(1)
    batch = rng.normal(size=(3, 4, 2)) * [10.0, 5.0]
    for b in (0.1, 0.03):
        kwargs = {} if b == 0.1 else {"b": b}
        got = as_array(
            student.call("hmc.banana_log_density", batch, **kwargs),
            "banana_log_density of a batch",
            shape=(3, 4),
        )
        expect(
            close(got, banana_log(batch, b), rtol=1e-10, atol=1e-12),
            "banana_log_density is wrong on a batch of shape (3, 4, 2)"
            + ("" if b == 0.1 else " with b other than 0.1"),
        )


@check(
    "2.2 banana_grad_log_density matches finite differences of the log-density, batched",
    points=2,
    catches="the gradient of U (wrong sign); a missing chain-rule factor 2 b x1; ignoring b; "
    "swapped components; the wrong output shape",
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
            close(got, banana_grad_complex_step(x, b), rtol=1e-9, atol=1e-10),
            "banana_grad_log_density does not match a finite difference of the log-density"
            + ("" if b == 0.1 else " for b other than 0.1"),
        )
    batch = rng.normal(size=(2, 3, 2)) * [10.0, 5.0]
    got = as_array(
        student.call("hmc.banana_grad_log_density", batch),
        "banana_grad_log_density of a batch",
        shape=(2, 3, 2),
    )
    expect(
        close(got, banana_grad_complex_step(batch), rtol=1e-9, atol=1e-10),
        "banana_grad_log_density is wrong on a batch of shape (2, 3, 2)",
    )
    single = as_array(
        student.call("hmc.banana_grad_log_density", np.array([3.0, -2.0])),
        "banana_grad_log_density of one point",
        shape=(2,),
    )
    expect(
        close(single, banana_grad_complex_step(np.array([3.0, -2.0])), rtol=1e-9),
        "banana_grad_log_density is wrong for a single point",
    )


# --------------------------------------------------------------------------------------------
# HMC, deterministic


@check(
    "2.2 hmc_sample makes a correct sampler's accept/reject decisions on a Gaussian target",
    points=2.5,
    catches="a flipped sign in the acceptance ratio; a missing 1/2 in the kinetic energy; "
    "a stale Hamiltonian (old potential, or the momentum after the path); storing the "
    "rejected proposal; no accept/reject; ignoring log_density or grad_log_density",
)
def test_hmc_scripted_gaussian(student):
    expect_chains(HMC_GAUSS_SCRIPTS, student, HMC_BUGS)


@check(
    "2.2 hmc_sample reproduces a correct sampler's chain on a banana with another b",
    points=1.5,
    catches="leapfrog run on log pi instead of U; a sampler that hard-codes the banana "
    "or b = 0.1 instead of using the callables it is given",
)
def test_hmc_scripted_banana(student):
    expect_chains([HMC_BANANA_SCRIPT], student, HMC_BUGS)


@check(
    "2.2 hmc_sample's rows repeat the state on rejection and acceptance_rate counts accepts",
    points=1,
    catches="rows that are not the state after each iteration (x0 as row 0, the proposal "
    "stored on rejection); an acceptance rate over the wrong count or of rejections",
)
def test_hmc_bookkeeping(student):
    for script in HMC_GAUSS_SCRIPTS:
        expect_bookkeeping(script, run_script(student, script), "hmc_sample")


@check(
    "2.2 hmc_sample takes all randomness from rng, one momentum per iteration; seeds fix it",
    points=1,
    catches="global numpy random state; a momentum drawn once or twice per iteration; "
    "a uniform reused for every iteration; other rng methods; chains that differ for one seed",
)
def test_hmc_randomness(student):
    for script in HMC_GAUSS_SCRIPTS:
        expect_draw_counts(script, run_script(student, script), "hmc_sample")
    args = (GAUSS.log_fixture, GAUSS.grad_fixture, np.zeros(2), 60, 0.9, 6)
    expect_seeded(student, "hmc_sample", args, 60)


@check(
    "2.2 hmc_sample rejects proposals whose Hamiltonian is NaN",
    points=1,
    catches="an accept rule such as u < min(1, exp(dH)) that accepts NaN; keeping a state "
    "where the density is undefined",
)
def test_hmc_rejects_nan(student):
    run = run_script(student, HMC_NAN_SCRIPT)
    expect(
        bool(np.all(np.abs(run.samples) <= 1.5)),
        "hmc_sample accepted a proposal whose Hamiltonian is NaN",
    )


# --------------------------------------------------------------------------------------------
# random-walk Metropolis, deterministic


@check(
    "2.2 random_walk_metropolis makes a correct sampler's decisions on a Gaussian target",
    points=2,
    catches="an inverted ratio pi(x)/pi(x'); a stale log pi(x); storing the proposal on "
    "rejection; no accept/reject; a proposal that ignores proposal_std or treats it as a "
    "variance, as a scalar or per coordinate",
)
def test_rwm_scripted_gaussian(student):
    expect_chains(RWM_GAUSS_SCRIPTS, student, RWM_BUGS)


@check(
    "2.2 random_walk_metropolis: rows, acceptance rate, randomness from rng, bounded support",
    points=1,
    catches="an acceptance rate that is not the fraction accepted; global random state; "
    "extra or missing draws; moving to a point where the density is zero",
)
def test_rwm_bookkeeping(student):
    for script in RWM_GAUSS_SCRIPTS:
        run = run_script(student, script)
        expect_bookkeeping(script, run, "random_walk_metropolis")
        expect_draw_counts(script, run, "random_walk_metropolis")
    run = run_script(student, RWM_SUPPORT_SCRIPT)
    expect(
        bool(np.all(np.abs(run.samples) <= 1.5)),
        "random_walk_metropolis moved to a point where the log-density is -inf",
    )
    args = (GAUSS.log_fixture, np.zeros(2), 80, 2.0)
    expect_seeded(student, "random_walk_metropolis", args, 80)


# --------------------------------------------------------------------------------------------
# statistics: chains started at exact draws of the banana

ALPHA_STAT = 2.5e-7
"""false-fail probability of each statistical check for a correct sampler (exact)"""


@dataclass(frozen=True)
class StationarityTest:
    """Chains from exact banana draws; the sum of w over their last states is chi^2(n)."""

    n_chains: int
    """independent chains (the degrees of freedom)"""
    n_transitions: int
    """iterations of each chain (n_samples)"""
    low: float
    """``chi2.ppf(ALPHA_STAT / 2, n_chains)``"""
    high: float
    """``chi2.isf(ALPHA_STAT / 2, n_chains)``"""


HMC_STAT = StationarityTest(800, 8, 610.46446, 1023.6431)
"""HMC at step size 0.8 with 5 leapfrog steps: large enough that |dH| is often of order 1"""
HMC_STAT_SETTINGS = (0.8, 5)

RWM_STAT = StationarityTest(1000, 20, 786.1457, 1247.9675)
"""random-walk Metropolis with proposal_std (3, 3)"""
RWM_STAT_STD = np.array([3.0, 3.0])


STAT_TIMEOUT = {"hmc": 25.0, "rwm": 15.0}
"""seconds of student time per statistical check: the reference needs about 1 s and 0.5 s
on a loaded two-core machine, so a correct sampler 15 to 25 times slower still passes, and
2.2 stays within a minute"""


def exact_banana_draws(rng, n, b=0.1) -> np.ndarray:
    """``x1 = 10 z1``, ``x2 = z2 - b (x1**2 - 100)``: exact draws of the banana."""
    z = rng.standard_normal((n, 2))
    x1 = 10.0 * z[:, 0]
    return np.stack([x1, z[:, 1] - b * (x1**2 - 100.0)], axis=1)


def ridge_statistic(x, b=0.1) -> np.ndarray:
    """``w = (x2 + b x1**2 - 100 b)**2``, which is ``z2**2`` for an exact draw."""
    return (x[..., 1] + b * x[..., 0] ** 2 - 100.0 * b) ** 2


def stationarity_sum(student, sampler: str, seed: int) -> float:
    """Run the chains of one statistical check with grader seed ``seed``; return the sum of
    w over their last states (NaN when a chain's output is unreadable or not finite)."""
    test = HMC_STAT if sampler == "hmc" else RWM_STAT
    rng = np.random.default_rng(seed)
    starts = exact_banana_draws(rng, test.n_chains)
    if sampler == "hmc":
        args = [BANANA.log_fixture, BANANA.grad_fixture, None, test.n_transitions]
        args += [*HMC_STAT_SETTINGS, None]
        x0_position = 2
    else:
        args = [BANANA.log_fixture, None, test.n_transitions, RWM_STAT_STD, None]
        x0_position = 1
    answer = student.probe(
        "last_states",
        StudentFunction(f"hmc.{FUNCTION[sampler]}"),
        args,
        x0_position,
        len(args) - 1,
        starts,
        int(rng.integers(2**63)),
        timeout=STAT_TIMEOUT[sampler],
    )
    if answer["n_unreadable"]:
        fail(f"{FUNCTION[sampler]} returned something other than (samples, acceptance_rate)")
    total = float(np.sum(ridge_statistic(np.asarray(answer["last"], dtype=float))))
    return total if np.isfinite(total) else float("nan")


def stationarity_verdict(student, sampler: str, seed: int) -> tuple[bool, float]:
    test = HMC_STAT if sampler == "hmc" else RWM_STAT
    total = stationarity_sum(student, sampler, seed)
    return bool(test.low <= total <= test.high), total


STAT_MESSAGE = (
    "{name} does not leave the banana invariant: chains started at exact draws of the "
    "banana are, after a few iterations, no longer distributed as the banana (far beyond "
    "chance; the ridge statistic (x2 + b x1^2 - 100 b)^2 is off). Look at the acceptance "
    "rule at large step sizes, and at what is stored on rejection"
)


@check(
    "2.2 hmc_sample leaves the banana invariant: chains from exact draws stay exact",
    points=1.5,
    catches="any error in the acceptance rule or bookkeeping that shows at a large step size "
    "on the banana: no or a wrong Metropolis correction, a stale Hamiltonian, storing "
    "rejected proposals, mishandled overflow in the tails",
    timeout=STAT_TIMEOUT["hmc"] + 5,
)
def test_hmc_stationary(student):
    passed, _ = stationarity_verdict(student, "hmc", student.seed)
    expect(passed, STAT_MESSAGE.format(name="hmc_sample"))


@check(
    "2.2 random_walk_metropolis leaves the banana invariant: chains from exact draws stay exact",
    points=1,
    catches="an inverted or missing Metropolis ratio; storing rejected proposals; other "
    "errors that bias the chain on the banana",
    timeout=STAT_TIMEOUT["rwm"] + 5,
)
def test_rwm_stationary(student):
    passed, _ = stationarity_verdict(student, "rwm", student.seed)
    expect(passed, STAT_MESSAGE.format(name="random_walk_metropolis"))


# --------------------------------------------------------------------------------------------
# the trajectory and untouched inputs


@check(
    "2.2 hmc_trajectory returns every state of the leapfrog path, starting at (x0, p0)",
    points=2,
    catches="a missing initial row; only the end point; positions without momenta; the "
    "gradient of log pi used where the gradient of U belongs; a wrong step count",
)
def test_hmc_trajectory(student):
    cases = [
        (GAUSS, np.array([1.5, -2.0]), np.array([0.3, 1.1]), 0.2, 15),
        (BANANA_B02, np.array([3.0, 0.5]), np.array([1.0, -0.5]), 0.1, 12),
    ]
    for target, x0, p0, eps, n_steps in cases:
        value = student.call("hmc.hmc_trajectory", target.grad_fixture, x0, p0, eps, n_steps)
        xs, ps = as_pair(value, "hmc_trajectory")
        xs = as_array(xs, "hmc_trajectory's xs", shape=(n_steps + 1, 2))
        ps = as_array(ps, "hmc_trajectory's ps", shape=(n_steps + 1, 2))
        want_x, want_p = leapfrog_path(target.grad, x0, p0, eps, n_steps)
        expect(
            close(xs[0], x0) and close(ps[0], p0),
            "hmc_trajectory's row 0 is not (x0, p0)",
        )
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
        ("hmc.hmc_sample", (GAUSS.log_fixture, GAUSS.grad_fixture, x0, 20, 0.3, 5, NumpyRng(1))),
        (
            "hmc.random_walk_metropolis",
            (GAUSS.log_fixture, x0, 20, np.array([0.5, 0.5]), NumpyRng(1)),
        ),
        ("hmc.hmc_trajectory", (GAUSS.grad_fixture, x0, p0, 0.3, 5)),
    ]
    for target, args in calls:
        if student.call_full(target, *args).mutated:
            fail(f"{target.split('.')[1]} modified an input array in place")
