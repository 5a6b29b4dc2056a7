"""Theory answers graded end to end: submission folder, child process, codec, hidden checks.

Three submissions are graded once each (theory checks only) and shared by the tests:

- ``forms``: the reference with every function rewritten in another correct form (an
  unevaluated matrix product, an Array, a ``Piecewise``, a 1x1 matrix for a scalar, a
  ``Sum``, an ``exp``/``log`` rewrite, ...) and its own written answers: full marks, and the
  written answers reach ``written.md`` and the results output;
- ``broken``: the reference with wrong forms in four functions, two functions left
  unimplemented and one constant left ``None``: exactly the checks of those names fail, with
  feedback that names the property, and every other theory check passes;
- ``stubs``: the untouched stub: every theory check fails saying it is not answered, and
  ``written.md`` says so for every item.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.engine.runner import grade_submission
from autograder.graders import test_theory as graders
from autograder.questions import BY_ID
from tests.test_theory_forms import CHECKS
from tests.variants import reference_files, write_submission

ROOT = Path(__file__).resolve().parents[1]

THEORY_CHECKS = {
    value.check_info.name
    for name, value in vars(graders).items()
    if name.startswith("test_") and hasattr(value, "check_info")
}


def theory_only(info) -> bool:
    return info.name in THEORY_CHECKS


FORMS = """

# --- other correct forms of every answer ------------------------------------------------


def relu_field_lipschitz_bound(W):
    return float(np.linalg.svd(np.asarray(W, dtype=float), compute_uv=False).max())


def square_field_solution(h0, t):
    h0, t = sp.sympify(h0), sp.sympify(t)
    return sp.Piecewise((1 / (1 / h0 - t), t < 1 / h0))


def square_field_blowup_time(h0):
    s = sp.Symbol("s")
    return sp.solve(1 - sp.sympify(h0) * s, s)[0]


def linear_field_jacobian(Theta, h):
    return sp.Array(Theta.tolist())


def linear_adjoint_rhs(Theta, a):
    M, v = sp.MatrixSymbol("M", *Theta.shape), sp.MatrixSymbol("v", a.rows, 1)
    return (-M.T * v).xreplace({M: sp.ImmutableMatrix(Theta), v: sp.ImmutableMatrix(a)})


def probability_flow_drift(f, g, score):
    return (2 * f - g * g * score) / 2


def langevin_probability_flow_drift(score_p, score_t):
    return -(score_t - score_p)


def score_of_unnormalized(log_p_tilde, x):
    return sp.Derivative(log_p_tilde, x)


def fourier_features(x, B):
    phase = 2 * np.pi * np.einsum("nd,md->nm", np.asarray(x, float), np.asarray(B, float))
    return np.hstack([np.cos(phase), np.sin(phase)])


def hamiltonian_time_derivative(H, q, p, q_dot, p_dot):
    return sp.Matrix([H.diff(q), H.diff(p)]).T * sp.Matrix([q_dot, p_dot])


def hnn_vector_field(H, q, p):
    return sp.Matrix([[0, 1], [-1, 0]]) * sp.Matrix([H.diff(q), H.diff(p)])


def exact_trace_vjp_count(d):
    k = sp.Symbol("k", integer=True)
    return sp.Sum(1, (k, 1, d))


def probe_second_moment(i, j):
    return sp.Piecewise((1, sp.Eq(i, j)), (0, True))


def euler_energy_after_one_step(q, p, dt):
    state, step = sp.Matrix([q, p]), sp.Matrix([[1, dt], [-dt, 1]])
    return (state.T * step.T * step * state) / 2


def euler_energy_after_n_steps(E0, dt, n):
    E0, dt, n = sp.sympify(E0), sp.sympify(dt), sp.sympify(n)
    return E0 * sp.exp(n * sp.log(1 + dt**2))


WRITTEN_ANSWERS = {
    "1.1": "The x**2 field blows up: **only locally Lipschitz**.",
    "1.7": "See figures/energy.png.",
    "2.2": "| sampler | ESS |\\n|---|---|\\n| HMC | 50 |",
    "9.9": "an extra key",
}
"""

BROKEN = """

# --- wrong forms, unanswered names --------------------------------------------------------


