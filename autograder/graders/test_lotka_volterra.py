"""Hidden checks of ``student/lotka_volterra.py`` (question 2.1).

The field and the simulation are judged against formulas and a trusted solve done here.
``NeuralODEFunc`` is judged by its contract (``forward(t, y)``, shapes, dtypes, trainable
float32 parameters). The plot is judged structurally, and saved for the TA.

Training is judged by the field it learns, not by how it was learned. The student's own
``train_neural_ode`` runs with its defaults (the contract promises that they fit the
handout's data in 60 s on one core) on two data sets made here, each like the handout's
(101 times on ``[0, 10]``, Gaussian noise of standard deviation ``SIGMA = 0.05``, float32):

- Lotka-Volterra with other rates and another initial state (``OTHER_RATES``);
- a Rosenzweig-MacArthur predator-prey system (logistic prey, saturating predation), whose
  orbits spiral onto a limit cycle: no Lotka-Volterra field, with any rates, fits it.

So a ``NeuralODEFunc`` that returns the known Lotka-Volterra field, or fits only its four
rates, fails checks here. Right after each training run the returned field is measured
with trusted adaptive solves (dopri5, ``rtol = 1e-6``, ``atol = 1e-8``, in float32, the
dtype of the field's parameters), against the clean trajectory, at times and states that
were not among the observations:

- *local flow*: from 20 clean states at the times halfway between observations
  ``0.05, 0.55, ..., 9.55``, each solved on its own for 0.5 s; mean squared error over the
  five points 0.1 s apart;
- *whole trajectory*: one solve from the true initial state over ``[0, 10]``; mean squared
  error at the 100 times halfway between observations.

The tiers are separate checks, so a failure costs only the tier it breaks: the loss falls
(run 1); the local flow is learned (both runs); the whole trajectory is tracked (both runs).
A training run that raises or runs out of time fails the checks of that run only, with a
message that says so; a NaN loss fails the loss check only; a rollout that blows up fails
the rollout it breaks.

Thresholds, in units of ``SIGMA**2`` (mean squared error over both coordinates):

- local flow at most ``LOCAL_MAX = 2``: an RMS error of 0.07 after at most 0.5 s, a field
  wrong by about 5 % of the speed; the reference reaches 0.03-0.25;
- whole trajectory at most ``TRAJECTORY_MAX = 6``: an RMS error of 0.12 on populations that
  swing by 3-5 over 2-3 periods, a period error of about 0.5 %; the reference reaches
  0.08-0.51 (3 training seeds, 4 noise draws of each data set;
  ``benchmarks/lotka_volterra_grading.py`` prints the figures). The bound is wide
  because one noisy trajectory does not pin the period down better than that: on
  Lotka-Volterra data of this size, even the exact four-rate model fitted by least
  squares misses by up to 1.3 sigma^2, and a network has more freedom. A field that did not
  learn, or fitted short windows but drifts over the span, is off by 8-1000 sigma^2 (a
  window-only fit of ``tests/lotka_volterra_alternatives``: 8.1 on the first data set).

The first observation of each data set is the exact initial state (noise on the other 100
points). A whole-trajectory fit from ``y_obs[0]``, as the handout suggests, otherwise
inherits the noise of that one point: from a noisy start, even the exact Lotka-Volterra
rates fitted that way miss the clean trajectory by up to 127 sigma^2
(``benchmarks/lotka_volterra_training.py``). With an exact start the check judges the field
and not the luck of one noise draw.

Limitations
-----------
Each training run is deterministic given the student's default seed, so a recipe that
succeeds for most seeds but not for its default one fails; the handout asks students to
check their defaults. The data sets are fixed: a submission tuned to them could pass
without being good elsewhere, which the hidden data make unlikely. The simulation's
tolerance cannot be read from its output: every adaptive torchdiffeq solver at the
contract's tolerance is accepted (bosh3 at ``rtol = 1e-8`` errs by up to 8e-5), and so is
a looser or fixed-step solve that happens to be as accurate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torchdiffeq import odeint

from autograder.engine.child import (
    BudgetExhausted,
    NotImplementedYet,
    StudentCodeError,
    StudentTimeout,
)
from autograder.graders.support import (
    Fixture,
    GradTensor,
    Handle,
    StudentFunction,
    as_pair,
    as_tensor,
    check,
    close,
    expect,
    fail,
)

DEFAULTS = {"alpha": 1.5, "beta": 1.0, "gamma": 3.0, "delta": 1.0}
OTHER = {"alpha": 1.1, "beta": 0.4, "gamma": 0.9, "delta": 0.3}
"""rates for the field and simulation checks"""
SIGMA = 0.05
"""noise standard deviation of every training data set"""
FIELD = StudentFunction("lotka_volterra.lotka_volterra")

SIMULATION_ATOL = 4e-4
"""largest accepted error of ``y_true``: five times the worst error measured for an adaptive
torchdiffeq solver at the contract's ``rtol = 1e-8, atol = 1e-10`` (bosh3, 8e-5); rk4 at
the data spacing errs by 1.6e-3 on the default system"""

TRAINING_TIME_LIMIT = 150.0
"""seconds allowed for one training run with the student's defaults: the contract's 60 s on
one core, with room for a grading machine 2.5 times slower"""
MEASURE_TIME_LIMIT = 60.0
"""seconds allowed for the rollouts of one trained field"""
LOCAL_MAX = 2.0
TRAJECTORY_MAX = 6.0
"""thresholds of the training tiers, in units of SIGMA**2 (see the module docstring)"""
LOSS_DROP = 0.5
"""the least loss of the second half of training must be below this share of the mean loss
of its first 5 %"""


# --------------------------------------------------------------------------------------------
# trusted fields and solves (float64, grader side)


def lv_numpy(y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return np.stack([alpha * x - beta * x * z, delta * x * z - gamma * z], axis=-1)


def lotka_volterra_field(alpha=1.5, beta=1.0, gamma=3.0, delta=1.0) -> Callable:
    """``(t, y) -> dy/dt`` of Lotka-Volterra, torch, any dtype."""

    def field(_, y):
        x, z = y[..., 0], y[..., 1]
        return torch.stack((alpha * x - beta * x * z, delta * x * z - gamma * z), dim=-1)

    return field


def rosenzweig_macarthur_field(r, capacity, attack, handling, efficiency, mortality):
    """``(t, y) -> dy/dt`` of prey with logistic growth eaten at a Holling type II rate:
    ``x' = r x (1 - x / K) - a x y / (1 + a h x)``, ``y' = e a x y / (1 + a h x) - m y``."""

    def field(_, y):
        x, z = y[..., 0], y[..., 1]
        eaten = attack * x / (1 + attack * handling * x)
        return torch.stack(
            (r * x * (1 - x / capacity) - eaten * z, efficiency * eaten * z - mortality * z),
            dim=-1,
        )

    return field


def solve(field, y0, t) -> np.ndarray:
    """A trusted solve: float64, dopri5 at rtol 1e-11, shape (len(t), *y0.shape)."""
    with torch.no_grad():
        return odeint(
            field,
            torch.as_tensor(np.asarray(y0), dtype=torch.float64),
            torch.as_tensor(np.asarray(t), dtype=torch.float64),
            method="dopri5",
            rtol=1e-11,
            atol=1e-13,
        ).numpy()


def trusted_solve(y0, t, **params):
    """The true Lotka-Volterra trajectory (default rates unless given)."""
    return solve(lotka_volterra_field(**{**DEFAULTS, **params}), y0, t)


def conserved(y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return delta * x - gamma * np.log(x) + beta * z - alpha * np.log(z)


# --------------------------------------------------------------------------------------------
# the field


def field_values(student, y, **kwargs):
    value = student.call(
        "lotka_volterra.lotka_volterra", torch.tensor(0.0, dtype=y.dtype), y, **kwargs
    )
    return as_tensor(value, "lotka_volterra's result", shape=tuple(y.shape), dtype=y.dtype)


@check(
    "2.1 lotka_volterra gives the exact field at hand-worked points and zero at equilibrium",
    points=2.5,
    catches="swapped prey/predator equations; wrong signs; gamma and delta exchanged; "
    "returning (dy, dx)",
)
def test_field_values(student):
    points = torch.tensor([[1.0, 1.0], [2.0, 0.5], [3.0, 1.5], [0.0, 0.0]], dtype=torch.float64)
    got = field_values(student, points).numpy()
    want = np.array([[0.5, -2.0], [2.0, -0.5], [0.0, 0.0], [0.0, 0.0]])
    expect(close(got, want, atol=1e-12), "the field is wrong at hand-worked points")
    rng = np.random.default_rng(5)
    batch = torch.as_tensor(rng.uniform(0.1, 5.0, size=(50, 2)))
    expect(
        close(field_values(student, batch).numpy(), lv_numpy(batch.numpy())),
        "the field is wrong at random points",
    )


@check(
    "2.1 lotka_volterra keeps batched shapes and the dtype of y",
    points=1.5,
    catches="flattening batches; indexing y[0], y[1] instead of the last axis; converting "
    "to float64 or to numpy",
)
def test_field_shapes_dtype(student):
    rng = np.random.default_rng(6)
    y32 = torch.as_tensor(rng.uniform(0.1, 4.0, size=(3, 4, 2)), dtype=torch.float32)
    got = field_values(student, y32)
    expect(
        close(got.numpy(), lv_numpy(y32.numpy().astype(float)), rtol=1e-5, atol=1e-5),
        "the field is wrong on a (3, 4, 2) batch",
    )
    single = field_values(student, torch.tensor([2.0, 0.5], dtype=torch.float64))
    expect(close(single.numpy(), [2.0, -0.5]), "the field is wrong for a single state (2,)")


@check(
    "2.1 lotka_volterra uses the parameters it is given, as floats or tensors",
    points=1,
    catches="hard-coded default parameters; parameters in the wrong places",
)
def test_field_parameters(student):
    y = torch.tensor([[1.0, 2.0], [0.5, 3.0], [2.5, 0.7]], dtype=torch.float64)
    got = field_values(student, y, **OTHER).numpy()
    expect(
        close(got, lv_numpy(y.numpy(), **OTHER)),
        "the field ignores or misplaces the parameters given as floats",
    )
    as_tensors = {key: torch.tensor(value, dtype=torch.float64) for key, value in OTHER.items()}
    got = field_values(student, y, **as_tensors).numpy()
    expect(close(got, lv_numpy(y.numpy(), **OTHER)), "the field is wrong with tensor parameters")


@check(
    "2.1 lotka_volterra is differentiable in y and in tensor parameters",
    points=2,
    catches="detaching, converting to numpy or building the output with torch.tensor([...]) "
    "so that no gradient flows",
)
def test_field_gradients(student):
    rng = np.random.default_rng(7)
    y = torch.as_tensor(rng.uniform(0.2, 3.0, size=(5, 2)))
    cot = torch.as_tensor(rng.normal(size=(5, 2)))
    params = {
        key: GradTensor(torch.tensor(value, dtype=torch.float64)) for key, value in OTHER.items()
    }
    answer = student.probe(
        "vjp", FIELD, [torch.tensor(0.0, dtype=torch.float64), GradTensor(y)], params, cot
    )
    grad_y = answer["grads"][1]
    if grad_y is None:
        fail("no gradient flows from the field back to y")
    a, b, g, d = (OTHER[k] for k in ("alpha", "beta", "gamma", "delta"))
    x, z = y[:, 0].numpy(), y[:, 1].numpy()
    cx, cz = cot[:, 0].numpy(), cot[:, 1].numpy()
    want_y = np.stack([cx * (a - b * z) + cz * d * z, cx * (-b * x) + cz * (d * x - g)], -1)
    expect(
        close(as_tensor(grad_y, "the gradient in y").numpy(), want_y, rtol=1e-8),
        "the gradient with respect to y is wrong",
    )
    want_params = {
        "alpha": np.sum(cx * x),
        "beta": np.sum(-cx * x * z),
        "gamma": np.sum(-cz * z),
        "delta": np.sum(cz * x * z),
    }
    for key, want in want_params.items():
        grad = answer["kwarg_grads"].get(key)
        if grad is None:
            fail(f"no gradient flows from the field back to the parameter {key}")
        expect(
            close(as_tensor(grad, f"the gradient in {key}").numpy(), want, rtol=1e-8),
            f"the gradient with respect to {key} is wrong",
        )


@check(
    "2.1 lotka_volterra conserves delta x - gamma log x + beta y - alpha log y along a solve",
    points=1,
    catches="a field that is right at a few points but not along a trajectory; accepting "
    "(y, t) instead of (t, y)",
)
def test_field_conserved_quantity(student):
    t = torch.linspace(0.0, 10.0, 201, dtype=torch.float64)
    path = student.probe(
        "solve", FIELD, torch.tensor([1.0, 1.0], dtype=torch.float64), t, rtol=1e-10, atol=1e-12
    )
    path = as_tensor(path, "the solved trajectory", shape=(201, 2)).numpy()
    values = conserved(path)
    expect(
        bool(np.all(path > 0)) and np.ptp(values) < 1e-6,
        "the conserved quantity drifts along a tight solve of the field",
    )


# --------------------------------------------------------------------------------------------
# the simulation


def simulated(student, y0, t, **kwargs):
    value = student.call("lotka_volterra.simulate_lotka_volterra", y0, t, timeout=60, **kwargs)
    y_true, y_obs = as_pair(value, "simulate_lotka_volterra")
    shape = (len(t), 2)
    y_true = as_tensor(y_true, "y_true", shape=shape, dtype=y0.dtype)
    y_obs = as_tensor(y_obs, "y_obs", shape=shape, dtype=y0.dtype)
    return y_true.numpy().astype(float), y_obs.numpy().astype(float)


@check(
    "2.1 simulate_lotka_volterra's clean trajectory matches a trusted solve",
    points=2,
    catches="a fixed-step solver at the data spacing or a very loose tolerance; parameters "
    "not passed through; the wrong initial state or time grid; a dtype other than y0's",
)
def test_simulation_trajectory(student):
    t = torch.linspace(0.0, 10.0, 101, dtype=torch.float64)
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    y_true, y_obs = simulated(student, y0, t)
    expect(
        close(y_true, trusted_solve(y0, t), rtol=0, atol=SIMULATION_ATOL),
        "y_true differs from an accurate solve of the default system (is the solver "
        "adaptive, with the tolerance the handout asks for?)",
    )
    expect(close(y_obs, y_true, rtol=0, atol=0), "with noise_std = 0, y_obs should be y_true")
    y0 = torch.tensor([2.0, 0.5], dtype=torch.float64)
    t = torch.linspace(0.0, 6.0, 61, dtype=torch.float64)
    y_true, _ = simulated(student, y0, t, **OTHER)
    expect(
        close(y_true, trusted_solve(y0, t, **OTHER), rtol=0, atol=SIMULATION_ATOL),
        "y_true is wrong for other parameters or another initial state",
    )
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float32)
    t32 = torch.linspace(0.0, 2.0, 21, dtype=torch.float32)
    simulated(student, y0, t32)


@check(
    "2.1 simulate_lotka_volterra adds seeded, independent Gaussian noise of the given std",
    points=2.5,
    catches="noise scaled wrongly (variance for std); the same noise on both coordinates; "
    "noise from the global generator instead of seed; noise that ignores noise_std",
)
def test_simulation_noise(student):
    """False-fail probability below 1e-9: with n = 4002 noise values the sample std has
    relative sd 1/sqrt(2n) = 0.011, the bound 0.075 is 6.7 sd; the mean bound is 6 sd; the
    correlation bound 6/sqrt(2001) is 6 sd (normal approximations, n large)."""
    t = torch.linspace(0.0, 10.0, 2001, dtype=torch.float64)
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    sigma = 0.2
    y_true, y_obs = simulated(student, y0, t, noise_std=sigma, seed=3)
    noise = (y_obs - y_true) / sigma
    n = noise.size
    expect(
        abs(noise.std() - 1.0) <= 0.075, "the noise does not have the requested standard deviation"
    )
    expect(abs(noise.mean()) <= 6 / np.sqrt(n), "the noise is not centred")
    corr = np.corrcoef(noise[:, 0], noise[:, 1])[0, 1]
    expect(abs(corr) <= 6 / np.sqrt(len(t)), "the noise of the two coordinates is not independent")
    _, same_obs = simulated(student, y0, t, noise_std=sigma, seed=3)
    expect(np.array_equal(same_obs, y_obs), "the same seed does not give the same data")
    _, obs_4 = simulated(student, y0, t, noise_std=sigma, seed=4)
    expect(not np.array_equal(obs_4, y_obs), "different seeds give the same noise")


@check(
    "2.1 simulate_lotka_volterra's noise comes only from its seed, not from global state",
    points=0.5,
    catches="torch.randn without the seeded generator (data that change with the global "
    "random state)",
)
def test_simulation_noise_only_from_seed(student):
    t = torch.linspace(0.0, 3.0, 31, dtype=torch.float64)
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    runs = []
    for global_seed in (101, 202):
        value = student.call(
            "lotka_volterra.simulate_lotka_volterra",
            y0,
            t,
            0.1,
            9,
            timeout=60,
            call_seed=global_seed,
        )
        runs.append(as_tensor(as_pair(value, "simulate_lotka_volterra")[1], "y_obs").numpy())
    expect(np.array_equal(runs[0], runs[1]), "the noise changes with the global random state")


# --------------------------------------------------------------------------------------------
# the learned field's module


@check(
    "2.1 NeuralODEFunc maps (2,) and batched states with forward(t, y), keeps their dtype, "
    "and has trainable float32 parameters",
    points=2,
    catches="forward(self, y) without t; (y, t) order; a batch dimension dropped or added; "
    "float64 states returned as float32; no parameters registered (plain tensors instead of "
    "nn.Parameter or layers); a constructor that needs arguments",
)
def test_neural_ode_func(student):
    for kwargs in ({}, {"hidden": 16}):
        func = student.call("lotka_volterra.NeuralODEFunc", **kwargs)
        summary = student.probe("module_summary", func)
        expect(summary.get("is_module") is True, "NeuralODEFunc(...) is not a torch module")
        expect(
            summary["n_parameters"] > 0 and summary["all_trainable"],
            "NeuralODEFunc has no trainable parameters",
        )
        expect(summary["dtypes"] == ["float32"], "NeuralODEFunc's parameters are not float32")
        t = torch.tensor(0.0)
        for shape in ((2,), (7, 2), (3, 4, 2)):
            y = torch.rand(shape, dtype=torch.float32) + 0.5
            out = student.call_method(func, "__call__", t, y)
            as_tensor(out, f"NeuralODEFunc's output for a {shape} state", shape=shape)
        y64 = torch.rand((5, 2), dtype=torch.float64) + 0.5
        out = student.call_method(func, "__call__", t.double(), y64)
        as_tensor(out, "NeuralODEFunc's output for a float64 state", shape=(5, 2))
        expect(
            out.dtype == torch.float64,
            "NeuralODEFunc returns another dtype than the state's for a float64 state (cast "
            "the result back to y's dtype)",
        )


# --------------------------------------------------------------------------------------------
# training: data made here, the student's defaults, the fitted field measured


@dataclass(frozen=True)
class TrainingData:
    """A planar system sampled like the handout's data."""

    key: str
    """the memo key of its training run"""
    title: str
    """how feedback names the data"""
    field: Callable
    """the true ``(t, y) -> dy/dt``, torch, float64"""
    y0: tuple[float, float]
    """the true initial state"""
    noise_seed: int
    """seed of the ``torch.Generator`` that draws the observation noise"""

    def times(self) -> torch.Tensor:
        """101 observation times on [0, 10], float32."""
        return torch.linspace(0.0, 10.0, 101)

    def observations(self) -> torch.Tensor:
        """Clean states plus noise of std SIGMA, the first row exact; (101, 2) float32."""
        clean = solve(self.field, self.y0, self.times())
        generator = torch.Generator().manual_seed(self.noise_seed)
        noise = torch.randn(clean.shape, generator=generator, dtype=torch.float64).numpy()
        noise[0] = 0.0
        return torch.as_tensor(clean + SIGMA * noise, dtype=torch.float32)


