"""Predator and prey: simulate the Lotka-Volterra system, then learn it with a neural ODE.

Handout question 2.1: make synthetic data with an accurate ODE solver, fit a neural ODE to
noisy observations of one trajectory with ``torchdiffeq``, and draw the learned phase
portrait.

The state is ``y = (x, y)``: ``x`` the prey, ``y`` the predators. The dynamics are::

    dx/dt = alpha * x - beta * x * y
    dy/dt = delta * x * y - gamma * y

with ``alpha = 1.5, beta = 1.0, gamma = 3.0, delta = 1.0`` by default. The handout's data
start at ``(1, 1)`` and cover the time span ``[0, 10]``.

Rules for this module: work with torch tensors and keep the dtype of the inputs; never
change an input in place; randomness only from a ``torch.Generator`` seeded with the
``seed`` argument (training may also seed torch from ``seed``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from matplotlib.axes import Axes

VectorField = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def lotka_volterra(
    t: torch.Tensor,
    y: torch.Tensor,
    alpha: float | torch.Tensor = 1.5,
    beta: float | torch.Tensor = 1.0,
    gamma: float | torch.Tensor = 3.0,
    delta: float | torch.Tensor = 1.0,
) -> torch.Tensor:
    """The Lotka-Volterra vector field ``dy/dt`` written in the module docstring.

    Parameters
    ----------
    t : torch.Tensor
        Time. The system does not depend on it; the argument exists because
        ``torchdiffeq.odeint`` calls ``func(t, y)``.
    y : torch.Tensor, shape (..., 2)
        States; ``y[..., 0]`` is the prey, ``y[..., 1]`` the predators. Any number of
        leading batch axes.
    alpha, beta, gamma, delta : float or torch.Tensor
        Rates of the model. When they are tensors with ``requires_grad=True`` the result
        must be differentiable with respect to them.

    Returns
    -------
    torch.Tensor, shape and dtype of ``y``
        ``(dx/dt, dy/dt)`` stacked on the last axis.

    Hints
    -----
    Slice with ``y[..., 0]`` and combine with ``torch.stack(..., dim=-1)``; avoid writing
    into a preallocated tensor, which can break autograd.
    """
    raise NotImplementedError("lotka_volterra: not implemented yet")


def simulate_lotka_volterra(
    y0: torch.Tensor,
    t: torch.Tensor,
    noise_std: float = 0.0,
    seed: int = 0,
    **params: float | torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve the system accurately from ``y0`` and add Gaussian observation noise.

    Parameters
    ----------
    y0 : torch.Tensor, shape (2,)
        Initial state ``(prey, predators)``.
    t : torch.Tensor, shape (T,)
        Increasing observation times; ``t[0]`` is the time of ``y0``.
    noise_std : float, default 0.0
        Standard deviation of the additive noise (0 gives noise-free observations).
    seed : int, default 0
        Seed of the ``torch.Generator`` that draws the noise.
    **params : float or torch.Tensor
        Any of ``alpha``, ``beta``, ``gamma``, ``delta``, passed on to ``lotka_volterra``.

    Returns
    -------
    y_true : torch.Tensor, shape (T, 2), dtype of ``y0``
        The solution at the times ``t``, from ``torchdiffeq.odeint`` with an adaptive
        solver and tolerances at least as tight as ``rtol=1e-8`` and ``atol=1e-10``.
    y_obs : torch.Tensor, shape (T, 2), dtype of ``y0``
        ``y_true`` plus ``noise_std`` times standard normal noise.

    Hints
    -----
    ``odeint`` wants a function of ``(t, y)``; wrap ``lotka_volterra`` to pass ``params``.
    Make a generator with ``torch.Generator().manual_seed(seed)`` and give it to
    ``torch.randn(..., generator=...)``. Give ``t`` the dtype of ``y0``.
    """
    raise NotImplementedError("simulate_lotka_volterra: not implemented yet")


