"""Hostile and broken submissions are contained: no attack beats its honest twin.

The whole battery (``tests/hostile``) and the three honest twins are graded once, on
questions 1.7 and 1.8, two at a time, and shared by every test here. Cheap intake-level
tests of the zip tricks and of the Otter folder sanitizer need no grading.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from autograder.engine import intake, sandbox
from autograder.engine.batch import grade_many
from autograder.engine.results import read_results
from autograder.otter_bridge import OTTER_OWN, sanitize_folder
from tests import hostile
from tests.hostile import ATTACKS, BY_NAME, HONEST, MARKER, QUESTIONS

ROOT = Path(__file__).resolve().parents[1]
HIDDEN_SOURCES = sorted((ROOT / "autograder" / "graders").glob("*.py")) + sorted(
    (ROOT / "solutions").glob("*.py")
)


FULL = os.environ.get("PRACTICE07_FULL_BATTERY") == "1"
"""grade the slow attacks too (each waits for a time limit); benchmarks/attack_table.py
always does"""
GRADED = [attack for attack in ATTACKS if FULL or not attack.slow]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every attack and honest twin, graded once: name -> SubmissionResult."""
    where = tmp_path_factory.mktemp("battery")
    sources, names = [], []
    for kind in HONEST:
        sources.append(hostile.build_honest(kind, where / "src"))
        names.append(f"honest-{kind}")
    for attack in GRADED:
        sources.append(hostile.build(attack, where / "src"))
        names.append(attack.name)
    out = where / "out"
    # the workers make their working folders in a temporary folder of their own, so that
    # what is left there is this battery's, whatever else runs on the machine
    private = where / "tmp"
    private.mkdir()
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(private)
    try:
        results = grade_many(sources, out, names=names, jobs=2, questions=QUESTIONS, regrade=True)
    finally:
        if saved is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved
    return {
        "results": dict(zip(names, results, strict=True)),
        "out": out,
        "left_workdirs": sorted(private.glob("practice07-*")),
    }


def honest_score(graded, attack) -> float:
    return graded["results"][f"honest-{attack.honest}"].score


def test_honest_twins_score_as_expected(graded):
    scores = {kind: graded["results"][f"honest-{kind}"].score for kind in HONEST}
    assert scores == {"reference": 13.0, "no-integrators": 5.5, "no-ratio": 12.0}


@pytest.mark.parametrize("attack", GRADED, ids=[attack.name for attack in GRADED])
def test_attack_gains_nothing_and_grading_completes(graded, attack):
    result = graded["results"][attack.name]
    assert result.error is None, result.error
    assert result.score <= honest_score(graded, attack) + 1e-9, [
        t.name for t in result.tests if t.passed
    ]
    assert result.question_scores()["1.8"] == 3.0, "an attack in integrators.py cost 1.8"
    on_disk = read_results(graded["out"] / attack.name)
    assert on_disk is not None and on_disk.score == result.score


def test_attacks_that_do_the_real_work_keep_its_points(graded):
    """Containment costs an honest piece of work nothing: printing, forking, a daemon,
    shadow packages and zip tricks beside the reference keep the reference's score."""
    for attack in GRADED:
        if attack.honest == "reference":
            assert graded["results"][attack.name].score == 13.0, attack.name


def test_nothing_left_behind(graded):
    assert hostile.leftover_processes() == []
    assert hostile.leftover_files(extra=(graded["out"],)) == []
    assert graded["left_workdirs"] == []


def test_results_are_written_by_the_grader_only(graded):
    """The forging attack's results, and everyone else's, are what the grader decided."""
    for name, result in graded["results"].items():
        data = json.loads((graded["out"] / name / "results.json").read_text())
        assert data["score"] == result.score, name
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(result.score), name
    csv_rows = (graded["out"] / "grades.csv").read_text().splitlines()
    assert len(csv_rows) == 1 + len(graded["results"])
    assert not any(MARKER in row for row in csv_rows)


def _hidden_lines() -> set[str]:
    stubs = "\n".join(p.read_text() for p in (ROOT / "student").glob("*.py"))
    lines = set()
    for path in HIDDEN_SOURCES:
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 30 and line not in stubs and not line.startswith(("#", '"""')):
                lines.add(line)
    return lines


def test_feedback_never_holds_hidden_code(graded):
    names = {test.name for result in graded["results"].values() for test in result.tests}
    hidden = {
        line
        for line in _hidden_lines()
        if not any(line.strip("\"',()") in name for name in names)  # check names are public
    }
    assert len(hidden) > 200
    for name in graded["results"]:
        text = (graded["out"] / name / "results.json").read_text()
        leaked = [line for line in hidden if line in text]
        assert not leaked, (name, leaked[:3])
    theft = graded["results"]["call-steal-graders"]
    outputs = " ".join(t.output for t in theft.tests)
    assert "def test_" not in outputs and "@check" not in outputs


def test_student_output_is_truncated_and_escaped(graded):
    for name in graded["results"]:
        data = json.loads((graded["out"] / name / "results.json").read_text())
        for test in data["tests"]:
            assert len(test["output"]) < 16_000, (name, test["name"])
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", test["output"]), name
    noisy = graded["results"]["call-print-and-fail"]
    failed = [t for t in noisy.tests if not t.passed]
    assert failed
    for test in failed:
        printed = test.output.split("Your code printed", 1)[1]
        assert "\n| Hidden graders" in printed and "\\x1b" in printed
        assert "[output truncated]" in printed


