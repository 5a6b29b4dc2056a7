"""Grade many submissions, in parallel worker processes, and keep the gradebook on disk.

Each submission's ``results.json`` is written by its worker as soon as it is graded, and
``grades.csv`` is rebuilt from those files at the end, so an interrupted batch leaves every
finished submission's results in place.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder.engine import intake
from autograder.engine.results import SubmissionResult, write_gradebook, write_results
from autograder.engine.runner import DEFAULT_BUDGET, grade_submission

LOG = logging.getLogger(__name__)


def unique_names(sources: Sequence[Path], names: Sequence[str] | None = None) -> list[str]:
    """Results-folder names for the submissions, made unique with a numeric suffix."""
    wanted = list(names) if names is not None else [intake.submission_name(s) for s in sources]
    seen: dict[str, int] = {}
    unique = []
    for name in wanted:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "submission"
        count = seen.get(safe, 0)
        seen[safe] = count + 1
        unique.append(safe if count == 0 else f"{safe}-{count + 1}")
    return unique


def grade_many(
    sources: Sequence[Path],
    out_dir: Path,
    *,
    names: Sequence[str] | None = None,
    jobs: int = 1,
    budget: float = DEFAULT_BUDGET,
    questions: set[str] | None = None,
    on_done: Callable[[SubmissionResult], None] | None = None,
) -> list[SubmissionResult]:
    """Grade every submission; return the results in the order of ``sources``.

    ``on_done`` is called with each result as it finishes (for progress display).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder_names = unique_names(sources, names)
    results: dict[int, SubmissionResult] = {}

    def finish(index: int, result: SubmissionResult) -> None:
        results[index] = result
        if on_done is not None:
            on_done(result)

    pending = list(range(len(sources)))
    if jobs > 1 and len(sources) > 1:
        context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = {
                    pool.submit(
                        grade_submission,
                        Path(sources[i]),
                        out_dir,
                        name=folder_names[i],
                        budget=budget,
                        questions=questions,
                    ): i
                    for i in pending
                }
                for future in as_completed(futures):
                    index = futures[future]
                    finish(index, future.result())
        except BrokenProcessPool:
            LOG.error("a grading worker died; grading the rest one at a time")
        pending = [i for i in pending if i not in results]

    for index in pending:
        result = grade_submission(
            Path(sources[index]),
            out_dir,
            name=folder_names[index],
            budget=budget,
            questions=questions,
        )
        finish(index, result)

    for index, result in results.items():
        if not (out_dir / folder_names[index] / "results.json").exists():
            write_results(result, out_dir / folder_names[index])
    write_gradebook(out_dir, folder_names)
    return [results[i] for i in range(len(sources))]
