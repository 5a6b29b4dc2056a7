"""Answers to the theory questions, as Python values and SymPy expressions.

Handout questions 1.1 to 1.8. Each name below belongs to one item (see the comment or the
docstring beside it). Answer a yes/no item by replacing ``None`` with ``True`` or
``False``; answer a derivation by making the function return the SymPy expression (or
``Matrix``, or tuple) that your derivation ends with. Any form equal to the right answer is
accepted, so you do not need to simplify by hand; but symbolic equality checks have blind
spots, so prefer a plain closed form to one rewritten through ``exp`` and ``log``. Build
answers from the arguments and from SymPy functions (``sympy.sqrt``, ...), never from
``math`` or ``numpy``, which cannot handle symbols (``fourier_features`` is the one numpy
function).

How the functions are called:

- ``H`` is an applied SymPy function ``sympy.Function("H")(q, p)``; ``q``, ``p``,
  ``q_dot``, ``p_dot`` are SymPy symbols.
- ``f``, ``g``, ``score``, ``score_p``, ``score_t`` and ``log_p_tilde`` are SymPy
  expressions in the symbol ``x``.
- ``Theta`` is an explicit square ``sympy.Matrix``; ``a`` and ``h`` are explicit column
  ``Matrix`` objects.
- ``h0``, ``t``, ``dt``, ``E0``, ``n``, ``d`` are SymPy symbols (``h0`` positive) or plain
  numbers; ``i`` and ``j`` are integer symbols.
- Counts may be returned as an ``int`` or as a SymPy expression.

Write the derivations themselves in ``student/written.md``; this file only records the
results.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

# --- 1.1 Picard-Lindelof and neural ODEs ---------------------------------------------------

#: Item 1.1 (bool): is the field ``h -> ReLU(W h + b)`` Lipschitz on all of its domain,
#: with one constant for every pair of points?
RELU_FIELD_GLOBALLY_LIPSCHITZ: bool | None = True

#: Item 1.1 (bool): for that ReLU field, does the Picard-Lindelof theorem give one unique
#: solution on the whole interval ``[0, T]``, for every ``T > 0``?
PICARD_LINDELOF_UNIQUE_ON_0_T: bool | None = True


def relu_field_lipschitz_bound(W: np.ndarray | sp.Matrix) -> float:
    """Item 1.1: the Lipschitz constant of ``h -> ReLU(W h + b)`` that your bound gives.

    Parameters
    ----------
    W : 2-D array of numbers, shape (m, n)
        The weight matrix, a numpy array or a numeric SymPy ``Matrix`` (the bias ``b`` does
        not matter here); ``numpy.asarray(W, dtype=float)`` handles both.

    Returns
    -------
    float
        The constant ``L`` of your bound ``|f(h1) - f(h2)| <= L |h1 - h2|`` (Euclidean
        norms), as a Python float.

    Hints
    -----
    Treat the two parts of the field one at a time: how much can ``ReLU`` stretch a
    distance, and how much can multiplication by ``W`` stretch one? ``numpy.linalg``
    computes the matrix norms you may need.
    """
    return float(np.abs(np.asarray(W, dtype=float)).max())


def square_field_solution(h0: sp.Expr, t: sp.Expr) -> sp.Expr:
    """Item 1.1: the solution ``h(t)`` of the scalar ODE ``h' = h**2`` with ``h(0) = h0``.

    Parameters
    ----------
    h0 : sympy symbol (positive) or number
        Initial value.
    t : sympy symbol or number
        Time.

    Returns
    -------
    sympy expression
        ``h(t)``.

    Hints
    -----
    Separate the variables, or let ``sympy.dsolve`` help; then check the initial value and
    the equation by substituting back.
    """
    return h0 / (1 - h0 * t)


def square_field_blowup_time(h0: sp.Expr) -> sp.Expr:
    """Item 1.1: the time at which that solution escapes every bounded set, for ``h0 > 0``.

    Parameters
    ----------
    h0 : sympy symbol (positive) or number
        Initial value.

    Returns
    -------
    sympy expression
        The finite escape ("blow-up") time.

    Hints
    -----
    Find the time at which your solution grows without bound.
    """
    return 1 / h0


# --- 1.2 The adjoint of a linear ODE --------------------------------------------------------


def linear_field_jacobian(Theta: sp.Matrix, h: sp.Matrix) -> sp.Matrix:
    """Item 1.2: the Jacobian ``d(Theta h) / dh`` of the linear field ``f(h) = Theta h``.

    Parameters
    ----------
    Theta : sympy.Matrix, shape (n, n)
        The matrix of the linear ODE ``h' = Theta h``.
    h : sympy.Matrix, shape (n, 1)
        The state, a column of symbols.

    Returns
    -------
    sympy.Matrix, shape (n, n)
        Entry ``(i, j)`` is the derivative of component ``i`` of ``Theta h`` with respect
        to ``h[j]``.

    Hints
    -----
    ``Matrix.jacobian`` exists; so does doing it by hand.
    """
    return Theta


def linear_adjoint_rhs(Theta: sp.Matrix, a: sp.Matrix) -> sp.Matrix:
    """Item 1.2: the right-hand side ``da/dt`` of the adjoint ODE for ``h' = Theta h``.

    Parameters
    ----------
    Theta : sympy.Matrix, shape (n, n)
        The matrix of the linear ODE.
    a : sympy.Matrix, shape (n, 1)
        The adjoint state, as a column.

    Returns
    -------
    sympy.Matrix, shape (n, 1)
        ``da/dt`` as a column.

    Hints
    -----
    Start from the general adjoint equation (written with a row vector ``a^T`` and the
    Jacobian of the field), use your ``linear_field_jacobian``, and transpose to get a
    column.
    """
    return -Theta * a


# --- 1.3 Score-based models and Langevin dynamics -------------------------------------------


def probability_flow_drift(f: sp.Expr, g: sp.Expr, score: sp.Expr) -> sp.Expr:
    """Item 1.3: the drift of the probability-flow ODE of a scalar Ito SDE.

    The SDE is ``dx = f dt + g dW`` and its marginal density at the current time has score
    ``score`` (the derivative of the log density with respect to ``x``). Return the
    right-hand side of the deterministic ODE ``dx/dt = ...`` whose solutions have the same
    marginal densities as the SDE.

    Parameters
    ----------
    f : sympy expression in ``x``
        Drift of the SDE.
    g : sympy expression in ``x``
        Diffusion coefficient of the SDE.
    score : sympy expression in ``x``
        Score of the current marginal.

    Returns
    -------
    sympy expression
        The probability-flow drift.

    Hints
    -----
    Write the Fokker-Planck equation of the SDE and rewrite its diffusion term as a
    transport (first-order) term using the score. Here ``g`` may depend on ``x``.
    """
    return f - g**2 * score


def langevin_probability_flow_drift(score_p: sp.Expr, score_t: sp.Expr) -> sp.Expr:
    """Item 1.3: the probability-flow drift for the Langevin SDE.

    The SDE is ``dx = score_p dt + sqrt(2) dW``, where ``score_p`` is the score of the
    target density ``p``, and its marginal at the current time has score ``score_t``.

    Parameters
    ----------
    score_p : sympy expression in ``x``
        Score of the target density.
    score_t : sympy expression in ``x``
        Score of the current marginal.

    Returns
    -------
    sympy expression
        The drift of the matching probability-flow ODE.

    Hints
    -----
    A special case of ``probability_flow_drift``. Ask yourself what the flow should do once
    the chain has reached its target.
    """
    return score_p - score_t


def score_of_unnormalized(log_p_tilde: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Item 1.3: the score of a density that is known only up to its normalizing constant.

    The density is ``p(x) = p_tilde(x) / Z`` with an unknown constant ``Z``; you are given
    ``log p_tilde`` as an expression in ``x``. Return the score of ``p``. Your answer shows
    why a score model never needs ``Z``.

    Parameters
    ----------
    log_p_tilde : sympy expression in ``x``
        Log of the unnormalized density.
    x : sympy symbol
        The variable.

    Returns
    -------
    sympy expression in ``x``
        The score.

    Hints
    -----
    You may introduce ``Z = sympy.Symbol("Z", positive=True)`` and let SymPy show you what
    happens to it.
    """
    return sp.diff(log_p_tilde, x)


