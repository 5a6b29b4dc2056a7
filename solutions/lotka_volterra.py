"""Learning the Lotka-Volterra predator-prey dynamics with a neural ODE (section 2.1).

The system, with prey ``x`` and predators ``y``, is

    dx/dt = alpha x - beta x y,        dy/dt = delta x y - gamma y,

whose orbits are closed curves around the equilibrium ``(gamma / delta, alpha / beta)``.
This module

1. simulates it with an adaptive solver and adds Gaussian observation noise
   (:func:`simulate_lotka_volterra`);
2. fits a learned vector field ``dy/dt = f_theta(y)`` (:class:`NeuralODEFunc`) to the noisy
   observations by back-propagating through ``torchdiffeq.odeint``
   (:func:`train_neural_ode`);
3. draws the learned phase portrait (:func:`plot_phase_portrait`).

Nothing in the training is specific to Lotka-Volterra: any autonomous planar system sampled
on a time grid can be fitted the same way.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import Tensor, nn
from torchdiffeq import odeint
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

VectorField = Callable[[Tensor, Tensor], Tensor]
"""``(t, y) -> dy/dt`` with ``y`` of shape (..., 2)."""

PARAMETER_NAMES = ("alpha", "beta", "gamma", "delta")

TRUE_SOLVE_RTOL = 1e-9
TRUE_SOLVE_ATOL = 1e-11


def lotka_volterra(
    t: Tensor,
    y: Tensor,
    alpha: float | Tensor = 1.5,
    beta: float | Tensor = 1.0,
    gamma: float | Tensor = 3.0,
    delta: float | Tensor = 1.0,
) -> Tensor:
    """Lotka-Volterra vector field.

    Parameters
    ----------
    t : Tensor
        Time; ignored, the system is autonomous (accepted for ``odeint``).
    y : Tensor, shape (..., 2)
        States; ``y[..., 0]`` is the prey density, ``y[..., 1]`` the predator density.
    alpha : float or Tensor, default 1.5
        Prey growth rate, per unit time.
    beta : float or Tensor, default 1.0
        Predation rate, per unit time and predator.
    gamma : float or Tensor, default 3.0
        Predator death rate, per unit time.
    delta : float or Tensor, default 1.0
        Predator growth per prey eaten, per unit time and prey.

    Returns
    -------
    Tensor, shape (..., 2), dtype of ``y``
        ``(dx/dt, dy/dt)`` at each state; differentiable in ``y`` and in tensor parameters.
    """
    prey, predator = y[..., 0], y[..., 1]

    d_prey = alpha * prey - beta * prey * predator
    d_predator = delta * prey * predator - gamma * predator
    return torch.stack([d_prey, d_predator], dim=-1).to(y.dtype)


def simulate_lotka_volterra(
    y0: Tensor | tuple[float, float] | list[float],
    t: Tensor,
    noise_std: float = 0.0,
    seed: int = 0,
    **params: float | Tensor,
) -> tuple[Tensor, Tensor]:
    """Solve the Lotka-Volterra system accurately and add observation noise.

    Parameters
    ----------
    y0 : Tensor of shape (2,), or a pair of floats
        Initial ``(prey, predator)``. A tensor keeps its floating dtype; a list, a tuple or
        an integer tensor gives torch's default dtype.
    t : Tensor, shape (T,)
        Observation times, increasing; ``t[0]`` is the time of ``y0``.
    noise_std : float, default 0.0
        Standard deviation of the additive Gaussian noise, in population units.
    seed : int, default 0
        Seed of the ``torch.Generator`` that draws the noise.
    **params : float or Tensor
        ``alpha``, ``beta``, ``gamma``, ``delta`` of :func:`lotka_volterra`.

    Returns
    -------
    y_true : Tensor, shape (T, 2)
        The solution at ``t`` (dopri5, ``rtol = 1e-9``, ``atol = 1e-11``).
    y_obs : Tensor, shape (T, 2)
        ``y_true + noise_std * noise`` with standard normal noise.
    """
    unknown = set(params) - set(PARAMETER_NAMES)
    if unknown:
        raise TypeError(f"unknown Lotka-Volterra parameters {sorted(unknown)}")
    if isinstance(y0, Tensor) and y0.is_floating_point():
        y0 = y0.clone()
    else:
        y0 = torch.as_tensor(y0, dtype=torch.get_default_dtype())
    t = torch.as_tensor(t).to(y0.dtype)

    def field(t: Tensor, y: Tensor) -> Tensor:
        return lotka_volterra(t, y, **params)

    y_true = odeint(field, y0, t, method="dopri5", rtol=TRUE_SOLVE_RTOL, atol=TRUE_SOLVE_ATOL)

    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(y_true.shape, generator=generator, dtype=y_true.dtype)
    y_obs = y_true + noise_std * noise
    return y_true, y_obs


class NeuralODEFunc(nn.Module):
    """Learned autonomous vector field on the plane, a tanh MLP 2 -> hidden -> hidden -> 2.

    The network works in standardized coordinates ``z = (y - shift) / scale``: it predicts
    ``dz/dt`` and the field returns ``dy/dt = scale * net(z)``. ``shift`` and ``scale`` are
    fixed buffers (not trained), the identity by default; :func:`train_neural_ode` sets
    them to the mean and standard deviation of the data, so the same architecture suits
    systems whose states live at very different scales.

    Parameters
    ----------
    hidden : int, default 64
        Width of the two hidden layers.

    Notes
    -----
    Parameters and buffers are float32. ``forward`` accepts any floating dtype, computes
    in float32 and returns the dtype of its input.
    """

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        dtype = torch.float32
        self.net = nn.Sequential(
            nn.Linear(2, hidden, dtype=dtype),
            nn.Tanh(),
            nn.Linear(hidden, hidden, dtype=dtype),
            nn.Tanh(),
            nn.Linear(hidden, 2, dtype=dtype),
        )
        self.register_buffer("shift", torch.zeros(2, dtype=dtype))
        self.register_buffer("scale", torch.ones(2, dtype=dtype))

    @torch.no_grad()
    def set_standardization(self, y: Tensor) -> None:
        """Set ``shift`` and ``scale`` to the per-coordinate mean and std of ``y``.

        Parameters
        ----------
        y : Tensor, shape (N, 2)
            States representative of the region the field will be used on.
        """
        y = y.detach().to(self.shift.dtype).reshape(-1, 2)
        self.shift.copy_(y.mean(dim=0))
        std = y.std(dim=0) if y.shape[0] > 1 else torch.ones_like(self.scale)
        self.scale.copy_(torch.where(std > 1e-6, std, torch.ones_like(std)))

    def forward(self, t: Tensor, y: Tensor) -> Tensor:
        """Evaluate the field.

        Parameters
        ----------
        t : Tensor
            Time; ignored (the field is autonomous).
        y : Tensor, shape (..., 2)
            States.

        Returns
        -------
        Tensor, shape (..., 2), dtype of ``y``
            ``dy/dt`` at each state.
        """
        z = (y.to(self.shift.dtype) - self.shift) / self.scale
        return (self.scale * self.net(z)).to(y.dtype)


@dataclass(frozen=True)
class TrainingOptions:
    """Settings of :func:`train_neural_ode`; each can be passed to it as a keyword.

    Attributes
    ----------
    hidden : int
        Width of the :class:`NeuralODEFunc`.
    window_fraction : float
        Share of the iterations spent on short windows (phase 1).
    long_fraction : float
        Share of the iterations spent on long windows (phase 2); the rest fit the whole
        trajectory (phase 3).
    window : int
        Data steps per short window.
    batch : int
        Short windows per iteration, drawn at random.
    long_window : int
        Data steps per long window.
    long_stride : int
        Data steps between the starts of consecutive long windows; all of them are used
        in every iteration.
    lr : float
        Initial Adam learning rate of phase 1.
    lr_decay : float
        Factor by which the phase-1 learning rate decays, exponentially, over that phase.
    long_lr : float
        Adam learning rate of phase 2.
    final_lr : float
        Adam learning rate of the network weights in phase 3.
    state_lr : float
        Adam learning rate of the fitted initial state in phase 3, in state units.
    warmup_fraction : float
        Share of phases 2 and 3 over which their learning rates ramp up linearly from 0.
    clip : float
        Gradient-norm clip of phases 2 and 3.
    method : str
        ``odeint`` solver used in training; ``"rk4"`` takes one step per data interval.
    progress : bool
        Show a tqdm progress bar.
    """

    hidden: int = 64
    window_fraction: float = 0.7
    long_fraction: float = 0.2
    window: int = 10
    batch: int = 20
    long_window: int = 30
    long_stride: int = 3
    lr: float = 1e-2
    lr_decay: float = 0.1
    long_lr: float = 1e-3
    final_lr: float = 1e-4
    state_lr: float = 1e-3
    warmup_fraction: float = 1 / 6
    clip: float = 1.0
    method: str = "rk4"
    progress: bool = False


def _is_evenly_spaced(t: Tensor) -> bool:
    """Whether the steps of ``t`` agree to 0.1 %."""
    steps = torch.diff(t)
    return bool(torch.all(torch.abs(steps - steps.mean()) <= 1e-3 * steps.abs().mean()))


def _window_loss(
    func: NeuralODEFunc,
    t: Tensor,
    y_obs: Tensor,
    starts: Tensor,
    window: int,
    method: str,
    evenly_spaced: bool,
) -> Tensor:
    """Mean squared error of solves over ``window`` data steps, each from an observed state.

    On an evenly spaced grid the field being autonomous lets every window use the relative
    times ``t[:window + 1] - t[0]``, so the whole batch is one ``odeint`` call on a
    ``(batch, 2)`` state. On an uneven grid each window is solved on its own times.
    """
    offsets = torch.arange(window + 1)
    targets = y_obs[starts[:, None] + offsets]  # (batch, window + 1, 2)

    if evenly_spaced:
        t_window = t[: window + 1] - t[0]
        predictions = odeint(func, y_obs[starts], t_window, method=method).transpose(0, 1)
    else:
        predictions = torch.stack(
            [odeint(func, y_obs[s], t[s : s + window + 1], method=method) for s in starts]
        )

    return torch.mean((predictions[:, 1:] - targets[:, 1:]) ** 2)


def _warmup(optimizer: torch.optim.Optimizer, step: int, n_warmup: int) -> None:
    """Set every group's learning rate to its ``initial_lr`` times ``min(1, step / n_warmup)``.

    Adam's first steps move every weight by about the learning rate whatever the gradient's
    size, which undoes a fit that is already close; a linear ramp keeps them small.
    """
    factor = min(1.0, (step + 1) / max(n_warmup, 1))
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] * factor


def _adam(groups: list[dict]) -> torch.optim.Adam:
    """A fresh Adam whose groups remember their target rate as ``initial_lr``."""
    for group in groups:
        group["initial_lr"] = group["lr"]
    return torch.optim.Adam(groups)


def train_neural_ode(
    t: Tensor,
    y_obs: Tensor,
    n_iters: int = 400,
    seed: int = 0,
    **options: object,
) -> tuple[NeuralODEFunc, list[float]]:
    """Fit a :class:`NeuralODEFunc` to noisy observations of one trajectory.

    Training has three phases, splitting the ``n_iters`` iterations ``window_fraction :
    long_fraction : rest`` (280, 80 and 40 with the defaults):

    1. *Short windows.* Each iteration draws ``batch`` start indices, solves the learned
       ODE for ``window`` data steps from each observed state, and takes an Adam step on
       the mean squared error, the learning rate decaying from ``lr`` to
       ``lr * lr_decay``. A long solve from a random field ends far from the data and its
       gradient points nowhere useful; short solves pose a well-conditioned regression
       of the local flow.
    2. *Long windows.* Every ``long_stride``-th observed state starts a solve over
       ``long_window`` data steps (about one period), all in one batch, with a fresh Adam
       at ``long_lr``. Short windows pin the field down locally but leave the period of
       the orbit slightly off; long windows see that error while each solve still starts
       near the data.
    3. *Whole trajectory, fitted start.* One solve over all of ``t`` from an initial
       state that is fitted along with the weights, starting at ``y_obs[0]``, scored
       against every observation including the first. The first observation is as noisy
       as the others, and a 10-second orbit is so sensitive to its starting point that
       even the exact Lotka-Volterra field, solved from a noisy ``y_obs[0]``, misses the
       clean trajectory by several times the noise variance; fitting the start removes
       that error instead of bending the field to absorb it. The weights move slowly
       (``final_lr``), and so does the initial state (``state_lr``): a network can bend
       its orbits to meet a start moved far from ``y_obs[0]``, and when the first
       observation happens to be exact a fast start only learns the noise.

    Phases 2 and 3 ramp their learning rates up over ``warmup_fraction`` of their
    iterations and clip the gradient norm to ``clip``.

    Parameters
    ----------
    t : Tensor, shape (T,)
        Observation times, increasing, ``T >= 2``.
    y_obs : Tensor, shape (T, 2)
        Observed states at ``t``.
    n_iters : int, default 400
        Total number of optimizer steps over the three phases.
    seed : int, default 0
        Seeds the initial weights and the choice of short windows.
    **options
        Fields of :class:`TrainingOptions`.

    Returns
    -------
    func : NeuralODEFunc
        The trained field (float32), standardized with the mean and std of ``y_obs``.
    losses : list of float
        One training loss per iteration, ``len(losses) == n_iters``: the window MSE in
        phases 1 and 2, the whole-trajectory MSE in phase 3, in squared state units.

    Notes
    -----
    With the defaults, on the Lotka-Volterra data of the handout (101 points on
    ``[0, 10]``, noise 0.05) training takes about 8 s on one CPU core, and the solve of
    the learned field from the true initial state stays within an MSE of about
    ``0.4-0.7 sigma^2`` of the noise-free trajectory (``sigma^2 = 0.0025``; see
    ``benchmarks/lotka_volterra_training.py``).

    Limitations: the learned field is autonomous, ``f(y)`` only, because the systems of
    interest are; a time-dependent system would need ``t`` as an input. Training runs
    in float32 whatever the dtype of the data. Windows are batched into one solve only
    on an evenly spaced grid; on an uneven grid they are solved one by one, which is
    correct but several times slower.
    """
    settings = TrainingOptions(**options)  # unknown keywords raise TypeError
    if n_iters < 0:
        raise ValueError(f"n_iters must be non-negative, got {n_iters}")
    t = torch.as_tensor(t).detach().to(torch.float32)
    y_obs = torch.as_tensor(y_obs).detach().to(torch.float32)
    if t.ndim != 1 or t.shape[0] < 2 or y_obs.shape != (t.shape[0], 2):
        raise ValueError(f"need t (T,) and y_obs (T, 2), T >= 2; got {t.shape}, {y_obs.shape}")

    with torch.random.fork_rng(devices=[]):  # seed the initial weights, leave no trace
        torch.manual_seed(seed)
        func = NeuralODEFunc(settings.hidden)
    func.set_standardization(y_obs)
    generator = torch.Generator().manual_seed(seed)  # draws the short-window starts

    n_points = t.shape[0]
    window = min(settings.window, n_points - 1)
    long_window = min(settings.long_window, n_points - 1)
    long_starts = torch.arange(0, n_points - long_window, max(settings.long_stride, 1))
    evenly_spaced = _is_evenly_spaced(t)
    n_short = round(settings.window_fraction * n_iters)
    n_long = min(round(settings.long_fraction * n_iters), n_iters - n_short)
    n_final = n_iters - n_short - n_long
    losses: list[float] = []
    bar = tqdm(total=n_iters, desc="neural ODE", disable=not settings.progress)

    def record(loss: Tensor) -> None:
        losses.append(loss.item())
        bar.update()
        bar.set_postfix(loss=f"{losses[-1]:.3g}", refresh=False)

    # Phase 1: short windows from random observed states, decaying learning rate.
    optimizer = torch.optim.Adam(func.parameters(), lr=settings.lr)
    decay = settings.lr_decay ** (1.0 / max(n_short, 1))
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=decay)
    for _ in range(n_short):
        starts = torch.randint(0, n_points - window, (settings.batch,), generator=generator)
        loss = _window_loss(func, t, y_obs, starts, window, settings.method, evenly_spaced)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        record(loss)
    logger.info("short windows: %d iterations, last loss %.3g", n_short, _last(losses))

    # Phase 2: long windows from every long_stride-th observed state, one batch.
    optimizer = _adam([{"params": list(func.parameters()), "lr": settings.long_lr}])
    for step in range(n_long):
        _warmup(optimizer, step, round(settings.warmup_fraction * n_long))
        loss = _window_loss(
            func, t, y_obs, long_starts, long_window, settings.method, evenly_spaced
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(func.parameters(), settings.clip)
        optimizer.step()
        record(loss)
    logger.info("long windows: %d iterations, last loss %.3g", n_long, _last(losses))

    # Phase 3: the whole trajectory from a fitted initial state, small weight steps.
    initial_state = nn.Parameter(y_obs[0].clone())
    optimizer = _adam(
        [
            {"params": list(func.parameters()), "lr": settings.final_lr},
            {"params": [initial_state], "lr": settings.state_lr},
        ]
    )
    trained = [*func.parameters(), initial_state]
    for step in range(n_final):
        _warmup(optimizer, step, round(settings.warmup_fraction * n_final))
        predictions = odeint(func, initial_state, t, method=settings.method)
        loss = torch.mean((predictions - y_obs) ** 2)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(trained, settings.clip)
        optimizer.step()
        record(loss)
    logger.info(
        "whole trajectory: %d iterations, last loss %.3g, fitted start %s",
        n_final,
        _last(losses),
        initial_state.detach().tolist(),
    )

    bar.close()
    return func, losses


def _last(losses: list[float]) -> float:
    """The last recorded loss, ``nan`` before the first."""
    return losses[-1] if losses else math.nan


def _grid_limits(y_obs: Tensor | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """Plot ranges for prey and predator: the data with a 20 % margin, or [0, 6] x [0, 4]."""
    if y_obs is None:
        return (0.0, 6.0), (0.0, 4.0)
    data = np.asarray(y_obs, dtype=np.float64).reshape(-1, 2)
    low, high = data.min(axis=0), data.max(axis=0)
    margin = 0.2 * np.maximum(high - low, 1e-3)
    low, high = low - margin, high + margin
    low = np.where(data.min(axis=0) >= 0, np.maximum(low, 0.0), low)  # populations stay >= 0
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def plot_phase_portrait(
    func: VectorField, y_obs: Tensor | None = None, ax: Axes | None = None
) -> Axes:
    """Draw the phase portrait of a learned (or any) planar vector field.

    The plot holds streamlines of ``func`` coloured by speed, the trajectory of ``func``
    over ``t`` in ``[0, 10]`` from ``y_obs[0]`` (or from ``(1, 1)`` without data) and, when
    given, the observations.

    Parameters
    ----------
    func : callable
        ``(t, y) -> dy/dt`` for ``y`` of shape (..., 2), e.g. a :class:`NeuralODEFunc`.
    y_obs : Tensor of shape (T, 2), optional
        Observed ``(prey, predator)`` states.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, prey on the horizontal axis and predator on the vertical one.

    Notes
    -----
    The trajectory is integrated with fixed-step rk4 (step 0.025): a learned field may be
    stiff or blow up far from the data, and a fixed grid bounds the cost of the plot.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    parameter = next(iter(func.parameters()), None) if isinstance(func, nn.Module) else None
    dtype = parameter.dtype if parameter is not None else torch.get_default_dtype()
    if y_obs is not None:
        y_obs = torch.as_tensor(y_obs).detach().to(dtype)
    (x_low, x_high), (y_low, y_high) = _grid_limits(y_obs)

    prey, predator = torch.meshgrid(
        torch.linspace(x_low, x_high, 25, dtype=dtype),
        torch.linspace(y_low, y_high, 25, dtype=dtype),
        indexing="xy",
    )
    y0 = y_obs[0] if y_obs is not None else torch.tensor([1.0, 1.0], dtype=dtype)
    t = torch.linspace(0.0, 10.0, 401, dtype=dtype)
    with torch.no_grad():
        velocity = func(t[0], torch.stack([prey, predator], dim=-1)).numpy()
        trajectory = odeint(func, y0, t, method="rk4").numpy()

    speed = np.hypot(velocity[..., 0], velocity[..., 1])
    stream = ax.streamplot(
        prey.numpy(),
        predator.numpy(),
        velocity[..., 0],
        velocity[..., 1],
        color=speed,
        cmap="viridis",
        density=1.2,
        linewidth=0.8,
    )
    ax.figure.colorbar(stream.lines, ax=ax, label="speed |dy/dt|")

    ax.plot(
        trajectory[:, 0], trajectory[:, 1], color="tab:red", lw=2, label="trajectory of the field"
    )
    if y_obs is not None:
        ax.scatter(*y_obs.numpy().T, s=12, color="black", zorder=3, label="observations")

    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_xlabel("prey x")
    ax.set_ylabel("predator y")
    ax.set_title("Learned phase portrait")
    ax.legend(loc="upper right")
    return ax
