"""Public self-checks for theory.py (questions 1.1 to 1.8).

These check only that each answer is given and has the right type and shape, plus a few
sanity values that follow from the question itself (a solution starts at its initial
value, zero steps change nothing). Whether an answer is right is decided at grading.
"""

import numpy as np
import pytest
import sympy

from student import theory

BOOLEAN_CONSTANTS = [
    "RELU_FIELD_GLOBALLY_LIPSCHITZ",
    "PICARD_LINDELOF_UNIQUE_ON_0_T",
    "FNO_NEEDS_LABELED_SOLUTIONS",
    "PINN_NEEDS_LABELED_SOLUTIONS",
]
SPECTRAL_BIAS_KEYS = {
    "low_frequencies_learned_first",
    "ntk_eigenvalues_decay_with_frequency",
    "pinn_residual_loss_removes_spectral_bias",
    "fourier_features_let_mlp_fit_high_frequencies",
    "larger_fourier_scale_always_better",
}

x = sympy.Symbol("x", real=True)
q, p, q_dot, p_dot = sympy.symbols("q p q_dot p_dot", real=True)
t, dt, E0, d = sympy.symbols("t dt E0 d", positive=True)
h0 = sympy.Symbol("h0", positive=True)
n = sympy.Symbol("n", integer=True, nonnegative=True)
i, j = sympy.symbols("i j", integer=True)
THETA = sympy.Matrix(2, 2, sympy.symbols("theta0:4"))
H_COLUMN = sympy.Matrix(sympy.symbols("h0:2"))
A_COLUMN = sympy.Matrix(sympy.symbols("a0:2"))


def answered(name):
    """The value of a theory constant; a constant left as None counts as not implemented."""
    value = getattr(theory, name)
    if value is None:
        raise NotImplementedError(f"theory.{name} (still None)")
    return value


def is_sympy(value):
    return isinstance(value, (sympy.Basic, int, float))


@pytest.mark.parametrize("name", BOOLEAN_CONSTANTS)
def test_boolean_answers_are_bools(name):
    """Each yes/no item is answered with True or False."""
    value = answered(name)
    assert isinstance(value, bool), (
        f"theory.{name} is a {type(value).__name__}, expected True or False"
    )


def test_spectral_bias_answers_have_the_five_keys():
    """SPECTRAL_BIAS_ANSWERS is a dict with exactly the five keys, each True or False."""
    answers = answered("SPECTRAL_BIAS_ANSWERS")
    assert isinstance(answers, dict), (
        f"theory.SPECTRAL_BIAS_ANSWERS is a {type(answers).__name__}, expected a dict"
    )
    missing, extra = SPECTRAL_BIAS_KEYS - set(answers), set(answers) - SPECTRAL_BIAS_KEYS
    assert not missing and not extra, (
        f"theory.SPECTRAL_BIAS_ANSWERS: missing keys {sorted(missing)}, unexpected keys "
        f"{sorted(extra)}; copy the key names from the comment in theory.py"
    )
    not_bools = sorted(key for key, value in answers.items() if not isinstance(value, bool))
    assert not not_bools, (
        f"theory.SPECTRAL_BIAS_ANSWERS: the values of {not_bools} are not True or False"
    )


def test_relu_field_lipschitz_bound_is_a_float():
    """The bound is a non-negative Python float for a numpy matrix."""
    bound = theory.relu_field_lipschitz_bound(np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 0.0]]))
    assert isinstance(bound, float) and np.isfinite(bound) and bound >= 0, (
        f"relu_field_lipschitz_bound returned {bound!r}, expected a finite float >= 0"
    )


def test_square_field_solution_starts_at_h0():
    """The solution of h' = h**2 is a SymPy expression that equals h0 at t = 0."""
    solution = theory.square_field_solution(h0, t)
    assert isinstance(solution, sympy.Basic), (
        f"square_field_solution returned a {type(solution).__name__}, expected a SymPy expression"
    )
    assert sympy.simplify(solution.subs(t, 0) - h0) == 0, (
        f"square_field_solution(h0, t) at t = 0 is {solution.subs(t, 0)}, expected h0"
    )


def test_square_field_blowup_time_is_an_expression():
    """The blow-up time is a SymPy expression (or number) in h0."""
    blowup = theory.square_field_blowup_time(h0)
    assert is_sympy(blowup), (
        f"square_field_blowup_time returned a {type(blowup).__name__}, expected a SymPy expression"
    )


def test_linear_field_jacobian_is_a_square_matrix():
    """The Jacobian of Theta h for a 2 x 2 Theta is a 2 x 2 sympy Matrix."""
    jacobian = theory.linear_field_jacobian(THETA, H_COLUMN)
    assert isinstance(jacobian, sympy.MatrixBase) and jacobian.shape == (2, 2), (
        f"linear_field_jacobian returned {type(jacobian).__name__} "
        f"{getattr(jacobian, 'shape', '')}, expected a 2 x 2 sympy Matrix"
    )


def test_linear_adjoint_rhs_is_a_column():
    """da/dt for a 2 x 2 Theta is a 2 x 1 sympy Matrix."""
    rhs = theory.linear_adjoint_rhs(THETA, A_COLUMN)
    assert isinstance(rhs, sympy.MatrixBase) and rhs.shape == (2, 1), (
        f"linear_adjoint_rhs returned {type(rhs).__name__} {getattr(rhs, 'shape', '')}, "
        "expected a 2 x 1 sympy Matrix (a column)"
    )


