"""Hidden checks of ``student/lotka_volterra.py`` (question 2.1).

The field and the simulation are judged against formulas and a trusted solve done here.
The Neural ODE is judged by what it learned, not by how: the student's own
``train_neural_ode`` runs with its defaults on data made here, and the returned field is
rolled out with a trusted solver and compared with clean points between the observation
times. The phase portrait is checked structurally (labels, a field artist, a trajectory,
the data), and saved for the TA.

Limitations
-----------
The fit is judged on the default system only, with one pass/fail threshold (held-out MSE
at most four times the noise variance) and a separate check that the loss fell. A field
that returns the known Lotka–Volterra formula without learning would pass the fit check;
data from other systems would catch it and are not used yet.
"""

from __future__ import annotations

import numpy as np
import torch
from torchdiffeq import odeint

from autograder.graders.support import (
    Fixture,
    GradTensor,
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
NOISE_STD = 0.05
FIELD = StudentFunction("lotka_volterra.lotka_volterra")


def lv_numpy(y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return np.stack([alpha * x - beta * x * z, delta * x * z - gamma * z], axis=-1)


def trusted_solve(y0, t, **params):
    """The true trajectory, float64, dopri5 at rtol 1e-11."""
    p = {**DEFAULTS, **params}

    def field(_, y):
        x, z = y[..., 0], y[..., 1]
        return torch.stack(
            (p["alpha"] * x - p["beta"] * x * z, p["delta"] * x * z - p["gamma"] * z), dim=-1
        )

    y0 = torch.as_tensor(y0, dtype=torch.float64)
    return odeint(
        field, y0, torch.as_tensor(t, dtype=torch.float64), method="dopri5", rtol=1e-11, atol=1e-13
    ).numpy()


def conserved(y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return delta * x - gamma * np.log(x) + beta * z - alpha * np.log(z)


def field_values(student, y, **kwargs):
    value = student.call(
        "lotka_volterra.lotka_volterra", torch.tensor(0.0, dtype=y.dtype), y, **kwargs
    )
    return as_tensor(value, "lotka_volterra's result", shape=tuple(y.shape), dtype=y.dtype)


# --------------------------------------------------------------------------------------------
# the field


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
    catches="a loose tolerance or a fixed-step solver; parameters not passed through; the "
    "wrong initial state or time grid; a dtype other than y0's",
)
def test_simulation_trajectory(student):
    t = torch.linspace(0.0, 10.0, 101, dtype=torch.float64)
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    y_true, y_obs = simulated(student, y0, t)
    expect(
        close(y_true, trusted_solve(y0, t), rtol=1e-6, atol=1e-7),
        "y_true differs from an accurate solve of the default system",
    )
    expect(close(y_obs, y_true, rtol=0, atol=0), "with noise_std = 0, y_obs should be y_true")
    y0 = torch.tensor([2.0, 0.5], dtype=torch.float64)
    t = torch.linspace(0.0, 6.0, 61, dtype=torch.float64)
    y_true, _ = simulated(student, y0, t, **OTHER)
    expect(
        close(y_true, trusted_solve(y0, t, **OTHER), rtol=1e-6, atol=1e-7),
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
# the learned field


@check(
    "2.1 NeuralODEFunc maps (2,) and (B, 2) states with forward(t, y) and has float32 "
    "trainable parameters",
    points=2,
    catches="forward(self, y) without t; (y, t) order; a batch dimension dropped or added; "
    "no parameters registered (plain tensors instead of nn.Parameter or layers)",
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
        for shape in ((2,), (7, 2)):
            y = torch.rand(shape, dtype=torch.float32) + 0.5
            out = student.call_method(func, "__call__", t, y)
            as_tensor(out, f"NeuralODEFunc's output for a {shape} state", shape=shape)


def default_data(seed=0):
    t = torch.linspace(0.0, 10.0, 101)
    clean = trusted_solve([1.0, 1.0], t)
    generator = torch.Generator().manual_seed(seed)
    noise = NOISE_STD * torch.randn(clean.shape, generator=generator, dtype=torch.float64)
    return t, torch.as_tensor(clean + noise.numpy(), dtype=torch.float32)


def read_training(student, value, n_iters=None):
    func, losses = as_pair(value, "train_neural_ode")
    if not isinstance(losses, list):
        fail("train_neural_ode's losses should be a list of floats")
    if n_iters is not None and len(losses) != n_iters:
        fail(f"train_neural_ode returned {len(losses)} losses for n_iters={n_iters}")
    values = np.array([v if isinstance(v, (int, float)) else np.nan for v in losses], float)
    if values.size == 0 or not np.all(np.isfinite(values)):
        fail("train_neural_ode's losses are not all finite floats")
    summary = student.probe("module_summary", func)
    expect(summary.get("is_module") is True, "train_neural_ode did not return a torch module")
    return func, values


def default_training(student):
    """Run the student's training with its defaults once per submission; share the result."""
    if "training" not in student.memo:
        t, y_obs = default_data(seed=0)
        try:
            value = student.call("lotka_volterra.train_neural_ode", t, y_obs, timeout=240)
            student.memo["training"] = read_training(student, value)
        except Exception as error:
            student.memo["training"] = error
    if isinstance(student.memo["training"], Exception):
        raise student.memo["training"]
    return student.memo["training"]


@check(
    "2.1 train_neural_ode returns a module and one finite loss per iteration",
    points=2,
    catches="returning the losses of a fixed number of iterations; tensors in the loss list; "
    "NaN losses; a non-module in place of the field",
    timeout=90,
)
def test_training_contract(student):
    t, y_obs = default_data(seed=1)
    value = student.call("lotka_volterra.train_neural_ode", t, y_obs, n_iters=12, timeout=90)
    read_training(student, value, n_iters=12)


@check(
    "2.1 train_neural_ode with its defaults learns a field whose rollout fits held-out points",
    points=6,
    catches="a Neural ODE that does not learn (stuck at the mean, diverged, or trained on the "
    "wrong target); predictions that drift from the data over the time span",
    timeout=240,
)
def test_training_fit(student):
    """Held-out points are the clean trajectory halfway between observation times; the
    rollout starts at the true initial state with dopri5. Full marks at MSE <= 4 sigma^2."""
    func, _ = default_training(student)
    t_mid = torch.linspace(0.05, 9.95, 100)
    grid = torch.cat([torch.zeros(1), t_mid])
    clean = trusted_solve([1.0, 1.0], grid)[1:]
    path = student.probe(
        "solve",
        func,
        torch.tensor([1.0, 1.0]),
        grid,
        method="dopri5",
        rtol=1e-6,
        atol=1e-8,
        timeout=60,
    )
    path = as_tensor(path, "the rollout of the learned field", shape=(101, 2)).numpy()[1:]
    mse = float(np.mean((path - clean) ** 2))
    expect(
        np.isfinite(mse) and mse <= 4 * NOISE_STD**2,
        "the learned field's rollout does not fit held-out points of the true trajectory "
        "closely enough",
    )


@check(
    "2.1 train_neural_ode's loss falls during training with its defaults",
    points=1,
    catches="an optimiser that is never stepped; a learning rate of zero; gradients "
    "zeroed after the step",
    timeout=240,
)
def test_training_loss_falls(student):
    _, losses = default_training(student)
    k = max(1, len(losses) // 20)
    expect(
        losses[len(losses) // 2 :].min() < 0.5 * losses[:k].mean(),
        "the training loss does not fall",
    )


# --------------------------------------------------------------------------------------------
# the plot


@check(
    "2.1 plot_phase_portrait draws a field, a trajectory and the data, with labelled axes",
    points=2,
    catches="no quiver or stream plot; no trajectory; data not drawn; unlabelled axes; "
    "prey and predator swapped",
)
def test_phase_portrait(student):
    t = torch.linspace(0.0, 10.0, 101)
    y_obs = torch.as_tensor(trusted_solve([1.0, 1.0], t), dtype=torch.float32)
    field = Fixture("lotka_volterra_field")
    axes = student.call("lotka_volterra.plot_phase_portrait", field, y_obs, timeout=60)
    summary = student.probe("axes_summary", axes, timeout=60)
    if summary.get("is_axes") is not True:
        fail("plot_phase_portrait should return a matplotlib Axes")
    student.save_artifact("phase_portrait.png", bytes(np.asarray(summary["png"], np.uint8)))
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
    data = y_obs.numpy()
    lines = [line for line in summary["lines"] if len(line["x"]) >= 10]
    in_plane = [
        line
        for line in lines
        if np.nanmax(line["x"]) <= 3 * data[:, 0].max()
        and np.nanmin(line["x"]) >= -0.5
        and np.nanmax(line["y"]) <= 3 * data[:, 1].max()
    ]
    expect(bool(in_plane), "no trajectory in the prey-predator plane was found")
    prey_range = max(np.ptp(line["x"]) for line in in_plane)
    expect(
        prey_range > 0.5 * np.ptp(data[:, 0]),
        "the trajectory does not span the prey range (are prey and predator swapped?)",
    )
    drew_data = "PathCollection" in summary["collections"] or any(
        len(line["x"]) == len(data) and close(line["x"], data[:, 0], rtol=1e-4, atol=1e-4)
        for line in summary["lines"]
    )
    expect(drew_data, "the observations were not drawn")
