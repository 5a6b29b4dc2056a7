"""Intake takes the five contract modules from every accepted form of submission, and only
them."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder.engine import intake
from autograder.engine.intake import MAX_MODULE_BYTES, MODULE_FILES

FILES = {name: f"# {name}\nVALUE = {index}\n".encode() for index, name in enumerate(MODULE_FILES)}
EXTRAS = {"conftest.py": b"import os\n", "tests/test_x.py": b"", "notes.md": b"hi\n"}


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def student_tree(prefix: str = "") -> dict[str, bytes]:
    tree = {f"{prefix}{name}": data for name, data in FILES.items()}
    tree[f"{prefix}__init__.py"] = b"import os  # would run at import\n"
    tree.update({f"{prefix}{name}": data for name, data in EXTRAS.items()})
    return tree


def assert_took_the_modules(taken: intake.Intake, name: str) -> None:
    assert taken.name == name
    assert taken.files == FILES
    assert taken.missing == []
    assert taken.problems == []
    assert not any(path.endswith("__init__.py") for path in taken.ignored)
    assert any(path.endswith("conftest.py") for path in taken.ignored)


def test_a_folder_holding_student(tmp_path):
    root = write_tree(tmp_path / "alice", student_tree("student/"))
    assert_took_the_modules(intake.take(root), "alice")


def test_the_student_folder_itself(tmp_path):
    root = write_tree(tmp_path / "bob" / "student", student_tree())
    assert_took_the_modules(intake.take(root), "bob")


def test_a_folder_of_the_five_modules(tmp_path):
    root = write_tree(tmp_path / "carol", student_tree())
    assert_took_the_modules(intake.take(root), "carol")


@pytest.mark.parametrize(
    "prefix", ["student/", "", "dave/student/", "dave/"], ids=["student", "flat", "top", "top2"]
)
def test_a_zip(tmp_path, prefix):
    archive = write_zip(tmp_path / "dave.zip", student_tree(prefix))
    assert_took_the_modules(intake.take(archive), "dave")


def test_a_zip_with_stray_copies_elsewhere_takes_the_student_folder(tmp_path):
    tree = student_tree("student/")
    tree.update({f"old/{name}": b"raise SystemExit\n" for name in MODULE_FILES})
    taken = intake.take(write_zip(tmp_path / "erin.zip", tree))
    assert taken.files == FILES


def test_missing_modules_are_listed(tmp_path):
    root = write_tree(tmp_path / "frank", {"student/hmc.py": b"x = 1\n"})
    taken = intake.take(root)
    assert list(taken.files) == ["hmc.py"]
    assert taken.missing == [name for name in MODULE_FILES if name != "hmc.py"]


def test_symbolic_links_and_oversized_modules_are_refused(tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("SECRET = 1\n")
    root = write_tree(tmp_path / "gina", {"student/theory.py": b"x = 1\n"})
    os.symlink(outside, root / "student" / "hmc.py")
    (root / "student" / "integrators.py").write_bytes(b"#" * (MAX_MODULE_BYTES + 1))
    taken = intake.take(root)
    assert list(taken.files) == ["theory.py"]
    assert any("symbolic link" in problem for problem in taken.problems)
    assert any("larger than" in problem for problem in taken.problems)


def test_not_a_submission(tmp_path):
    text = tmp_path / "essay.txt"
    text.write_text("not code\n")
    assert "neither a folder nor a zip" in intake.take(text).problems[0]
    assert "does not exist" in intake.take(tmp_path / "nothing").problems[0]
    assert intake.take(text).files == {}
