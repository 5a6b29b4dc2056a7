"""Which 2.2 checks each single-bug variant of the reference fails, as a Markdown table.

    python benchmarks/hmc_variant_table.py [--modules hmc leapfrog integrators]

Grades every variant listed in the given modules of ``tests/variants`` on question 2.2 only
(``tests/test_bug_variants.py`` separately proves that no other question loses points) and
prints, per variant, the points kept and the checks that failed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.runner import grade_submission  # noqa: E402
from autograder.questions import BY_ID  # noqa: E402
from tests.variants import planted, write_submission  # noqa: E402


def short(name: str) -> str:
    return name.removeprefix("2.2 ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", default=["hmc", "leapfrog", "integrators"])
    args = parser.parse_args()
    variants = [
        variant
        for module in args.modules
        for variant in importlib.import_module(f"tests.variants.{module}").VARIANTS
        if variant.question == "2.2"
    ]
    print(f"| variant | 2.2 points (of {BY_ID['2.2'].points:g}) | checks that fail |")
    print("|---|---:|---|")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for variant in variants:
            source = write_submission(Path(folder) / variant.name, planted(variant))
            result = grade_submission(source, questions={"2.2"})
            failed = [short(t.name) for t in result.tests if t.score < t.max_score]
            score = result.question_scores()["2.2"]
            print(f"| `{variant.name}` | {score:g} | {'; '.join(failed) or '**none**'} |")
    print(f"\n{len(variants)} variants graded in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
