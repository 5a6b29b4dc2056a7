"""How the child process that runs student code is confined.

Three levels, chosen once per grading process by ``policy()``:

``namespaces``
    The grader runs as root and ``unshare`` can create namespaces (a Linux machine, CI, a
    privileged container). The child starts in new mount, PID, network, IPC and UTS
    namespaces. ``childside.jail`` builds a fresh root file system on a tmpfs that holds only
    read-only bind mounts of the system and Python folders it needs and the child's own
    working folder, moves into it with ``pivot_root``, and then drops to an unprivileged
    user. The repository, ``solutions/``, the hidden graders, Otter's ``/autograder`` folder,
    the results folder and every other submission are simply not in its file system. It has
    no network (only a loopback device that is down) and cannot see or signal any process
    outside its own PID namespace; when its first process exits the kernel kills every
    process left in the namespace.

``permissions``
    The grader runs as root but namespaces are refused (a default Docker container, as on
    Gradescope). The child drops to an unprivileged user; the grader makes the folders that
    hold secrets readable by root only (``chmod 0700``) and the Python installation
    traversable. The network stays reachable.

``none``
    The grader is not root (a TA's laptop). Student code runs as the TA's user, with the
    resource limits below and its own process group, and can read whatever that user can
    read. The command line says so once.

In every mode the child has resource limits (``Limits``), its own session and process group
(killed as a whole at the end), a minimal environment, no open file descriptors but its
pipes, and ``PR_SET_NO_NEW_PRIVS``.

Set ``PRACTICE07_SANDBOX`` to ``namespaces``, ``permissions`` or ``none`` to force a level
(for tests and benchmarks); a level the machine cannot provide falls back to the next one.

Limitations
-----------
- ``permissions`` mode cannot hide world-readable files outside the folders it locks (other
  submissions of a batch, for instance) and leaves the network open; ``namespaces`` mode has
  neither gap. The modes it changes stay changed: it is meant for grading containers, which
  are thrown away after a run.
- Unprivileged user namespaces could give a TA's laptop the ``namespaces`` isolation
  without root, but several distributions now restrict them; without root the child is
  only limited, not isolated.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LOG = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").is_file() else None
"""the source checkout the package runs from, if it is one (not an installed wheel)"""
REPO_PRIVATE = (
    "solutions",
    "tests",
    "autograder",
    "benchmarks",
    "examples",
    "build",
    "dist",
    ".git",
)
UID_BASE = 1_600_000_000
"""the child's user id is this plus the grading process's PID: unique among live graders"""
FALLBACK_UID = 65534
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc")
MODES = ("namespaces", "permissions", "none")


@dataclass(frozen=True)
class Limits:
    """Resource limits of the child process (``setrlimit``)."""

    memory_bytes: int = 4 * 1024**3
    """address space (RLIMIT_AS); torch with its libraries maps about 0.9 GB"""
    processes: int = 64
    """processes and threads of the child's user (RLIMIT_NPROC); enforced for non-root only"""
    file_bytes: int = 64 * 1024**2
    """largest file the child may write (RLIMIT_FSIZE)"""
    open_files: int = 512
    """open file descriptors (RLIMIT_NOFILE)"""
    cpu_seconds: int = 3600
    """CPU time of one child process (RLIMIT_CPU), a backstop behind the wall-clock limits"""
    tmp_bytes: int = 256 * 1024**2
    """size of the child's writable scratch space (a tmpfs) in ``namespaces`` mode"""


