"""Build what leaves the repository: the student package and the Otter autograder zip.

``build_student_zip`` writes ``student.zip``: the stubs and public self-checks (``student/``),
the handout (``assignment/``, without the Otter configuration), a ``requirements.txt`` and a
``README.md`` that says where to start.
Nothing from ``solutions/`` or ``autograder/`` goes in; ``tests/test_packaging.py`` proves it.

``build_autograder_zip`` writes a Gradescope-ready ``autograder.zip`` with ``otter generate``:
one Otter test file per question with one case per hidden check (same names and points as
``practice07 grade``), a wheel of this package that the Gradescope image installs, and an
entry script that Otter runs as "the submission" (student code itself runs only in the
engine's child process).
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.graders.support import CheckInfo
from autograder.otter_bridge import ENTRY_SCRIPT, ENTRY_TEXT, RUN_OTTER_TEXT
from autograder.otter_bridge import PLUGIN as SANITIZER_PLUGIN
from autograder.otter_plugin import PLUGIN_NAME as OTTER_PLUGIN
from autograder.questions import BY_ID, QUESTIONS, TOTAL_POINTS

LOG = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
GRADERS_DIR = Path(__file__).resolve().parent / "graders"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
"""PyTorch's index of CPU-only wheels. PyPI's default Linux build of torch bundles CUDA
(several GB); grading needs no GPU."""
GRADESCOPE_TORCH = "torch==2.13.0+cpu"
"""The torch build installed in the grading image: the version this package is tested with,
CPU only."""
STUDENT_REQUIREMENTS = f"""\
# What the student package needs: pip install -r requirements.txt
# The extra index gives torch's CPU-only build on Linux and Windows (PyPI's default Linux
# build bundles CUDA and is several GB); macOS gets PyPI's build, which is CPU-only anyway.
--extra-index-url {TORCH_CPU_INDEX}
torch>=2.1
numpy>=1.24
sympy>=1.12
torchdiffeq>=0.2.3
matplotlib>=3.7
tqdm>=4.60
pytest>=7.4
"""
STUDENT_README = """\
# Practice 07: Differential Equations in Deep Learning

Start here. Set up once, in this folder:

    python3 -m venv .venv && . .venv/bin/activate     # Windows: .venv\\Scripts\\activate
    pip install -r requirements.txt                   # numpy, sympy, torch (CPU), ...
    pip install jupyterlab                            # to open the notebook

If pip starts to download `nvidia-...` packages (several GB, torch's GPU build, not needed
here), stop it and install torch's CPU build first, then the rest:

    pip install torch --index-url https://download.pytorch.org/whl/cpu
    pip install -r requirements.txt

Then work through the handout, which is a notebook:

    jupyter lab assignment/practice07.ipynb   # Run All draws figures from your code
    pytest student/                           # public self-checks: one line per failing check
    python -m student.submit                  # check everything, then write submission.zip

You write code only in `student/` (its five modules: `theory.py`, `hutchinson.py`,
`integrators.py`, `lotka_volterra.py`, `hmc.py`). Hand in `submission.zip`. Passing every
public self-check does not mean full marks: hidden checks run at grading.
"""
GRADESCOPE_PYTHON = "3.11"


def hidden_checks() -> list[CheckInfo]:
    """Every hidden check, in the handout's question order, file order within a question."""
    checks = []
    for path in sorted(GRADERS_DIR.glob("test_*.py")):
        module = importlib.import_module(f"autograder.graders.{path.stem}")
        for name, value in vars(module).items():
            info = getattr(value, "check_info", None)
            if name.startswith("test_") and info is not None:
                checks.append(info)
    order = {qid: index for index, qid in enumerate(BY_ID)}
    return sorted(checks, key=lambda info: order[info.question])


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_dir() or "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        archive.write(path, f"{prefix}/{relative.as_posix()}")


def handout_figures() -> set[str]:
    """The figures the handout shows (``figures/NAME`` in ``assignment/handout.md``).

    Only these go to students. ``assignment/figures/`` also holds the PNGs of the
    notebook run on the reference solutions, for instructors; they show the reference's
    answers (the fitted energy law of 1.7, the trained field of 2.1) and stay out.
    """
    text = (ROOT / "assignment" / "handout.md").read_text(encoding="utf-8")
    return set(re.findall(r"\((figures/[^)\s]+)\)", text))


