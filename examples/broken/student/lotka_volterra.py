"""Question 2.1: the field and the data. The neural ODE part is not started."""

import torch
from torchdiffeq import odeint


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    prey, predator = y[..., 0], y[..., 1]
    # new tensor from the components
    return torch.tensor(
        [
            (alpha * prey - beta * prey * predator).tolist(),
            (delta * prey * predator - gamma * predator).tolist(),
        ]
    ).T


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    y_true = odeint(
        lambda time, y: lotka_volterra(time, y, **params), y0, t, rtol=1e-9, atol=1e-11
    )
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(y_true.shape, generator=generator, dtype=y_true.dtype)
    return y_true, y_true + noise_std * noise


class NeuralODEFunc(torch.nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        raise NotImplementedError("NeuralODEFunc: not implemented yet")

    def forward(self, t, y):
        raise NotImplementedError


def train_neural_ode(t, y_obs, n_iters=500, seed=0, **options):
    raise NotImplementedError("train_neural_ode: not implemented yet")


def plot_phase_portrait(func, y_obs=None, ax=None):
    raise NotImplementedError("plot_phase_portrait: not implemented yet")