@dataclass(frozen=True)
class Policy:
    """How children of this grading process are confined."""

    mode: str
    """``namespaces``, ``permissions`` or ``none``"""
    reason: str = ""
    """why a weaker mode than ``namespaces`` was chosen, for the one-line notice"""
    limits: Limits = field(default_factory=Limits)
    """resource limits"""

    @property
    def isolated(self) -> bool:
        return self.mode != "none"

    def notice(self) -> str:
        """One line for the command's output saying how student code is confined."""
        if self.mode == "namespaces":
            return (
                "Student code runs as an unprivileged user in its own namespaces (no network, "
                "no view of the graders, solutions or other submissions)."
            )
        if self.mode == "permissions":
            return (
                "Student code runs as an unprivileged user; the grader's folders are locked to "
                f"root, but namespaces are not available ({self.reason}), so the network and "
                "other world-readable files stay reachable."
            )
        return (
            f"Privileges cannot be dropped here ({self.reason}): student code runs as this "
            "user, with time, memory and process limits but able to read what this user can "
            "read, the hidden graders included. Grade as root (otter grade, Gradescope, a "
            "container) for isolation."
        )


@functools.lru_cache(maxsize=1)
def policy() -> Policy:
    """The confinement this process can give its children (probed once, then cached)."""
    wanted = os.environ.get("PRACTICE07_SANDBOX", "").strip().lower()
    if wanted and wanted not in MODES:
        LOG.warning("PRACTICE07_SANDBOX=%s is not one of %s; ignoring it", wanted, MODES)
        wanted = ""
    if not sys.platform.startswith("linux"):
        return Policy("none", f"{sys.platform} is not Linux")
    if os.geteuid() != 0:
        return Policy("none", "not running as root")
    if wanted == "none":
        return Policy("none", "PRACTICE07_SANDBOX=none")
    if wanted == "permissions":
        return Policy("permissions", "PRACTICE07_SANDBOX=permissions")
    problem = _namespaces_problem()
    if problem:
        return Policy("permissions", problem)
    return Policy("namespaces")


def _namespaces_problem() -> str:
    """Why namespaces cannot be used here, or ``""`` when they can."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "the unshare command is not installed"
    try:
        done = subprocess.run([unshare, *UNSHARE_FLAGS, "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as error:
        return f"unshare failed: {error}"
    if done.returncode != 0:
        return "unshare was refused: " + done.stderr.decode(errors="replace").strip()[:200]
    return _trial_jail()


def _trial_jail() -> str:
    """Build the whole jail once, around ``python -c pass``: a container may allow new
    namespaces yet refuse a mount the jail needs. Returns the problem, or ``""``."""
    from autograder.engine.child import prepare_workdir

    trial = Policy("namespaces")
    workdir = Path(tempfile.mkdtemp(prefix="practice07-trial-"))
    try:
        prepare_workdir(workdir, {})
        prepare_workdir_permissions(trial, workdir)
        config = jail_config(trial, workdir, secret_paths())
        boot = (
            f"import sys, json, os; sys.path.insert(0, {str(workdir)!r}); "
            "from _childside import jail; jail.enter(json.loads(os.environ['P07_JAIL']))"
        )
        done = subprocess.run(
            command(trial, [sys.executable, "-I", "-c", boot]),
            env={"P07_JAIL": json.dumps(config), "PATH": "/usr/bin:/bin"},
            cwd=workdir,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"the trial jail failed: {error}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if done.returncode != 0:
        return "the trial jail failed: " + done.stderr.decode(errors="replace").strip()[-200:]
    return ""


UNSHARE_FLAGS = ("--mount", "--pid", "--fork", "--kill-child", "--net", "--ipc", "--uts")


def child_uid() -> int:
    """The unprivileged user id for this grading process's children."""
    return UID_BASE + os.getpid()


