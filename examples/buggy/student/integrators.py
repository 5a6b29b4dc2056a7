"""Euler and leapfrog steps for separable Hamiltonians (questions 1.7 and 2.2)."""

import numpy as np


def euler_step(q, p, dt, grad_potential):
    q = np.asarray(q, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    return q + dt * p, p - dt * grad_potential(q)


def leapfrog_step(q, p, dt, grad_potential):
    q = np.asarray(q, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    g = grad_potential(q)
    p_half = p - dt / 2 * g
    q_new = q + dt * p_half
    p_new = p_half - dt / 2 * g  # reuses the gradient from the start of the step
    return q_new, p_new


def simulate(step, q0, p0, dt, n_steps, grad_potential):
    q0 = np.asarray(q0, dtype=np.float64)
    p0 = np.asarray(p0, dtype=np.float64)
    qs = np.zeros((n_steps + 1,) + q0.shape)
    ps = np.zeros((n_steps + 1,) + p0.shape)
    qs[0], ps[0] = q0, p0
    for n in range(n_steps):
        qs[n + 1], ps[n + 1] = step(qs[n], ps[n], dt, grad_potential)
    return qs, ps


def euler_energy_ratio(dt):
    return np.add(1.0, np.square(dt))  # fine for numbers and arrays