OTHER_RATES = {"alpha": 1.3, "beta": 0.8, "gamma": 2.6, "delta": 0.9}
LV_OTHER = TrainingData(
    key="lotka-volterra, other rates",
    title="Lotka-Volterra data with other rates and another initial state",
    field=lotka_volterra_field(**OTHER_RATES),
    y0=(1.6, 0.7),
    noise_seed=2101,
)
PREDATOR_PREY = TrainingData(
    key="rosenzweig-macarthur",
    title="data of another predator-prey system (not Lotka-Volterra)",
    field=rosenzweig_macarthur_field(3.0, 8.0, 1.0, 0.25, 1.0, 1.5),
    y0=(2.0, 2.0),
    noise_seed=2102,
)

LOCAL_STARTS = 0.05 + 0.5 * np.arange(20)
"""times of the clean states that start the local solves (halfway between observations)"""
LOCAL_TIMES = np.linspace(0.0, 0.5, 6)
"""relative times of each local solve; the error is taken at all but the first"""
HELD_OUT_TIMES = np.linspace(0.05, 9.95, 100)
"""times of the whole-trajectory comparison, halfway between observations"""


@dataclass
class TrainingRun:
    """What one training run with the student's defaults gave, measured at once (the
    trained module lives in the child process and is lost if that process restarts)."""

    problem: str = ""
    """why there is nothing to judge (timeout, exception, unreadable return); "" if none"""
    error: StudentCodeError | None = None
    """the exception to raise again instead, when the function is not implemented"""
    losses: np.ndarray | None = None
    """the losses as floats, or None with ``losses_problem`` set"""
    losses_problem: str = ""
    local: float = np.nan
    """local-flow MSE / SIGMA**2"""
    local_problem: str = ""
    trajectory: float = np.nan
    """whole-trajectory MSE / SIGMA**2"""
    trajectory_problem: str = ""
    notes: list[str] = field(default_factory=list)


