"""Single-bug variants of ``solutions/integrators.py``: forward Euler and ``simulate`` (1.7),
leapfrog (2.2; more leapfrog variants are in ``leapfrog.py``)."""

from tests.variants import Variant

EULER_KICK = "p_next = p - dt * _as_float64(grad_potential(q))"
LEAPFROG_FIRST_KICK = "p_half = p - 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)"
LEAPFROG_DRIFT = "q_next = q + dt * p_half  # q(n+1)"
LEAPFROG_SECOND_KICK = "p_next = p_half - 0.5 * dt * _as_float64(grad_potential(q_next))  # p(n+1)"
SIMULATE_LOOP = """    for k in range(n_steps):
        q, p = step(q, p, dt, grad_potential)
        qs[k + 1], ps[k + 1] = q, p
    return qs, ps"""

VARIANTS = [
    # -- forward Euler ------------------------------------------------------------------------
    Variant(
        name="euler-kick-at-new-q",
        module="integrators",
        old=EULER_KICK,
        new="p_next = p - dt * _as_float64(grad_potential(q_next))",
        question="1.7",
        bug="forward Euler takes the momentum kick at the updated position (symplectic Euler)",
    ),
    Variant(
        name="euler-drift-with-new-p",
        module="integrators",
        old="""    q_next = q + dt * p
    p_next = p - dt * _as_float64(grad_potential(q))""",
        new="""    p_next = p - dt * _as_float64(grad_potential(q))
    q_next = q + dt * p_next""",
        question="1.7",
        bug="the drift uses the already updated momentum (the other symplectic Euler)",
    ),
    Variant(
        name="euler-in-place",
        module="integrators",
        old="""    q_next = q + dt * p
    p_next = p - dt * _as_float64(grad_potential(q))
    return q_next, p_next""",
        new="""    force = _as_float64(grad_potential(q))
    q += dt * p
    p -= dt * force
    return q, p""",
        question="1.7",
        bug="updates q and p in place with += and -=, changing the caller's arrays",
    ),
    Variant(
        name="simulate-no-initial-row",
        module="integrators",
        old=SIMULATE_LOOP,
        new="""    for k in range(n_steps):
        q, p = step(q, p, dt, grad_potential)
        qs[k + 1], ps[k + 1] = q, p
    return qs[1:], ps[1:]""",
        question="1.7",
        bug="simulate returns only the states after each step, without the initial one",
        knock_on=("2.2",),
    ),
    Variant(
        name="simulate-ignores-step",
        module="integrators",
        old="        q, p = step(q, p, dt, grad_potential)\n",
        new="        q, p = euler_step(q, p, dt, grad_potential)\n",
        question="1.7",
        bug="simulate always takes Euler steps, whatever step function it is given",
        knock_on=("2.2",),
    ),
    Variant(
        name="energy-ratio-amplitude",
        module="integrators",
        old="    return 1 + dt**2",
        new="    return (1 + dt**2) ** 0.5",
        question="1.7",
        bug="returns the growth factor of the amplitude |(q, p)|, not of the energy",
    ),
    Variant(
        name="energy-ratio-float-only",
        module="integrators",
        old="    return 1 + dt**2",
        new="    return float(1 + dt**2)",
        question="1.7",
        bug="casts the factor to float, which fails for arrays and SymPy symbols",
    ),
    # -- leapfrog -----------------------------------------------------------------------------
    Variant(
        name="leapfrog-full-first-kick",
        module="integrators",
        old=LEAPFROG_FIRST_KICK,
        new="p_half = p - dt * _as_float64(grad_potential(q))  # p(n+1/2)",
        question="2.2",
        bug="a full momentum kick where leapfrog takes a half kick",
    ),
    Variant(
        name="leapfrog-grad-log-p-sign",
        module="integrators",
        old=f"""    {LEAPFROG_FIRST_KICK}

    {LEAPFROG_DRIFT}

    {LEAPFROG_SECOND_KICK}""",
        new="""    p_half = p + 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)

    q_next = q + dt * p_half  # q(n+1)

    p_next = p_half + 0.5 * dt * _as_float64(grad_potential(q_next))  # p(n+1)""",
        question="2.2",
        bug="both kicks add the gradient, as if it were grad log p rather than grad U",
    ),
    Variant(
        name="leapfrog-position-verlet",
        module="integrators",
        old=f"""    {LEAPFROG_FIRST_KICK}

    {LEAPFROG_DRIFT}

    {LEAPFROG_SECOND_KICK}""",
        new="""    q_half = q + 0.5 * dt * p
    p_next = p - dt * _as_float64(grad_potential(q_half))
    q_next = q_half + 0.5 * dt * p_next""",
        question="2.2",
        bug="drift-kick-drift (position Verlet) where the contract asks for velocity Verlet",
    ),
]
