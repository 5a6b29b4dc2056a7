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
    # A cell that needs a name from a cell that stopped points at that cell and its cause.
    assert (
        '2.2 one trajectory: needs an earlier cell, "2.2 banana", which is waiting on '
        "hmc.banana_log_density. Write hmc.banana_log_density" in result.text
    )
    assert "draw_contours" not in result.text
    assert "RELU_FIELD_GLOBALLY_LIPSCHITZ: not answered yet (still None)" in result.text
    assert "square_field_solution(h0, t): not implemented yet" in result.text
    assert "your code raised" not in result.text
    assert "0%|" not in result.text  # no progress bar is left behind by a loop that failed
    # Nothing works on the stubs, so no cell is done or partly done.
    for what in ("1.1 your answers", "1.8 your answers", "2.2 chains"):
        assert f"  {what}: not started\n" in result.text
    assert "  2.2 random_walk_metropolis: skipped\n" in result.text
    assert "partly done" not in result.text
    assert not any(line.endswith(": done") for line in result.text.splitlines())
    assert "No figures saved yet; they go to" in result.text
    assert "figure(s) saved" not in result.text


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """``notebook_tools`` outside a kernel, set up on an empty ``tmp_path/student``."""
    package = tmp_path / "student"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.setenv("PRACTICE07_STUDENT_ROOT", str(tmp_path))
    monkeypatch.setenv("PRACTICE07_FIGURES", str(tmp_path / "figures"))
    monkeypatch.syspath_prepend(str(ROOT / "assignment"))
    saved = {k: v for k, v in sys.modules.items() if k == "student" or k.startswith("student.")}
    for name in saved:
        del sys.modules[name]
    try:
        import notebook_tools

        notebook_tools.setup()
        yield notebook_tools
    finally:
        for name in [k for k in sys.modules if k == "student" or k.startswith("student.")]:
            del sys.modules[name]
        sys.modules.update(saved)
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))


def test_attempt_reports_an_exception_and_carries_on(tools, capsys) -> None:
    """Outside a kernel: an error in student code becomes a message with its place."""
    (tools.SESSION.root / "student" / "broken.py").write_text("def f():\n    return 1 / 0\n")
    from student import broken

    assert tools.run("demo", broken.f) is None
    output = capsys.readouterr()
    assert "demo: your code raised ZeroDivisionError: division by zero" in output.out
    assert "(at broken.py:2 in broken.f)" in output.out
    assert tools.SESSION.outcomes["demo"] == "error: ZeroDivisionError"


def test_a_cell_is_done_only_when_everything_in_it_worked(tools, capsys) -> None:
    (tools.SESSION.root / "student" / "mixed.py").write_text(
        "def written():\n    return 1.0\n\n\n"
        "def unwritten():\n    raise NotImplementedError('unwritten: not implemented yet')\n\n\n"
        "def broken():\n    return 1 / 0\n"
    )
    from student import mixed

    with tools.attempt("nothing answered"):
        tools.answer("A_CONSTANT", None)
        tools.answer("unwritten()", mixed.unwritten)
    with tools.attempt("some answered"):
        tools.answer("ANOTHER_CONSTANT", True)
        tools.answer("unwritten() again", mixed.unwritten)
    with tools.attempt("all answered"):
        tools.answer("A_THIRD_CONSTANT", False)
        tools.answer("written()", mixed.written)
    with tools.attempt("one part skipped"):
        tools.run("the part that runs", mixed.written)
        tools.skip("the part left out", "set ITS_SETTING in the cell above")
    with tools.attempt("nothing runs"):
        tools.run("the broken part", mixed.broken)
        tools.run("the unwritten part", mixed.unwritten)
    tools.summary()

    outcomes = tools.SESSION.outcomes
    assert outcomes["nothing answered"] == "not started"
    assert outcomes["A_CONSTANT"] == "not answered yet"
    assert outcomes["some answered"] == "partly done"
    assert outcomes["all answered"] == "done"
    assert outcomes["one part skipped"] == "partly done"
    assert outcomes["the part left out"] == "skipped"
    assert outcomes["nothing runs"] == "not working yet"
    output = capsys.readouterr().out
    assert "the part left out skipped: set ITS_SETTING in the cell above." in output
    assert f"No figures saved yet; they go to {tools.SESSION.figures}." in output


def test_a_failed_attempt_takes_its_progress_bars_away(tools) -> None:
    with tools.attempt("loop"):
        bar = tools.tqdm(total=8, delay=0)
        bar.update()
        raise NotImplementedError("loop body: not implemented yet")
    assert bar.disable  # tqdm marks a bar it has closed as disabled
    assert not bar.leave
    assert tools.SESSION.outcomes["loop"] == "waiting on loop body"


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
