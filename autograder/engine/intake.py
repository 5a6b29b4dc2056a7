"""Intake: take exactly the five contract modules from a submission, nothing else.

A submission is one of

- a folder that holds ``student/`` (``alice/student/hmc.py``),
- the student folder itself (``student/hmc.py``, or a folder of the five modules),
- a zip file of either (a single top folder inside the zip is allowed).

Only the files ``integrators.py``, ``hmc.py``, ``lotka_volterra.py``, ``hutchinson.py`` and
``theory.py`` are taken, by exact name, as regular files of at most ``MAX_MODULE_BYTES``;
``student/__init__.py`` is always written fresh and empty. Everything else is listed in
``Intake.ignored`` and never copied, so a submission cannot bring packages, ``conftest.py``
or ``sitecustomize.py`` of its own into the grading folder.

Hostile input is read without trusting it: zip members are read one by one and never
extracted (so ``..``, absolute and non-UTF-8 names go nowhere), a member is read through a
size cap whatever its header claims, symbolic links (in a folder or in a zip) are never
followed, a duplicate name keeps its first copy, and names shown in feedback are escaped and
shortened. A folder is walked without following links, up to ``MAX_WALKED`` entries.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

LOG = logging.getLogger(__name__)

MODULES = ("integrators", "hmc", "lotka_volterra", "hutchinson", "theory")
MODULE_FILES = tuple(f"{name}.py" for name in MODULES)
MAX_MODULE_BYTES = 1_000_000
MAX_LISTED = 40
MAX_WALKED = 5000
MAX_NAME_SHOWN = 120


@dataclass
class Intake:
    """The part of a submission that will be graded."""

    name: str
    """a name for the submission, from its folder or zip name"""
    files: dict[str, bytes] = field(default_factory=dict)
    """module file name (``"hmc.py"``) -> its bytes"""
    ignored: list[str] = field(default_factory=list)
    """paths in the submission that were not taken (capped at ``MAX_LISTED``)"""
    problems: list[str] = field(default_factory=list)
    """messages about the submission as a whole (unreadable zip, oversized module, ...)"""

    @property
    def missing(self) -> list[str]:
        return [name for name in MODULE_FILES if name not in self.files]

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the taken modules' names and bytes (the same code, the same value)."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    def ignore(self, name: str) -> None:
        """List a path that was not taken (escaped, shortened, at most ``MAX_LISTED``)."""
        if len(self.ignored) < MAX_LISTED:
            self.ignored.append(shown_name(name))


def shown_name(name: str) -> str:
    """A submitted path as it may appear in feedback: printable, at most 120 characters."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c) & 0xFF:02x}" for c in name)
    if len(text) > MAX_NAME_SHOWN:
        text = text[: MAX_NAME_SHOWN - 3] + "..."
    return text


GENERIC_NAMES = {"student", "submission"}
"""names that say nothing about whose work it is (``python -m student.submit`` writes
``submission.zip`` for everyone): such a submission is named after its folder"""


def submission_name(path: Path) -> str:
    """A name for the results folder: the zip's or folder's name, or the name of the folder
    that holds it when that name is generic (``alice/submission.zip`` is ``alice``)."""
    path = Path(path).absolute()
    name = path.stem if path.suffix == ".zip" else path.name
    if name in GENERIC_NAMES and path.parent.name:
        name = path.parent.name
    return name or "submission"


def take(path: Path) -> Intake:
    """Read a submission folder or zip and keep only the contract modules."""
    path = Path(path)
    intake = Intake(submission_name(path))
    try:
        if path.is_dir():
            _take_folder(path, intake)
        elif path.is_file() and zipfile.is_zipfile(path):
            _take_zip(path, intake)
        elif path.exists():
            intake.problems.append("the submission is neither a folder nor a zip file")
        else:
            intake.problems.append("the submission path does not exist")
    except Exception as error:  # an unreadable folder, a zip that breaks zipfile
        LOG.exception("intake of %s failed", path)
        intake.problems.append(
            f"part of the submission could not be read ({type(error).__name__})"
        )
    LOG.debug(
        "intake %s: took %s, ignored %d", intake.name, sorted(intake.files), len(intake.ignored)
    )
    return intake


