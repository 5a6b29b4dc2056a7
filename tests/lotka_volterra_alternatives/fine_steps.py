"""A correct lotka_volterra.py that trains with rk4 at half the data spacing: a deeper SiLU
network (2-32-32-32-2) with standardized inputs, short windows with a cosine learning rate,
long windows from every state, then the whole trajectory from the fixed y_obs[0] with a
warm-up; it reports progress with tqdm when asked. The simulation uses dopri5 at rtol 1e-10;
the plot draws a quiver, the trajectory and the data with scatter."""

import math

import matplotlib.pyplot as plt
import torch
from torch import nn
from torchdiffeq import odeint
from tqdm.auto import tqdm


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x, z = y[..., 0], y[..., 1]
    return torch.stack([x * alpha - x * z * beta, x * z * delta - z * gamma], -1)


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    y0 = y0.clone()
    y_true = odeint(
        lambda s, y: lotka_volterra(s, y, **params), y0, t.type(y0.dtype), rtol=1e-10, atol=1e-12
    )
    gen = torch.Generator().manual_seed(int(seed))
    return y_true, y_true + noise_std * torch.randn(y_true.shape, generator=gen, dtype=y0.dtype)


class NeuralODEFunc(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 2),
        )
        self.register_buffer("mean", torch.zeros(2))
        self.register_buffer("std", torch.ones(2))

    def forward(self, t, y):
        out = self.net((y.to(self.mean.dtype) - self.mean) / self.std) * self.std
        return out.to(y.dtype)


def _solve(func, y, times):
    return odeint(func, y, times, method="rk4", options={"step_size": 0.05})


def train_neural_ode(t, y_obs, n_iters=400, seed=0, progress=False, **options):
    if options:
        raise TypeError(f"unknown options {sorted(options)}")
    torch.manual_seed(seed)
    t, y_obs = t.float(), y_obs.float()
    func = NeuralODEFunc()
    func.mean.copy_(y_obs.mean(0))
    func.std.copy_(y_obs.std(0))
    n_short, n_long = int(0.625 * n_iters), int(0.25 * n_iters)
    losses = []
    bar = tqdm(total=n_iters, disable=not progress)
    optimizer = torch.optim.Adam(func.parameters(), lr=1e-2)
    for i in range(n_short):
        for group in optimizer.param_groups:
            group["lr"] = 1e-3 + 0.5 * (1e-2 - 1e-3) * (1 + math.cos(math.pi * i / n_short))
        starts = torch.randint(0, len(t) - 10, (64,))
        pred = _solve(func, y_obs[starts], t[:11] - t[0]).transpose(0, 1)
        loss = ((pred - y_obs[starts[:, None] + torch.arange(11)]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.update()
    optimizer = torch.optim.Adam(func.parameters(), lr=1e-3)
    starts = torch.arange(0, len(t) - 25, 2)
    for _ in range(n_long):
        pred = _solve(func, y_obs[starts], t[:26] - t[0]).transpose(0, 1)
        loss = ((pred - y_obs[starts[:, None] + torch.arange(26)]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(func.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        bar.update()
    optimizer = torch.optim.Adam(func.parameters(), lr=2e-4)
    n_final = n_iters - n_short - n_long
    for i in range(n_final):
        optimizer.param_groups[0]["lr"] = 2e-4 * min(1.0, (i + 1) / 10)
        loss = ((_solve(func, y_obs[0], t) - y_obs) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(func.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        bar.update()
    bar.close()
    return func, losses


def plot_phase_portrait(func, y_obs=None, ax=None):
    if ax is None:
        fig, ax = plt.subplots()
    lo, hi = (0.0, 0.0), (7.0, 5.0)
    if y_obs is not None:
        lo = (0.8 * float(y_obs[:, 0].min()), 0.8 * float(y_obs[:, 1].min()))
        hi = (1.2 * float(y_obs[:, 0].max()), 1.2 * float(y_obs[:, 1].max()))
    gx, gy = torch.meshgrid(
        torch.linspace(lo[0], hi[0], 15), torch.linspace(lo[1], hi[1], 15), indexing="xy"
    )
    with torch.no_grad():
        v = func(0.0, torch.stack([gx, gy], dim=-1))
        start = torch.tensor([1.0, 1.0]) if y_obs is None else y_obs[0].float()
        traj = odeint(func, start, torch.linspace(0, 10, 300), method="dopri5")
    ax.quiver(gx, gy, v[..., 0], v[..., 1], color="gray")
    ax.plot(traj[:, 0], traj[:, 1], label="neural ODE")
    if y_obs is not None:
        ax.scatter(y_obs[:, 0], y_obs[:, 1], marker="x", color="black", label="observations")
    ax.set_xlabel("x (prey)")
    ax.set_ylabel("y (predator)")
    ax.legend(loc="best")
    return ax