class NeuralODEFunc(torch.nn.Module):
    """A learned vector field ``dy/dt = f_theta(t, y)`` on the plane.

    The architecture is up to you; a small multilayer perceptron from 2 inputs to 2
    outputs with one or two hidden layers of width ``hidden`` and a smooth activation
    (``tanh``, ``softplus``) is a good start. Parameters must be float32 (torch's default),
    and ``NeuralODEFunc()`` must work with no arguments. The field is learned from data
    only: the Lotka-Volterra formula must not appear in it.

    Parameters
    ----------
    hidden : int, default 64
        Width of the hidden layer(s).

    Hints
    -----
    Smooth activations give a smooth field, which adaptive solvers like. The two
    populations live on different scales: feed the network standardized states
    ``(y - mu) / s`` and scale its output by ``s``, with ``mu`` and ``s`` stored as buffers
    (defaults 0 and 1) that ``train_neural_ode`` sets from the data.
    """

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        raise NotImplementedError("NeuralODEFunc: not implemented yet")

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Evaluate the learned field.

        Parameters
        ----------
        t : torch.Tensor
            Time (``odeint`` always passes it; you may ignore it).
        y : torch.Tensor, shape (..., 2)
            States, with any number of leading batch axes, float32 or float64.

        Returns
        -------
        torch.Tensor, shape (..., 2), dtype of ``y``
            ``dy/dt`` at each state. Cast ``y`` to the parameters' dtype inside and cast the
            result back to ``y``'s dtype.
        """
        raise NotImplementedError("NeuralODEFunc.forward: not implemented yet")


def train_neural_ode(
    t: torch.Tensor,
    y_obs: torch.Tensor,
    n_iters: int = 1000,
    seed: int = 0,
    **options: object,
) -> tuple[NeuralODEFunc, list[float]]:
    """Fit a ``NeuralODEFunc`` to noisy observations of one trajectory.

    The model's prediction is ``torchdiffeq.odeint(func, y_obs[0], t)``, compared with the
    observations by a loss of your choice (mean squared error is the usual one), and the
    parameters are fitted by gradient descent through the solver (Adam works well).

    Parameters
    ----------
    t : torch.Tensor, shape (T,)
        Increasing observation times.
    y_obs : torch.Tensor, shape (T, 2)
        Observed states at those times (float32 or float64; convert as you need).
    n_iters : int, default 1000
        Number of optimizer steps; change the default if your method needs another.
    seed : int, default 0
        Makes training repeatable: use it to seed the initial weights and any random
        choices (for example with ``torch.manual_seed(seed)``).
    **options
        Your own keyword settings (learning rate, hidden width, solver, ...), each with a
        default. Rejecting unknown keywords with ``TypeError`` catches typos early.

    Returns
    -------
    func : NeuralODEFunc
        The trained field.
    losses : list of float
        The training loss of every iteration, ``len(losses) == n_iters``, as Python floats
        (``loss.item()``).

    Notes
    -----
    With your defaults, training on the handout's data (``simulate_lotka_volterra`` from
    ``(1, 1)``, 101 times on ``[0, 10]``, ``noise_std=0.05``) must fit the observations and
    finish within 60 s on one CPU core. The graders train with your defaults on data made
    the same way from other systems (Lotka-Volterra with other rates, another
    predator-prey model), so learn from ``y_obs`` and build nothing about the default
    system into the field.

    Hints
    -----
    A single solve over the whole span from a random field is far from the data, and its
    gradients are poor guides. Fitting short stretches of the trajectory first (start at a
    random observed state and solve a few steps ahead, many stretches per batch) and the
    whole trajectory only at the end trains far more reliably. A fixed-step solver such
    as ``method="rk4"`` at the data spacing keeps each iteration cheap.
    """
    raise NotImplementedError("train_neural_ode: not implemented yet")


def plot_phase_portrait(
    func: VectorField, y_obs: torch.Tensor | None = None, ax: Axes | None = None
) -> Axes:
    """Draw the phase portrait of a (learned) vector field in the prey-predator plane.

    The figure shows: arrows or streamlines of ``func`` on a grid (prey on the horizontal
    axis, predators on the vertical one); the trajectory of ``func`` over ``t`` in
    ``[0, 10]`` started at ``y_obs[0]`` (or at ``(1, 1)`` when there are no data); and the
    observations as points when ``y_obs`` is given. Both axes carry labels, and a legend
    names what is drawn. Do not call ``plt.show()``.

    Parameters
    ----------
    func : callable
        ``func(t, y)`` for ``y`` of shape ``(..., 2)``, e.g. a trained ``NeuralODEFunc`` or
        a wrapper of ``lotka_volterra``.
    y_obs : torch.Tensor of shape (T, 2), optional
        Observations to overlay.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; when omitted, make a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axes that were drawn on (``ax`` itself when it was given).

    Hints
    -----
    Evaluate ``func`` on a ``torch.meshgrid`` of states inside ``torch.no_grad()``, then
    use ``ax.quiver`` or ``ax.streamplot``. Convert tensors with ``.detach().numpy()``.
    """
    raise NotImplementedError("plot_phase_portrait: not implemented yet")
