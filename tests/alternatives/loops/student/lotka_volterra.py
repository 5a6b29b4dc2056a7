"""The Lotka-Volterra field as a per-species growth rate times the population."""

import torch


def lotka_volterra(t, y, alpha=1.5, beta=1.0, gamma=3.0, delta=1.0):
    prey, predator = y.unbind(-1)
    rates = torch.stack([alpha - beta * predator, delta * prey - gamma], dim=-1)
    return (y * rates).to(y.dtype)
