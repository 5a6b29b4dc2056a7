"""Single-bug variants of ``solutions/theory.py``, one or more per theory item."""

from tests.variants import Variant

VARIANTS = [
    Variant(
        name="square-solution-sign",
        module="theory",
        old="return h0 / (1 - h0 * t)",
        new="return h0 / (1 + h0 * t)",
        question="1.1",
        bug="a sign error when separating variables in h' = h^2",
    ),
    Variant(
        name="adjoint-missing-transpose",
        module="theory",
        old="return -(a.T * jacobian).T",
        new="return -(jacobian * a)",
        question="1.2",
        bug="the adjoint right-hand side -Theta a, without the transpose",
    ),
    Variant(
        name="probability-flow-missing-half",
        module="theory",
        old="return f - g**2 / 2 * score",
        new="return f - g**2 * score",
        question="1.3",
        bug="the reverse-SDE drift f - g^2 score instead of the probability-flow drift",
    ),
    Variant(
        name="fourier-sines-first",
        module="theory",
        old="return np.concatenate([np.cos(phase), np.sin(phase)], axis=-1)",
        new="return np.concatenate([np.sin(phase), np.cos(phase)], axis=-1)",
        question="1.4",
        bug="the sine block before the cosine block",
    ),
    Variant(
        name="hnn-signs-swapped",
        module="theory",
        old="return sp.diff(H, p), -sp.diff(H, q)",
        new="return -sp.diff(H, p), sp.diff(H, q)",
        question="1.5",
        bug="Hamilton's equations with both signs flipped",
    ),
    Variant(
        name="probe-moment-one-everywhere",
        module="theory",
        old="return sp.KroneckerDelta(i, j)",
        new="return sp.Integer(1)",
        question="1.6",
        bug="E[eps_i eps_j] = 1 for every pair, forgetting independence",
    ),
    Variant(
        name="euler-energy-symplectic-update",
        module="theory",
        old="p_next = p - dt * q",
        new="p_next = p - dt * q_next",
        question="1.7",
        bug="the energy after a symplectic Euler step instead of a forward Euler step",
    ),
    Variant(
        name="euler-n-steps-exponent-off-by-one",
        module="theory",
        old="** sp.sympify(n)",
        new="** (sp.sympify(n) - 1)",
        question="1.7",
        bug="E_n with the one-step factor applied n - 1 times",
    ),
    Variant(
        name="pinn-needs-labels",
        module="theory",
        old="PINN_NEEDS_LABELED_SOLUTIONS = False",
        new="PINN_NEEDS_LABELED_SOLUTIONS = True",
        question="1.8",
        bug="believing a PINN's physics loss needs ground-truth solutions",
    ),
]
