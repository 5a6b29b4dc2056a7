"""The battery of hostile submissions under both front doors, as one table.

    python benchmarks/attack_table.py [--otter-zip dist/autograder.zip] [--jobs 2]
                                      [--only NAME,...] [--skip-otter]

Every attack of ``tests/hostile`` and its honest twin is graded on questions 1.7 and 1.8
by ``practice07 grade`` (``grade_many``) and by ``otter run`` with the Otter autograder zip
(built first with ``practice07 build`` when missing; ``PRACTICE07_QUESTIONS`` restricts the
Otter run to the same questions). For each, the table gives the score, the honest twin's
score, whether grading completed (results written, no grading error), and whether a
process or a marker file was left behind. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.batch import grade_many  # noqa: E402
from tests import hostile  # noqa: E402

QUESTIONS = ",".join(sorted(hostile.QUESTIONS))


def as_zip(path: Path) -> Path:
    """Otter takes a zip: zip a submission folder (its ``student/``) as a student would."""
    if path.suffix == ".zip":
        return path
    target = path.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(path).as_posix())
    return target


def otter_grade(submission: Path, autograder: Path, work: Path) -> dict:
    out = work / f"otter-{submission.stem}"
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PRACTICE07_QUESTIONS": QUESTIONS,
        "IPYTHONDIR": str(work / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(work / "jupyter"),
    }
    done = subprocess.run(
        ["otter", "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(submission)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    results = out / "results.json"
    if not results.exists():
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line or "error" in line]
        return {"score": None, "completed": False, "why": (errors or lines or ["?"])[-1]}
    data = json.loads(results.read_text())
    score = sum(
        float(t.get("score") or 0) for t in data["tests"] if t.get("name") in hostile.QUESTIONS
    )
    return {"score": score, "completed": done.returncode == 0, "why": ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--otter-zip", default=str(ROOT / "dist" / "autograder.zip"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="")
    parser.add_argument("--skip-otter", action="store_true")
    args = parser.parse_args()

    attacks = hostile.ATTACKS
    if args.only:
        attacks = [hostile.BY_NAME[name] for name in args.only.split(",")]
    work = Path(tempfile.mkdtemp(prefix="practice07-table-"))
    names, sources = [], []
    for kind in hostile.HONEST:
        names.append(f"honest-{kind}")
        sources.append(hostile.build_honest(kind, work / "src"))
    for attack in attacks:
        names.append(attack.name)
        sources.append(hostile.build(attack, work / "src"))

    ours = {}
    for name, result in zip(
        names,
        grade_many(
            sources,
            work / "out",
            names=names,
            jobs=args.jobs,
            questions=hostile.QUESTIONS,
            regrade=True,
        ),
        strict=True,
    ):
        ours[name] = {"score": result.score, "completed": result.error is None}
    left_ours = (hostile.leftover_processes(), hostile.leftover_files(extra=(work / "out",)))

    otter = {}
    left_otter = ([], [])
    if not args.skip_otter:
        autograder = Path(args.otter_zip)
        if not autograder.exists():
            subprocess.run(
                [sys.executable, "-m", "autograder.cli", "build", "--out", str(autograder.parent)],
                cwd=ROOT,
                check=True,
            )
        zips = [as_zip(source) for source in sources]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for name, answer in zip(
                names, pool.map(lambda z: otter_grade(z, autograder, work), zips), strict=True
            ):
                otter[name] = answer
        left_otter = (hostile.leftover_processes(), hostile.leftover_files(extra=(work,)))

    print(f"questions {QUESTIONS} (13 points); sandbox as this machine allows; work in {work}")
    print()
    print(
        "| attack | threat | honest twin | twin score | `practice07 grade` | completed "
        "| `otter run` | completed |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        attack = hostile.BY_NAME.get(name)
        twin = f"honest-{attack.honest}" if attack else name
        row = [
            name,
            attack.threat if attack else "honest",
            attack.honest if attack else "-",
            f"{ours[twin]['score']:g}",
            f"{ours[name]['score']:g}",
            "yes" if ours[name]["completed"] else "NO",
        ]
        if otter:
            score = otter[name]["score"]
            row += [
                "-" if score is None else f"{score:g}",
                "yes" if otter[name]["completed"] else "NO: " + otter[name]["why"][:90],
            ]
        else:
            row += ["not run", ""]
        print("| " + " | ".join(row) + " |")
    print()
    print(f"left behind after practice07 grade: processes {left_ours[0]}, files {left_ours[1]}")
    if otter:
        print(f"left behind after otter run: processes {left_otter[0]}, files {left_otter[1]}")


if __name__ == "__main__":
    main()
