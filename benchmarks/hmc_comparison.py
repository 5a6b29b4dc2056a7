"""HMC against random-walk Metropolis on the banana, per iteration and per evaluation.

    python benchmarks/hmc_comparison.py [--figures assignment/figures] [--quick]

Prints the tables of the handout's section 2.2 and draws its figures. Three parts:

1. One long chain of each sampler of the reference solution (``solutions/hmc.py``) on the
   banana (b = 0.1), started at an exact draw, with the same budget of density or gradient
   evaluations: acceptance rate, mean squared jump distance (MSJD), autocorrelation and
   ArviZ's ESS of ``x1``, ``x2`` and ``w = (x2 + b x1**2 - 100 b)**2``, per iteration and
   per evaluation. Figures: samples over the exact density's contours, trace plots,
   autocorrelations, and one HMC trajectory in phase space with its energy.
2. The true ESS per evaluation, from many independent chains started at exact draws: the
   variance of a chain's mean over replicate chains gives ``ESS = Var_pi(f) / Var(mean)``
   with the exact ``Var_pi(f)``, against ArviZ's estimate from single chains of the same
   length. This shows how far the estimate overstates ``x2``'s ESS.
3. The same comparison on Haario's twisted Gaussian in d dimensions (the banana in the first
   two coordinates, independent standard normals in the others), where HMC's advantage per
   gradient evaluation opens up.

Parts 2 and 3 use samplers vectorized over chains (numpy), the same algorithm as the
reference; ``tests/test_hmc_comparison.py`` checks that with one chain they reproduce the
reference's chains. One gradient costs about as much as one density value here, so an HMC
iteration counts as ``n_leapfrog`` evaluations and a Metropolis iteration as one.

Needs ``arviz-stats`` (the ``analysis`` extra) for ESS.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solutions import hmc as reference  # noqa: E402

B = 0.1
EXACT_VARIANCE = {"x1": 100.0, "x2": 1.0 + 2.0 * B**2 * 1e4, "w": 2.0}
"""Var_pi of each statistic: x1 = 10 z1, x2 = z2 - b (x1^2 - 100), w = z2^2"""

HMC_SETTINGS = {2: [(0.2, 80), (0.3, 60)], 10: [(0.2, 80)], 30: [(0.2, 80)]}
"""(step size, leapfrog steps) per dimension, from a small grid; the first is used for the
single chains. In 2-D, step 0.3 looks best on typical chains but leaves some chains that
start far out in the tails stuck; 0.2 is the robust choice. A path length close to a
multiple of 2 pi makes the unit-variance coordinates resonate (d >= 3), which 0.3 x 60 = 18
does."""

RWM_SCALE = {2: 1.0, 10: 0.38, 30: 0.43}
"""proposal_std = scale * (marginal standard deviations), the best of a small grid"""


# --------------------------------------------------------------------------------------------
# the twisted Gaussian in d dimensions, vectorized over chains


def log_density(x: np.ndarray) -> np.ndarray:
    """Haario's twisted Gaussian; x has shape (..., d), d >= 2; the banana for d = 2."""
    ridge = x[..., 1] + B * x[..., 0] ** 2 - 100.0 * B
    return -(x[..., 0] ** 2) / 200.0 - ridge**2 / 2.0 - 0.5 * np.sum(x[..., 2:] ** 2, axis=-1)


def grad_log_density(x: np.ndarray) -> np.ndarray:
    ridge = x[..., 1] + B * x[..., 0] ** 2 - 100.0 * B
    grad = -x.copy()
    grad[..., 0] = -x[..., 0] / 100.0 - 2.0 * B * x[..., 0] * ridge
    grad[..., 1] = -ridge
    return grad


def exact_draws(rng: np.random.Generator, n: int, d: int = 2) -> np.ndarray:
    """``x1 = 10 z1``, ``x2 = z2 - b (x1**2 - 100)``, ``x_k = z_k``: shape (n, d)."""
    x = rng.standard_normal((n, d))
    x[:, 0] *= 10.0
    x[:, 1] -= B * (x[:, 0] ** 2 - 100.0)
    return x


