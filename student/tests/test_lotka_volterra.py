"""Public self-checks for lotka_volterra.py (question 2.1).

Hand values use the default rates alpha, beta, gamma, delta = 1.5, 1, 3, 1. Training is
only smoke-tested (5 iterations on a short trajectory); whether it fits is checked at
grading.
"""

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from torchdiffeq import odeint

from student import lotka_volterra as lv


def shown(tensor):
    """A tensor as a short list for messages, rounded to 4 decimals."""
    return tensor.detach().round(decimals=4).tolist()


class TrueField(torch.nn.Module):
    """The true Lotka-Volterra field with default rates, written out for the plot check."""

    def forward(self, t, y):
        prey, predator = y[..., 0], y[..., 1]
        return torch.stack([1.5 * prey - prey * predator, prey * predator - 3.0 * predator], -1)


def test_lotka_volterra_hand_values():
    """At (1, 1) the field is (0.5, -2); at the equilibrium (3, 1.5) it is (0, 0)."""
    t = torch.tensor(0.0, dtype=torch.float64)
    value = lv.lotka_volterra(t, torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert torch.is_tensor(value) and value.shape == (2,), (
        f"lotka_volterra on y of shape (2,) returned {type(value).__name__} of shape "
        f"{tuple(getattr(value, 'shape', ()))}, expected a tensor of shape (2,)"
    )
    assert torch.allclose(value, torch.tensor([0.5, -2.0], dtype=torch.float64)), (
        f"lotka_volterra at (1, 1) returned {shown(value)}, expected [0.5, -2.0]"
    )
    equilibrium = torch.tensor([3.0, 1.5], dtype=torch.float64)  # (gamma/delta, alpha/beta)
    still = lv.lotka_volterra(t, equilibrium)
    assert torch.allclose(still, torch.zeros(2, dtype=torch.float64)), (
        f"lotka_volterra at the equilibrium (3, 1.5) returned {shown(still)}, expected 0"
    )


def test_lotka_volterra_batch_shape_and_dtype():
    """A float32 batch of shape (4, 3, 2) gives a float32 field of shape (4, 3, 2)."""
    y = torch.ones(4, 3, 2, dtype=torch.float32)
    value = lv.lotka_volterra(torch.tensor(0.0), y)
    assert value.shape == (4, 3, 2) and value.dtype == torch.float32, (
        f"lotka_volterra on a float32 batch of shape (4, 3, 2) returned shape "
        f"{tuple(value.shape)} and dtype {value.dtype}, expected (4, 3, 2) and float32"
    )


def test_simulate_shapes_and_noise_free_observations():
    """simulate gives (T, 2) tensors from y0; with noise_std = 0 the observations are exact."""
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    t = torch.linspace(0.0, 5.0, 51, dtype=torch.float64)
    y_true, y_obs = lv.simulate_lotka_volterra(y0, t, noise_std=0.0)
    assert y_true.shape == (51, 2) and y_obs.shape == (51, 2), (
        f"simulate_lotka_volterra with 51 times returned shapes {tuple(y_true.shape)} and "
        f"{tuple(y_obs.shape)}, expected (51, 2) for both"
    )
    assert y_true.dtype == torch.float64, (
        f"simulate_lotka_volterra returned dtype {y_true.dtype} for a float64 y0"
    )
    assert torch.allclose(y_true[0], y0), "simulate_lotka_volterra: row 0 should be y0"
    assert torch.equal(y_obs, y_true), (
        "simulate_lotka_volterra with noise_std=0 should return y_obs equal to y_true"
    )


def test_simulate_noise_is_seeded():
    """With noise, the same seed gives the same observations and another seed other ones."""
    y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
    t = torch.linspace(0.0, 2.0, 21, dtype=torch.float64)
    _, first = lv.simulate_lotka_volterra(y0, t, noise_std=0.05, seed=1)
    _, again = lv.simulate_lotka_volterra(y0, t, noise_std=0.05, seed=1)
    _, other = lv.simulate_lotka_volterra(y0, t, noise_std=0.05, seed=2)
    assert torch.equal(first, again), (
        "simulate_lotka_volterra gave different noise for the same seed. Hint: draw it "
        "with torch.randn(..., generator=torch.Generator().manual_seed(seed))"
    )
    assert not torch.equal(first, other), (
        "simulate_lotka_volterra gave the same noise for seeds 1 and 2; is seed used?"
    )


def test_neural_ode_func_maps_states_to_velocities():
    """NeuralODEFunc: float32 parameters; (2,) -> (2,), (5, 2) -> (5, 2), float64 kept."""
    func = lv.NeuralODEFunc(hidden=16)
    assert isinstance(func, torch.nn.Module), "NeuralODEFunc should be a torch.nn.Module"
    parameters = list(func.parameters())
    assert parameters and all(p.dtype == torch.float32 for p in parameters), (
        "NeuralODEFunc should have trainable float32 parameters"
    )
    t = torch.tensor(0.0)
    one = func(t, torch.ones(2))
    many = func(t, torch.ones(5, 2))
    assert one.shape == (2,) and many.shape == (5, 2), (
        f"NeuralODEFunc.forward mapped (2,) to {tuple(one.shape)} and (5, 2) to "
        f"{tuple(many.shape)}, expected (2,) and (5, 2)"
    )
    double = func(t, torch.ones(3, 2, dtype=torch.float64))
    assert double.dtype == torch.float64, (
        f"NeuralODEFunc.forward returned {double.dtype} for a float64 state, expected float64. "
        "Hint: cast to the parameters' dtype inside, and the result back to y's dtype"
    )


def test_train_neural_ode_smoke_run():
    """Five iterations on a short trajectory return (NeuralODEFunc, five float losses)."""
    t = torch.linspace(0.0, 2.0, 21)
    with torch.no_grad():  # data made here, so that this check needs only train_neural_ode
        y_obs = odeint(TrueField(), torch.tensor([1.0, 1.0]), t, method="rk4")
    result = lv.train_neural_ode(t, y_obs, n_iters=5)
    assert isinstance(result, tuple) and len(result) == 2, (
        "train_neural_ode should return a pair (func, losses)"
    )
    func, losses = result
    assert isinstance(func, lv.NeuralODEFunc), (
        f"train_neural_ode returned a {type(func).__name__} as func, expected a NeuralODEFunc"
    )
    assert isinstance(losses, list) and len(losses) == 5, (
        f"train_neural_ode(n_iters=5) returned losses {type(losses).__name__} of length "
        f"{len(losses) if hasattr(losses, '__len__') else '?'}, expected a list of 5"
    )
    assert all(type(loss) is float for loss in losses), (
        "train_neural_ode: losses should be Python floats (use loss.item())"
    )


def test_plot_phase_portrait_returns_labelled_axes():
    """plot_phase_portrait returns labelled Axes, with or without data and a given ax."""
    figure, ax = plt.subplots()
    try:
        y_obs = torch.tensor([[1.0, 1.0], [2.0, 0.5], [3.0, 1.5]])
        returned = lv.plot_phase_portrait(TrueField(), y_obs=y_obs, ax=ax)
        assert returned is ax, "plot_phase_portrait should draw on, and return, the ax given"
        assert ax.get_xlabel() and ax.get_ylabel(), (
            "plot_phase_portrait: label both axes (prey on x, predator on y)"
        )
        fresh = lv.plot_phase_portrait(TrueField())
        assert isinstance(fresh, Axes), (
            f"plot_phase_portrait without ax returned a {type(fresh).__name__}, expected "
            "a matplotlib Axes"
        )
    finally:
        plt.close("all")
