"""Answers to the theoretical exercises 1.1 to 1.8, as values and SymPy expressions.

Each answer comes with the argument behind it in its docstring; ``WRITTEN_ANSWERS`` at the
end holds model answers to the handout's **Written** parts, a guide for the TAs who read the
students' ones. Where an answer is a
formula it is derived with SymPy from the definitions rather than typed in, so the code
doubles as the proof: the Jacobian of ``Theta h`` by ``Matrix.jacobian``, the energy ratio of
forward Euler by cancelling, the normalizing constant of a density by differentiating it
away, and so on.
"""

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------------------------------
# 1.1  Picard-Lindelöf and neural ODEs
# ---------------------------------------------------------------------------------------

RELU_FIELD_GLOBALLY_LIPSCHITZ = True
"""``h -> ReLU(W h + b)`` is globally Lipschitz.

ReLU is 1-Lipschitz in every coordinate, so
``|ReLU(W h + b) - ReLU(W h' + b)| <= |W (h - h')| <= ||W||_2 |h - h'|`` for all ``h, h'``.
That ReLU's derivative jumps at 0 does not matter: Lipschitz continuity asks for no
derivative.
"""

PICARD_LINDELOF_UNIQUE_ON_0_T = True
"""Yes: a field that is continuous in ``t`` and globally Lipschitz in ``h`` has a unique
solution on all of ``[0, T]``, for every ``T``.

Global (not only local) Lipschitz continuity also gives the linear growth bound
``|f(h)| <= |f(0)| + L |h|``, so by Gronwall ``|h(t)| <= (|h0| + |f(0)| t) e^{L t}`` and the
solution cannot escape to infinity before ``T``.
"""


def relu_field_lipschitz_bound(W: ArrayLike | sp.MatrixBase) -> float:
    """Lipschitz constant of ``h -> ReLU(W h + b)`` given by the bound above.

    Parameters
    ----------
    W : array_like or sympy.Matrix, shape (m, n)
        Weight matrix (numeric entries).

    Returns
    -------
    float
        The spectral norm ``||W||_2``, the largest singular value of ``W``.
    """
    if isinstance(W, sp.MatrixBase):
        W = W.evalf().tolist()
    return float(np.linalg.norm(np.asarray(W, dtype=np.float64), 2))


def square_field_solution(h0: sp.Expr | float, t: sp.Expr | float) -> sp.Expr:
    """Solution of ``h' = h**2``, ``h(0) = h0``.

    Separating variables, ``dh / h**2 = dt`` gives ``1/h0 - 1/h = t``, so
    ``h(t) = h0 / (1 - h0 t)``. The field ``h**2`` is only locally Lipschitz (its
    derivative ``2h`` is unbounded), and this is what it costs: see
    :func:`square_field_blowup_time`.

    Parameters
    ----------
    h0 : sympy.Expr or number
        Initial value.
    t : sympy.Expr or number
        Time.

    Returns
    -------
    sympy.Expr
        ``h0 / (1 - h0 t)``.
    """
    h0, t = sp.sympify(h0), sp.sympify(t)
    return h0 / (1 - h0 * t)


def square_field_blowup_time(h0: sp.Expr | float) -> sp.Expr:
    """Time at which the solution of ``h' = h**2`` leaves every bounded set, ``h0 > 0``.

    The denominator of ``h0 / (1 - h0 t)`` vanishes at ``t = 1/h0``: the solution exists
    only on ``[0, 1/h0)``, so for ``T >= 1/h0`` there is no solution on ``[0, T]`` at all.
    An ``x**2`` activation therefore loses the global guarantee that ReLU gives.

    Parameters
    ----------
    h0 : sympy.Expr or number
        Positive initial value.

    Returns
    -------
    sympy.Expr
        ``1 / h0``.
    """
    return 1 / sp.sympify(h0)


# ---------------------------------------------------------------------------------------
# 1.2  The adjoint of a linear ODE
# ---------------------------------------------------------------------------------------