# --- 1.4 PINNs and spectral bias ------------------------------------------------------------


def fourier_features(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Item 1.4: random Fourier feature embedding of the inputs.

    With ``Z = 2 * pi * x @ B.T``, return ``cos(Z)`` and ``sin(Z)`` joined on the last axis,
    cosines first.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, d)
        Inputs.
    B : numpy.ndarray, shape (m, d)
        Frequency matrix (in practice drawn at random, with a chosen scale).

    Returns
    -------
    numpy.ndarray, float64, shape (n, 2 * m)
        The features.

    Hints
    -----
    ``numpy.concatenate(..., axis=-1)``.
    """
    phase = 2 * np.pi * np.asarray(x) @ np.asarray(B).T
    return np.concatenate([np.cos(phase), np.sin(phase)], axis=-1)


#: Item 1.4: a dict with exactly these five keys, each mapped to ``True`` or ``False``
#: (is the statement true?):
#:
#: - ``"low_frequencies_learned_first"``: trained by gradient descent, a network fits the
#:   low-frequency parts of its target before the high-frequency ones.
#: - ``"ntk_eigenvalues_decay_with_frequency"``: the eigenvalues of the neural tangent
#:   kernel get smaller as the frequency of the eigenfunction grows.
#: - ``"pinn_residual_loss_removes_spectral_bias"``: training on the PDE-residual loss of
#:   a PINN by itself removes the spectral bias.
#: - ``"fourier_features_let_mlp_fit_high_frequencies"``: feeding an MLP Fourier features
#:   of its input lets it fit high-frequency targets.
#: - ``"larger_fourier_scale_always_better"``: the larger the scale of the random
#:   frequency matrix ``B``, the better, without exception.
#:
#: Template: ``{"low_frequencies_learned_first": ..., "ntk_eigenvalues_decay_with_frequency":
#: ..., "pinn_residual_loss_removes_spectral_bias": ...,
#: "fourier_features_let_mlp_fit_high_frequencies": ...,
#: "larger_fourier_scale_always_better": ...}``
SPECTRAL_BIAS_ANSWERS: dict[str, bool] | None = {
    "low_frequencies_learned_first": True,
    "ntk_eigenvalues_decay_with_frequency": True,
    "pinn_residual_loss_removes_spectral_bias": True,
    "fourier_features_let_mlp_fit_high_frequencies": True,
    "larger_fourier_scale_always_better": False,
}


# --- 1.5 Conservation in Hamiltonian neural networks ----------------------------------------


def hamiltonian_time_derivative(
    H: sp.Expr, q: sp.Symbol, p: sp.Symbol, q_dot: sp.Expr, p_dot: sp.Expr
) -> sp.Expr:
    """Item 1.5: ``dH/dt`` along a path ``(q(t), p(t))`` with velocities ``q_dot, p_dot``.

    The path is arbitrary here (not necessarily a solution of Hamilton's equations): return
    the total time derivative of ``H(q(t), p(t))`` in terms of the partial derivatives of
    ``H`` and the given velocities.

    Parameters
    ----------
    H : sympy expression
        ``sympy.Function("H")(q, p)``.
    q, p : sympy symbols
        Position and momentum.
    q_dot, p_dot : sympy symbols or expressions
        ``dq/dt`` and ``dp/dt`` along the path.

    Returns
    -------
    sympy expression
        ``dH/dt``.

    Hints
    -----
    The chain rule; ``sympy.diff(H, q)`` is the partial derivative.
    """
    return sp.diff(H, q) * q_dot + sp.diff(H, p) * p_dot


def hnn_vector_field(H: sp.Expr, q: sp.Symbol, p: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """Item 1.5: the vector field ``(dq/dt, dp/dt)`` that a Hamiltonian neural network uses.

    Parameters
    ----------
    H : sympy expression
        The learned Hamiltonian, ``sympy.Function("H")(q, p)``.
    q, p : sympy symbols
        Position and momentum.

    Returns
    -------
    tuple of two sympy expressions
        ``(q_dot, p_dot)``.

    Hints
    -----
    These are Hamilton's equations; get the signs right. Plugging the result into your
    ``hamiltonian_time_derivative`` is a good check of item 1.5.
    """
    return sp.diff(H, p), -sp.diff(H, q)


# --- 1.6 Divergence and change of variables -------------------------------------------------


def exact_trace_vjp_count(d: sp.Expr | int) -> sp.Expr | int:
    """Item 1.6: how many vector-Jacobian products an exact ``Tr(df/dx)`` needs, ``x`` in R^d.

    Parameters
    ----------
    d : sympy symbol or int
        The dimension.

    Returns
    -------
    int or sympy expression
        The number of vector-Jacobian products (reverse-mode passes).

    Hints
    -----
    What does one vector-Jacobian product give you, and how much of the Jacobian does the
    trace need? Compare with ``exact_divergence`` in ``hutchinson.py``.
    """
    return d


def probe_second_moment(i: sp.Symbol, j: sp.Symbol) -> sp.Expr:
    """Item 1.6: ``E[eps_i * eps_j]`` for a Hutchinson probe ``eps``.

    The probe has independent Rademacher or standard Gaussian entries (the answer is the
    same for both).

    Parameters
    ----------
    i, j : sympy integer symbols
        Indices of two entries of the probe (they may or may not be equal).

    Returns
    -------
    sympy expression
        The expectation, as one expression valid for all integer ``i`` and ``j``.

    Hints
    -----
    Work out the cases ``i == j`` and ``i != j`` on paper, then find one SymPy expression
    covering both. This identity is why Hutchinson's estimator is unbiased.
    """
    return sp.KroneckerDelta(i, j)


# --- 1.7 Stability of symplectic integrators ------------------------------------------------


def euler_energy_after_one_step(q: sp.Expr, p: sp.Expr, dt: sp.Expr) -> sp.Expr:
    """Item 1.7: energy ``E_1`` after one forward Euler step of the harmonic oscillator.

    The oscillator is ``dq/dt = p``, ``dp/dt = -q``, with energy ``E = (p**2 + q**2) / 2``;
    the step starts at ``(q, p)``.

    Parameters
    ----------
    q, p : sympy symbols or numbers
        State before the step.
    dt : sympy symbol or number
        Step size.

    Returns
    -------
    sympy expression
        ``E_1`` in terms of ``q``, ``p`` and ``dt``.

    Hints
    -----
    Take the step, then evaluate the energy at the new state; factor the result to compare
    it with the energy before the step.
    """
    return (1 + dt**2) * (q**2 + p**2) / 2


def euler_energy_after_n_steps(E0: sp.Expr, dt: sp.Expr, n: sp.Expr) -> sp.Expr:
    """Item 1.7: energy ``E_n`` after ``n`` forward Euler steps, starting from energy ``E0``.

    Same oscillator and energy as ``euler_energy_after_one_step``.

    Parameters
    ----------
    E0 : sympy symbol or number
        Energy at the start.
    dt : sympy symbol or number
        Step size.
    n : sympy symbol or number
        Number of steps (a non-negative integer).

    Returns
    -------
    sympy expression
        ``E_n``.

    Hints
    -----
    Use what one step does to the energy, and repeat.
    """
    return E0 * (1 + dt**2) * n


# --- 1.8 Neural operators versus PINNs ------------------------------------------------------

#: Item 1.8 (bool): does training a Fourier neural operator (with its usual loss) need
#: labelled data, i.e. solutions of the PDE computed beforehand?
FNO_NEEDS_LABELED_SOLUTIONS: bool | None = False

#: Item 1.8 (bool): does training a PINN on its physics loss (PDE residual plus initial and
#: boundary conditions) need labelled solutions?
PINN_NEEDS_LABELED_SOLUTIONS: bool | None = False
