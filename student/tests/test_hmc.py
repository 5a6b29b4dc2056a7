"""Public self-checks for hmc.py (question 2.2).

The banana values are worked by hand from the formula in the module docstring; the
samplers are run for a few hundred iterations on a 2-D standard Gaussian only, to check
shapes, types and repeatability.
"""

import numpy as np

from student import hmc


def gaussian_log_density(x):
    """log N(x; 0, I) up to a constant, for one point of shape (d,)."""
    return -0.5 * float(np.dot(x, x))


def gaussian_grad_log_density(x):
    return -np.asarray(x, dtype=np.float64)


def test_banana_log_density_hand_values():
    """At (0, 10) the squared term vanishes (log density 0); at (0, 0) it is -50."""
    at_mode = hmc.banana_log_density(np.array([0.0, 10.0]))
    assert np.shape(at_mode) == (), (
        f"banana_log_density of one point (shape (2,)) returned shape {np.shape(at_mode)}, "
        "expected a 0-d result"
    )
    assert np.isclose(at_mode, 0.0), (
        f"banana_log_density([0, 10]) returned {float(at_mode)}, expected 0.0 with b = 0.1. "
        "Hint: check the sign of the b * x1**2 and 100 * b terms, and add no constant"
    )
    at_origin = hmc.banana_log_density(np.array([0.0, 0.0]))
    assert np.isclose(at_origin, -50.0), (
        f"banana_log_density([0, 0]) returned {float(at_origin)}, expected -50.0"
    )


def test_banana_log_density_batch_shape():
    """A batch of shape (4, 3, 2) gives log densities of shape (4, 3)."""
    values = hmc.banana_log_density(np.zeros((4, 3, 2)))
    assert np.shape(values) == (4, 3), (
        f"banana_log_density on shape (4, 3, 2) returned shape {np.shape(values)}, "
        "expected (4, 3). Hint: index the last axis with x[..., 0] and x[..., 1]"
    )


def test_banana_grad_log_density_shape_and_hand_value():
    """The gradient has x's shape; at (0, 0) it is (0, 10)."""
    grads = hmc.banana_grad_log_density(np.zeros((5, 2)))
    assert np.shape(grads) == (5, 2), (
        f"banana_grad_log_density on shape (5, 2) returned shape {np.shape(grads)}, "
        "expected (5, 2)"
    )
    grad = hmc.banana_grad_log_density(np.array([0.0, 0.0]))
    assert np.allclose(grad, [0.0, 10.0]), (
        f"banana_grad_log_density([0, 0]) returned {grad}, expected [0, 10]. "
        "Hint: compare with a finite difference of banana_log_density"
    )


def test_hmc_sample_shapes_and_acceptance():
    """HMC on a 2-D Gaussian returns (n_samples, 2) finite samples and a rate in [0, 1]."""
    samples, rate = hmc.hmc_sample(
        gaussian_log_density,
        gaussian_grad_log_density,
        np.zeros(2),
        200,
        0.2,
        10,
        np.random.default_rng(0),
    )
    assert np.shape(samples) == (200, 2), (
        f"hmc_sample with n_samples=200 in 2-D returned samples of shape {np.shape(samples)}, "
        "expected (200, 2)"
    )
    assert np.all(np.isfinite(samples)), "hmc_sample returned non-finite samples"
    assert isinstance(rate, float) and 0.0 <= rate <= 1.0, (
        f"hmc_sample returned acceptance rate {rate!r}, expected a float in [0, 1]"
    )
    assert np.std(samples[:, 0]) > 0.1, (
        "hmc_sample: the chain barely moved on a standard Gaussian (step 0.2, 10 steps). "
        "Hint: is the momentum redrawn every iteration, and are proposals ever accepted?"
    )


def test_hmc_sample_is_repeatable_with_a_seed():
    """Two runs with generators seeded alike give identical chains (no global randomness)."""
    runs = [
        hmc.hmc_sample(
            gaussian_log_density,
            gaussian_grad_log_density,
            np.array([1.0, -1.0]),
            50,
            0.3,
            5,
            np.random.default_rng(7),
        )[0]
        for _ in range(2)
    ]
    assert np.array_equal(runs[0], runs[1]), (
        "hmc_sample gave different chains for the same seed. Hint: draw every random number "
        "from the rng argument, never from np.random.* directly"
    )


def test_random_walk_metropolis_shapes_and_repeatability():
    """Random-walk Metropolis returns (n_samples, 2), a rate in [0, 1], same chain per seed."""
    runs = [
        hmc.random_walk_metropolis(
            gaussian_log_density, np.zeros(2), 300, 1.0, np.random.default_rng(3)
        )
        for _ in range(2)
    ]
    samples, rate = runs[0]
    assert np.shape(samples) == (300, 2), (
        f"random_walk_metropolis returned samples of shape {np.shape(samples)}, expected (300, 2)"
    )
    assert isinstance(rate, float) and 0.0 <= rate <= 1.0, (
        f"random_walk_metropolis returned acceptance rate {rate!r}, expected a float in [0, 1]"
    )
    assert np.array_equal(runs[0][0], runs[1][0]), (
        "random_walk_metropolis gave different chains for the same seed. Hint: use only "
        "the rng argument"
    )


