"""Single-bug variants of ``solutions/hmc.py``: the banana, HMC, random-walk Metropolis and
the trajectory. Each must lose points in 2.2 only; the comment above each names the check
that catches it (``tests/test_hmc_variants.py`` asserts that check fails)."""

from tests.variants import Variant

VARIANTS = [
    # banana values
    Variant(
        name="banana-mirrored",
        module="hmc",
        old="ridge = x2 + b * x1**2 - 100.0 * b\n    return -(x1**2) / 200.0",
        new="ridge = x2 - b * x1**2 + 100.0 * b\n    return -(x1**2) / 200.0",
        question="2.2",
        bug="the mirrored banana: the twist term with the wrong sign",
    ),
    # banana gradient
    Variant(
        name="banana-grad-missing-chain-factor",
        module="hmc",
        old="-x1 / 100.0 - 2.0 * b * x1 * ridge",
        new="-x1 / 100.0 - b * x1 * ridge",
        question="2.2",
        bug="the chain rule's factor 2 dropped from d/dx1 of the squared ridge term",
    ),
    # HMC
    Variant(
        name="hmc-flipped-acceptance-sign",
        module="hmc",
        old="if _accept(h_old - h_new, rng):",
        new="if _accept(h_new - h_old, rng):",
        question="2.2",
        bug="accepting with probability min(1, exp(H_new - H_old))",
    ),
    Variant(
        name="hmc-kinetic-missing-half",
        module="hmc",
        old="h_old = potential + 0.5 * float(p @ p)",
        new="h_old = potential + float(p @ p)",
        question="2.2",
        bug="kinetic energy |p|^2 without the 1/2 in H_old",
    ),
    Variant(
        name="hmc-stale-potential",
        module="hmc",
        old="x, potential = x_new, potential_new",
        new="x = x_new",
        question="2.2",
        bug="the cached potential U(x) is not updated when a proposal is accepted",
    ),
    Variant(
        name="hmc-stores-rejected-proposal",
        module="hmc",
        old="            x, potential = x_new, potential_new\n"
        "            n_accepted += 1\n"
        "        samples[i] = x\n",
        new="            x, potential = x_new, potential_new\n"
        "            n_accepted += 1\n"
        "        samples[i] = x_new\n",
        question="2.2",
        bug="the proposal is stored as the sample even when it is rejected",
    ),
    Variant(
        name="hmc-leapfrog-on-log-density",
        module="hmc",
        old="        return -np.asarray(grad_log_density(q), dtype=np.float64)\n\n"
        "    potential = -float(log_density(x))",
        new="        return np.asarray(grad_log_density(q), dtype=np.float64)\n\n"
        "    potential = -float(log_density(x))",
        question="2.2",
        bug="grad_log_density handed to leapfrog_step as grad_potential (no minus sign)",
    ),
    Variant(
        name="hmc-accepts-nan",
        module="hmc",
        old="    if not np.isfinite(log_ratio):\n"
        "        return False\n"
        '    with np.errstate(divide="ignore"):  # log(0) = -inf accepts, as it should\n'
        "        return bool(np.log(u) < log_ratio)",
        new='    with np.errstate(over="ignore"):\n'
        "        return bool(u < min(1.0, np.exp(log_ratio)))",
        question="2.2",
        bug="u < min(1, exp(dH)), which accepts a NaN dH because min(1, nan) is 1",
    ),
    Variant(
        name="hmc-momentum-drawn-once",
        module="hmc",
        old="    for i in range(n_samples):\n        p = rng.standard_normal(d)\n",
        new="    p = rng.standard_normal(d)\n    for i in range(n_samples):\n",
        question="2.2",
        bug="the momentum is drawn once before the loop instead of every iteration",
    ),
    # random-walk Metropolis
    Variant(
        name="rwm-inverted-ratio",
        module="hmc",
        old="if _accept(log_pi_new - log_pi, rng):",
        new="if _accept(log_pi - log_pi_new, rng):",
        question="2.2",
        bug="accepting with min(1, pi(x) / pi(x'))",
    ),
    Variant(
        name="rwm-stale-log-density",
        module="hmc",
        old="x, log_pi = x_new, log_pi_new",
        new="x = x_new",
        question="2.2",
        bug="log pi(x) is not updated when a proposal is accepted",
    ),
    Variant(
        name="rwm-ignores-proposal-std",
        module="hmc",
        old="x_new = x + proposal_std * rng.standard_normal(d)",
        new="x_new = x + rng.standard_normal(d)",
        question="2.2",
        bug="the proposal ignores proposal_std",
    ),
    # the trajectory
    Variant(
        name="trajectory-drops-initial-row",
        module="hmc",
        old="    return integrators.simulate(\n"
        "        integrators.leapfrog_step, _start(x0), _start(p0), step_size, n_leapfrog, "
        "grad_potential\n    )",
        new="    xs, ps = integrators.simulate(\n"
        "        integrators.leapfrog_step, _start(x0), _start(p0), step_size, n_leapfrog, "
        "grad_potential\n    )\n    return xs[1:], ps[1:]",
        question="2.2",
        bug="the trajectory without its starting point (n_leapfrog rows)",
    ),
    Variant(
        name="trajectory-grad-log-density-as-grad-potential",
        module="hmc",
        old="        return -np.asarray(grad_log_density(q), dtype=np.float64)\n\n"
        "    return integrators.simulate(",
        new="        return np.asarray(grad_log_density(q), dtype=np.float64)\n\n"
        "    return integrators.simulate(",
        question="2.2",
        bug="the trajectory is integrated on log pi instead of U = -log pi",
    ),
]