def read_losses(losses) -> tuple[np.ndarray | None, str]:
    """The losses as a float array, or None and what is wrong with them."""
    if not isinstance(losses, (list, tuple)):
        return None, "train_neural_ode's losses should be a list of floats"
    values = []
    for value in losses:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
        elif hasattr(value, "tensor") and value.tensor.numel() == 1:  # a 0-d tensor
            values.append(float(value.tensor.reshape(())))
        elif isinstance(value, np.ndarray) and value.size == 1:
            values.append(float(value.reshape(())))
        else:
            return None, "train_neural_ode's losses should be a list of floats"
    array = np.asarray(values, dtype=float)
    if array.size < 2:
        return None, "train_neural_ode returned fewer than two losses with its defaults"
    if not np.all(np.isfinite(array)):
        return None, "train_neural_ode's losses contain NaN or infinity"
    return array, ""


def measure_rollouts(rollouts: Callable, data: TrainingData) -> dict:
    """Local and whole-trajectory errors of a learned field against ``data``'s clean solution.

    ``rollouts(starts, t)`` solves the field from each row of ``starts`` over ``t`` and
    answers like the child-side probe ``rollouts`` (``paths`` and ``problem``).
    """
    measured = {}
    starts = solve(data.field, data.y0, np.concatenate([[0.0], LOCAL_STARTS]))[1:]
    truth = np.stack([solve(data.field, start, LOCAL_TIMES) for start in starts])
    answer = rollouts(
        torch.as_tensor(starts, dtype=torch.float32),
        torch.as_tensor(LOCAL_TIMES, dtype=torch.float32),
    )
    paths = np.asarray(answer["paths"], dtype=float)
    measured["local"] = float(np.mean((paths[:, 1:] - truth[:, 1:]) ** 2) / SIGMA**2)
    measured["local_problem"] = answer["problem"]

    grid = np.concatenate([[0.0], HELD_OUT_TIMES])
    clean = solve(data.field, data.y0, grid)[1:]
    answer = rollouts(
        torch.as_tensor([data.y0], dtype=torch.float32), torch.as_tensor(grid, dtype=torch.float32)
    )
    path = np.asarray(answer["paths"], dtype=float)[0, 1:]
    measured["trajectory"] = float(np.mean((path - clean) ** 2) / SIGMA**2)
    measured["trajectory_problem"] = answer["problem"]
    return measured


