"""The child process: a call that raises, hangs or kills the child fails only that call;
the child is started again and grading goes on; ``results.json`` is always written."""

from __future__ import annotations

import json
import textwrap

import pytest

from autograder.engine.child import (
    MissingCode,
    NotImplementedYet,
    StudentCrashed,
    StudentProcess,
    StudentRaised,
    StudentTimeout,
    prepare_workdir,
)
from autograder.engine.runner import grade_submission
from tests.variants import Variant, planted, write_submission

MISBEHAVING = textwrap.dedent(
    """
    import os
    import time


    def double(x):
        return 2 * x


    def raises(x):
        raise ValueError("no good " + str(x))


    def hangs():
        while True:
            time.sleep(0.01)


    def dies():
        print("about to exit", flush=True)
        os._exit(3)


    def dies_unflushed():
        print("printed without a flush")
        os._exit(4)


    def set_order():
        return "".join({"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"})


    def chatty():
        print("hello from the student")
        return 1


    def todo():
        raise NotImplementedError
    """
)


@pytest.fixture(scope="module")
def process(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("child")
    prepare_workdir(
        workdir,
        {
            "integrators.py": MISBEHAVING.encode(),
            "hmc.py": b"def broken(:\n    pass\n",
        },
    )
    child = StudentProcess(workdir, budget=120)
    child.start()
    yield child
    child.close()


def test_a_call_answers_plain_data(process):
    result = process.call("integrators.double", 21)
    assert result.value == 42
    assert result.elapsed >= 0


def test_an_exception_fails_the_call_only(process):
    with pytest.raises(StudentRaised, match=r"raised ValueError: no good 7.*line \d+, in raises"):
        process.call("integrators.raises", 7)
    assert process.call("integrators.double", 2).value == 4


def test_not_implemented_is_named(process):
    with pytest.raises(NotImplementedYet, match="`todo` is not implemented yet"):
        process.call("integrators.todo")


def test_printed_output_comes_back_with_the_call(process):
    assert "hello from the student" in process.call("integrators.chatty").output


def test_a_hang_times_out_and_the_child_restarts(process):
    restarts = process.restarts
    with pytest.raises(StudentTimeout, match="did not finish within its time limit"):
        process.call("integrators.hangs", timeout=1.0)
    assert process.restarts == restarts + 1
    assert process.call("integrators.double", 5).value == 10


def test_a_dying_child_is_reported_and_restarted(process):
    with pytest.raises(StudentCrashed, match="exited with code 3") as raised:
        process.call("integrators.dies")
    assert "about to exit" in raised.value.output
    assert process.call("integrators.double", 1.5).value == 3.0


def test_what_was_printed_before_a_death_is_not_lost(process):
    with pytest.raises(StudentCrashed, match="exited with code 4") as raised:
        process.call("integrators.dies_unflushed")
    assert "printed without a flush" in raised.value.output


def test_string_hashing_is_the_same_in_every_start_of_the_child(process):
    """Set order of strings depends on the hash seed; a fixed seed keeps grading reproducible."""
    first = process.call("integrators.set_order").value
    restarts = process.restarts
    with pytest.raises(StudentCrashed):
        process.call("integrators.dies")
    assert process.restarts == restarts + 1
    assert process.call("integrators.set_order").value == first


def test_a_module_that_does_not_import_fails_every_call_to_it_with_one_message(process):
    with pytest.raises(MissingCode, match=r"student/hmc\.py could not be imported") as first:
        process.call("hmc.broken")
    with pytest.raises(MissingCode) as second:
        process.call("hmc.anything")
    assert str(first.value) == str(second.value)
    assert process.call("integrators.double", 0).value == 0


def test_a_missing_name_is_named(process):
    with pytest.raises(MissingCode, match="student/integrators.py has no `nothing`"):
        process.call("integrators.nothing")


def test_missing_modules_are_reported_as_missing(process):
    with pytest.raises(MissingCode, match=r"student/theory\.py is missing"):
        process.call("theory.anything")


# --------------------------------------------------------------------------------------------
# the same through a whole grading

CRASHING_EULER = Variant(
    name="euler-exits",
    module="integrators",
    old="    q = _as_float64(q)\n    p = _as_float64(p)\n\n    q_next = q + dt * p",
    new="    import os\n\n    os._exit(1)\n    q_next = q + dt * p",
    question="1.7",
    bug="euler_step kills the process",
)
HANGING_ENERGY_RATIO = Variant(
    name="energy-ratio-hangs",
    module="integrators",
    old="    return 1 + dt**2",
    new="    while True:\n        pass",
    question="1.7",
    bug="euler_energy_ratio never returns",
)


@pytest.mark.parametrize(
    "variant, hit, feedback",
    [
        (CRASHING_EULER, ("euler_step", "Euler through simulate"), "exited with code 1"),
        (HANGING_ENERGY_RATIO, ("euler_energy_ratio",), "did not finish within its time limit"),
    ],
    ids=["crash", "hang"],
)
def test_grading_goes_on_after_a_crash_or_a_hang(variant, hit, feedback, tmp_path):
    """Only the checks that call the failing function lose points; the others, before and
    after it, pass in a restarted child, and results.json is written."""
    source = write_submission(tmp_path / variant.name, planted(variant))
    names = ("euler_energy_ratio gives", "euler_step matches", "simulate applies", "leapfrog")
    result = grade_submission(
        source,
        tmp_path / "out",
        questions={"1.7", "2.2"},
        select=lambda info: any(word in info.name for word in names),
    )
    assert result.error is None, result.error
    assert len(result.tests) >= 5
    for test in result.tests:
        if any(word in test.name for word in hit):
            assert not test.passed and feedback in test.output, (test.name, test.output)
        else:
            assert test.passed, (test.name, test.output)
    written = json.loads((tmp_path / "out" / variant.name / "results.json").read_text())
    assert written["score"] == result.score


def test_results_are_written_for_a_submission_that_does_not_exist(tmp_path):
    result = grade_submission(
        tmp_path / "nobody.zip",
        tmp_path / "out",
        select=lambda info: info.name.startswith("1.7 euler_step matches"),
    )
    written = json.loads((tmp_path / "out" / "nobody" / "results.json").read_text())
    assert written["score"] == 0 == result.score
    assert "does not exist" in written["output"]
    assert [test["score"] for test in written["tests"]] == [0]


def test_probes_solve_with_the_solver_captured_before_student_code(tmp_path):
    """A module that replaces ``torchdiffeq.odeint`` at import (to forge the rollouts the
    2.1 graders measure) does not reach the probes' solves. Bug kind caught: a probe that
    looks the solver up after student code ran."""
    import numpy as np
    import torch

    from autograder.engine.child import Fixture
    from autograder.graders.support import as_tensor

    forger = (
        "import torch, torchdiffeq\n"
        "def forged(func, y0, t, **kwargs):\n"
        "    return torch.zeros(len(t), *y0.shape, dtype=y0.dtype)\n"
        "torchdiffeq.odeint = forged\n"
        "import torchdiffeq._impl.odeint as inner\n"
        "inner.odeint = forged\n"
        "def ready():\n"
        "    return torchdiffeq.odeint is forged\n"
    )
    workdir = tmp_path / "w"
    prepare_workdir(workdir, {"lotka_volterra.py": forger.encode()})
    with StudentProcess(workdir, budget=60) as child:
        child.start()
        assert child.call("lotka_volterra.ready").value is True  # the patch is in place
        t = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)
        y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)
        answer = child.probe("solve", Fixture("lotka_volterra_field"), y0, t).value
    path = as_tensor(answer, "the solve", shape=(11, 2)).numpy()
    assert np.allclose(path[0], [1.0, 1.0]) and not np.allclose(path[-1], 0.0)