def python_paths() -> list[str]:
    """Folders the child's Python needs to read: its installation (standard library) and
    environment (site-packages). The grader's own ``sys.path`` is not used: it may hold the
    folder a grading script was started from, next to the submissions."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates.append(str(Path(sys.executable).resolve().parent.parent))
    found = []
    for candidate in candidates:
        path = Path(candidate).resolve()
        if path.is_dir() and not _holds_repository(path):
            found.append(str(path))
    return _outermost(found)


def _holds_repository(path: Path) -> bool:
    """Whether ``path`` is ``/`` or the source checkout or a folder above it (such a folder
    on the import path is never needed by the child)."""
    if path == Path("/"):
        return True
    return REPO_ROOT is not None and (path == REPO_ROOT or path in REPO_ROOT.parents)


def _outermost(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def secret_paths(extra: list[Path] | tuple[Path, ...] = ()) -> list[str]:
    """What the child must never read: the grader's package, the repository's private
    folders, and ``extra`` (results folders, Otter's source folder)."""
    secrets = [PACKAGE_DIR]
    if REPO_ROOT is not None:
        secrets += [REPO_ROOT / name for name in REPO_PRIVATE]
    secrets += [Path(p) for p in extra]
    found = []
    for path in secrets:
        path = Path(path).resolve()
        if path.exists() and str(path) != "/":
            found.append(str(path))
    return sorted(set(found))


def jail_config(policy: Policy, workdir: Path, secrets: list[str]) -> dict:
    """What ``childside.jail.enter`` needs, as plain data for an environment variable."""
    limits = policy.limits
    config = {
        "mode": policy.mode,
        "workdir": str(workdir),
        "uid": child_uid() if policy.isolated else None,
        "fallback_uid": FALLBACK_UID,
        "limits": {
            "memory_bytes": limits.memory_bytes,
            "processes": limits.processes if policy.isolated else None,
            "file_bytes": limits.file_bytes,
            "open_files": limits.open_files,
            "cpu_seconds": limits.cpu_seconds,
            "tmp_bytes": limits.tmp_bytes,
        },
    }
    if policy.mode == "namespaces":
        config["binds"] = [p for p in SYSTEM_PATHS if os.path.lexists(p)] + python_paths()
        config["hide"] = secrets
    return config


@functools.lru_cache(maxsize=1)
def setpriv_pdeathsig() -> list[str]:
    """``setpriv --pdeathsig KILL`` where util-linux has it, else ``[]``: it makes the child
    die with the grader without code between fork and exec in the grader's process."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    try:
        done = subprocess.run([setpriv, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [setpriv, "--pdeathsig", "KILL"] if "--pdeathsig" in done.stdout else []


def command(policy: Policy, python_argv: list[str]) -> list[str]:
    """The command that starts the child: ``setpriv --pdeathsig`` (where available), then
    ``unshare ...`` in ``namespaces`` mode, then Python."""
    prefix = setpriv_pdeathsig()
    if policy.mode == "namespaces":
        return [*prefix, shutil.which("unshare") or "unshare", *UNSHARE_FLAGS, *python_argv]
    return [*prefix, *python_argv]


def prepare_workdir_permissions(policy: Policy, workdir: Path) -> None:
    """Let the child's user, and no other, into its folder; it may write only its scratch
    space (the folder itself is the child user's, mode 0700, so that a concurrent child of
    another submission cannot read it; the files inside stay root's)."""
    if not policy.isolated:
        return
    uid = child_uid()
    for path in workdir.rglob("*"):
        if path.is_symlink():
            continue
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chown(workdir, uid, uid)
    os.chmod(workdir, 0o700)
    scratch = workdir / "tmp"
    scratch.mkdir(exist_ok=True)
    os.chown(scratch, uid, uid)
    os.chmod(scratch, 0o700)


def lock_secrets(policy: Policy, secrets: list[str]) -> None:
    """In ``permissions`` mode: make the secret folders root-only, Python traversable."""
    if policy.mode != "permissions":
        return
    for secret in secrets:
        path = Path(secret)
        try:
            current = stat.S_IMODE(path.stat().st_mode)
            locked = current & 0o700 if path.is_dir() else current & 0o600
            if current != locked:
                os.chmod(path, locked)
                LOG.info("made %s readable by root only", path)
        except OSError as error:
            LOG.warning("could not lock %s: %s", path, error)
    for folder in python_paths():
        for parent in [Path(folder), *Path(folder).parents]:
            try:
                mode = stat.S_IMODE(parent.stat().st_mode)
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)
                    LOG.info("made %s traversable so the child can run Python", parent)
            except OSError as error:
                LOG.warning("could not open %s for traversal: %s", parent, error)
