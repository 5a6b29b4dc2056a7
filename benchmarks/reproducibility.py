"""The same submission graded 20 times gets the same scores, check by check.

    python benchmarks/reproducibility.py [--times 20] [--jobs 2] [--questions 1.6,2.2]

Grades the reference and a "sloppy" variant of it 20 times each on the questions whose
checks use randomness (Hutchinson's estimators and the samplers by default). The sloppy
variant draws its Hutchinson probes from torch's and numpy's global generators and ignores
the generator it is given, the kind of code that would give a different score on every run
unless the grader seeds every generator before every check. Prints, per submission, the
distinct totals and the checks whose verdict or feedback differed between runs (none
expected).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.batch import grade_many  # noqa: E402
from tests import hostile  # noqa: E402

SLOPPY = b"""

def _global_probe(shape, distribution, dtype):
    import numpy, torch
    if distribution == "rademacher":
        signs = numpy.sign(numpy.random.standard_normal(shape)) + 0 * float(torch.rand(()))
        return torch.as_tensor(signs, dtype=dtype)
    return torch.randn(shape, dtype=dtype)


def hutchinson_trace(matvec, dim, n_samples, distribution="rademacher", generator=None):
    import torch
    total = None
    for _ in range(n_samples):
        probe = _global_probe((dim,), distribution, torch.float64)
        value = probe @ matvec(probe)
        total = value if total is None else total + value
    return total / n_samples
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--questions", default="1.6,2.2")
    args = parser.parse_args()
    questions = set(args.questions.split(","))

    work = Path(tempfile.mkdtemp(prefix="practice07-repro-"))
    reference = hostile.write_folder(work / "reference", hostile.reference_files())
    files = hostile.reference_files()
    files["hutchinson.py"] += SLOPPY
    sloppy = hostile.write_folder(work / "sloppy", files)

    sources, names = [], []
    for label, source in (("reference", reference), ("sloppy", sloppy)):
        for run in range(args.times):
            sources.append(source)
            names.append(f"{label}-{run:02d}")
    started = time.monotonic()
    results = grade_many(
        sources, work / "out", names=names, jobs=args.jobs, questions=questions, regrade=True
    )
    print(
        f"{len(results)} gradings on {args.questions} in {time.monotonic() - started:.0f} s "
        f"(jobs {args.jobs})"
    )
    for label in ("reference", "sloppy"):
        mine = [r for r, n in zip(results, names, strict=True) if n.startswith(label)]
        totals = sorted({r.score for r in mine})
        verdicts: dict[str, set] = {}
        for result in mine:
            for test in result.tests:
                verdicts.setdefault(test.name, set()).add((test.score, test.output))
        unstable = [name for name, seen in verdicts.items() if len(seen) > 1]
        errors = [r.error for r in mine if r.error]
        print(
            f"  {label}: {len(mine)} runs, distinct totals {totals}, checks "
            f"{len(verdicts)}, checks whose verdict or feedback varied: {unstable}, "
            f"grading errors: {errors}"
        )


if __name__ == "__main__":
    main()
