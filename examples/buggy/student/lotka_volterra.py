"""Lotka-Volterra data and a neural ODE fitted to it (question 2.1)."""

import matplotlib.pyplot as plt
import torch
from torch import nn
from torchdiffeq import odeint


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return torch.stack([alpha * x - beta * x * z, delta * x * z - gamma * z], dim=-1)


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    y_true = odeint(
        lambda s, y: lotka_volterra(s, y, **params), y0, t, rtol=1e-9, atol=1e-11
    )
    y_obs = y_true + noise_std * torch.randn_like(y_true)
    return y_true, y_obs


class NeuralODEFunc(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, 2),
        )

    def forward(self, t, y):
        return self.net(y.float()).to(y.dtype)


def train_neural_ode(t, y_obs, n_iters=150, seed=0, lr=3e-3, window=10, batch=16):
    torch.manual_seed(seed)
    t = t.float()
    y_obs = y_obs.float()
    func = NeuralODEFunc()
    optimizer = torch.optim.Adam(func.parameters(), lr=lr)
    losses = []
    for _ in range(n_iters):
        starts = torch.randint(0, len(t) - window, (batch,))
        offsets = torch.arange(window + 1)
        target = y_obs[starts[:, None] + offsets]
        pred = odeint(func, y_obs[starts], t[: window + 1] - t[0], method="rk4")
        loss = ((pred.transpose(0, 1) - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return func, losses


def plot_phase_portrait(func, y_obs=None, ax=None):
    if ax is None:
        ax = plt.figure().add_subplot()
    xs, ys = torch.meshgrid(torch.linspace(0, 6, 20), torch.linspace(0, 4, 20), indexing="xy")
    with torch.no_grad():
        v = func(0.0, torch.stack([xs, ys], -1))
        y0 = y_obs[0].float() if y_obs is not None else torch.tensor([1.0, 1.0])
        path = odeint(func, y0, torch.linspace(0, 10, 200), method="rk4")
    ax.quiver(xs, ys, v[..., 0], v[..., 1])
    ax.plot(path[:, 0], path[:, 1])
    if y_obs is not None:
        ax.plot(y_obs[:, 0], y_obs[:, 1], ".")
    return ax
