"""What confining student code costs: the reference graded with and without the sandbox.

    python benchmarks/hardening_overhead.py [--repeats 3] [--questions 1.7,2.2]

Grades the reference solution ``--repeats`` times under each sandbox level this machine
offers (``namespaces`` or ``permissions`` when run as root, and ``none``), alternating the
levels so that a change in machine load hits both alike, each in a fresh Python process
(the level is chosen once per process, from ``PRACTICE07_SANDBOX``). CPU time is not
compared: in ``namespaces`` mode the student process is killed inside its PID namespace and
its CPU time is never added to the grader's. Prints the median
wall-clock seconds per level and their ratio to ``none``, and the start-up time of the student
process alone (the one place the sandbox adds work: building the jail).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE_GRADING = """
import json, sys, time
from pathlib import Path
from autograder.engine import sandbox
from autograder.engine.runner import grade_submission
questions = set(sys.argv[2].split(",")) if sys.argv[2] else None
started = time.monotonic()
result = grade_submission(Path(sys.argv[1]), questions=questions)
seconds = time.monotonic() - started
print(json.dumps({"mode": sandbox.policy().mode, "seconds": seconds, "score": result.score,
                  "error": result.error}))
"""

ONE_START = """
import json, tempfile, time
from pathlib import Path
from autograder.engine import sandbox
from autograder.engine.child import StudentProcess, prepare_workdir
times = []
for _ in range(5):
    workdir = Path(tempfile.mkdtemp(prefix="practice07-bench-"))
    prepare_workdir(workdir, {})
    started = time.monotonic()
    with StudentProcess(workdir) as process:
        process.start()
        times.append(time.monotonic() - started)
    import shutil; shutil.rmtree(workdir, ignore_errors=True)
print(json.dumps({"mode": sandbox.policy().mode, "seconds": sorted(times)[2]}))
"""


def run(code: str, mode: str, *args: str) -> dict:
    env = {**os.environ, "PRACTICE07_SANDBOX": mode}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--questions", default="", help="comma-separated ids; default all")
    args = parser.parse_args()

    probe = run(
        "from autograder.engine import sandbox; import json; "
        "print(json.dumps({'mode': sandbox.policy().mode}))",
        "",
    )
    modes = [probe["mode"], "none"] if probe["mode"] != "none" else ["none"]
    print(f"sandbox levels compared: {', '.join(modes)} (machine load varies; ratios matter)")

    starts = {mode: run(ONE_START, mode)["seconds"] for mode in modes}
    for mode in modes:
        print(f"student process start-up, median of 5, {mode:>11}: {starts[mode]:6.2f} s")

    seconds: dict[str, list[float]] = {mode: [] for mode in modes}
    scores: dict[str, set] = {mode: set() for mode in modes}
    began = time.monotonic()
    for repeat in range(args.repeats):
        for mode in modes if repeat % 2 == 0 else list(reversed(modes)):
            answer = run(ONE_GRADING, mode, str(ROOT / "solutions"), args.questions)
            if answer["mode"] != mode:
                raise SystemExit(f"asked for {mode}, got {answer['mode']}")
            seconds[mode].append(answer["seconds"])
            scores[mode].add(answer["score"])
            print(
                f"  run {repeat + 1} {mode:>11}: {answer['seconds']:6.1f} s, "
                f"score {answer['score']:g}, error {answer['error']}",
                flush=True,
            )

    base = statistics.median(seconds["none"])
    print()
    print(
        f"reference graded on {args.questions or 'every question'}, {args.repeats} runs each "
        f"({time.monotonic() - began:.0f} s in all)"
    )
    for mode in modes:
        median = statistics.median(seconds[mode])
        print(
            f"  {mode:>11}: median {median:6.1f} s, ratio to none {median / base:5.3f}, "
            f"scores {sorted(scores[mode])}"
        )


if __name__ == "__main__":
    main()
