"""The example submissions score what ``examples/README.md`` says, and stubs score 0."""

from __future__ import annotations

import ast
import re

import pytest

from autograder.questions import QUESTIONS
from tests.conftest import EXAMPLES, ROOT

CONTRACT_FUNCTIONS = {
    "integrators": ["euler_step", "leapfrog_step", "simulate", "euler_energy_ratio"],
    "hmc": [
        "banana_log_density",
        "banana_grad_log_density",
        "hmc_sample",
        "random_walk_metropolis",
        "hmc_trajectory",
    ],
    "lotka_volterra": [
        "lotka_volterra",
        "simulate_lotka_volterra",
        "NeuralODEFunc",
        "train_neural_ode",
        "plot_phase_portrait",
    ],
    "hutchinson": ["hutchinson_trace", "exact_divergence", "hutchinson_divergence"],
}
"""The functions and classes of the four code modules (``theory.py`` is answered, not run)."""


def documented_scores() -> dict[str, dict[str, float]]:
    """The "Expected scores" table of ``examples/README.md``: name -> column -> points."""
    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    table = text.split("## Expected scores", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    scores = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        scores[cells[0]] = {
            key: float(value) for key, value in zip(header[1:], cells[1:], strict=True)
        }
    return scores


def test_readme_documents_every_example():
    assert sorted(documented_scores()) == sorted(EXAMPLES)
    assert sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir()) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_scores_match_the_readme(bundled, name):
    result = bundled.results(name)
    want = documented_scores()[name]
    got = {**result.question_scores(), "total": result.score}
    assert got == pytest.approx(want, abs=1e-9), (
        f"{name} scored {got}; examples/README.md says {want}. If a grader change moved "
        "this on purpose, update the table there."
    )
    assert 0 < result.score < 100


def test_reference_gets_full_marks(bundled):
    result = bundled.results("reference")
    failed = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert not failed, failed
    assert result.score == 100


def theory_names() -> list[str]:
    """The names of ``theory.py`` that are scored (``WRITTEN_ANSWERS`` is marked by hand)."""
    tree = ast.parse((ROOT / "student" / "theory.py").read_text(encoding="utf-8"))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    names += [
        node.target.id
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    return [name for name in names if name != "WRITTEN_ANSWERS"]


def test_stubs_get_zero_with_one_not_implemented_message_per_function(bundled):
    result = bundled.results("stubs")
    raw = bundled.raw("stubs")
    assert result.score == 0
    assert {test.question for test in result.tests} == {q.id for q in QUESTIONS}
    for test in result.tests:
        assert re.search(r"is not (implemented|answered) yet", test.output), (
            test.name,
            test.output,
        )
        assert "Traceback" not in test.output and "\n" not in test.output

    line = next(
        line for line in raw["output"].splitlines() if line.startswith("Not implemented yet: ")
    )
    named = re.findall(r"`(\w+)`", line)
    expected = [name for names in CONTRACT_FUNCTIONS.values() for name in names]
    expected += theory_names()
    assert sorted(named) == sorted(expected), (
        f"one mention per function, each once; missing {set(expected) - set(named)}, "
        f"extra {set(named) - set(expected)}, line: {line}"
    )


def test_stubs_feedback_names_every_theory_answer(bundled):
    """Each scored name of ``theory.py`` is named as unanswered by at least one check."""
    outputs = " ".join(test.output for test in bundled.results("stubs").tests)
    missing = [name for name in theory_names() if f"`{name}` is not answered yet" not in outputs]
    assert not missing, missing