def marginal_std(d: int) -> np.ndarray:
    std = np.ones(d)
    std[0], std[1] = 10.0, np.sqrt(EXACT_VARIANCE["x2"])
    return std


def ridge_statistic(x: np.ndarray) -> np.ndarray:
    return (x[..., 1] + B * x[..., 0] ** 2 - 100.0 * B) ** 2


def statistics_of(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"x1": x[..., 0], "x2": x[..., 1], "w": ridge_statistic(x)}


class Chains:
    """Many chains at once: the state (M, d), the running sums of each statistic, and the
    path of the first three coordinates of the first ``keep`` chains."""

    def __init__(self, x0: np.ndarray, n: int, keep: int):
        self.x = np.array(x0, dtype=float)
        self.sums = {name: np.zeros(len(x0)) for name in EXACT_VARIANCE}
        self.kept = np.empty((n, min(keep, len(x0)), min(3, x0.shape[1])))
        self.accepted = np.zeros(len(x0))
        self.i = 0

    def record(self, accept: np.ndarray) -> None:
        self.accepted += accept
        for name, value in statistics_of(self.x).items():
            self.sums[name] += value
        self.kept[self.i] = self.x[: self.kept.shape[1], :3]
        self.i += 1


def hmc_chains(x0, n, step_size, n_leapfrog, rng, keep=0) -> Chains:
    """HMC as in the reference, on M chains: per iteration one (M, d) momentum draw, then
    one uniform per chain. With M = 1 these are the reference's draws."""
    chains = Chains(x0, n, keep)
    potential = -log_density(chains.x)
    for _ in range(n):
        p = rng.standard_normal(chains.x.shape)
        q, p_new = chains.x, p
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(n_leapfrog):
                p_half = p_new + 0.5 * step_size * grad_log_density(q)  # p(n+1/2)
                q = q + step_size * p_half  # q(n+1)
                p_new = p_half + 0.5 * step_size * grad_log_density(q)  # p(n+1)
            potential_new = -log_density(q)
            log_ratio = (potential + 0.5 * np.sum(p * p, axis=-1)) - (
                potential_new + 0.5 * np.sum(p_new * p_new, axis=-1)
            )
        u = rng.uniform(size=len(log_ratio))
        accept = np.isfinite(log_ratio) & (np.log(u) < np.nan_to_num(log_ratio, nan=-np.inf))
        chains.x = np.where(accept[:, None], q, chains.x)
        potential = np.where(accept, potential_new, potential)
        chains.record(accept)
    return chains


def rwm_chains(x0, n, proposal_std, rng, keep=0) -> Chains:
    """Random-walk Metropolis as in the reference, on M chains."""
    chains = Chains(x0, n, keep)
    log_x = log_density(chains.x)
    for _ in range(n):
        proposal = chains.x + proposal_std * rng.standard_normal(chains.x.shape)
        log_new = log_density(proposal)
        u = rng.uniform(size=len(log_new))
        accept = np.log(u) < log_new - log_x
        chains.x = np.where(accept[:, None], proposal, chains.x)
        log_x = np.where(accept, log_new, log_x)
        chains.record(accept)
    return chains


# --------------------------------------------------------------------------------------------
# diagnostics


def ess(values: np.ndarray) -> float:
    """ArviZ's bulk ESS of one chain (shape (n,))."""
    from arviz_stats.base import array_stats

    return float(array_stats.ess(np.asarray(values, dtype=float)[None, :]))


