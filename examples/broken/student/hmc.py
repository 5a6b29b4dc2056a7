"""HMC on the banana (question 2.2)."""

import numpy as np

from . import integrators


def banana_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    x1 = x[..., :1]  # slicing keeps the last axis
    x2 = x[..., 1:]
    return -(x1**2) / 200 - (x2 + b * x1**2 - 100 * b) ** 2 / 2


def banana_grad_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    x1, x2 = x[..., 0], x[..., 1]
    twist = x2 + b * x1**2 - 100 * b
    return np.stack([-x1 / 100 - 2 * b * x1 * twist, -twist], axis=-1)


def _accepts(log_alpha, rng):
    u = rng.uniform()
    return bool(np.isfinite(log_alpha)) and np.log(u) < log_alpha


def hmc_sample(log_density, grad_log_density, x0, n_samples, step_size, n_leapfrog, rng):
    def grad_potential(x):
        return -np.asarray(grad_log_density(x), dtype=float)

    x = np.asarray(x0, dtype=float)
    chain = np.empty((n_samples, x.shape[0]))
    accepted = 0
    for i in range(n_samples):
        p = rng.standard_normal(x.shape[0])
        x_new, p_new = x, p
        for _ in range(n_leapfrog):
            x_new, p_new = integrators.leapfrog_step(x_new, p_new, step_size, grad_potential)
        with np.errstate(all="ignore"):
            log_alpha = (-log_density(x) + p @ p / 2) - (-log_density(x_new) + p_new @ p_new / 2)
        if _accepts(log_alpha, rng):
            x = x_new
            accepted += 1
        chain[i] = x
    return chain, accepted / n_samples


def random_walk_metropolis(log_density, x0, n_samples, proposal_std, rng):
    x = np.asarray(x0, dtype=float)
    chain = np.empty((n_samples, x.shape[0]))
    accepted = 0
    for i in range(n_samples):
        proposal = x + proposal_std * rng.standard_normal(x.shape[0])
        if _accepts(log_density(proposal) - log_density(x), rng):
            x = proposal
            accepted += 1
        chain[i] = x
    return chain, accepted / n_samples


def hmc_trajectory(grad_log_density, x0, p0, step_size, n_leapfrog):
    def grad_potential(x):
        return -np.asarray(grad_log_density(x), dtype=float)

    return integrators.simulate(
        integrators.leapfrog_step, np.asarray(x0, dtype=float), np.asarray(p0, dtype=float),
        step_size, n_leapfrog, grad_potential,
    )
