"""How long the theory checks take: per check, per item, and for the whole theory grading.

Targets: every item's checks together under 2 s, the whole theory grading of a submission
under 10 s. Three measurements:

1. **Reference, in process.** Each hidden theory check run on the reference through the
   in-process stand-in of ``tests/test_theory_forms.py`` (same codec, no child process):
   the checker's own cost.
2. **Worst form, in process.** For every name of ``theory.py``, the slowest of its correct
   and wrong forms from ``tests/test_theory_forms.py``, summed into the item: the cost of an
   unusual but legitimate (or wrong) answer.
3. **Whole theory grading.** ``grade_submission`` on the reference with the theory checks
   only: process start, imports, every check, results.

Run from the repository root: ``python benchmarks/theory_time.py``. Timings depend on the
machine and its load; run it on a quiet machine before trusting the figures.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sympy.core.cache import clear_cache  # noqa: E402

from autograder.engine.runner import grade_submission  # noqa: E402
from tests.test_theory_forms import (  # noqa: E402
    CHECKS,
    CORRECT,
    WRONG,
    run_check,
    submission,
)
from tests.test_theory_grading import theory_only  # noqa: E402

ITEM_LIMIT = 2.0
TOTAL_LIMIT = 10.0


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def cold(check, student) -> float:
    """Seconds for one run of ``check`` with SymPy's cache emptied first (the worst case:
    in grading, earlier checks and submissions have warmed the cache)."""
    clear_cache()
    return timed(run_check, check, student)


def reference_per_check() -> dict[str, float]:
    """Seconds per check on the reference, each from a cold SymPy cache."""
    return {
        check.check_info.name: cold(check, submission())
        for checks in CHECKS.values()
        for check in checks
    }


def worst_form_per_name() -> dict[str, tuple[float, str]]:
    """For each name: the slowest form (correct or wrong) and its time over its checks."""
    worst = {}
    for name in CHECKS:
        forms = [
            (f"correct: {form}", function) for form, function in CORRECT.get(name, {}).items()
        ]
        forms += [(f"wrong: {form}", wrong.form) for form, wrong in WRONG.get(name, {}).items()]
        slowest = (0.0, "reference")
        for label, function in forms:
            seconds = sum(cold(check, submission(**{name: function})) for check in CHECKS[name])
            slowest = max(slowest, (seconds, label))
        worst[name] = slowest
    return worst


def whole_grading() -> tuple[float, dict[str, float], float]:
    """Wall-clock seconds of grading the reference's theory, the checks' time per item, and
    the time of the first check, which waits for the child process to start and import
    ``theory.py`` (numpy, SymPy) and is left out of its item."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = grade_submission(
            ROOT / "solutions", Path(out), name="reference", select=theory_only
        )
        wall = time.perf_counter() - started
    if result.error or not all(test.passed for test in result.tests):
        raise SystemExit(f"the reference did not get full theory marks: {result.error}")
    first_name = next(iter(CHECKS.values()))[0].check_info.name  # first in file order
    per_item: dict[str, float] = defaultdict(float)
    first = 0.0
    for test in result.tests:
        if test.name == first_name:
            first = test.duration
        else:
            per_item[test.question] += test.duration
    return wall, dict(per_item), first


def main() -> None:
    print("Theory checks: time per check on the reference, in process, cold SymPy cache")
    per_check = reference_per_check()
    by_item: dict[str, float] = defaultdict(float)
    for name, seconds in per_check.items():
        by_item[name.split(" ", 1)[0]] += seconds
        print(f"  {seconds:7.3f} s  {name[:88]}")
    print("\nPer item, reference (limit 2 s per item)")
    for item, seconds in sorted(by_item.items()):
        print(f"  {item}  {seconds:6.3f} s   {seconds / ITEM_LIMIT:6.1%} of the limit")

    print("\nPer name, the slowest of its correct and wrong forms (all its checks, cold cache)")
    worst = worst_form_per_name()
    worst_item: dict[str, float] = defaultdict(float)
    for name, (seconds, label) in worst.items():
        item = CHECKS[name][0].check_info.question
        worst_item[item] += seconds
        print(f"  {seconds:7.3f} s  {item} {name}: {label}")
    print("\nPer item, every name at its slowest form at once (limit 2 s per item)")
    for item, seconds in sorted(worst_item.items()):
        print(f"  {item}  {seconds:6.3f} s   {seconds / ITEM_LIMIT:6.1%} of the limit")

    wall, per_item, first = whole_grading()
    print("\nWhole theory grading of the reference through the engine")
    print(f"  first check {first:6.3f} s  (waits for the child process to start and import)")
    for item, seconds in sorted(per_item.items()):
        print(f"  {item}  {seconds:6.3f} s   {seconds / ITEM_LIMIT:6.1%} of the 2 s item limit")
    checks = sum(per_item.values()) + first
    print(f"  checks     {checks:6.2f} s   (student calls included)")
    print(f"  wall clock {wall:6.2f} s   {wall / TOTAL_LIMIT:6.1%} of the 10 s limit (with the")
    print("             child process start, imports and the results files)")


if __name__ == "__main__":
    main()