def training_run(student, data: TrainingData) -> TrainingRun:
    """Train with the student's defaults on ``data`` once per submission, and measure."""
    if data.key in student.memo:
        return student.memo[data.key]
    run = TrainingRun()
    student.memo[data.key] = run
    try:
        value = student.call(
            "lotka_volterra.train_neural_ode",
            data.times(),
            data.observations(),
            timeout=TRAINING_TIME_LIMIT,
        )
    except NotImplementedYet as error:
        run.error = error
        return run
    except (StudentTimeout, BudgetExhausted):
        run.problem = (
            f"train_neural_ode with its defaults ran out of time on the {data.title}: it "
            f"did not finish within {TRAINING_TIME_LIMIT:.0f} s (the handout allows 60 s on "
            "one core), so the checks that judge this training run score zero"
        )
        return run
    except StudentCodeError as error:
        run.problem = f"train_neural_ode failed on the {data.title}: {error.feedback}"
        return run

    if not isinstance(value, (tuple, list)) or len(value) != 2:
        run.problem = "train_neural_ode should return a pair (func, losses)"
        return run
    func, losses = value
    run.losses, run.losses_problem = read_losses(losses)
    if not isinstance(func, Handle):
        problem = "train_neural_ode's func is not a module or callable that can be solved"
        run.local_problem = run.trajectory_problem = problem
        return run
    try:
        measured = measure_rollouts(
            lambda starts, t: student.probe(
                "rollouts", func, starts, t, timeout=MEASURE_TIME_LIMIT
            ),
            data,
        )
    except StudentCodeError as error:
        problem = f"solving the learned field failed: {error.feedback}"
        run.local_problem = run.trajectory_problem = problem
        return run
    run.local, run.local_problem = measured["local"], measured["local_problem"]
    run.trajectory = measured["trajectory"]
    run.trajectory_problem = measured["trajectory_problem"]
    return run


