"""Question 1.7 and the leapfrog step of 2.2."""

import numpy as np


def euler_step(q, p, dt, grad_potential):
    """Forward Euler, written with an explicit state vector."""
    state = np.concatenate([np.ravel(q), np.ravel(p)]).astype(float)
    n = state.size // 2
    derivative = np.concatenate([state[n:], -np.ravel(grad_potential(np.reshape(state[:n], np.shape(q))))])
    new = state + dt * derivative
    return new[:n].reshape(np.shape(q)), new[n:].reshape(np.shape(p))


def leapfrog_step(q, p, dt, grad_potential):
    p_half = p - 0.5 * dt * grad_potential(q)
    q_next = q + dt * p_half
    p_next = p_half - 0.5 * dt * grad_potential(q_next)
    return np.asarray(q_next, dtype=float), np.asarray(p_next, dtype=float)


def simulate(step, q0, p0, dt, n_steps, grad_potential):
    # keep the path as lists of states
    qs, ps = [q0], [p0]
    for _ in range(n_steps):
        q, p = step(qs[-1], ps[-1], dt, grad_potential)
        qs.append(q)
        ps.append(p)
    return qs, ps


def euler_energy_ratio(dt):
    return 1 + dt**2
