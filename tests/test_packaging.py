"""``practice07 build``: a student package that leaks nothing hidden, and a Gradescope-ready
Otter autograder zip that installs torch's CPU build and runs every hidden check."""

from __future__ import annotations

import ast
import io
import re
import zipfile

from autograder import packaging
from autograder.graders.support import CheckInfo
from autograder.packaging import GRADESCOPE_TORCH, TORCH_CPU_INDEX, hidden_checks
from autograder.questions import QUESTIONS
from tests.conftest import ROOT

STUB_MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")
ALLOWED_COINCIDENCES = {
    "prey, predator = y[..., 0], y[..., 1]": "the public field check unpacks the state alike",
    "y0 = torch.tensor([1.0, 1.0], dtype=torch.float64)": "the handout's initial state",
    "t = torch.tensor(0.0)": "the time argument of a call to the field",
    "z = rng.standard_normal((n, 2))": "exact draws of the banana, as the handout builds them",
}
"""Lines of hidden code that a public self-check also contains, each for a stated reason."""


def stripped_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def hidden_lines() -> set[str]:
    """Substantive lines of the reference and the hidden graders that the stubs lack.

    Imports, lines under 20 characters and lines that only quote a name (the contract's
    dictionary keys) are too generic to show a leak.
    """
    sources = [*(ROOT / "solutions").glob("*.py"), *(ROOT / "autograder" / "graders").glob("*")]
    hidden = set().union(*(stripped_lines(p.read_text("utf-8")) for p in sources if p.is_file()))
    stubs = set().union(
        *(stripped_lines((ROOT / "student" / f"{m}.py").read_text("utf-8")) for m in STUB_MODULES)
    )
    return {
        line
        for line in hidden - stubs
        if len(line) >= 20
        and not re.match(r"(import|from) \S+", line)
        and not re.fullmatch(r"[\"']\w+[\"'],?", line)
    }


def test_student_zip_leaks_no_line_of_the_reference_or_the_graders(dist):
    forbidden = hidden_lines()
    assert len(forbidden) > 1000, "the comparison would be vacuous"
    leaks = []
    with zipfile.ZipFile(dist / "student.zip") as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8", errors="replace")
            for line in stripped_lines(text) & forbidden:
                if line not in ALLOWED_COINCIDENCES:
                    leaks.append(f"{name}: {line}")
    assert not leaks, leaks


def test_student_zip_holds_the_stubs_checks_handout_and_requirements(dist):
    with zipfile.ZipFile(dist / "student.zip") as archive:
        names = archive.namelist()
        requirements = archive.read("requirements.txt").decode()
        start_here = archive.read("README.md").decode() if "README.md" in names else ""
        for module in STUB_MODULES:
            assert (
                archive.read(f"student/{module}.py")
                == (ROOT / "student" / f"{module}.py").read_bytes()
            )
    assert "student/conftest.py" in names and "assignment/handout.md" in names
    for step in ("pip install -r requirements.txt", "pytest student/", "student.submit"):
        assert step in start_here, f"the package's README.md does not say {step!r}"
    assert any(name.startswith("student/tests/test_") for name in names)
    assert not [n for n in names if n.startswith(("solutions", "autograder")) or "otter" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in requirements
    assert re.search(r"^torch\b", requirements, re.M)


def test_student_zip_ships_only_the_figures_the_handout_shows(dist):
    """The reference's run of the notebook (``assignment/figures/1.7-...png`` and the like)
    shows its answers, so it stays out; every figure shipped is one the handout shows.
    Files written by the build are readable by everyone once extracted."""
    shown = {f"assignment/{name}" for name in packaging.handout_figures()}
    assert shown, "the handout shows no figure: the comparison would be vacuous"
    with zipfile.ZipFile(dist / "student.zip") as archive:
        pictures = {n for n in archive.namelist() if n.endswith(".png")}
        modes = {n: (archive.getinfo(n).external_attr >> 16) & 0o777 for n in archive.namelist()}
    assert pictures == shown
    assert "assignment/figures/1.7-euler-vs-leapfrog.png" not in pictures
    assert (ROOT / "assignment" / "figures" / "1.7-euler-vs-leapfrog.png").is_file()
    for name in ("README.md", "requirements.txt"):
        assert modes[name] & 0o444 == 0o444, (name, oct(modes[name]))


def test_autograder_zip_is_gradescope_ready(dist):
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        names = set(archive.namelist())
        environment = archive.read("environment.yml").decode()
        config = archive.read("otter_config.json").decode()
        wheel_name = next(n for n in names if n.endswith(".whl"))
        wheel = zipfile.ZipFile(io.BytesIO(archive.read(wheel_name)))
    assert {"run_autograder", "run_otter.py", "setup.sh", "environment.yml"} <= names
    assert "files/practice07_submission.py" in names
    assert "python=3.11" in environment
    pip = environment.split("- pip:", 1)[1]
    assert pip.index(f"--extra-index-url {TORCH_CPU_INDEX}") < pip.index(GRADESCOPE_TORCH)
    assert pip.index(GRADESCOPE_TORCH) < pip.index(f"/autograder/source/files/{wheel_name[6:]}")
    assert GRADESCOPE_TORCH.endswith("+cpu")
    assert '"points_possible": 100' in config
    wheel_files = wheel.namelist()
    assert "autograder/graders/test_integrators.py" in wheel_files
    assert not [n for n in wheel_files if n.startswith(("solutions/", "student/", "tests/"))]


def test_otter_test_files_hold_one_case_per_hidden_check(dist):
    checks = hidden_checks()
    with zipfile.ZipFile(dist / "autograder.zip") as archive:
        cases: list[tuple[str, float]] = []
        for question in QUESTIONS:
            source = archive.read(f"tests/q{question.id.replace('.', '_')}.py").decode()
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "test_case":
                    keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
                    assert keywords["name"].startswith(question.id + " ")
                    cases.append((keywords["name"], keywords["points"]))
    assert sorted(cases) == sorted((info.name, info.points) for info in checks)
    assert all(isinstance(info, CheckInfo) and info.catches for info in checks)
