"""The banana target and HMC (question 2.2). Samplers not finished yet."""

import numpy as np

from . import integrators


def banana_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape[:-1])
    for index in np.ndindex(*x.shape[:-1]):
        x1, x2 = x[index]
        out[index] = -x1 * x1 / 200.0 - 0.5 * (x2 + b * x1 * x1 - 100.0 * b) ** 2
    return out


def banana_grad_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    x1 = x[..., 0]
    r = x[..., 1] + b * x1**2 - 100 * b
    grad = np.empty_like(x)
    grad[..., 0] = -x1 / 100 - 2 * b * x1 * r
    grad[..., 1] = -r
    return grad


def hmc_sample(log_density, grad_log_density, x0, n_samples, step_size, n_leapfrog, rng):
    raise NotImplementedError("hmc_sample: not implemented yet")


def random_walk_metropolis(log_density, x0, n_samples, proposal_std, rng):
    raise NotImplementedError("random_walk_metropolis: not implemented yet")


def hmc_trajectory(grad_log_density, x0, p0, step_size, n_leapfrog):
    def grad_u(x):
        return -np.asarray(grad_log_density(x), dtype=float)

    return integrators.simulate(
        integrators.leapfrog_step, x0, p0, step_size, n_leapfrog, grad_u
    )
