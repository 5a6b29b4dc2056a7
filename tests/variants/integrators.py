"""Single-bug variants of ``solutions/integrators.py``."""

from tests.variants import Variant

VARIANTS = [
    Variant(
        name="euler-kick-at-new-q",
        module="integrators",
        old="p_next = p - dt * _as_float64(grad_potential(q))",
        new="p_next = p - dt * _as_float64(grad_potential(q_next))",
        question="1.7",
        bug="forward Euler takes the momentum kick at the updated position (symplectic Euler)",
    ),
    Variant(
        name="leapfrog-full-first-kick",
        module="integrators",
        old="p_half = p - 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)",
        new="p_half = p - dt * _as_float64(grad_potential(q))  # p(n+1/2)",
        question="2.2",
        bug="a full momentum kick where leapfrog takes a half kick",
    ),
]
