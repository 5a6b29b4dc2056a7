"""A correct hmc.py written differently from the reference: every draw made up front
(uniforms before momenta), energies by np.sum, the banana expanded, its own leapfrog loop in
hmc_trajectory, and random-walk Metropolis that draws its uniform only when needed."""

import numpy as np

from . import integrators


def banana_log_density(x, b=0.1):
    x = np.asarray(x, dtype=np.float64)
    x1 = x[..., 0]
    x2 = x[..., 1]
    r = x2 + b * (x1 * x1 - 100.0)
    return -0.005 * x1 * x1 - 0.5 * r * r


def banana_grad_log_density(x, b=0.1):
    x = np.asarray(x, dtype=np.float64)
    r = x[..., 1] + b * (x[..., 0] ** 2 - 100.0)
    out = np.empty_like(x)
    out[..., 0] = -0.01 * x[..., 0] - 2.0 * b * x[..., 0] * r
    out[..., 1] = -r
    return out


def hmc_sample(log_density, grad_log_density, x0, n_samples, step_size, n_leapfrog, rng):
    uniforms = rng.random(n_samples)
    momenta = rng.standard_normal(size=(n_samples, len(x0)))
    x = np.array(x0, dtype=float)
    chain = []
    accepted = 0
    for i in range(n_samples):
        p = momenta[i]
        q_new, p_new = x, p
        for _ in range(n_leapfrog):
            q_new, p_new = integrators.leapfrog_step(
                q_new, p_new, step_size, lambda q: -np.asarray(grad_log_density(q))
            )
        with np.errstate(all="ignore"):
            h_old = -log_density(x) + np.sum(p**2) / 2
            h_new = -log_density(q_new) + np.sum(p_new**2) / 2
            if np.isfinite(h_new) and uniforms[i] < np.exp(min(0.0, h_old - h_new)):
                x = q_new
                accepted += 1
        chain.append(x)
    return np.array(chain).reshape(n_samples, len(x0)), accepted / n_samples


def random_walk_metropolis(log_density, x0, n_samples, proposal_std, rng):
    x = np.array(x0, dtype=float)
    log_x = log_density(x)
    chain = np.zeros((n_samples, x.size))
    flags = np.zeros(n_samples, dtype=bool)
    for i in range(n_samples):
        noise = np.array([rng.standard_normal() for _ in range(x.size)])
        proposal = x + np.asarray(proposal_std) * noise
        log_new = log_density(proposal)
        log_ratio = log_new - log_x
        if log_ratio >= 0 or np.log(rng.uniform()) < log_ratio:
            x, log_x = proposal, log_new
            flags[i] = True
        chain[i] = x
    return chain, float(np.mean(flags))


def hmc_trajectory(grad_log_density, x0, p0, step_size, n_leapfrog):
    xs = [np.array(x0, dtype=float)]
    ps = [np.array(p0, dtype=float)]
    for _ in range(n_leapfrog):
        q, p = integrators.leapfrog_step(
            xs[-1], ps[-1], step_size, lambda y: -np.asarray(grad_log_density(y))
        )
        xs.append(q)
        ps.append(p)
    return np.stack(xs), np.stack(ps)
