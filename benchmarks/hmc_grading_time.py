"""Wall-clock time to grade question 2.2 of the reference solution.

    python benchmarks/hmc_grading_time.py [--repeats 3]

Grades the reference on 2.2 only, ``repeats`` times, and prints the total per grading (child
start-up included), the slowest checks, and the share of the 60 s that 2.2 may take. Run it
on an idle machine for numbers worth quoting; a loaded one inflates everything.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.runner import grade_submission  # noqa: E402

BUDGET = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    totals, durations = [], {}
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = grade_submission(ROOT / "solutions", questions={"2.2"})
        totals.append(time.perf_counter() - started)
        assert result.question_scores()["2.2"] == 26, "the reference lost points"
        for test in result.tests:
            durations.setdefault(test.name, []).append(test.duration)
    checks = sum(statistics.median(values) for values in durations.values())
    total = statistics.median(totals)
    print(f"2.2 of the reference, median of {args.repeats} gradings")
    print(f"  whole grading (child start, imports, pytest): {total:6.2f} s")
    print(f"  the {len(durations)} checks themselves:                {checks:6.2f} s")
    print(f"  share of the {BUDGET:.0f} s budget:                   {total / BUDGET:6.1%}")
    first = next(iter(durations))
    print(
        f"  of which the first check, which waits for the child to start:  "
        f"{statistics.median(durations[first]):.2f} s"
    )
    print("  slowest checks:")
    ranked = sorted(durations.items(), key=lambda item: -statistics.median(item[1]))
    for name, values in ranked[:5]:
        print(f"    {statistics.median(values):6.2f} s  {name[:80]}")


if __name__ == "__main__":
    main()
