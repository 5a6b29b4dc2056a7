"""Single-bug variants of ``leapfrog_step`` in ``solutions/integrators.py`` (question 2.2)."""

from tests.variants import Variant

VARIANTS = [
    Variant(
        name="leapfrog-second-kick-old-gradient",
        module="integrators",
        old="p_next = p_half - 0.5 * dt * _as_float64(grad_potential(q_next))  # p(n+1)",
        new="p_next = p_half - 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1)",
        question="2.2",
        bug="the second half kick reuses the gradient at the old position",
    ),
    Variant(
        name="leapfrog-in-place-kick",
        module="integrators",
        old="    p_half = p - 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)",
        new="    p_half = p\n    p_half -= 0.5 * dt * _as_float64(grad_potential(q))  # p(n+1/2)",
        question="2.2",
        bug="the first half kick is applied in place, changing the caller's momentum array",
    ),
]