def msjd(samples: np.ndarray) -> float:
    """Mean squared jump distance, ``mean |x_{i+1} - x_i|^2`` over the chain."""
    return float(np.mean(np.sum(np.diff(samples, axis=0) ** 2, axis=1)))


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation at lags 0..max_lag, by FFT."""
    x = np.asarray(values, dtype=float) - np.mean(values)
    size = 1 << int(np.ceil(np.log2(2 * len(x))))
    spectrum = np.fft.rfft(x, size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    return acf / acf[0]


# --------------------------------------------------------------------------------------------
# part 1: one chain of each reference sampler


@dataclass
class Run:
    """One chain of a reference sampler with its cost."""

    name: str
    """the sampler's name for tables"""
    samples: np.ndarray
    """the chain, (n, 2)"""
    rate: float
    """its acceptance rate"""
    evals_per_iteration: int
    """density or gradient evaluations per iteration"""
    seconds: float
    """wall-clock time of the run"""


def single_chains(evaluations: int, seed: int) -> tuple[Run, Run]:
    rng = np.random.default_rng(seed)
    x0 = exact_draws(rng, 1)[0]
    step_size, n_leapfrog = HMC_SETTINGS[2][0]
    log = reference.banana_log_density
    grad = reference.banana_grad_log_density

    started = time.perf_counter()
    samples, rate = reference.hmc_sample(
        log, grad, x0, evaluations // n_leapfrog, step_size, n_leapfrog, rng
    )
    hmc = Run("HMC", samples, rate, n_leapfrog, time.perf_counter() - started)

    started = time.perf_counter()
    samples, rate = reference.random_walk_metropolis(
        log, x0, evaluations, RWM_SCALE[2] * marginal_std(2), rng
    )
    rwm = Run("RWM", samples, rate, 1, time.perf_counter() - started)
    return hmc, rwm


