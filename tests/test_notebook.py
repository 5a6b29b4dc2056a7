"""The handout notebook: in sync with its source, complete on the reference, graceful on stubs.

The two executions start a Jupyter kernel each and run every cell; the reference run trains
the Neural ODE with its defaults, so it is the slow one (about a minute). The budget is the
per-cell timeout of the run, not a timing assertion.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from autograder import notebook

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 300.0
FIGURES = {
    "1.6-hutchinson-spread.png",
    "1.7-euler-vs-leapfrog.png",
    "2.1-data.png",
    "2.1-training-loss.png",
    "2.1-phase-portrait.png",
    "2.2-banana.png",
    "2.2-samples.png",
    "2.2-traces.png",
    "2.2-trajectory.png",
}


def test_notebook_is_in_sync_with_its_source() -> None:
    assert notebook.in_sync(), "run: python -m autograder.notebook build"


def test_every_figure_cell_guards_student_code() -> None:
    """Each code cell that calls student code runs it inside attempt(...)."""
    cells = notebook.read_source().cells
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    calling = [source for source in code if "from student import" in source]
    assert calling and all(source.startswith("with attempt(") for source in calling)


def test_answer_cells_exist_for_every_reference_answer() -> None:
    tags = {
        tag
        for cell in notebook.read_source().cells
        for tag in cell.get("metadata", {}).get("tags", [])
    }
    assert {f"answer:{name}" for name in notebook.reference_answers()} <= tags


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> notebook.Execution:
    folder = notebook.reference_package(tmp_path_factory.mktemp("reference"))
    figures = tmp_path_factory.mktemp("figures")
    return notebook.execute(
        folder, figures, answers=notebook.reference_answers(), cell_timeout=CELL_TIMEOUT
    )


def test_reference_run_draws_every_figure_without_an_error(reference_run) -> None:
    assert reference_run.errors == []
    assert {path.name for path in reference_run.figures} == FIGURES
    assert "not implemented yet" not in reference_run.text
    assert "your code raised" not in reference_run.text
    assert "skipped" not in reference_run.text  # every answer cell was filled in
    assert "not answered yet" not in reference_run.text


def test_reference_run_reports_what_it_measured(reference_run) -> None:
    assert "held-out mean squared error" in reference_run.text
    assert "acceptance rate" in reference_run.text
    assert f"{len(FIGURES)} figure(s) saved" in reference_run.text


def test_untouched_stubs_run_to_the_end_with_not_implemented_messages(tmp_path) -> None:
    result = notebook.execute(ROOT, tmp_path / "figures", cell_timeout=CELL_TIMEOUT)
    assert result.errors == []
    assert result.figures == []
    waiting = {
        "1.7 forward Euler": "integrators.simulate",
        "1.6 Hutchinson spread": "hutchinson.hutchinson_trace",
        "2.1 data": "lotka_volterra.simulate_lotka_volterra",
        "2.2 banana": "hmc.banana_log_density",
        "2.2 hmc_sample": "hmc.hmc_sample",
    }
    for what, name in waiting.items():
        assert f"{what}: not implemented yet: {name}." in result.text
    assert "2.1 training: needs an earlier cell" in result.text
    assert "RELU_FIELD_GLOBALLY_LIPSCHITZ: not answered yet (still None)" in result.text
    assert "square_field_solution(h0, t): not implemented yet" in result.text
    assert "your code raised" not in result.text
    assert "0 figure(s) saved" in result.text


def test_attempt_reports_an_exception_and_carries_on(tmp_path, monkeypatch, capsys) -> None:
    """Outside a kernel: an error in student code becomes a message with its place."""
    package = tmp_path / "student"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken.py").write_text("def f():\n    return 1 / 0\n")
    monkeypatch.setenv("PRACTICE07_STUDENT_ROOT", str(tmp_path))
    monkeypatch.setenv("PRACTICE07_FIGURES", str(tmp_path / "figures"))
    monkeypatch.syspath_prepend(str(ROOT / "assignment"))
    saved = {k: v for k, v in sys.modules.items() if k == "student" or k.startswith("student.")}
    for name in saved:
        del sys.modules[name]
    try:
        import notebook_tools

        notebook_tools.setup()
        from student import broken

        assert notebook_tools.run("demo", broken.f) is None
        output = capsys.readouterr()
        assert "demo: your code raised ZeroDivisionError: division by zero" in output.out
        assert "(at broken.py:2 in broken.f)" in output.out
        assert notebook_tools.SESSION.outcomes["demo"] == "error: ZeroDivisionError"
    finally:
        for name in [k for k in sys.modules if k == "student" or k.startswith("student.")]:
            del sys.modules[name]
        sys.modules.update(saved)
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))


def test_student_package_ships_the_notebook_and_not_its_answers(tmp_path) -> None:
    from autograder import packaging

    names = set(zipfile.ZipFile(packaging.build_student_zip(tmp_path / "s.zip")).namelist())
    assert {
        "assignment/practice07.ipynb",
        "assignment/handout.md",
        "assignment/notebook_tools.py",
        "student/submit.py",
    } <= names
    assert not any("notebook_answers" in name or name.startswith("solutions/") for name in names)