def test_probability_flow_drift_is_an_expression():
    """The drift for dx = -x dt + dW with score -x is a SymPy expression."""
    drift = theory.probability_flow_drift(-x, sympy.Integer(1), -x)
    assert is_sympy(drift), (
        f"probability_flow_drift returned a {type(drift).__name__}, expected a SymPy expression"
    )


def test_langevin_probability_flow_drift_is_an_expression():
    """The Langevin drift for target score -x and current score -2 x is an expression."""
    drift = theory.langevin_probability_flow_drift(-x, -2 * x)
    assert is_sympy(drift), (
        f"langevin_probability_flow_drift returned a {type(drift).__name__}, expected a "
        "SymPy expression"
    )


def test_score_of_unnormalized_is_an_expression():
    """The score of exp(-x**4 / 4) / Z is a SymPy expression."""
    score = theory.score_of_unnormalized(-(x**4) / 4, x)
    assert is_sympy(score), (
        f"score_of_unnormalized returned a {type(score).__name__}, expected a SymPy expression"
    )


def test_fourier_features_shape():
    """x of shape (n, d) and B of shape (m, d) give features of shape (n, 2 m); x = 0 gives
    cos = 1 then sin = 0."""
    rng = np.random.default_rng(0)
    features = theory.fourier_features(rng.normal(size=(5, 3)), rng.normal(size=(4, 3)))
    assert np.shape(features) == (5, 8), (
        f"fourier_features with x (5, 3) and B (4, 3) returned shape {np.shape(features)}, "
        "expected (5, 8)"
    )
    at_zero = theory.fourier_features(np.zeros((1, 3)), rng.normal(size=(4, 3)))
    assert np.allclose(at_zero, [[1, 1, 1, 1, 0, 0, 0, 0]]), (
        f"fourier_features at x = 0 returned {np.round(at_zero, 3).tolist()}, expected the "
        "four cosines (all 1) first, then the four sines (all 0)"
    )


def test_hamiltonian_time_derivative_is_an_expression():
    """dH/dt along a path is a SymPy expression."""
    rate = theory.hamiltonian_time_derivative(sympy.Function("H")(q, p), q, p, q_dot, p_dot)
    assert is_sympy(rate), (
        f"hamiltonian_time_derivative returned a {type(rate).__name__}, expected a SymPy "
        "expression"
    )


def test_hnn_vector_field_is_a_pair():
    """The HNN field is a tuple (q_dot, p_dot) of SymPy expressions."""
    field = theory.hnn_vector_field(sympy.Function("H")(q, p), q, p)
    assert isinstance(field, tuple) and len(field) == 2 and all(map(is_sympy, field)), (
        f"hnn_vector_field returned {field!r}, expected a tuple (q_dot, p_dot) of SymPy "
        "expressions"
    )


def test_exact_trace_vjp_count_is_a_count():
    """The number of VJPs in dimension d is an int or a SymPy expression."""
    count = theory.exact_trace_vjp_count(d)
    assert is_sympy(count), (
        f"exact_trace_vjp_count returned a {type(count).__name__}, expected an int or a "
        "SymPy expression"
    )


def test_probe_second_moment_is_an_expression():
    """E[eps_i eps_j] for integer symbols i, j is a SymPy expression."""
    moment = theory.probe_second_moment(i, j)
    assert is_sympy(moment), (
        f"probe_second_moment returned a {type(moment).__name__}, expected a SymPy expression"
    )


def test_euler_energy_after_one_step_keeps_energy_for_dt_zero():
    """A step of size 0 leaves the energy (p**2 + q**2) / 2 unchanged."""
    energy = theory.euler_energy_after_one_step(q, p, dt)
    assert isinstance(energy, sympy.Basic), (
        f"euler_energy_after_one_step returned a {type(energy).__name__}, expected a SymPy "
        "expression"
    )
    assert sympy.simplify(energy.subs(dt, 0) - (p**2 + q**2) / 2) == 0, (
        "euler_energy_after_one_step with dt = 0 should equal (p**2 + q**2) / 2"
    )


WRITTEN_ITEMS = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "2.1", "2.2"]


def test_written_answers_are_strings_for_every_item():
    """WRITTEN_ANSWERS holds a non-empty string for each item with a Written part (read by a
    TA, not scored automatically)."""
    answers = theory.WRITTEN_ANSWERS
    assert isinstance(answers, dict), (
        f"theory.WRITTEN_ANSWERS is a {type(answers).__name__}, expected a dict"
    )
    not_strings = sorted(key for key, value in answers.items() if not isinstance(value, str))
    assert not not_strings, f"theory.WRITTEN_ANSWERS: the answers to {not_strings} are not strings"
    missing = [item for item in WRITTEN_ITEMS if not str(answers.get(item, "")).strip()]
    if missing:
        raise NotImplementedError(
            f"theory.WRITTEN_ANSWERS has no answer yet for {', '.join(missing)}"
        )


def test_euler_energy_after_n_steps_keeps_energy_for_zero_steps():
    """Zero steps leave the energy at E0."""
    energy = theory.euler_energy_after_n_steps(E0, dt, n)
    assert isinstance(energy, sympy.Basic), (
        f"euler_energy_after_n_steps returned a {type(energy).__name__}, expected a SymPy "
        "expression"
    )
    assert sympy.simplify(energy.subs(n, 0) - E0) == 0, (
        "euler_energy_after_n_steps with n = 0 should equal E0"
    )
