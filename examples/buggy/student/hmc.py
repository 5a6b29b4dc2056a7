"""HMC and random-walk Metropolis on the banana (question 2.2)."""

import numpy as np

from .integrators import leapfrog_step


def banana_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    x1, x2 = x[..., 0], x[..., 1]
    return -(x1**2) / 200 - 0.5 * (x2 + b * x1**2 - 100 * b) ** 2


def banana_grad_log_density(x, b=0.1):
    x = np.asarray(x, dtype=float)
    x1, x2 = x[..., 0], x[..., 1]
    r = x2 + b * x1**2 - 100 * b
    return np.stack([-x1 / 100 - 2 * b * x1 * r, -r], axis=-1)


def hmc_sample(log_density, grad_log_density, x0, n_samples, step_size, n_leapfrog, rng):
    x = np.array(x0, dtype=float)
    samples = np.zeros((n_samples, x.size))
    n_accepted = 0

    def grad_u(q):
        return -np.asarray(grad_log_density(q))

    for i in range(n_samples):
        p = rng.standard_normal(x.size)
        x_new, p_new = x, p
        for _ in range(n_leapfrog):
            x_new, p_new = leapfrog_step(x_new, p_new, step_size, grad_u)
        h_old = -log_density(x) + 0.5 * p @ p
        h_new = -log_density(x_new) + 0.5 * p_new @ p_new
        if rng.uniform() < np.exp(h_new - h_old):
            x = x_new
            n_accepted += 1
        samples[i] = x
    return samples, n_accepted / n_samples


def random_walk_metropolis(log_density, x0, n_samples, proposal_std, rng):
    x = np.array(x0, dtype=float)
    log_p = log_density(x)
    samples = np.zeros((n_samples, x.size))
    n_accepted = 0
    for i in range(n_samples):
        proposal = x + proposal_std * rng.standard_normal(x.size)
        log_p_new = log_density(proposal)
        if np.log(rng.uniform()) < log_p_new - log_p:
            x, log_p = proposal, log_p_new
            n_accepted += 1
        samples[i] = x
    return samples, n_accepted / n_samples


def hmc_trajectory(grad_log_density, x0, p0, step_size, n_leapfrog):
    xs = [np.array(x0, dtype=float)]
    ps = [np.array(p0, dtype=float)]

    def grad_u(q):
        return -np.asarray(grad_log_density(q))

    for _ in range(n_leapfrog):
        x, p = leapfrog_step(xs[-1], ps[-1], step_size, grad_u)
        xs.append(x)
        ps.append(p)
    return np.array(xs), np.array(ps)