def _student_folder(root: Path) -> Path:
    candidate = root / "student"
    if candidate.is_dir() and not candidate.is_symlink():
        return candidate
    return root


def _read_regular(path: Path, intake: Intake, shown: str) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link) of acceptable size."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError as error:
        if path.is_symlink():
            intake.problems.append(f"{shown} is a symbolic link and was not taken")
        elif path.exists():
            intake.problems.append(f"{shown} could not be read: {error.strerror}")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            intake.problems.append(f"{shown} is not a regular file and was not taken")
            return None
        if info.st_size > MAX_MODULE_BYTES:
            intake.problems.append(f"{shown} is larger than {MAX_MODULE_BYTES} bytes")
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_MODULE_BYTES + 1)
        if len(data) > MAX_MODULE_BYTES:
            intake.problems.append(f"{shown} is larger than {MAX_MODULE_BYTES} bytes")
            return None
        return data
    finally:
        os.close(fd)


def _take_folder(root: Path, intake: Intake) -> None:
    folder = _student_folder(root)
    for name in MODULE_FILES:
        data = _read_regular(folder / name, intake, f"student/{name}")
        if data is not None:
            intake.files[name] = data
    walked = 0
    for top, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for item in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            walked += 1
            if walked > MAX_WALKED:
                intake.ignore("(more files not listed)")
                return
            path = Path(top) / item
            if path.parent == folder and (item in intake.files or item == "__init__.py"):
                continue
            intake.ignore(path.relative_to(root).as_posix())


def _take_zip(path: Path, intake: Intake) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as error:
        intake.problems.append(f"the zip file could not be read: {shown_name(str(error))}")
        return
    with archive:
        members = archive.infolist()
        prefix = _zip_prefix([m.filename for m in members])
        for member in members:
            name = member.filename
            wanted = _wanted_member(name, prefix)
            if wanted is None:
                if not name.endswith("/") and "__pycache__" not in name:
                    if name != prefix + "__init__.py":
                        intake.ignore(name)
                continue
            shown = shown_name(name)
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                intake.problems.append(f"{shown} is a symbolic link and was not taken")
                continue
            if member.file_size > MAX_MODULE_BYTES:
                intake.problems.append(f"{shown} is larger than {MAX_MODULE_BYTES} bytes")
                continue
            if wanted in intake.files:
                intake.problems.append(f"{shown} appears twice in the zip; the first was taken")
                continue
            try:
                with archive.open(member) as stream:
                    data = stream.read(MAX_MODULE_BYTES + 1)
            except Exception as error:  # corrupt member, bad compression, encryption
                intake.problems.append(f"{shown} could not be read: {type(error).__name__}")
                continue
            if len(data) > MAX_MODULE_BYTES:
                intake.problems.append(f"{shown} is larger than {MAX_MODULE_BYTES} bytes")
                continue
            intake.files[wanted] = data


def _zip_prefix(names: list[str]) -> str:
    """Where the five modules sit in the zip: '', 'student/', 'x/student/' or 'x/'."""
    for candidate in ("student/",):
        if any(n == candidate + f for n in names for f in MODULE_FILES):
            return candidate
    for name in names:
        path = PurePosixPath(name)
        if path.name in MODULE_FILES and len(path.parts) == 3 and path.parts[1] == "student":
            return f"{path.parts[0]}/student/"
    if any(n in MODULE_FILES for n in names):
        return ""
    for name in names:
        path = PurePosixPath(name)
        if path.name in MODULE_FILES and len(path.parts) == 2:
            return f"{path.parts[0]}/"
    return "student/"


def _wanted_member(name: str, prefix: str) -> str | None:
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    return rest if rest in MODULE_FILES else None
