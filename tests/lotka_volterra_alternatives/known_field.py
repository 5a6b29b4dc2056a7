"""A cheat: NeuralODEFunc returns the handout's Lotka-Volterra field (times one trainable
scale, left at 1), and training reports falling losses without learning anything. Only the
learned field and training differ from ``handout_recipe``."""

import torch
from torch import nn


class NeuralODEFunc(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, t, y):
        x, z = y[..., 0], y[..., 1]
        field = torch.stack([1.5 * x - x * z, x * z - 3.0 * z], dim=-1)
        return (self.scale * field).to(y.dtype)


def train_neural_ode(t, y_obs, n_iters=100, seed=0, **options):
    return NeuralODEFunc(), [1.0 / (1 + k) for k in range(n_iters)]
