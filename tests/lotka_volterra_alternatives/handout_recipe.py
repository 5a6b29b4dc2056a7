"""A correct lotka_volterra.py that follows the handout's recipe literally: 500 short windows
at a constant learning rate, then 150 whole-trajectory iterations from the fixed y_obs[0]
(no fitted start). The field is written with unbind; the simulation uses bosh3 at exactly the
contract's tolerance; the noise comes from torch.normal; the plot is a quiver with the data
drawn as a marker line."""

import matplotlib.pyplot as plt
import torch
from torch import nn
from torchdiffeq import odeint


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    prey, predator = torch.unbind(y, dim=-1)
    growth = prey * (alpha - beta * predator)
    change = predator * (delta * prey - gamma)
    return torch.stack((growth, change), dim=-1)


def simulate_lotka_volterra(y0, t, noise_std=0.0, seed=0, **params):
    y0 = torch.as_tensor(y0)
    t = t.to(y0.dtype)
    y_true = odeint(
        lambda s, y: lotka_volterra(s, y, **params), y0, t, method="bosh3", rtol=1e-8, atol=1e-10
    )
    generator = torch.Generator().manual_seed(seed)
    noise = torch.normal(0.0, 1.0, size=tuple(y_true.shape), generator=generator)
    return y_true, y_true + noise_std * noise.to(y_true.dtype)


class NeuralODEFunc(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(2, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, 2),
        )
        self.register_buffer("mu", torch.zeros(2))
        self.register_buffer("s", torch.ones(2))

    def forward(self, t, y):
        z = (y.float() - self.mu) / self.s
        return (self.layers(z) * self.s).to(y.dtype)


def train_neural_ode(t, y_obs, n_iters=650, seed=0, **options):
    lr, final_lr = options.get("lr", 1e-2), options.get("final_lr", 1e-3)
    windows = options.get("windows", 500)
    torch.manual_seed(seed)
    t, y_obs = t.float(), y_obs.float()
    func = NeuralODEFunc()
    func.mu.copy_(y_obs.mean(0))
    func.s.copy_(y_obs.std(0))
    losses = []
    optimizer = torch.optim.Adam(func.parameters(), lr=lr)
    steps = t[:11] - t[0]
    for _ in range(min(windows, n_iters)):
        starts = torch.randint(0, len(t) - 10, (20,))
        prediction = odeint(func, y_obs[starts], steps, method="rk4")  # (11, 20, 2)
        target = torch.stack([y_obs[starts + k] for k in range(11)])
        loss = ((prediction - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    optimizer = torch.optim.Adam(func.parameters(), lr=final_lr)
    while len(losses) < n_iters:
        loss = ((odeint(func, y_obs[0], t, method="rk4") - y_obs) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(func.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    return func, losses


def plot_phase_portrait(func, y_obs=None, ax=None):
    if ax is None:
        ax = plt.figure().add_subplot()
    x, y = torch.meshgrid(torch.linspace(0.1, 7, 20), torch.linspace(0.1, 5, 20), indexing="ij")
    with torch.no_grad():
        v = func(torch.tensor(0.0), torch.stack([x, y], -1))
        start = y_obs[0].float() if y_obs is not None else torch.ones(2)
        path = odeint(func, start, torch.linspace(0, 10, 500))
    ax.quiver(x.numpy(), y.numpy(), v[..., 0].numpy(), v[..., 1].numpy(), alpha=0.5)
    ax.plot(path[:, 0].numpy(), path[:, 1].numpy(), "r-", label="model")
    if y_obs is not None:
        ax.plot(y_obs[:, 0].numpy(), y_obs[:, 1].numpy(), "k.", label="observed")
    ax.set_xlabel("prey")
    ax.set_ylabel("predators")
    ax.legend()
    return ax
