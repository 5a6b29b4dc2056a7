"""A long batch under load, and a batch killed midway then resumed: nothing lost or left.

    python benchmarks/load_batch.py load   [--count 200] [--jobs 2] [--questions 1.7,1.8]
    python benchmarks/load_batch.py resume [--count 30]  [--jobs 2] [--questions 1.7,1.8]
                                           [--signal INT|KILL] [--after 10]

``load`` writes ``--count`` submissions (round-robin copies of the reference, the stubs,
every ``examples/*`` folder and every attack of ``tests/hostile``), grades them with
``practice07 grade --jobs N``, samples the memory (RSS) of the whole process tree every two
seconds, and prints: submissions graded, results on disk, lost, processes and marker files
left behind, and the tree's memory at each tenth of the batch.

``resume`` starts the same kind of batch, sends the command's process group ``--signal``
once ``--after`` results exist, starts the command again over the same output folder, and
prints how many results the first run finished, how many the second run kept, graded and
lost, and whether ``grades.csv`` lists every submission.

Without ``--questions`` every question is graded (about 30 s per submission here).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402


def write_submissions(where: Path, count: int) -> list[Path]:
    """``count`` submissions: copies of the reference, stubs, examples and the battery."""
    makers = [
        lambda i: hostile.build_honest("reference", where / f"{i:03d}"),
        lambda i: shutil.copytree(ROOT / "student", where / f"{i:03d}-stubs" / "student"),
    ]
    for folder in sorted((ROOT / "examples").glob("*/student")):
        makers.append(
            lambda i, f=folder: shutil.copytree(f, where / f"{i:03d}-{f.parent.name}" / "student")
        )
    for attack in hostile.ATTACKS:
        makers.append(lambda i, a=attack: hostile.build(a, where / f"{i:03d}"))
    paths = []
    for index in range(count):
        made = makers[index % len(makers)](index)
        path = Path(made)
        paths.append(path.parent if path.name == "student" else path)
    return paths


def tree_rss(root_pid: int) -> int:
    """Resident memory (bytes) of ``root_pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                fields = stream.read().rpartition(b")")[2].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def command(sources: list[Path], out: Path, jobs: int, questions: str) -> list[str]:
    cmd = [sys.executable, "-m", "autograder.cli", "grade", *map(str, sources)]
    cmd += ["--out", str(out), "--jobs", str(jobs)]
    if questions:
        cmd += ["--questions", questions]
    return cmd


def results_on_disk(out: Path) -> int:
    return len(list(out.glob("*/results.json")))


def leftovers(out: Path) -> tuple[list[str], list[str]]:
    time.sleep(1)
    return hostile.leftover_processes(), hostile.leftover_files(extra=(out,))


def load(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="practice07-load-"))
    sources = write_submissions(work / "subs", args.count)
    out = work / "out"
    started = time.monotonic()
    process = subprocess.Popen(
        command(sources, out, args.jobs, args.questions),
        cwd=ROOT,
        stdout=open(work / "log.txt", "w"),
        stderr=subprocess.STDOUT,
    )
    samples: list[tuple[int, int]] = []

    def sample() -> None:
        while process.poll() is None:
            samples.append((results_on_disk(out), tree_rss(process.pid)))
            time.sleep(2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    sampler.join()
    seconds = time.monotonic() - started
    processes, files = leftovers(out)
    rows = list(csv.DictReader(open(out / "grades.csv")))
    errors = [row["submission"] for row in rows if row["status"] != "graded"]
    print(
        f"submissions: {len(sources)}, exit status {code}, {seconds:.0f} s, jobs {args.jobs}, "
        f"questions {args.questions or 'all'}"
    )
    print(
        f"results on disk: {results_on_disk(out)}, rows in grades.csv: {len(rows)}, "
        f"lost: {len(sources) - results_on_disk(out)}, grading errors: {len(errors)} {errors}"
    )
    print(f"processes left behind: {processes}")
    print(f"marker files left behind: {files}")
    print("memory of the grading process tree (MB) by submissions finished:")
    for tenth in range(1, 11):
        done = args.count * tenth // 10
        window = [rss for finished, rss in samples if finished <= done]
        if window:
            recent = window[-min(len(window), 15) :]
            print(
                f"  up to {done:4d}: max {max(recent) / 2**20:7.0f}, "
                f"mean {sum(recent) / len(recent) / 2**20:7.0f}"
            )
    print(f"(log: {work / 'log.txt'}; output kept in {out})")


def resume(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="practice07-resume-"))
    sources = write_submissions(work / "subs", args.count)
    out = work / "out"
    cmd = command(sources, out, args.jobs, args.questions)
    first = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=open(work / "first.txt", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    while results_on_disk(out) < args.after and first.poll() is None:
        time.sleep(0.5)
    sent = getattr(signal, f"SIG{args.signal}")
    os.killpg(first.pid, sent)
    if sent == signal.SIGINT:
        time.sleep(5)
        os.killpg(first.pid, signal.SIGINT)  # a second Ctrl-C, as a TA would press
    try:
        first.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    time.sleep(2)
    finished_first = {
        p.parent.name
        for p in out.glob("*/results.json")
        if '"grading_error": null' in p.read_text()
    }
    processes_after_kill, _ = leftovers(out)
    second_log = work / "second.txt"
    subprocess.run(cmd, cwd=ROOT, stdout=open(second_log, "w"), stderr=subprocess.STDOUT)
    text = second_log.read_text()
    kept = text.count("  kept (graded in an earlier run) ")
    graded = text.count("  graded ")
    rows = list(csv.DictReader(open(out / "grades.csv")))
    processes, files = leftovers(out)
    print(
        f"batch of {len(sources)} (jobs {args.jobs}); first run stopped with SIG{args.signal} "
        f"after {args.after} results"
    )
    print(
        f"first run: {len(finished_first)} complete results on disk; processes alive after "
        f"the kill: {processes_after_kill}"
    )
    print(
        f"second run: kept {kept}, graded {graded}, lost "
        f"{len(sources) - results_on_disk(out)}; grades.csv rows {len(rows)}, statuses "
        f"{sorted({row['status'] for row in rows})}"
    )
    print(f"processes left behind: {processes}; marker files left behind: {files}")
    print(f"(logs in {work})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("load", "resume"))
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--questions", default="")
    parser.add_argument("--signal", default="INT", choices=("INT", "KILL", "TERM"))
    parser.add_argument("--after", type=int, default=10)
    args = parser.parse_args()
    if args.what == "load":
        args.count = args.count or 200
        load(args)
    else:
        args.count = args.count or 30
        resume(args)


if __name__ == "__main__":
    main()