def trained(student, data: TrainingData) -> TrainingRun:
    """The training run on ``data``; fail the check if it gave nothing to judge."""
    run = training_run(student, data)
    if run.error is not None:
        raise run.error
    if run.problem:
        fail(run.problem)
    return run


def judge_rollout(value: float, problem: str, bound: float, what: str, data) -> None:
    if problem or not np.isfinite(value):
        fail(
            f"the {what} of the field learned from the {data.title} could not be computed: "
            f"{problem or 'it contains NaN or infinity'}"
        )
    expect(
        value <= bound,
        f"the {what} of the field learned from the {data.title} does not fit the clean "
        f"held-out points closely enough (mean squared error {value:.3g} times the noise "
        f"variance)",
    )


TRAINING_TIMEOUT = TRAINING_TIME_LIMIT + 2 * MEASURE_TIME_LIMIT + 30


@check(
    "2.1 training for n_iters=12 steps returns a module and one finite float loss per step",
    points=1.5,
    catches="ignoring n_iters; losses of a fixed number of iterations; tensors in the loss "
    "list; NaN losses; a non-module in place of the field",
    timeout=90,
)
def test_training_contract(student):
    t = torch.linspace(0.0, 10.0, 101)
    y_obs = torch.as_tensor(trusted_solve([1.0, 1.0], t), dtype=torch.float32)
    value = student.call("lotka_volterra.train_neural_ode", t, y_obs, n_iters=12, timeout=90)
    func, losses = as_pair(value, "train_neural_ode")
    if not isinstance(losses, list) or len(losses) != 12:
        fail("train_neural_ode(..., n_iters=12) should return a list of 12 losses")
    if not all(type(loss) is float for loss in losses):
        fail("train_neural_ode's losses should be Python floats (loss.item())")
    expect(all(np.isfinite(losses)), "train_neural_ode's losses contain NaN or infinity")
    summary = student.probe("module_summary", func)
    expect(summary.get("is_module") is True, "train_neural_ode did not return a torch module")