def test_hmc_trajectory_shapes_and_first_step():
    """The path has n_leapfrog + 1 rows, starts at (x0, p0), and row 1 is one leapfrog step."""
    x0, p0 = np.array([1.0, 0.0]), np.array([0.0, 0.0])
    xs, ps = hmc.hmc_trajectory(gaussian_grad_log_density, x0, p0, 0.1, 8)
    assert np.shape(xs) == (9, 2) and np.shape(ps) == (9, 2), (
        f"hmc_trajectory with n_leapfrog=8 in 2-D returned shapes {np.shape(xs)} and "
        f"{np.shape(ps)}, expected (9, 2) for both"
    )
    assert np.allclose(xs[0], x0) and np.allclose(ps[0], p0), (
        "hmc_trajectory: row 0 should be (x0, p0)"
    )
    assert np.allclose(xs[1], [0.995, 0.0]) and np.allclose(ps[1], [-0.09975, 0.0]), (
        f"hmc_trajectory: from x0 = (1, 0), p0 = (0, 0) on a standard Gaussian with step "
        f"0.1, row 1 should be x = (0.995, 0), p = (-0.09975, 0); got x = {xs[1]}, "
        f"p = {ps[1]}. Hint: the potential is U = -log density, so its gradient is "
        "-grad_log_density"
    )


def test_banana_gradient_matches_finite_differences():
    """banana_grad_log_density agrees with a central difference of banana_log_density."""
    x = np.array([[3.0, -2.0], [-11.0, 4.0], [0.5, 9.0]])
    grad = hmc.banana_grad_log_density(x, b=0.3)  # first: the function this check is about
    h = 1e-5
    numeric = np.stack(
        [
            (hmc.banana_log_density(x + h * e, b=0.3) - hmc.banana_log_density(x - h * e, b=0.3))
            / (2 * h)
            for e in np.eye(2)
        ],
        axis=-1,
    )
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-6), (
        f"banana_grad_log_density(x, b=0.3) returned {grad}, but central differences of "
        f"banana_log_density give {numeric}. Hint: differentiate the squared term with the "
        "chain rule, and use b"
    )


# Chains started at exact draws of the banana stay exact under a correct sampler, so the
# sum of w = (x2 + b x1^2 - 100 b)^2 over N independent chains' last states is chi-squared
# with N degrees of freedom. These bounds hold with probability 1 - 1e-9 for N = 200.
W_SUM_BOUNDS = (100.88, 347.33)


def exact_banana_draws(rng, n, b=0.1):
    z = rng.standard_normal((n, 2))
    x1 = 10 * z[:, 0]
    return np.stack([x1, z[:, 1] - b * (x1**2 - 100)], axis=1)


def w_sum_after(run_chain, n_chains=200):
    """Start ``n_chains`` chains at exact draws, run each, and sum w over the last states."""
    rng = np.random.default_rng(11)
    starts = exact_banana_draws(rng, n_chains)
    last = np.array(
        [run_chain(x0, np.random.default_rng(100 + j))[-1] for j, x0 in enumerate(starts)]
    )
    return float(np.sum((last[:, 1] + 0.1 * last[:, 0] ** 2 - 10) ** 2))


def test_hmc_keeps_exact_draws_of_the_banana_exact():
    """Four HMC iterations at a large step size from exact draws: w's sum stays chi-squared."""
    total = w_sum_after(
        lambda x0, rng: hmc.hmc_sample(
            hmc.banana_log_density, hmc.banana_grad_log_density, x0, 4, 0.6, 6, rng
        )[0]
    )
    assert W_SUM_BOUNDS[0] <= total <= W_SUM_BOUNDS[1], (
        f"hmc_sample: chains started at exact draws of the banana ended with a sum of "
        f"w = (x2 + b x1^2 - 100 b)^2 of {total:.1f} over 200 chains; a correct sampler gives "
        f"a value in {W_SUM_BOUNDS} with probability 1 - 1e-9. Hint: check the sign of "
        "H_old - H_new, the 1/2 in the kinetic energy, and that a rejection keeps the old state"
    )


def test_random_walk_metropolis_keeps_exact_draws_of_the_banana_exact():
    """Ten Metropolis iterations from exact draws: w's sum stays chi-squared."""
    total = w_sum_after(
        lambda x0, rng: hmc.random_walk_metropolis(
            hmc.banana_log_density, x0, 10, np.array([4.0, 4.0]), rng
        )[0]
    )
    assert W_SUM_BOUNDS[0] <= total <= W_SUM_BOUNDS[1], (
        f"random_walk_metropolis: chains started at exact draws of the banana ended with a "
        f"sum of w of {total:.1f} over 200 chains; a correct sampler gives a value in "
        f"{W_SUM_BOUNDS} with probability 1 - 1e-9. Hint: accept with min(1, pi(x') / pi(x)), "
        "and keep the old state on rejection"
    )
