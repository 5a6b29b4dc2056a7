"""The ``practice07`` command: grade submissions, build the student and Otter packages.

    practice07 grade [SUBMISSION ...] [--out DIR] [--jobs N] [--timeout S] [--questions IDS]
    practice07 build [--out DIR]

With no SUBMISSION, ``grade`` grades the bundled examples: the reference solutions, the
untouched stubs and the imperfect submissions under ``examples/``. The exit status is 0 when
every submission was graded, whatever its score, and non-zero only when the tool failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from autograder.questions import QUESTIONS

ROOT = Path(__file__).resolve().parent.parent


def bundled_examples() -> tuple[list[Path], list[str]]:
    """The reference, the stubs and ``examples/*``, with their display names."""
    sources, names = [], []
    for folder, name in ((ROOT / "solutions", "reference"), (ROOT / "student", "stubs")):
        if folder.is_dir():
            sources.append(folder)
            names.append(name)
    for folder in sorted((ROOT / "examples").glob("*/")):
        if (folder / "student").is_dir():
            sources.append(folder)
            names.append(folder.name)
    return sources, names


def format_table(results) -> str:
    ids = [q.id for q in QUESTIONS]
    header = ["submission", *ids, "total", "seconds"]
    rows = []
    for result in results:
        scores = result.question_scores()
        rows.append(
            [
                result.name + (" (!)" if result.error else ""),
                *[f"{scores[i]:g}" for i in ids],
                f"{result.score:g}",
                f"{result.execution_time:.0f}",
            ]
        )
    points = ["max", *[f"{q.points:g}" for q in QUESTIONS], "100", ""]
    widths = [max(len(str(row[c])) for row in [header, points, *rows]) for c in range(len(header))]

    def line(row):
        return "  ".join(
            str(cell).rjust(w) if c else str(cell).ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([line(header), line(points), *[line(row) for row in rows]])


def command_grade(args: argparse.Namespace) -> int:
    from autograder.engine.batch import grade_many

    if args.submissions:
        sources = [Path(s) for s in args.submissions]
        missing = [s for s in sources if not s.exists()]
        if missing:
            print(
                f"practice07: no such submission: {', '.join(map(str, missing))}", file=sys.stderr
            )
            return 2
        names = None
    else:
        sources, names = bundled_examples()
        if not sources:
            print("practice07: no bundled examples found next to the package", file=sys.stderr)
            return 2
        print(f"Grading the {len(sources)} bundled examples: {', '.join(names)}")
    questions = set(args.questions.split(",")) if args.questions else None
    out_dir = Path(args.out)
    started = time.monotonic()

    from autograder.engine.sandbox import policy

    print(policy().notice())

    def on_done(result) -> None:
        flag = f"  grading error: {result.error}" if result.error else ""
        verb = "kept (graded in an earlier run)" if result.resumed else "graded"
        print(
            f"  {verb} {result.name}: {result.score:g}/100 in {result.execution_time:.0f} s{flag}",
            flush=True,
        )

    results = grade_many(
        sources,
        out_dir,
        names=names,
        jobs=args.jobs,
        budget=args.timeout,
        questions=questions,
        on_done=on_done,
        regrade=args.regrade,
    )
    kept = sum(result.resumed for result in results)
    print(f"{len(results) - kept} graded now, {kept} kept from an earlier run")
    print()
    print(format_table(results))
    print()
    print(
        f"Results: {out_dir}/<submission>/results.json, gradebook: {out_dir}/grades.csv "
        f"({time.monotonic() - started:.0f} s in all)"
    )
    failed = [r.name for r in results if r.error]
    if failed:
        print(
            f"practice07: grading did not complete for: {', '.join(failed)} (see the log above)",
            file=sys.stderr,
        )
        return 1
    return 0


def command_build(args: argparse.Namespace) -> int:
    from autograder import packaging

    out = Path(args.out)
    student_zip = packaging.build_student_zip(out / "student.zip")
    print(f"wrote {student_zip}")
    autograder_zip = packaging.build_autograder_zip(out / "autograder.zip")
    print(f"wrote {autograder_zip}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="practice07", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the grader does")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade submissions (default: the bundled examples)")
    grade.add_argument(
        "submissions",
        nargs="*",
        metavar="SUBMISSION",
        help="a folder holding student/, the student folder itself, or a zip",
    )
    grade.add_argument("--out", default="grading-output", help="results folder")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    grade.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="seconds of student code allowed per submission (default 900)",
    )
    grade.add_argument(
        "--questions", default=None, help="comma-separated question ids to grade, e.g. 1.7,2.2"
    )
    grade.add_argument(
        "--regrade",
        action="store_true",
        help="grade every submission again; by default a finished result already in --out "
        "is kept when the submission has not changed",
    )
    grade.set_defaults(run=command_grade)

    build = commands.add_parser(
        "build",
        help="write dist/student.zip and dist/autograder.zip",
        description="Write student.zip (the stubs, public self-checks, handout and "
        "requirements, for students) and autograder.zip (the Otter autograder, for "
        "Gradescope, otter grade and otter run) into --out.",
    )
    build.add_argument("--out", default="dist", help="output folder (default: dist)")
    build.set_defaults(run=command_build)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