@check(
    "2.1 train_neural_ode's loss falls during training on Lotka-Volterra data with other rates",
    points=1,
    catches="an optimiser that is never stepped; a learning rate of zero; gradients zeroed "
    "between backward and step; NaN losses",
    timeout=TRAINING_TIMEOUT,
)
def test_training_loss_falls(student):
    run = trained(student, LV_OTHER)
    if run.losses is None:
        fail(run.losses_problem)
    losses = run.losses
    first = losses[: max(1, len(losses) // 20)].mean()
    expect(
        losses[len(losses) // 2 :].min() < LOSS_DROP * first,
        "the training loss does not fall on the Lotka-Volterra data with other rates",
    )


@check(
    "2.1 train_neural_ode learns the local flow of Lotka-Volterra data with other rates",
    points=1.5,
    catches="a field that does not learn (untrained, diverged, stuck at the mean); windows "
    "compared with the wrong targets; a field that ignores the data it is given (the "
    "default Lotka-Volterra rates built in)",
    timeout=TRAINING_TIMEOUT,
)
def test_training_local_lv(student):
    run = trained(student, LV_OTHER)
    judge_rollout(run.local, run.local_problem, LOCAL_MAX, "short-time flow", LV_OTHER)


@check(
    "2.1 train_neural_ode's field tracks the whole held-out trajectory of Lotka-Volterra "
    "data with other rates",
    points=2.5,
    catches="a field right locally whose period is off, so that it drifts over the span; "
    "training that stops short; a field fitted with a solver far coarser than the data "
    "spacing",
    timeout=TRAINING_TIMEOUT,
)
def test_training_trajectory_lv(student):
    run = trained(student, LV_OTHER)
    judge_rollout(
        run.trajectory, run.trajectory_problem, TRAJECTORY_MAX, "whole trajectory", LV_OTHER
    )


@check(
    "2.1 train_neural_ode learns the local flow of another predator-prey system",
    points=1,
    catches="the Lotka-Volterra formula inside NeuralODEFunc (with fixed or trainable rates); "
    "a recipe that works only for the handout's system",
    timeout=TRAINING_TIMEOUT,
)
def test_training_local_other_system(student):
    run = trained(student, PREDATOR_PREY)
    judge_rollout(run.local, run.local_problem, LOCAL_MAX, "short-time flow", PREDATOR_PREY)


@check(
    "2.1 train_neural_ode's field tracks the whole held-out trajectory of another "
    "predator-prey system",
    points=1.5,
    catches="the Lotka-Volterra formula inside NeuralODEFunc (with fixed or trainable rates); "
    "a field that drifts over the span",
    timeout=TRAINING_TIMEOUT,
)
def test_training_trajectory_other_system(student):
    run = trained(student, PREDATOR_PREY)
    judge_rollout(
        run.trajectory,
        run.trajectory_problem,
        TRAJECTORY_MAX,
        "whole trajectory",
        PREDATOR_PREY,
    )


# --------------------------------------------------------------------------------------------
# the plot


def distances_to_curve(points: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """For each point (n, 2), its distance to the nearest point of ``curve`` (m, 2)."""
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) > 1000:
        points = points[np.linspace(0, len(points) - 1, 1000).astype(int)]
    if not len(points):
        return np.array([np.inf])
    gaps = points[:, None, :] - curve[None, :, :]
    return np.sqrt(np.min(np.sum(gaps**2, axis=-1), axis=1))


@check(
    "2.1 plot_phase_portrait draws a field, the trajectory from y_obs[0], the data, labelled "
    "axes and a legend",
    points=2,
    catches="no quiver or stream plot; no trajectory, or one not started at y_obs[0]; data "
    "not drawn; prey and predator swapped; unlabelled axes; no legend",
)
def test_phase_portrait(student):
    """The field is the true one (a child-side fixture), so the student's trajectory lies on
    the true orbit through y_obs[0]. A line counts as that trajectory when it is not the data,
    its median distance to the orbit is below 0.15 (rk4 at step 0.1 errs by 2e-3; with prey
    and predator swapped the median distance is about 1) and it starts within 0.15 of
    y_obs[0]. The data are noisy, so a trajectory does not pass for the data: drawn data are
    a point set (or a line) with 90 % of the observations within 1e-3 of its points."""
    t = torch.linspace(0.0, 10.0, 101)
    clean = trusted_solve([1.0, 1.0], t)
    generator = torch.Generator().manual_seed(2103)
    noise = torch.randn(clean.shape, generator=generator, dtype=torch.float64).numpy()
    y_obs = torch.as_tensor(clean + SIGMA * noise, dtype=torch.float32)
    field = Fixture("lotka_volterra_field")
    axes = student.call("lotka_volterra.plot_phase_portrait", field, y_obs, timeout=60)
    summary = student.probe("axes_summary", axes, timeout=60)
    if summary.get("is_axes") is not True:
        fail("plot_phase_portrait should return a matplotlib Axes")
    student.save_artifact("phase_portrait.png", bytes(np.asarray(summary["png"], np.uint8)))
    points = student.probe("axes_points", axes, timeout=60)
    expect(
        bool(summary["xlabel"].strip()) and bool(summary["ylabel"].strip()),
        "the axes are not labelled",
    )
    field_artists = {"Quiver", "LineCollection", "StreamplotSet"}
    expect(
        any(name in field_artists for name in summary["collections"])
        or "FancyArrowPatch" in summary["patches"],
        "no quiver or stream plot of the field was found",
    )

    data = y_obs.numpy().astype(float)

    def draws_data(xy: np.ndarray) -> bool:
        return bool(np.mean(distances_to_curve(data, xy) < 1e-3) >= 0.9)

    lines = [
        (line, np.column_stack([line["x"], line["y"]]))
        for line in summary["lines"]
        if len(line["x"]) >= 10
    ]
    orbit = trusted_solve(data[0], np.linspace(0.0, 10.0, 2001))
    trajectories = [
        xy
        for _, xy in lines
        if not draws_data(xy) and np.median(distances_to_curve(xy, orbit)) < 0.15
    ]
    expect(
        bool(trajectories),
        "no trajectory of the field was found in the prey-predator plane (prey on the "
        "horizontal axis)",
    )
    expect(
        any(np.hypot(*(xy[0] - data[0])) < 0.15 for xy in trajectories),
        "the trajectory does not start at y_obs[0]",
    )
    drew_data = any(draws_data(np.asarray(item["offsets"])) for item in points) or any(
        draws_data(xy) for _, xy in lines
    )
    expect(drew_data, "the observations were not drawn as points (prey, predator)")
    expect(bool(summary["legend"]), "the plot has no legend")
