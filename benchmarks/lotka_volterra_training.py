"""Held-out error and time of the reference Neural ODE training, per seed.

    python benchmarks/lotka_volterra_training.py [--seeds 0 1 2] [--options JSON] [--no-exact]

For each seed: make the handout's default data (Lotka-Volterra, alpha, beta, gamma, delta =
1.5, 1, 3, 1, from (1, 1), 101 points on [0, 10], Gaussian noise sigma = 0.05 on every
point, the noise drawn from ``torch.Generator().manual_seed(seed)``), run the reference's
``train_neural_ode`` with its defaults and ``seed``, solve the learned field from the TRUE
initial state with dopri5, and compare with the clean trajectory at the 100 times halfway
between observations. Prints the held-out MSE in units of sigma^2, the wall time and the
process CPU time (one thread; on a busy machine the CPU time is the better estimate of the
time on one free core), and the same error for two baselines that fit the exact
four-parameter Lotka-Volterra family to the same data:

- ``exact, fixed start``: parameters fitted on the whole trajectory solved from the noisy
  ``y_obs[0]``;
- ``exact, fitted start``: parameters and initial state fitted together (the maximum
  likelihood estimate).

``--options`` passes training options (JSON) to ``train_neural_ode``; ``--no-exact`` skips
the two baselines.

The gap between them shows how much of the held-out error of a whole-trajectory fit comes
from the noise of the first observation alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torchdiffeq import odeint

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solutions import lotka_volterra as reference  # noqa: E402

SIGMA = 0.05
DEFAULTS = (1.5, 1.0, 3.0, 1.0)


class ExactFamily(torch.nn.Module):
    """The Lotka-Volterra field with trainable rates, float64."""

    def __init__(self, rates: tuple[float, ...]) -> None:
        super().__init__()
        self.rates = torch.nn.Parameter(torch.tensor(rates, dtype=torch.float64))

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        alpha, beta, gamma, delta = self.rates
        x, z = y[..., 0], y[..., 1]
        return torch.stack((alpha * x - beta * x * z, delta * x * z - gamma * z), dim=-1)


def true_solve(y0, t: torch.Tensor, rates=DEFAULTS) -> torch.Tensor:
    """The clean trajectory, float64, dopri5 at rtol 1e-11."""
    field = ExactFamily(rates)
    with torch.no_grad():
        return odeint(
            field,
            torch.as_tensor(y0, dtype=torch.float64),
            t.to(torch.float64),
            method="dopri5",
            rtol=1e-11,
            atol=1e-13,
        )


def default_data(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The handout's data with noise seed ``seed``: t (101,), y_obs (101, 2), float32."""
    t = torch.linspace(0.0, 10.0, 101)
    clean = true_solve([1.0, 1.0], t)
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(clean.shape, generator=generator, dtype=torch.float64)
    return t, (clean + SIGMA * noise).to(torch.float32)


def held_out_mse(field, y0, t_end: float = 10.0, rates=DEFAULTS) -> float:
    """MSE / sigma^2 of the solve of ``field`` from ``y0`` at the 100 midpoints."""
    grid = torch.cat([torch.zeros(1), torch.linspace(0.05, t_end - 0.05, 100)])
    clean = true_solve(y0, grid, rates)[1:]
    dtype = next(field.parameters()).dtype
    with torch.no_grad():
        path = odeint(
            field, torch.as_tensor(y0, dtype=dtype), grid.to(dtype), rtol=1e-7, atol=1e-9
        )
    return float(torch.mean((path[1:].to(torch.float64) - clean) ** 2)) / SIGMA**2


def exact_family_fit(t: torch.Tensor, y_obs: torch.Tensor, fit_start: bool) -> ExactFamily:
    """Least squares of the whole trajectory over the four rates (and the start), L-BFGS."""
    t, y_obs = t.to(torch.float64), y_obs.to(torch.float64)
    field = ExactFamily((1.4, 0.9, 3.1, 1.1))
    start = torch.nn.Parameter(y_obs[0].clone())
    trained = [field.rates, start] if fit_start else [field.rates]
    optimizer = torch.optim.LBFGS(
        trained, max_iter=300, line_search_fn="strong_wolfe", tolerance_change=1e-15
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        path = odeint(field, start, t, method="dopri5", rtol=1e-8, atol=1e-10)
        loss = torch.mean((path - y_obs) ** 2)
        loss.backward()
        return loss

    optimizer.step(closure)
    return field


def run(seeds: list[int], options: dict, exact: bool = True) -> None:
    print("Reference train_neural_ode with its defaults on the handout's default data")
    print(
        f"{'seed':>4} {'MSE/s2':>8} {'wall s':>7} {'cpu s':>6} {'last loss':>9} "
        f"{'exact, fixed start':>19} {'exact, fitted start':>20}"
    )
    errors, cpu_times = [], []
    for seed in seeds:
        t, y_obs = default_data(seed)
        wall, cpu = time.perf_counter(), time.process_time()
        func, losses = reference.train_neural_ode(t, y_obs, seed=seed, **options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        error = held_out_mse(func, [1.0, 1.0])
        fixed = fitted = float("nan")
        if exact:
            fixed = held_out_mse(exact_family_fit(t, y_obs, fit_start=False), [1.0, 1.0])
            fitted = held_out_mse(exact_family_fit(t, y_obs, fit_start=True), [1.0, 1.0])
        errors.append(error)
        cpu_times.append(cpu)
        print(
            f"{seed:>4} {error:>8.3f} {wall:>7.1f} {cpu:>6.1f} {losses[-1]:>9.2e} "
            f"{fixed:>19.2f} {fitted:>20.2f}",
            flush=True,
        )
    print(
        f"max MSE/s2 {max(errors):.3f}; {sum(e <= 2 for e in errors)} of {len(errors)} "
        f"seeds at or below 2 sigma^2; CPU time {min(cpu_times):.1f}-{max(cpu_times):.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--options", type=json.loads, default={})
    parser.add_argument("--no-exact", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run(args.seeds, args.options, exact=not args.no_exact)


if __name__ == "__main__":
    main()
