"""Lotka-Volterra (question 2.1). The field and the data are done; the neural ODE is next."""

import torch
from torchdiffeq import odeint


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    prey = y[..., 0:1]
    predator = y[..., 1:2]
    d_prey = prey * (alpha - beta * predator)
    d_predator = predator * (delta * prey - gamma)
    return torch.cat([d_prey, d_predator], dim=-1)


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    def field(time, state):
        return lotka_volterra(time, state, **params)

    y_true = odeint(field, y0, t, method="dopri5", rtol=1e-10, atol=1e-12)
    generator = torch.Generator()
    generator.manual_seed(seed)
    noise = torch.randn(y_true.shape, generator=generator, dtype=y_true.dtype)
    return y_true, y_true + noise_std * noise


class NeuralODEFunc(torch.nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        raise NotImplementedError("NeuralODEFunc: not implemented yet")

    def forward(self, t, y):
        raise NotImplementedError("NeuralODEFunc.forward: not implemented yet")


def train_neural_ode(t, y_obs, n_iters=500, seed=0, **options):
    raise NotImplementedError("train_neural_ode: not implemented yet")


def plot_phase_portrait(func, y_obs=None, ax=None):
    raise NotImplementedError("plot_phase_portrait: not implemented yet")
