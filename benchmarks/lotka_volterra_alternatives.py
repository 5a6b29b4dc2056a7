"""Grade other correct ``lotka_volterra.py`` modules, and two cheats, on question 2.1.

    python benchmarks/lotka_volterra_alternatives.py [NAME ...]

The modules are in ``tests/lotka_volterra_alternatives``: three correct ones written with
other choices than the reference (field, solver, noise draws, network, training recipe,
plot), one trained on short windows only, and two cheats (the known field; the
Lotka-Volterra formula with trainable rates).
Each is graded alone on 2.1 as a TA would grade it; printed are its score, the wall time
and every failed check with its feedback. A correct module should score 26 of 26 (a
failure is a false fail of the graders, unless its training truly does not fit); the
window-only module may lose the whole-trajectory checks and nothing else; each cheat should
lose the training checks it exists to test.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.runner import grade_submission  # noqa: E402
from tests.lotka_volterra_alternatives import (  # noqa: E402
    CHEATS,
    CORRECT,
    WINDOWS_ONLY,
    module_text,
)
from tests.variants import write_submission  # noqa: E402


def grade(name: str) -> None:
    files = {"lotka_volterra.py": module_text(name).encode("utf-8")}
    with tempfile.TemporaryDirectory() as folder:
        source = write_submission(Path(folder) / name, files)
        started = time.perf_counter()
        result = grade_submission(source, questions={"2.1"})
        elapsed = time.perf_counter() - started
    score = result.question_scores()["2.1"]
    kind = "correct" if name in CORRECT else "windows only" if name in WINDOWS_ONLY else "cheat"
    print(f"{name} ({kind}): {score:g} of 26 in {elapsed:.0f} s; error: {result.error}")
    for test in result.tests:
        if not test.passed:
            print(f"  FAIL {test.duration:5.1f} s  {test.name}\n       {test.output}")
        elif test.duration > 5:
            print(f"  pass {test.duration:5.1f} s  {test.name}")


def main() -> None:
    names = sys.argv[1:] or [*CORRECT, *WINDOWS_ONLY, *CHEATS]
    for name in names:
        grade(name)


if __name__ == "__main__":
    main()