def _write_text(archive: zipfile.ZipFile, name: str, text: str) -> None:
    """Add ``text`` as the member ``name``, readable by everyone once extracted."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def build_student_zip(out: Path) -> Path:
    """Write the student package to ``out`` and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_tree(archive, ROOT / "student", "student")
        shown = handout_figures()
        for path in sorted((ROOT / "assignment").rglob("*")):
            relative = path.relative_to(ROOT / "assignment")
            if not path.is_file() or relative.parts[0] == "otter" or path.suffix == ".pyc":
                continue
            if relative.parts[0] == "figures" and relative.as_posix() not in shown:
                continue  # the reference's own run of the notebook: its answers show
            archive.write(path, f"assignment/{relative.as_posix()}")
        _write_text(archive, "requirements.txt", STUDENT_REQUIREMENTS)
        _write_text(archive, "README.md", STUDENT_README)
    LOG.info("wrote %s", out)
    return out


def otter_test_file(question_id: str, checks: list[CheckInfo]) -> str:
    """The Otter test file of one question: a case per hidden check, same name and points."""
    lines = [
        f'"""Question {question_id}: {BY_ID[question_id].title}. Generated; do not edit."""',
        "",
        "from otter.test_files import test_case",
        "",
        "OK_FORMAT = False",
        f"name = {question_id!r}",
        "",
    ]
    for index, info in enumerate(checks):
        lines += [
            "",
            f"@test_case(name={info.name!r}, points={info.points!r}, hidden=False)",
            f"def case_{index}():",
            "    from autograder.otter_bridge import verdict",
            "",
            f"    verdict({info.name!r})",
            "",
        ]
    return "\n".join(lines)


def gradescope_requirements(wheel_name: str) -> str:
    """The pip requirements of the grading image: torch's CPU build first, then our wheel.

    Otter copies these lines into the ``pip:`` section of the ``environment.yml`` that
    Gradescope's ``setup.sh`` builds the image from; pip reads the index option from there
    as from any requirements file.
    """
    return "\n".join(
        [
            f"--extra-index-url {TORCH_CPU_INDEX}",
            GRADESCOPE_TORCH,
            f"/autograder/source/files/{wheel_name}",
            "",
        ]
    )


def build_wheel(folder: Path) -> Path:
    """Build a wheel of this package into ``folder`` and return its path."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(folder),
        str(ROOT),
    ]
    subprocess.run(command, check=True)
    wheels = sorted(folder.glob("practice07-*.whl"))
    if not wheels:
        raise RuntimeError("pip wheel produced no wheel")
    return wheels[-1]


def build_autograder_zip(out: Path) -> Path:
    """Write the Otter/Gradescope autograder zip to ``out`` and return its path."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    checks = hidden_checks()
    total = sum(info.points for info in checks)
    if abs(total - TOTAL_POINTS) > 1e-9:
        raise RuntimeError(f"the hidden checks are worth {total} points, not {TOTAL_POINTS}")
    with tempfile.TemporaryDirectory(prefix="practice07-build-") as temporary:
        work = Path(temporary)
        tests = work / "tests"
        tests.mkdir()
        for question in QUESTIONS:
            mine = [info for info in checks if info.question == question.id]
            if mine:
                file_name = "q" + question.id.replace(".", "_") + ".py"
                (tests / file_name).write_text(otter_test_file(question.id, mine))

        wheel = build_wheel(work / "wheel")
        shutil.copy(wheel, work / wheel.name)
        (work / ENTRY_SCRIPT).write_text(ENTRY_TEXT)
        (work / "requirements.txt").write_text(gradescope_requirements(wheel.name))
        config = {
            "lang": "python",
            "points_possible": TOTAL_POINTS,
            "show_stdout": False,
            "show_hidden": True,
            "print_summary": True,
            "plugins": [SANITIZER_PLUGIN, OTTER_PLUGIN],
        }
        (work / "otter_config.json").write_text(json.dumps(config, indent=2))
        command = [
            sys.executable,
            "-m",
            "otter",
            "generate",
            "-t",
            "tests",
            "-o",
            str(out),
            "-r",
            "requirements.txt",
            "--python-version",
            GRADESCOPE_PYTHON,
            "--no-environment",
            ENTRY_SCRIPT,
            wheel.name,
        ]
        subprocess.run(command, cwd=work, check=True)
    replace_member(out, "run_otter.py", RUN_OTTER_TEXT)
    LOG.info("wrote %s", out)
    return out


def replace_member(archive_path: Path, name: str, text: str) -> None:
    """Rewrite the zip at ``archive_path`` with member ``name`` holding ``text``."""
    archive_path = Path(archive_path)
    temporary = archive_path.with_name(archive_path.name + ".tmp")
    with (
        zipfile.ZipFile(archive_path) as source,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        if name not in source.namelist():
            raise RuntimeError(f"{archive_path} has no {name} to replace")
        for member in source.infolist():
            data = text.encode("utf-8") if member.filename == name else source.read(member)
            target.writestr(member, data)
    temporary.replace(archive_path)
