"""The 2.1 graders judge the learned field: cheats lose the training checks, a training run
that runs out of time loses only its own checks with a message that says so, a field that
blows up under the solver loses the rollout checks, and the training data are what the
graders' docstring says.

The reference's full marks in 2.1 are ``tests/test_bug_variants.py``'s
``test_lotka_volterra_alone_gets_full_marks_in_2_1``; the single-bug variants are in
``tests/variants/lotka_volterra.py``. One correct module written with other choices
everywhere (``growing_windows``) is graded here in full; the others, a window-only fit and
the cheat with trainable rates are graded by ``benchmarks/lotka_volterra_alternatives.py``
(about a minute each).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.engine.runner import grade_submission
from autograder.graders import test_lotka_volterra as G
from autograder.questions import BY_ID
from tests.lotka_volterra_alternatives import module_text
from tests.variants import reference_files, write_submission

RUN_CHECKS = "train_neural_ode"
"""the words that name the checks judging the two training runs"""


def grade(tmp_path, name: str, text: str, select=None):
    files = {"lotka_volterra.py": text.encode("utf-8")}
    source = write_submission(tmp_path / name, files)
    result = grade_submission(source, questions={"2.1"}, select=select)
    assert result.error is None, result.error
    return {test.name: test for test in result.tests}


def only_runs(info) -> bool:
    return RUN_CHECKS in info.name


# --------------------------------------------------------------------------------------------
# the data


@pytest.mark.parametrize("data", [G.LV_OTHER, G.PREDATOR_PREY], ids=lambda d: d.key)
def test_training_data_are_noisy_observations_with_an_exact_start(data):
    t, y_obs = data.times(), data.observations()
    assert t.shape == (101,) and y_obs.shape == (101, 2) and y_obs.dtype == torch.float32
    clean = G.solve(data.field, data.y0, t)
    noise = y_obs.numpy().astype(float) - clean
    assert np.allclose(noise[0], 0.0, atol=1e-6), "the first observation is the exact start"
    assert 0.85 * G.SIGMA < noise[1:].std() < 1.15 * G.SIGMA
    assert np.all(clean > 0), "populations stay positive"
    assert np.ptp(clean[:, 0]) > 2 and np.ptp(clean[:, 1]) > 2, "the orbit swings widely"


def test_the_other_system_is_not_a_lotka_volterra_orbit():
    """No Lotka-Volterra field, with any rates, has the Rosenzweig-MacArthur velocities along
    its trajectory: each Lotka-Volterra equation is linear in its two rates
    (``x' = alpha x - beta x y``, ``y' = delta x y - gamma y``), and the least-squares rates
    leave more than 10 % of the speed unexplained (21 % and 10 % for prey and predator when
    measured). Bug kind caught: a hidden data set that a four-rate model could fit, which
    would let the Lotka-Volterra formula with trainable rates pass."""
    t = np.linspace(0.0, 10.0, 1001)
    path = G.solve(G.PREDATOR_PREY.field, G.PREDATOR_PREY.y0, t)
    velocity = G.PREDATOR_PREY.field(None, torch.as_tensor(path)).numpy()
    x, y = path[:, 0], path[:, 1]
    residuals = []
    for design, target in (
        (np.column_stack([x, -x * y]), velocity[:, 0]),  # alpha, beta
        (np.column_stack([x * y, -y]), velocity[:, 1]),  # delta, gamma
    ):
        rates, *_ = np.linalg.lstsq(design, target, rcond=None)
        residuals.append(target - design @ rates)
    unexplained = np.linalg.norm(np.stack(residuals, axis=1)) / np.linalg.norm(velocity)
    assert unexplained > 0.10


def test_read_losses_names_each_problem():
    assert G.read_losses([3.0, 2.0, 1.0])[1] == ""
    assert "NaN" in G.read_losses([3.0, float("nan"), 1.0])[1]
    assert "list" in G.read_losses("3, 2, 1")[1]
    assert "fewer than two" in G.read_losses([1.0])[1]


# --------------------------------------------------------------------------------------------
# cheats and failures, graded


def test_a_module_written_another_way_gets_full_marks(tmp_path):
    """Another field expression, simulation solver, noise draw, network, training recipe
    (windows of growing length, then the whole trajectory) and plot: all 26 points. Bug kind
    caught: a check that judges the reference's recipe instead of the result."""
    outcomes = grade(tmp_path, "growing-windows", module_text("growing_windows"))
    failed = {name: test.output for name, test in outcomes.items() if not test.passed}
    assert not failed, failed
    assert sum(test.score for test in outcomes.values()) == pytest.approx(BY_ID["2.1"].points)


def test_the_known_field_fails_every_check_of_the_learned_field(tmp_path):
    """The handout's field returned without learning: its losses fall (they are made up),
    but its field misses both data sets, locally and over the whole span."""
    outcomes = grade(tmp_path, "known-field", module_text("known_field"), select=only_runs)
    failed = {name for name, test in outcomes.items() if not test.passed}
    assert failed == {name for name in outcomes if "loss falls" not in name}
    assert len(failed) == 4
    for name in failed:
        assert "does not fit the clean held-out points" in outcomes[name].output


def test_a_field_that_blows_up_fails_the_rollouts_with_a_message(tmp_path):
    """A field that grows like exp(y) makes the trusted solver give up; the rollout checks
    say so, and the loss check still judges the losses."""
    text = module_text("known_field").replace(
        "return (self.scale * field).to(y.dtype)",
        "return (self.scale * torch.exp(8 * y)).to(y.dtype)",
    )
    outcomes = grade(tmp_path, "blows-up", text, select=only_runs)
    for name, test in outcomes.items():
        if "loss falls" in name:
            assert test.passed
        else:
            assert not test.passed and "could not be computed" in test.output, test.output


def test_training_out_of_time_costs_only_the_training_checks(tmp_path, monkeypatch):
    """Training that outlives its limit (here 3 s, to keep the test short) fails the five
    checks of the two training runs, each saying it ran out of time; every other check of 2.1
    passes, including the quick contract run with n_iters=12."""
    monkeypatch.setattr(G, "TRAINING_TIME_LIMIT", 3.0)
    text = reference_files()["lotka_volterra.py"].decode("utf-8")
    slow = "    settings = TrainingOptions(**options)  # unknown keywords raise TypeError\n"
    assert text.count(slow) == 1
    text = text.replace(
        slow, "    if n_iters == 400:\n        import time\n\n        time.sleep(120)\n" + slow
    )
    outcomes = grade(tmp_path, "slow", text)
    lost = {name for name, test in outcomes.items() if not test.passed}
    assert lost == {name for name in outcomes if RUN_CHECKS in name}
    assert len(lost) == 5
    for name in lost:
        assert "ran out of time" in outcomes[name].output
        assert "60 s on one core" in outcomes[name].output
    points = sum(test.score for test in outcomes.values())
    assert points == pytest.approx(
        BY_ID["2.1"].points - sum(outcomes[name].max_score for name in lost)
    )
