"""The reference under many grader seeds: the two statistical checks of 2.2 never fail it.

    python benchmarks/hmc_grader_seeds.py [--seeds 20]

Runs the statistical checks' own code (``stationarity_verdict`` of the 2.2 graders) against
the reference solution in one child process, once per grader seed, and prints the sum of the
ridge statistic, its standardized value ``(sum - N) / sqrt(2 N)`` and the verdict. Exits
non-zero if any seed fails. A correct sampler fails each check with probability
``ALPHA_STAT`` per seed, so 20 seeds should show no failure at all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.child import StudentProcess, prepare_workdir  # noqa: E402
from autograder.graders import test_hmc as G  # noqa: E402
from autograder.graders.support import Student  # noqa: E402
from tests.variants import reference_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first", type=int, default=1000, help="the first grader seed")
    args = parser.parse_args()
    failures = 0
    workdir = Path(tempfile.mkdtemp(prefix="practice07-seeds-"))
    prepare_workdir(workdir, reference_files())
    print("| seed | HMC sum (N = 800) | z | passed | RWM sum (N = 1000) | z | passed |")
    print("|---:|---:|---:|---|---:|---:|---|")
    started = time.perf_counter()
    with StudentProcess(workdir) as process:
        student = Student(process)
        for seed in range(args.first, args.first + args.seeds):
            cells = [str(seed)]
            for sampler, test in (("hmc", G.HMC_STAT), ("rwm", G.RWM_STAT)):
                passed, total = G.stationarity_verdict(student, sampler, seed)
                z = (total - test.n_chains) / np.sqrt(2 * test.n_chains)
                cells += [f"{total:.1f}", f"{z:+.2f}", "yes" if passed else "**NO**"]
                failures += not passed
            print("| " + " | ".join(cells) + " |")
    print(
        f"\n{failures} failures in {2 * args.seeds} statistical checks "
        f"({time.perf_counter() - started:.0f} s); bounds: HMC [{G.HMC_STAT.low}, "
        f"{G.HMC_STAT.high}], RWM [{G.RWM_STAT.low}, {G.RWM_STAT.high}]"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
