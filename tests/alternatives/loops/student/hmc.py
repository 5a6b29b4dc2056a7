"""The banana density and its gradient, point by point in a loop."""

import numpy as np


def banana_log_density(x, b=0.1):
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1, 2)
    values = np.zeros(len(flat))
    for k, (x1, x2) in enumerate(flat):
        twist = x2 + b * (x1 * x1 - 100.0)
        values[k] = -0.5 * (x1 / 10.0) ** 2 - 0.5 * twist * twist
    return values.reshape(x.shape[:-1])


def banana_grad_log_density(x, b=0.1):
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1, 2)
    grads = np.zeros_like(flat)
    for k, (x1, x2) in enumerate(flat):
        twist = x2 + b * (x1 * x1 - 100.0)
        grads[k, 0] = -x1 / 100.0 - twist * 2.0 * b * x1
        grads[k, 1] = -twist
    return grads.reshape(x.shape)


def hmc_sample(log_density, grad_log_density, x0, n_samples, step_size, n_leapfrog, rng):
    raise NotImplementedError


def random_walk_metropolis(log_density, x0, n_samples, proposal_std, rng):
    raise NotImplementedError


def hmc_trajectory(grad_log_density, x0, p0, step_size, n_leapfrog):
    raise NotImplementedError
