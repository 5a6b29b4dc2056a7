"""A correct lotka_volterra.py with other choices everywhere: the field built with cat, the
simulation with dopri8 at rtol 1e-9, noise from randn on a generator in float64; one hidden
layer of 128 softplus units scaled by the data's spread; training on windows of growing
length (5, then 20 steps) and last on the whole trajectory from y_obs[0]; a stream plot with
a scatter of the data."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from torchdiffeq import odeint


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    x = y[..., :1]
    z = y[..., 1:]
    return torch.cat([alpha * x - beta * x * z, delta * x * z - gamma * z], dim=-1)


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    def rhs(time, state):
        return lotka_volterra(time, state, **params)

    y_true = odeint(rhs, y0, t.to(y0.dtype), method="dopri8", rtol=1e-9, atol=1e-11)
    g = torch.Generator()
    g.manual_seed(seed)
    eps = torch.randn(y_true.shape[0], 2, generator=g, dtype=torch.float64)
    return y_true, y_true + (noise_std * eps).to(y0.dtype)


class NeuralODEFunc(torch.nn.Module):
    def __init__(self, hidden: int = 128):
        super().__init__()
        self.inner = torch.nn.Linear(2, hidden)
        self.outer = torch.nn.Linear(hidden, 2)
        self.register_buffer("center", torch.zeros(2))
        self.register_buffer("spread", torch.ones(()))

    def forward(self, t, y):
        h = torch.nn.functional.softplus(
            self.inner((y.to(torch.float32) - self.center) / self.spread)
        )
        return (self.spread * self.outer(h)).to(y.dtype)


def train_neural_ode(t, y_obs, n_iters=900, seed=0, **options):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    t = t.to(torch.float32)
    y_obs = y_obs.to(torch.float32)
    func = NeuralODEFunc()
    func.center.copy_(y_obs.mean(dim=0))
    func.spread.fill_(float(y_obs.std()))
    schedule = [(5, 32, 5e-3), (20, 32, 2e-3), (len(t) - 1, 1, 5e-4)]
    losses = []
    for stage, (length, batch, lr) in enumerate(schedule):
        length = min(length, len(t) - 1)
        optimizer = torch.optim.Adam(func.parameters(), lr=lr)
        count = n_iters // 3 if stage < 2 else n_iters - 2 * (n_iters // 3)
        for _ in range(count):
            starts = torch.randint(0, len(t) - length, (batch,), generator=generator)
            index = starts[:, None] + torch.arange(length + 1)
            prediction = odeint(func, y_obs[starts], t[: length + 1] - t[0], method="rk4")
            loss = torch.mean((prediction.permute(1, 0, 2) - y_obs[index]) ** 2)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(func.parameters(), 5.0)
            optimizer.step()
            losses.append(float(loss))
    return func, losses


def plot_phase_portrait(func, y_obs=None, ax=None):
    ax = ax or plt.subplots()[1]
    data = None if y_obs is None else np.asarray(y_obs, dtype=float)
    high = (8.0, 6.0) if data is None else tuple(1.3 * data.max(axis=0))
    X, Y = np.meshgrid(np.linspace(0.05, high[0], 30), np.linspace(0.05, high[1], 30))
    grid = torch.tensor(np.stack([X, Y], axis=-1), dtype=torch.float32)
    with torch.no_grad():
        V = func(torch.tensor(0.0), grid).numpy()
        y0 = torch.tensor(data[0] if data is not None else [1.0, 1.0], dtype=torch.float32)
        path = odeint(func, y0, torch.linspace(0.0, 10.0, 1001), method="rk4").numpy()
    ax.streamplot(X, Y, V[..., 0], V[..., 1], color="0.6", density=1.0)
    ax.plot(path[:, 0], path[:, 1], color="C3", label="learned trajectory")
    if data is not None:
        ax.scatter(data[:, 0], data[:, 1], s=8, color="k", label="data")
    ax.set(xlabel="prey x", ylabel="predator y")
    ax.legend()
    return ax
