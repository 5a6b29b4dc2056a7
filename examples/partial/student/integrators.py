"""Integrators for H(q, p) = |p|^2 / 2 + V(q) (questions 1.7 and 2.2)."""

import numpy as np


def euler_step(q, p, dt, grad_potential):
    """One forward Euler step: both updates use the state at the start of the step."""
    q_old = np.array(q, dtype=float)  # np.array copies, so q and p are never touched
    p_old = np.array(p, dtype=float)
    force = -np.asarray(grad_potential(q_old), dtype=float)
    q_new = q_old + dt * p_old
    p_new = p_old + dt * force
    return q_new, p_new


def leapfrog_step(q, p, dt, grad_potential):
    """Velocity Verlet: kick dt/2, drift dt, kick dt/2."""
    q_new = np.array(q, dtype=float)
    p_new = np.array(p, dtype=float)
    p_new = p_new - 0.5 * dt * np.asarray(grad_potential(q_new), dtype=float)
    q_new = q_new + dt * p_new
    p_new = p_new - 0.5 * dt * np.asarray(grad_potential(q_new), dtype=float)
    return q_new, p_new


def simulate(step, q0, p0, dt, n_steps, grad_potential):
    """Run `step` n_steps times; return the visited states stacked along axis 0."""
    q, p = np.array(q0, dtype=float), np.array(p0, dtype=float)
    q_path, p_path = [q], [p]
    for _ in range(n_steps):
        q, p = step(q, p, dt, grad_potential)
        q_path.append(np.asarray(q, dtype=float))
        p_path.append(np.asarray(p, dtype=float))
    return np.stack(q_path), np.stack(p_path)


def euler_energy_ratio(dt):
    # (q + dt p)^2 + (p - dt q)^2 = (1 + dt^2)(q^2 + p^2): the cross terms cancel
    return dt * dt + 1