def square_field_blowup_time(h0):
    return -1 / sp.sympify(h0)


def linear_adjoint_rhs(Theta, a):
    return -Theta * a


def probe_second_moment(i, j):
    return sp.Integer(1)


def euler_energy_after_n_steps(E0, dt, n):
    return (1 + sp.sympify(dt)) ** n * E0


def score_of_unnormalized(log_p_tilde, x):
    raise NotImplementedError("score_of_unnormalized: not implemented yet")


def hnn_vector_field(H, q, p):
    raise NotImplementedError


PINN_NEEDS_LABELED_SOLUTIONS = None
"""

WRONG_NAMES = {
    "square_field_blowup_time": "becomes unbounded",
    "linear_adjoint_rhs": "adjoint",
    "probe_second_moment": "",
    "euler_energy_after_n_steps": "",
}
UNANSWERED_NAMES = ("score_of_unnormalized", "hnn_vector_field", "PINN_NEEDS_LABELED_SOLUTIONS")


def graded(tmp_path_factory, name: str, theory: bytes):
    files = reference_files()
    files["theory.py"] = theory
    folder = write_submission(tmp_path_factory.mktemp(name), files)
    out = tmp_path_factory.mktemp(f"{name}-results")
    result = grade_submission(folder, out, name=name, select=theory_only)
    assert result.error is None, result.error
    return result, out / name


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    text = reference_files()["theory.py"] + FORMS.encode("utf-8")
    return graded(tmp_path_factory, "forms", text)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    text = reference_files()["theory.py"] + BROKEN.encode("utf-8")
    return graded(tmp_path_factory, "broken", text)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    return graded(tmp_path_factory, "stubs", (ROOT / "student" / "theory.py").read_bytes())


def test_other_correct_forms_get_full_marks(forms):
    result, _ = forms
    assert {t.name for t in result.tests} == THEORY_CHECKS
    failed = [f"{t.name}: {t.output}" for t in result.tests if not t.passed]
    assert not failed, failed
    assert not result.notes, result.notes  # every answer decided, none flagged


def test_written_answers_reach_the_ta(forms):
    result, folder = forms
    written = (folder / "written.md").read_text(encoding="utf-8")
    assert "**only locally Lipschitz**" in written
    assert "| HMC | 50 |" in written
    assert "## 1.2 " in written and "_(no answer)_" in written
    assert "an extra key" in written
    output = json.loads((folder / "results.json").read_text(encoding="utf-8"))["output"]
    assert "**only locally Lipschitz**" in output
    assert result.reports["written.md"] == written


def test_wrong_and_unanswered_names_cost_exactly_their_checks(broken):
    result, _ = broken
    names = list(WRONG_NAMES) + list(UNANSWERED_NAMES)
    expected = {check.check_info.name for name in names for check in CHECKS[name]}
    failed = {t.name for t in result.tests if not t.passed}
    assert failed == expected
    for test in result.tests:
        if test.name in expected:
            assert test.output and "grader" not in test.output, test.output
    lost = {qid: 0.0 for qid in BY_ID}
    for test in result.tests:
        lost[test.question] += test.max_score - test.score
    for qid, points in lost.items():
        names_here = [
            check.check_info
            for name in names
            for check in CHECKS[name]
            if check.check_info.question == qid
        ]
        assert points == pytest.approx(sum(info.points for info in names_here)), qid


def test_feedback_names_the_failing_property(broken):
    result, _ = broken
    by_name = {t.name: t.output for t in result.tests}
    for name, words in WRONG_NAMES.items():
        for check in CHECKS[name]:
            feedback = by_name[check.check_info.name]
            assert words in feedback and "not answered" not in feedback, feedback
    for name in UNANSWERED_NAMES:
        for check in CHECKS[name]:
            assert "not answered yet" in by_name[check.check_info.name]
    assert "`score_of_unnormalized`" in " ".join(result.not_implemented)


def test_stubs_lose_every_theory_check_in_words(stubs):
    result, folder = stubs
    assert result.score == 0
    for test in result.tests:
        assert "not answered yet" in test.output, (test.name, test.output)
    written = (folder / "written.md").read_text(encoding="utf-8")
    assert written.count("_(no answer)_") == len(graders.WRITTEN_ITEMS)