def test_zip_tricks_are_listed_in_the_feedback(graded):
    for attack in GRADED:
        notes = " ".join(graded["results"][attack.name].notes)
        for name in attack.notes_must_list:
            assert name in notes, (attack.name, name)
    oversized = " ".join(graded["results"]["zip-oversized-module"].notes)
    assert "larger than" in oversized
    duplicate = " ".join(graded["results"]["zip-duplicate-module"].notes)
    assert "appears twice" in duplicate
    symlink = " ".join(graded["results"]["zip-symlink-module"].notes)
    assert "symbolic link" in symlink


# --------------------------------------------------------------------------------------------
# cheap: intake and the Otter sanitizer, no grading


def test_intake_reads_hostile_zip_members_without_extracting(tmp_path):
    path = hostile.build(BY_NAME["zip-path-traversal"], tmp_path)
    taken = intake.take(path)
    assert sorted(taken.files) == sorted(f"{m}.py" for m in hostile.MODULES)
    assert taken.files["integrators.py"] == hostile.reference_files()["integrators.py"]
    assert not list(Path("/tmp").glob(f"{MARKER}-*"))
    names = hostile.build(BY_NAME["zip-non-utf8-names"], tmp_path)
    listed = " ".join(intake.take(names).ignored)
    assert "\x1b" not in listed and "\r" not in listed
    assert all(len(name) <= intake.MAX_NAME_SHOWN for name in intake.take(names).ignored)


def test_intake_does_not_follow_links_in_folders(tmp_path):
    folder = hostile.write_folder(tmp_path / "sub", hostile.honest_files("no-integrators"))
    os.symlink(ROOT / "solutions" / "integrators.py", folder / "student" / "integrators.py")
    os.symlink("/", folder / "student" / "everything")
    taken = intake.take(folder)
    assert "integrators.py" not in taken.files
    assert any("symbolic link" in problem for problem in taken.problems)


def test_intake_caps_a_member_that_lies_about_its_size(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("student/hmc.py", b"#" * (intake.MAX_MODULE_BYTES + 10))
    raw = bytearray(path.read_bytes())
    # rewrite the declared sizes (local header and central directory) to 100 bytes
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = raw.find(signature)
        raw[start + offset : start + offset + 4] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    taken = intake.take(path)
    assert "hmc.py" not in taken.files
    assert taken.problems


def test_otter_sanitizer_leaves_only_the_contract_modules(tmp_path):
    folder = tmp_path / "submission"
    hostile.write_folder(folder, hostile.reference_files())
    for name in (
        "numpy/__init__.py",
        "otter/__init__.py",
        "autograder/otter_bridge.py",
        "conftest.py",
        "sitecustomize.py",
        "student/conftest.py",
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("import os\nos._exit(0)\n")
    (folder / "practice07_submission.py").write_text('"""entry"""\n')
    (folder / "tests").mkdir()
    os.symlink("/", folder / "root-link")
    notes = sanitize_folder(folder)
    left = sorted(p.name for p in folder.iterdir())
    assert set(left) <= OTTER_OWN | {"student"}
    assert sorted(p.name for p in (folder / "student").iterdir()) == sorted(
        ["__init__.py", *(f"{m}.py" for m in hostile.MODULES)]
    )
    assert "numpy/__init__.py" in " ".join(notes) and "conftest.py" in " ".join(notes)


def test_sandbox_notice_is_one_line():
    notice = sandbox.policy().notice()
    assert "\n" not in notice and len(notice) < 400


def test_without_isolation_changed_results_are_restored_and_reported(tmp_path):
    """Sandbox level ``none``: student code runs as the grader's user; the guard puts back
    other submissions' results and flags the submission that changed them."""
    from autograder.engine.integrity import Guard

    other = tmp_path / "out" / "other" / "results.json"
    other.parent.mkdir(parents=True)
    other.write_text('{"score": 3, "tests": []}')
    guard = Guard(sandbox.Policy("none", "test"), tmp_path / "out")
    other.write_text('{"score": 100, "tests": []}')
    changed = guard.check()
    assert changed == [str(other)]
    assert json.loads(other.read_text())["score"] == 3
    assert Guard(sandbox.Policy("namespaces"), tmp_path / "out").check() == []


def test_a_jail_that_cannot_be_built_is_a_grading_error(tmp_path, monkeypatch):
    """A confinement failure never lets student code run unconfined, and is reported as a
    failure of grading, not of the submission."""
    from autograder.engine import child

    if sandbox.policy().mode != "namespaces":
        pytest.skip("needs the namespaces level")
    broken = sandbox.Policy("namespaces", limits=sandbox.Limits(tmp_bytes=-5))
    workdir = tmp_path / "w"
    child.prepare_workdir(workdir, {"theory.py": b"import os\nos._exit(0)\n"})
    process = child.StudentProcess(workdir)
    process.policy = broken
    with pytest.raises(child.SandboxError), process:
        process.start()
