"""How the 2.1 training checks see the reference, and how long 2.1's grading takes.

    python benchmarks/lotka_volterra_grading.py [--seeds 0 1 2] [--noise-seeds 0 1]
                                                [--no-grading] [--options JSON]

1. *Margins.* For each training data set of the hidden graders (Lotka-Volterra with other
   rates; the Rosenzweig-MacArthur system), and for each noise seed (the graders' own seed
   first, then ``--noise-seeds`` as other draws of the same data), the reference's
   ``train_neural_ode`` runs in this process with its defaults and each training ``seed``,
   and the fitted field is measured exactly as the graders measure it (the same code,
   ``measure_rollouts`` with the child-side ``rollouts`` probe called directly). Printed:
   the local-flow and whole-trajectory errors in units of sigma^2, next to the thresholds,
   and the CPU time of each run. ``--options`` passes training options (JSON), e.g.
   ``'{"window_fraction": 1.0, "long_fraction": 0.0}'`` for short windows only.
2. *Grading time.* ``grade_submission`` of the reference's ``lotka_volterra.py`` alone on
   question 2.1, as a TA would run it (a child process, one thread for student code): wall
   time, each check's duration and result.

Timings on a shared machine are noisy; the CPU time of a training run is the better guide
to its time on one free core.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.childside import probes  # noqa: E402
from autograder.engine.runner import grade_submission  # noqa: E402
from autograder.graders import test_lotka_volterra as graders  # noqa: E402
from autograder.questions import BY_ID  # noqa: E402
from solutions import lotka_volterra as reference  # noqa: E402
from tests.variants import reference_files, write_submission  # noqa: E402

DATA_SETS = (graders.LV_OTHER, graders.PREDATOR_PREY)


def margins(seeds: list[int], noise_seeds: list[int], options: dict) -> None:
    print(
        f"Reference training on the graders' data (thresholds: local <= {graders.LOCAL_MAX}, "
        f"whole trajectory <= {graders.TRAJECTORY_MAX}, in sigma^2)"
    )
    print(f"{'data':<28} {'noise':>6} {'seed':>4} {'local':>7} {'traj':>7} {'cpu s':>6}")
    for data in DATA_SETS:
        for noise_seed in [data.noise_seed, *noise_seeds]:
            variant = graders.TrainingData(
                data.key, data.title, data.field, data.y0, noise_seed=noise_seed
            )
            for seed in seeds:
                cpu = time.process_time()
                func, _ = reference.train_neural_ode(
                    variant.times(), variant.observations(), seed=seed, **options
                )
                cpu = time.process_time() - cpu
                measured = graders.measure_rollouts(
                    lambda starts, t, func=func: probes.rollouts(None, func, starts, t), variant
                )
                print(
                    f"{data.key:<28} {noise_seed:>6} {seed:>4} {measured['local']:>7.3f} "
                    f"{measured['trajectory']:>7.3f} {cpu:>6.1f}",
                    flush=True,
                )


def grading_time() -> None:
    files = {"lotka_volterra.py": reference_files()["lotka_volterra.py"]}
    with tempfile.TemporaryDirectory() as folder:
        source = write_submission(Path(folder) / "reference", files)
        started = time.perf_counter()
        result = grade_submission(source, questions={"2.1"})
        elapsed = time.perf_counter() - started
    print(f"\nGrading the reference on 2.1: {elapsed:.1f} s wall, error: {result.error}")
    for test in result.tests:
        mark = "pass" if test.passed else "FAIL"
        print(
            f"  {mark} {test.duration:6.1f} s  {test.score:4.1f}/{test.max_score:<4} {test.name}"
        )
        if not test.passed:
            print(f"         {test.output}")
    print(f"score {result.question_scores()['2.1']} of {BY_ID['2.1'].points}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--noise-seeds", type=int, nargs="*", default=[])
    parser.add_argument("--options", type=json.loads, default={})
    parser.add_argument("--no-grading", action="store_true")
    parser.add_argument("--no-margins", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not args.no_margins:
        margins(args.seeds, args.noise_seeds, args.options)
    if not args.no_grading:
        grading_time()


if __name__ == "__main__":
    main()
