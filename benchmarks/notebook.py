"""How long the handout notebook takes, top to bottom, on the reference and on the stubs.

    python benchmarks/notebook.py                 # one run of each, timings per cell
    python benchmarks/notebook.py --repeats 3     # medians over three runs
    python benchmarks/notebook.py --export        # also write the reference's PNGs to
                                                  # assignment/figures/

Each run starts a fresh Jupyter kernel, so the times include the kernel's start and the
imports, as a student's "Restart and Run All" does. The reference run fills the notebook's
answer cells with the reference's answers, so every curve is drawn. Times are wall clock on
whatever the machine is doing at the moment: on a shared machine, read the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import notebook  # noqa: E402

FIGURES = ROOT / "assignment" / "figures"


def run_reference(figures: Path) -> notebook.Execution:
    with tempfile.TemporaryDirectory(prefix="practice07-bench-") as temporary:
        folder = notebook.reference_package(Path(temporary))
        return notebook.execute(folder, figures, answers=notebook.reference_answers())


def run_stubs(figures: Path) -> notebook.Execution:
    return notebook.execute(ROOT, figures)


def report(name: str, runs: list[notebook.Execution]) -> float:
    """Print per-cell medians for ``runs``; return the median total."""
    total = statistics.median(run.seconds for run in runs)
    print(f"\n{name}: {total:.1f} s top to bottom (median of {len(runs)}), kernel start included")
    cells = [label for label, _ in runs[0].cell_seconds]
    for index, label in enumerate(cells):
        seconds = statistics.median(run.cell_seconds[index][1] for run in runs)
        print(f"  {seconds:6.1f} s  {100 * seconds / total:4.0f} %  {label}")
    errors = sorted({error for run in runs for error in run.errors})
    print(f"  figures saved: {len(runs[-1].figures)}; cell errors: {len(errors)}")
    for error in errors:
        print(f"    {error}")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--export", action="store_true", help="write the reference's figures to assignment/"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="practice07-bench-figures-") as temporary:
        figures = Path(temporary)
        reference = [run_reference(figures / f"reference-{i}") for i in range(args.repeats)]
        stubs = [run_stubs(figures / f"stubs-{i}") for i in range(args.repeats)]
        reference_total = report("reference solutions", reference)
        stubs_total = report("untouched stubs", stubs)
        print(
            f"\nreference / stubs: {reference_total / stubs_total:.1f}x; the difference is the "
            "students' own computations (training dominates)"
        )
        if args.export:
            FIGURES.mkdir(exist_ok=True)
            for path in reference[-1].figures:
                shutil.copy(path, FIGURES / path.name)
            print(f"wrote {len(reference[-1].figures)} PNG files to {FIGURES}")
    failed = any(run.errors for run in reference + stubs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