def single_chain_table(runs) -> str:
    """Metrics as rows, samplers as columns."""
    step_size, n_leapfrog = HMC_SETTINGS[2][0]
    settings = {
        "HMC": f"step {step_size}, {n_leapfrog} leapfrog steps",
        "RWM": f"proposal_std {RWM_SCALE[2]:g} x (10, 14.2)",
    }
    columns = {}
    for run in runs:
        n, cost = len(run.samples), run.evals_per_iteration
        values = statistics_of(run.samples)
        per_it = {name: ess(v) / n for name, v in values.items()}
        jump = msjd(run.samples)
        columns[run.name] = [
            settings[run.name],
            f"{n} x {cost}",
            f"{run.rate:.2f}",
            f"{jump:.3g}",
            f"{jump / cost:.3g}",
            *[f"{autocorrelation(values[k], 1)[1]:.3f}" for k in ("x1", "x2", "w")],
            *[f"{per_it[k]:.3g}" for k in ("x1", "x2", "w")],
            *[f"{per_it[k] / cost:.2g}" for k in ("x1", "x2", "w")],
        ]
    rows = [
        "settings",
        "iterations x evaluations per iteration",
        "acceptance rate",
        "MSJD per iteration",
        "MSJD per evaluation",
        *[f"lag-1 autocorrelation of {k}" for k in ("x1", "x2", "w")],
        *[f"ESS of {k} per iteration (ArviZ)" for k in ("x1", "x2", "w")],
        *[f"ESS of {k} per evaluation (ArviZ)" for k in ("x1", "x2", "w")],
    ]
    names = list(columns)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for i, row in enumerate(rows):
        lines.append(f"| {row} | " + " | ".join(columns[name][i] for name in names) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# parts 2 and 3: the true ESS from many chains


def true_ess(chains: Chains, n: int) -> dict[str, float]:
    """``Var_pi(f) / Var(chain mean)`` over the replicate chains, per statistic."""
    return {
        name: EXACT_VARIANCE[name] / float(np.var(total / n, ddof=1))
        for name, total in chains.sums.items()
    }


def many_chains(d: int, n_chains: int, evaluations: int, keep: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    runs = {}
    for step_size, n_leapfrog in HMC_SETTINGS[d]:
        n = evaluations // n_leapfrog
        x0 = exact_draws(rng, n_chains, d)
        chains = hmc_chains(x0, n, step_size, n_leapfrog, rng, keep)
        runs[f"HMC {step_size} x {n_leapfrog}"] = (chains, n)
    x0 = exact_draws(rng, n_chains, d)
    std = RWM_SCALE[d] * marginal_std(d)
    runs[f"RWM {RWM_SCALE[d]:g}"] = (rwm_chains(x0, evaluations, std, rng, keep), evaluations)
    out = {}
    for name, (chains, n) in runs.items():
        kept = statistics_of(chains.kept)
        estimated = {
            stat: float(np.mean([ess(v) for v in kept[stat].T])) for stat in EXACT_VARIANCE
        }
        x3 = [ess(chains.kept[:, j, 2]) for j in range(chains.kept.shape[1])] if d > 2 else []
        rates = chains.accepted / n
        out[name] = {
            "n": n,
            "rate": float(np.mean(rates)),
            "stuck": float(np.mean(rates < 0.5 * np.median(rates))),
            "true": true_ess(chains, n),
            "estimated": estimated,
            "x3_estimated": float(np.mean(x3)) if x3 else np.nan,
        }
    return out


def many_chain_table(results: dict, evaluations: int) -> str:
    lines = [
        "| d | sampler | acceptance | stuck chains | true ESS x1 / eval. | true ESS x2 / eval. "
        "| true ESS w / eval. | ArviZ / true, x1 | ArviZ / true, x2 | ArviZ / true, w "
        "| ESS x3 / eval. (ArviZ) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d, by_sampler in results.items():
        for name, r in by_sampler.items():
            true = r["true"]
            ratio = {k: r["estimated"][k] / true[k] for k in true}
            x3 = "" if np.isnan(r["x3_estimated"]) else f"{r['x3_estimated'] / evaluations:.2g}"
            cells = [
                str(d),
                name,
                f"{r['rate']:.2f}",
                f"{r['stuck']:.1%}",
                *[f"{true[k] / evaluations:.2g}" for k in ("x1", "x2", "w")],
                *[f"{ratio[k]:.2f}" for k in ("x1", "x2", "w")],
                x3,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# figures


def contour_grid():
    x1 = np.linspace(-35, 35, 300)
    x2 = np.linspace(-115, 25, 300)
    grid = np.stack(np.meshgrid(x1, x2), axis=-1)
    return x1, x2, reference.banana_log_density(grid)


def draw_contours(ax) -> None:
    x1, x2, log_pi = contour_grid()
    # levels of log pi at the 1, 2, 3 and 4 sigma ellipses of z: -r^2 / 2
    ax.contour(
        x1,
        x2,
        log_pi,
        levels=[-8, -4.5, -2, -0.5],
        colors="0.55",
        linewidths=0.8,
        linestyles="solid",
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(x1[0], x1[-1])
    ax.set_ylim(x2[0], x2[-1])


def figures(runs, folder: Path, n_shown: int, seed: int) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    hmc, rwm = runs
    colors = {"HMC": "tab:blue", "RWM": "tab:orange"}

    # the same number of iterations, then the same number of evaluations
    thin = hmc.evals_per_iteration
    panels = [
        (hmc, hmc.samples[:n_shown], f"HMC: {n_shown} iterations"),
        (rwm, rwm.samples[:n_shown], f"RWM: {n_shown} iterations"),
        (
            rwm,
            rwm.samples[: n_shown * thin : thin],
            f"RWM: {n_shown * thin} iterations, every {thin}th",
        ),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for ax, (run, shown, title) in zip(axes, panels, strict=True):
        draw_contours(ax)
        ax.plot(shown[:, 0], shown[:, 1], ".", ms=2, alpha=0.5, color=colors[run.name])
        ax.set_title(f"{title} ({run.rate:.0%} accepted)", fontsize=10)
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.tight_layout()
    paths.append(folder / "hmc_samples.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(2, 2, figsize=(9, 5), sharex=True)
    for col, run in enumerate(runs):
        for row, name in enumerate(("$x_1$", "$x_2$")):
            ax = axes[row, col]
            ax.plot(run.samples[:n_shown, row], lw=0.6, color=colors[run.name])
            ax.set_ylabel(name)
            if row == 0:
                ax.set_title(f"{run.name} trace")
        axes[1, col].set_xlabel("iteration")
    fig.tight_layout()
    paths.append(folder / "hmc_traces.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    max_eval = 6000
    for ax, stat in zip(axes, ("x1", "x2", "w"), strict=True):
        for run in runs:
            values = statistics_of(run.samples)[stat]
            lags = max_eval // run.evals_per_iteration
            acf = autocorrelation(values, lags)
            ax.plot(np.arange(lags + 1) * run.evals_per_iteration, acf, color=colors[run.name])
            ax.plot([], [], color=colors[run.name], label=run.name)
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_title(f"autocorrelation of {stat}")
        ax.set_xlabel(f"lag in evaluations (HMC: iterations x {hmc.evals_per_iteration})")
    axes[0].legend()
    fig.tight_layout()
    paths.append(folder / "hmc_autocorrelation.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    rng = np.random.default_rng(seed)
    x0 = np.array([-12.0, -3.0])
    p0 = rng.standard_normal(2)
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    styles = [(0.2, 80, "tab:blue", "step 0.2"), (0.5, 32, "tab:red", "step 0.5")]
    draw_contours(axes[0])
    for step_size, n_leapfrog, color, label in styles:
        xs, ps = reference.hmc_trajectory(
            reference.banana_grad_log_density, x0, p0, step_size, n_leapfrog
        )
        energy = -reference.banana_log_density(xs) + 0.5 * np.sum(ps**2, axis=1)
        time_axis = step_size * np.arange(len(xs))
        axes[0].plot(xs[:, 0], xs[:, 1], ".-", ms=3, lw=0.8, color=color, label=label)
        for k in range(2):
            axes[k + 1].plot(xs[:, k], ps[:, k], ".-", ms=3, lw=0.8, color=color, label=label)
        axes[3].plot(time_axis, energy - energy[0], ".-", ms=3, lw=0.8, color=color, label=label)
    axes[0].plot(*x0, "k*", ms=10)
    axes[0].set_xlim(-18, 18)
    axes[0].set_ylim(-25, 15)
    axes[0].set_title("position path over the contours")
    for k in range(2):
        axes[k + 1].set_xlabel(f"$x_{k + 1}$")
        axes[k + 1].set_ylabel(f"$p_{k + 1}$")
        axes[k + 1].set_title(f"phase space $(x_{k + 1}, p_{k + 1})$")
    axes[3].set_xlabel("time (step size x steps)")
    axes[3].set_ylabel("$H - H_0$")
    axes[3].set_title("energy error along the path")
    axes[3].legend()
    fig.tight_layout()
    paths.append(folder / "hmc_trajectory.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=Path, default=ROOT / "assignment" / "figures")
    parser.add_argument("--evaluations", type=int, default=120_000, help="per single chain")
    parser.add_argument("--chains", type=int, default=300, help="replicate chains, part 2-3")
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10, 30])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--quick", action="store_true", help="small budgets, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.evaluations, args.chains, args.dims = 6000, 20, [2, 10]
    started = time.perf_counter()

    runs = single_chains(args.evaluations, args.seed)
    print(f"## One chain each, {args.evaluations} evaluations (reference solution)\n")
    print(single_chain_table(runs))
    for run in runs:
        print(f"\n{run.name}: {run.seconds:.1f} s for {len(run.samples)} iterations")
    paths = figures(runs, args.figures, n_shown=2000, seed=args.seed)
    print("\nfigures: " + ", ".join(p.name for p in paths) + f" in {args.figures}")

    results = {
        d: many_chains(d, args.chains, args.evaluations // 2, 16, args.seed + d) for d in args.dims
    }
    print(
        f"\n## True ESS from {args.chains} chains started at exact draws, "
        f"{args.evaluations // 2} evaluations each\n"
    )
    print(many_chain_table(results, args.evaluations // 2))
    print(f"\n({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