def linear_field_jacobian(Theta: sp.Matrix, h: sp.Matrix) -> sp.Matrix:
    """Jacobian ``d(Theta h)/dh`` of the linear field.

    Computed with ``Matrix.jacobian`` on fresh symbols standing for the entries of ``h``,
    then evaluated at ``h``; it is ``Theta`` itself, whatever ``h`` is.

    Parameters
    ----------
    Theta : sympy.Matrix, shape (n, n)
        The system matrix.
    h : sympy.Matrix, shape (n, 1)
        The state.

    Returns
    -------
    sympy.Matrix, shape (n, n)
        ``Theta``.
    """
    Theta, h = sp.Matrix(Theta), sp.Matrix(h)
    state = sp.Matrix([sp.Dummy(f"h{i}") for i in range(h.rows)])
    jacobian = (Theta * state).jacobian(state)
    return jacobian.subs(dict(zip(state, h, strict=True)))


def linear_adjoint_rhs(Theta: sp.Matrix, a: sp.Matrix) -> sp.Matrix:
    """Right-hand side of the adjoint equation for ``h' = Theta h``.

    The adjoint obeys ``da^T/dt = -a^T df/dh``. With ``df/dh = Theta`` this is
    ``da^T/dt = -a^T Theta``, and transposing for a column vector ``a`` gives
    ``da/dt = -Theta^T a``.

    Parameters
    ----------
    Theta : sympy.Matrix, shape (n, n)
        The system matrix.
    a : sympy.Matrix, shape (n, 1)
        The adjoint state.

    Returns
    -------
    sympy.Matrix, shape (n, 1)
        ``-Theta^T a``.
    """
    Theta, a = sp.Matrix(Theta), sp.Matrix(a)
    state = sp.Matrix([sp.Dummy(f"h{i}") for i in range(Theta.cols)])
    jacobian = linear_field_jacobian(Theta, state)
    return -(a.T * jacobian).T


# ---------------------------------------------------------------------------------------
# 1.3  Score-based models and Langevin dynamics
# ---------------------------------------------------------------------------------------


def probability_flow_drift(f: sp.Expr, g: sp.Expr, score: sp.Expr) -> sp.Expr:
    """Drift of the probability-flow ODE of ``dx = f dt + g dW``.

    The Fokker-Planck equation of the SDE, with ``g`` not depending on ``x``, is
    ``dp/dt = -d(f p)/dx + g**2/2 d**2 p/dx**2``. Writing
    ``d**2 p/dx**2 = d(p score)/dx`` with ``score = d log p / dx`` turns it into the
    continuity equation ``dp/dt = -d(v p)/dx`` of the deterministic flow
    ``dx/dt = v = f - g**2/2 score``, which therefore has the same marginals.

    Parameters
    ----------
    f : sympy.Expr
        Drift of the SDE.
    g : sympy.Expr
        Diffusion coefficient, a function of time only.
    score : sympy.Expr
        Score of the current marginal, ``d log p_t / dx``.

    Returns
    -------
    sympy.Expr
        ``f - g**2 / 2 * score``.

    Notes
    -----
    The contract gives ``g`` as a function of time only, the setting of score-based models
    (Song et al., 2021). For a state-dependent ``g(x)`` the diffusion term is
    ``1/2 d**2(g**2 p)/dx**2`` and the drift gains ``-1/2 d(g**2)/dx``.
    """
    f, g, score = sp.sympify(f), sp.sympify(g), sp.sympify(score)
    return f - g**2 / 2 * score


def langevin_probability_flow_drift(score_p: sp.Expr, score_t: sp.Expr) -> sp.Expr:
    """Probability-flow drift of the Langevin SDE ``dx = score_p dt + sqrt(2) dW``.

    :func:`probability_flow_drift` with ``f = score_p`` and ``g = sqrt(2)`` gives
    ``score_p - score_t``: the flow moves mass along the difference between the target's
    score and the current marginal's score and stops once they agree, i.e. ``p`` is the
    stationary distribution of the Langevin SDE. Both processes transport the marginals
    ``p_t`` in the same way, the SDE with noise and the ODE deterministically.

    Parameters
    ----------
    score_p : sympy.Expr
        Score of the target density, ``d log p / dx``.
    score_t : sympy.Expr
        Score of the current marginal, ``d log p_t / dx``.

    Returns
    -------
    sympy.Expr
        ``score_p - score_t``.
    """
    return probability_flow_drift(score_p, sp.sqrt(2), score_t)


