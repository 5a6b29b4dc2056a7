"""Wall time to grade the reference with ``practice07 grade`` and with ``otter run``.

Prints, each as the median of ``--runs`` runs (3 by default):

1. ``practice07 grade`` on the reference solutions, split with the timings of its
   ``results.json`` (``extra_data``) into the reference's own code (``student_time``), the
   graders' own computation inside the checks (``check_time`` minus ``student_time``: trusted
   solves, exact replicas, SymPy) and the fixed cost outside the checks (process start,
   imports, collecting the graders, starting the child);
2. ``otter run`` of the built autograder zip on the same reference, and the ratio of the two;
3. ``otter run`` on a trivial one-check assignment, the fixed cost of an Otter run;
4. our overhead, ``practice07 grade`` time minus the student's own time, against that cost.

    python benchmarks/grade_time.py [--runs 3]

Each command runs in a fresh process, as a TA would run it, so start-up is included. The
figures depend on the machine and its load; compare ratios, not seconds, across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_TEST = textwrap.dedent(
    """
    from otter.test_files import test_case

    OK_FORMAT = False
    name = "q1"
    points = 1


    @test_case(points=1)
    def case(x):
        assert x == 1
    """
)


def timed(command: list[str], cwd: Path) -> float:
    """Run ``command`` to completion and return its wall time in seconds."""
    env = {**os.environ, "IPYTHONDIR": str(cwd / ".ipython")}
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return elapsed


def reference_zip(path: Path) -> Path:
    """A submission zip holding ``student/`` with the reference's five modules."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("student/__init__.py", "")
        for module in sorted((ROOT / "solutions").glob("*.py")):
            if module.name != "__init__.py":
                archive.write(module, f"student/{module.name}")
    return path


def trivial_assignment(work: Path) -> tuple[Path, Path]:
    """An Otter autograder zip with one trivial check, and a submission that passes it."""
    (work / "tests").mkdir(parents=True)
    (work / "tests" / "q1.py").write_text(TRIVIAL_TEST)
    subprocess.run(
        [sys.executable, "-m", "otter", "generate", "-t", "tests", "-o", "autograder.zip"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    (work / "submission.py").write_text("x = 1\n")
    return work / "autograder.zip", work / "submission.py"


def otter_run(autograder: Path, submission: Path, work: Path) -> tuple[float, float]:
    """Wall time of one ``otter run``, and the score it gave."""
    out = work / "out"
    out.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "otter", "run", "-a", str(autograder), "-o", str(out)]
    elapsed = timed([*command, str(submission)], work)
    return elapsed, float(json.loads((out / "results.json").read_text()).get("score", "nan"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="practice07-bench-") as temporary:
        work = Path(temporary)
        grade = [sys.executable, "-m", "autograder.cli", "grade", str(ROOT / "solutions")]
        ours, student, checks, scores = [], [], [], []
        for run in range(args.runs):
            out = work / f"grade-{run}"
            ours.append(timed([*grade, "--out", str(out)], work))
            results = json.loads((out / "solutions" / "results.json").read_text())
            student.append(results["extra_data"]["student_time"])
            checks.append(results["extra_data"]["check_time"])
            scores.append(results["score"])
            print(
                f"practice07 grade, run {run + 1}: {ours[-1]:.1f} s, score {scores[-1]:g}",
                flush=True,
            )

        build = [sys.executable, "-m", "autograder.cli", "build", "--out", str(work / "dist")]
        subprocess.run(build, cwd=work, check=True, capture_output=True)
        submission = reference_zip(work / "reference.zip")
        theirs = []
        for run in range(args.runs):
            run_dir = work / f"otter-{run}"
            run_dir.mkdir()
            elapsed, score = otter_run(work / "dist" / "autograder.zip", submission, run_dir)
            theirs.append(elapsed)
            print(f"otter run, run {run + 1}: {elapsed:.1f} s, score {score:g}", flush=True)
            if abs(score - scores[0]) > 1e-6:
                print("  (otter run's score differs from practice07 grade's)", flush=True)

        trivial_zip, trivial_submission = trivial_assignment(work / "trivial")
        trivial = []
        for run in range(args.runs):
            run_dir = work / f"trivial-{run}"
            run_dir.mkdir()
            trivial.append(otter_run(trivial_zip, trivial_submission, run_dir)[0])

    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    overheads = [total - inside for total, inside in zip(ours, student, strict=True)]
    overhead_s, trivial_s = statistics.median(overheads), statistics.median(trivial)
    print()
    print(f"medians of {args.runs} runs, seconds")
    fixed = [total - inside for total, inside in zip(ours, checks, strict=True)]
    graders = [inside - own for inside, own in zip(checks, student, strict=True)]
    print(f"  practice07 grade, reference            {ours_s:7.1f}")
    print(f"    in the reference's own code          {statistics.median(student):7.1f}")
    print(f"    in the graders' own computation      {statistics.median(graders):7.1f}")
    print(f"    fixed cost outside the checks        {statistics.median(fixed):7.1f}")
    print(f"  otter run, reference                   {theirs_s:7.1f}")
    print(f"  ratio otter run / practice07 grade     {theirs_s / ours_s:7.2f}")
    print(f"  our overhead (grade minus student)     {overhead_s:7.1f}")
    print(f"  otter run, trivial one-check assignment{trivial_s:7.1f}")
    print(f"  ratio our overhead / trivial otter run {overhead_s / trivial_s:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
