"""Grade many submissions, in parallel worker processes, and keep the gradebook on disk.

Nothing is lost, whatever stops a batch:

- each submission's ``results.json`` is written atomically by its worker as soon as it is
  graded;
- a batch started again over the same output folder keeps every result already on disk
  whose submission has not changed since (same ``intake`` fingerprint) and whose grading
  completed, and grades only the rest (``regrade=True`` grades everything again);
- ``grades.csv`` is always rebuilt from the ``results.json`` files on disk;
- a submission that kills its grading worker (the grader itself broke) is graded again
  alone in a fresh worker; if that worker dies too, the submission gets a ``results.json``
  that says so, with a zero score and the reason, and the ``status`` column of the CSV
  reads ``grading error``. Other submissions are never affected.

Workers are replaced after about ``TASKS_PER_WORKER`` submissions each, so that memory
stays flat over a long batch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder.engine import intake
from autograder.engine.results import (
    SubmissionResult,
    read_results,
    write_gradebook,
    write_results,
)
from autograder.engine.runner import DEFAULT_BUDGET, grade_submission

LOG = logging.getLogger(__name__)

TASKS_PER_WORKER = 10
IN_PROGRESS = ".in-progress"
"""folder of markers for submissions being graded (results folders never start with a dot)"""
WORKER_DIED = (
    "the grading process died while grading this submission (twice, the second time "
    "alone); course staff should look at it"
)


def unique_names(sources: Sequence[Path], names: Sequence[str] | None = None) -> list[str]:
    """Results-folder names for the submissions, made unique with a numeric suffix."""
    wanted = list(names) if names is not None else [intake.submission_name(s) for s in sources]
    seen: dict[str, int] = {}
    unique = []
    for name in wanted:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "submission"
        if safe.strip(".") == "":
            safe = "submission"
        if safe.startswith("."):
            safe = "_" + safe[1:]
        count = seen.get(safe, 0)
        seen[safe] = count + 1
        unique.append(safe if count == 0 else f"{safe}-{count + 1}")
    return unique


def kept_result(
    source: Path, folder: Path, questions: set[str] | None = None
) -> SubmissionResult | None:
    """The result on disk for ``source``, if its grading completed, covered the same
    questions, and the submission's modules are unchanged since; otherwise ``None``."""
    result = read_results(folder)
    if result is None or result.error or not result.fingerprint:
        return None
    if result.selection != (sorted(questions) if questions is not None else None):
        return None
    if intake.take(Path(source)).fingerprint != result.fingerprint:
        return None
    result.resumed = True
    return result


def grade_many(
    sources: Sequence[Path],
    out_dir: Path,
    *,
    names: Sequence[str] | None = None,
    jobs: int = 1,
    budget: float = DEFAULT_BUDGET,
    questions: set[str] | None = None,
    on_done: Callable[[SubmissionResult], None] | None = None,
    regrade: bool = False,
) -> list[SubmissionResult]:
    """Grade every submission; return the results in the order of ``sources``.

    ``on_done`` is called with each result as it finishes (for progress display), also for
    results kept from an earlier run (their ``resumed`` is true). With ``regrade`` every
    submission is graded again; otherwise completed results on disk are kept (see the
    module docstring); a result is kept only if it covered the same ``questions``, so a
    partial grading never passes for a whole one, nor the reverse.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder_names = unique_names(sources, names)
    results: dict[int, SubmissionResult] = {}

    def finish(index: int, result: SubmissionResult) -> None:
        results[index] = result
        if on_done is not None:
            on_done(result)

    pending = []
    for index, source in enumerate(sources):
        kept = None
        if not regrade:
            kept = kept_result(Path(source), out_dir / folder_names[index], questions)
        if kept is not None:
            kept.name = folder_names[index]
            finish(index, kept)
        else:
            pending.append(index)
    for index in pending:
        _marker(out_dir, folder_names[index]).unlink(missing_ok=True)
    if len(pending) < len(sources):
        LOG.info("kept %d results from an earlier run", len(sources) - len(pending))

    def task(index: int) -> tuple:
        return (
            Path(sources[index]),
            out_dir,
            folder_names[index],
            budget,
            questions,
        )

    if jobs > 1 and len(pending) > 1:
        pending = _grade_in_pool(pending, task, jobs, finish)
        # those that never started when a worker died need no isolation
        started = [i for i in pending if _marker(out_dir, folder_names[i]).exists()]
        fresh = [i for i in pending if i not in started]
        if len(fresh) > 1:
            fresh = _grade_in_pool(fresh, task, jobs, finish)
        pending = started + fresh
    for index in pending:
        # one at a time, each in its own worker, so that a submission that kills its
        # worker takes nothing else with it
        remaining = _grade_in_pool([index], task, 1, finish) if jobs > 1 else []
        if jobs <= 1:
            finish(index, _grade(*task(index)))
        elif remaining:
            LOG.error("grading %s killed its worker twice", sources[index])
            result = SubmissionResult(folder_names[index], error=WORKER_DIED)
            result.fingerprint = ""
            write_results(result, out_dir / folder_names[index])
            finish(index, result)

    for index in range(len(sources)):
        _marker(out_dir, folder_names[index]).unlink(missing_ok=True)
    try:
        (out_dir / IN_PROGRESS).rmdir()
    except OSError:
        pass
    write_gradebook(out_dir, folder_names, [str(source) for source in sources])
    return [results[i] for i in range(len(sources))]


def _marker(out_dir: Path, name: str) -> Path:
    """Present while a worker grades ``name``: a submission whose marker survives a dead
    worker was being graded when it died."""
    return Path(out_dir) / IN_PROGRESS / name


def _exit_with_parent(parent: int) -> None:
    """Pool worker initializer: end this worker once the grading process ``parent`` is gone.

    A worker whose grading process was killed (``kill PID`` rather than Ctrl-C, which
    reaches the whole process group) would otherwise wait forever for work that never
    comes. A thread checks the parent once a second; the worker's own student process dies
    with it (parent-death signal).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _grade(source: Path, out_dir: Path, name: str, budget: float, questions) -> SubmissionResult:
    marker = _marker(out_dir, name)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    result = grade_submission(source, out_dir, name=name, budget=budget, questions=questions)
    marker.unlink(missing_ok=True)
    return result


def _grade_in_pool(
    indices: list[int], task: Callable[[int], tuple], jobs: int, finish: Callable
) -> list[int]:
    """Grade ``indices`` in a pool of ``jobs`` workers; return those left ungraded because a
    worker died."""
    context = multiprocessing.get_context("spawn")
    done: set[int] = set()
    # A fresh pool per chunk replaces the workers (``max_tasks_per_child`` can deadlock the
    # executor in Python 3.11 when a worker retires).
    chunk = jobs * TASKS_PER_WORKER
    for start in range(0, len(indices), chunk):
        try:
            with ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                futures = {
                    pool.submit(_grade, *task(i)): i for i in indices[start : start + chunk]
                }
                for future in as_completed(futures):
                    index = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        continue
                    except Exception:  # the results could not be written (a full disk)
                        LOG.exception("grading %s failed in its worker", task(index)[0])
                        continue
                    done.add(index)
                    finish(index, result)
        except BrokenProcessPool:
            pass
    left = [i for i in indices if i not in done]
    if left:
        LOG.error("a grading worker died; %d submission(s) will be graded again alone", len(left))
    return left