def score_of_unnormalized(log_p_tilde: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Score of ``p = p_tilde / Z`` from the log of the unnormalized density.

    ``log p = log p_tilde - log Z`` and ``Z`` does not depend on ``x``, so it vanishes
    from ``d log p / dx``; the derivative below is taken with ``Z`` kept as a symbol to
    show it. This is why the score is easier to learn than the density: a model of it
    never has to compute or even represent the intractable normalizing constant.

    Parameters
    ----------
    log_p_tilde : sympy.Expr
        ``log p_tilde(x)``, an expression in ``x``.
    x : sympy.Symbol
        The variable.

    Returns
    -------
    sympy.Expr
        ``d log p_tilde / dx``.
    """
    Z = sp.Symbol("Z", positive=True)
    log_p = sp.sympify(log_p_tilde) - sp.log(Z)
    return sp.diff(log_p, x)


# ---------------------------------------------------------------------------------------
# 1.4  PINNs and spectral bias
# ---------------------------------------------------------------------------------------


def fourier_features(x: ArrayLike, B: ArrayLike) -> NDArray[np.float64]:
    """Random Fourier feature map ``gamma(x) = [cos(2 pi x B^T), sin(2 pi x B^T)]``.

    An MLP on ``gamma(x)`` has a neural tangent kernel that is stationary with its
    bandwidth set by the scale of ``B``: frequencies that plain coordinates would make it
    learn last are put directly into the input, which counters spectral bias.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Input points.
    B : array_like, shape (m, d)
        Frequencies (rows), typically drawn from ``N(0, sigma**2 I)``.

    Returns
    -------
    ndarray of float64, shape (n, 2m)
        Cosines in the first ``m`` columns, sines in the last ``m``.
    """
    x = np.asarray(x, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    phase = 2.0 * np.pi * x @ B.T
    return np.concatenate([np.cos(phase), np.sin(phase)], axis=-1)


SPECTRAL_BIAS_ANSWERS = {
    "low_frequencies_learned_first": True,
    "ntk_eigenvalues_decay_with_frequency": True,
    "pinn_residual_loss_removes_spectral_bias": False,
    "fourier_features_let_mlp_fit_high_frequencies": True,
    "larger_fourier_scale_always_better": False,
}
"""Spectral bias in five statements.

In the neural-tangent-kernel picture, gradient descent shrinks the error along each
eigenfunction of the kernel at a rate set by its eigenvalue, and for MLPs on raw
coordinates the eigenvalues decay fast with frequency; so low frequencies are fitted first
and high ones barely at all. A PINN's residual loss contains derivatives, which amplify
high frequencies in the loss, but the network and hence its kernel are the same, so the
bias stays (it even makes the training worse conditioned). Fourier features widen the
kernel's spectrum and let the MLP fit high frequencies; but too large a scale gives a
kernel that interpolates noise and generalizes badly, so the scale is a tuned
hyperparameter, not "the larger the better".
"""

# ---------------------------------------------------------------------------------------
# 1.5  Conservation in Hamiltonian neural networks
# ---------------------------------------------------------------------------------------


def hamiltonian_time_derivative(
    H: sp.Expr, q: sp.Symbol, p: sp.Symbol, q_dot: sp.Expr, p_dot: sp.Expr
) -> sp.Expr:
    """``dH/dt`` along a path ``(q(t), p(t))``, by the chain rule.

    Parameters
    ----------
    H : sympy.Expr
        The Hamiltonian, e.g. ``Function("H")(q, p)``.
    q, p : sympy.Symbol
        Position and momentum.
    q_dot, p_dot : sympy.Expr
        Their time derivatives along the path.

    Returns
    -------
    sympy.Expr
        ``dH/dq q_dot + dH/dp p_dot``. With the HNN's equations of motion
        (:func:`hnn_vector_field`) the two terms cancel, ``dH/dt = 0``, whatever the
        learned ``H``.
    """
    return sp.diff(H, q) * q_dot + sp.diff(H, p) * p_dot


def hnn_vector_field(H: sp.Expr, q: sp.Symbol, p: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """Hamilton's equations for the learned Hamiltonian, the vector field of an HNN.

    Parameters
    ----------
    H : sympy.Expr
        The Hamiltonian, e.g. ``Function("H")(q, p)``.
    q, p : sympy.Symbol
        Position and momentum.

    Returns
    -------
    (q_dot, p_dot) : tuple of sympy.Expr
        ``(dH/dp, -dH/dq)``.
    """
    return sp.diff(H, p), -sp.diff(H, q)


# ---------------------------------------------------------------------------------------
# 1.6  Divergence and change of variables
# ---------------------------------------------------------------------------------------


def exact_trace_vjp_count(d: sp.Expr | int) -> sp.Expr:
    """Vector-Jacobian products needed for the exact trace of ``df/dx`` in dimension ``d``.

    One VJP with the cotangent ``e_i`` gives the ``i``-th row of the Jacobian and hence
    its diagonal entry ``i``; all ``d`` diagonal entries take ``d`` VJPs, i.e. ``O(d)``
    backward passes, each as costly as evaluating ``f`` (``O(d**2)`` for a dense layer).
    Hutchinson's estimator needs one per probe.

    Parameters
    ----------
    d : sympy.Expr or int
        Dimension.

    Returns
    -------
    sympy.Expr
        ``d``.
    """
    return sp.sympify(d)


def probe_second_moment(i: sp.Symbol, j: sp.Symbol) -> sp.Expr:
    """``E[eps_i eps_j]`` for Rademacher or standard Gaussian probes.

    The entries are independent with mean 0 and variance 1, so the expectation is 1 for
    ``i = j`` and ``E[eps_i] E[eps_j] = 0`` otherwise: ``E[eps eps^T] = I``, which is what
    makes ``eps^T A eps`` an unbiased estimate of ``Tr(A)``.

    Parameters
    ----------
    i, j : sympy.Symbol
        Integer indices.

    Returns
    -------
    sympy.Expr
        ``KroneckerDelta(i, j)``.
    """
    return sp.KroneckerDelta(i, j)


# ---------------------------------------------------------------------------------------
# 1.7  Stability of symplectic integrators
# ---------------------------------------------------------------------------------------


def euler_energy_after_one_step(q: sp.Expr, p: sp.Expr, dt: sp.Expr) -> sp.Expr:
    """Energy after one forward Euler step of the harmonic oscillator from ``(q, p)``.

    The step is ``q1 = q + dt p``, ``p1 = p - dt q``; the energy ``(q1**2 + p1**2) / 2``
    expands to ``(1 + dt**2) (q**2 + p**2) / 2``, the cross terms ``2 dt q p`` cancelling.

    Parameters
    ----------
    q, p : sympy.Expr
        Position and momentum.
    dt : sympy.Expr
        Time step.

    Returns
    -------
    sympy.Expr
        ``((q + dt p)**2 + (p - dt q)**2) / 2``.
    """
    q, p, dt = sp.sympify(q), sp.sympify(p), sp.sympify(dt)
    q_next = q + dt * p
    p_next = p - dt * q
    return (q_next**2 + p_next**2) / 2


def euler_energy_after_n_steps(E0: sp.Expr, dt: sp.Expr, n: sp.Expr) -> sp.Expr:
    """Energy after ``n`` forward Euler steps of the harmonic oscillator.

    The ratio ``E1 / E0`` is computed symbolically from :func:`euler_energy_after_one_step`
    and cancels to ``1 + dt**2``, independent of the state; so every step multiplies the
    energy by the same factor and ``E_n = (1 + dt**2)**n E0``. The factor exceeds 1 for
    every ``dt > 0``: the energy grows exponentially in the number of steps, and the orbit
    spirals outwards instead of closing, which is why forward Euler is unfit for long
    simulations of a pendulum.

    Parameters
    ----------
    E0 : sympy.Expr
        Initial energy.
    dt : sympy.Expr
        Time step.
    n : sympy.Expr
        Number of steps.

    Returns
    -------
    sympy.Expr
        ``(1 + dt**2)**n E0``.
    """
    q, p, step = sp.Dummy("q"), sp.Dummy("p"), sp.Dummy("dt")
    ratio = sp.cancel(euler_energy_after_one_step(q, p, step) / ((q**2 + p**2) / 2))
    return sp.sympify(E0) * ratio.subs(step, sp.sympify(dt)) ** sp.sympify(n)


# ---------------------------------------------------------------------------------------
# 1.8  Neural operators versus PINNs
# ---------------------------------------------------------------------------------------

FNO_NEEDS_LABELED_SOLUTIONS = True
"""A Fourier neural operator is trained by regression, ``|G_theta(a) - u|``, on pairs of
inputs ``a`` and their solutions ``u`` computed beforehand by a solver: it needs labelled
solutions."""

PINN_NEEDS_LABELED_SOLUTIONS = False
"""A PINN's loss is the PDE residual at collocation points plus the initial and boundary
conditions; it needs no solution values, so it can be trained from the physics alone."""


# ---------------------------------------------------------------------------------------
# Written parts (read by a TA, not scored automatically)
# ---------------------------------------------------------------------------------------

WRITTEN_ANSWERS = {
    "1.1": (
        "With the activation x**2 the field is only locally Lipschitz: its derivative 2h is "
        "bounded on every bounded set but not on the whole line. Picard-Lindelof still gives a "
        "unique solution near t = 0, but no global bound, and the global conclusion fails: "
        "h(t) = h0 / (1 - h0 t) leaves every bounded set at t = 1/h0 when h0 > 0, so for "
        "T >= 1/h0 there is no solution on [0, T] and the Neural ODE's output h(T) is undefined "
        "for large inputs. An adaptive solver sees its error estimate explode as t approaches "
        "1/h0, shrinks the step again and again, and stops (torchdiffeq: 'underflow in dt') or "
        "returns huge values; it cannot integrate past the blow-up."
    ),
    "1.2": (
        "Component i of Theta h is sum_k Theta_ik h_k, whose derivative with respect to h_j is "
        "Theta_ij, so df/dh = Theta. The adjoint equation in row form is "
        "da^T/dt = -a^T df/dh = -a^T Theta. Transposing both sides, (a^T Theta)^T = "
        "Theta^T a, gives da/dt = -Theta^T a. The transpose appears because the adjoint is a "
        "gradient, naturally a row vector (it acts on perturbations of h), and we write it as "
        "a column. Check: d/dt (a^T h) = (da/dt)^T h + a^T dh/dt = -a^T Theta h + a^T Theta h "
        "= 0, so a(0)^T dh(0) = a(T)^T dh(T): the adjoint carries dL/dh(T) back to dL/dh(0)."
    ),
    "1.3": (
        "(a) Both have the same marginals p_t at every time when started from the same "
        "distribution; the probability-flow drift is f - g^2/2 score_t, for Langevin "
        "score_p - score_t. A single SDE path is random and rough; an ODE path is "
        "deterministic, smooth and invertible, which gives exact likelihoods through the "
        "change of variables. Once p_t = p the ODE's drift is zero and every particle stands "
        "still, while SDE particles keep moving with the distribution unchanged. "
        "(b) d/dx log(p_tilde / Z) = d/dx log p_tilde: the normalizing constant, an "
        "intractable integral in high dimension, drops out, so any vector field is a valid "
        "model and no integral constraint must hold. Score matching (denoising or sliced) "
        "needs only samples, not density values, and the score of noised data is "
        "well-defined everywhere, while a density model must be normalized to be trained by "
        "likelihood."
    ),
    "1.4": (
        "Gradient descent reduces the training error along each eigenfunction of the neural "
        "tangent kernel at a rate set by its eigenvalue; for an MLP on raw coordinates these "
        "eigenvalues decay fast with frequency, so high-frequency components converge orders "
        "of magnitude more slowly (spectral bias). A PINN uses the same network, hence the "
        "same kernel; the derivatives in its residual amplify high frequencies in the loss and "
        "worsen the conditioning rather than fixing it. Fourier features "
        "[cos(2 pi x B^T), sin(2 pi x B^T)] make the kernel stationary with a bandwidth set by "
        "the scale of B: too small a scale keeps the fit too smooth; too large a scale gives a "
        "narrow kernel that interpolates noise and produces aliased, high-frequency artefacts "
        "between training points. The scale is a hyperparameter to tune."
    ),
    "1.5": (
        "dH/dt = H_q q_dot + H_p p_dot = H_q H_p + H_p (-H_q) = 0 along any solution of "
        "q_dot = H_p, p_dot = -H_q, whatever the weights. RK4 is not symplectic: along its "
        "computed trajectory H_theta is not conserved exactly; its error is small, O(dt^4) "
        "over a fixed time, but it drifts over long runs (a symplectic method such as "
        "leapfrog keeps it bounded). The true physical energy is conserved only as well as "
        "H_theta approximates it: the HNN conserves what it learned, not the truth."
    ),
    "1.6": (
        "Exact: one VJP with e_i gives row i of the Jacobian and so its diagonal entry i; "
        "the trace needs d VJPs, i.e. about d evaluations of f (O(d^2) for a dense layer). "
        "Hutchinson: E[eps^T A eps] = sum_ij A_ij E[eps_i eps_j] = sum_i A_ii = Tr(A) since "
        "E[eps eps^T] = I; one probe costs one VJP (eps^T J) and a dot product. "
        "eps^T A eps = eps^T S eps with S = (A + A^T)/2 because the antisymmetric part gives "
        "zero; so only S matters. Var = 2 ||S||_F^2 for Gaussian probes and "
        "2 (||S||_F^2 - sum_i S_ii^2) for Rademacher probes (eps_i^2 = 1 removes the diagonal "
        "terms), never larger. A single Rademacher probe is exact when S is diagonal."
    ),
    "1.7": (
        "E_1 = ((q + dt p)^2 + (p - dt q)^2)/2 = (1 + dt^2) E_0: the cross terms cancel and "
        "every step multiplies the energy by 1 + dt^2 > 1, so E_n = (1 + dt^2)^n E_0 grows "
        "exponentially and the orbit spirals outwards. Over a fixed time T, n = T/dt steps "
        "give (1 + dt^2)^(T/dt) ~ exp(T dt): a smaller step slows the growth but never stops "
        "it, and over long times the energy always blows up. In the figure (dt = 0.1, 1000 "
        "steps) Euler's energy grows by a factor of about 2e4, while leapfrog's oscillates "
        "within O(dt^2) of E_0 without drift."
    ),
    "1.8": (
        "FNO: L = (1/N) sum_i ||G_theta(a_i) - u_i|| / ||u_i|| over pairs of inputs a_i "
        "(initial conditions, coefficients) and solutions u_i from a classical solver: it "
        "needs labelled solutions. PINN: L = mean ||N[u_theta](x_r)||^2 over collocation "
        "points (PDE residual) + mean ||B[u_theta] - g||^2 on the boundary + "
        "mean ||u_theta(., 0) - u_0||^2 initially: no solution data, physics only. The FNO "
        "learns a whole family of problems and answers new ones in one forward pass, at the "
        "price of generating training data and of accuracy limited by it; the PINN needs no "
        "data but solves one instance per training run, trains slowly and suffers from "
        "spectral bias. Physics-informed neural operators add the residual to the FNO's loss."
    ),
    "2.1": (
        "Report the held-out error against the clean trajectory at times between the "
        "observations (well below the noise variance 0.0025 for a good fit) and the loss "
        "curve; see the handout's training notes for what to expect."
    ),
    "2.2": (
        "A table of acceptance rate, mean squared jump distance, autocorrelations and ESS per "
        "iteration and per gradient or density evaluation for both samplers; per iteration "
        "HMC is far ahead, per evaluation in two dimensions the two are about even, and HMC's "
        "advantage grows with dimension. The acceptance rule is correct only for a proposal "
        "map that is reversible (an involution after the momentum flip) and volume-preserving, "
        "so that the Jacobian factor is 1 and detailed balance holds; leapfrog is both."
    ),
}
"""Model answers to the **Written** parts, by item; see the handout for what each covers."""
