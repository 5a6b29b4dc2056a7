"""Confine the child process before any student code runs (see ``engine.sandbox``).

``enter(config)`` is the first thing the child does. In ``namespaces`` mode the process is
root inside fresh mount, PID, network, IPC and UTS namespaces (made by ``unshare``), and it

1. makes every mount private, so nothing below propagates back to the grader;
2. builds a new root on a tmpfs: read-only, no-setuid bind mounts of the system and Python
   folders named in ``binds``, an empty tmpfs over every ``hide`` path that falls inside
   them, a few device nodes, a fresh ``/proc``, a small ``/tmp``, the working folder
   (read-only) and its scratch folder (a size-capped tmpfs owned by the child's user);
3. switches to it with ``pivot_root`` and detaches the old root, so no path leads back;
4. drops to the unprivileged user (all groups, ids and capabilities gone) and sets
   ``PR_SET_NO_NEW_PRIVS``.

In ``permissions`` mode only step 4 runs; in every mode the resource limits are set last.
Any failure before the user is dropped ends the process with status 97, which the grader
reports as a failure of grading (never of the submission).

This module runs before numpy or torch are imported and uses only the standard library.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import sys

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
PIVOT_ROOT_SYSCALL = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "ppc64le": 203}
DEVICES = ("null", "zero", "full", "random", "urandom")
JAIL_FAILED = 97

_libc = ctypes.CDLL(None, use_errno=True)


class JailError(RuntimeError):
    """The child could not be confined; grading must not go on in this process."""


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = ""):
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {source} on {target}",
    )


def _bind(source: str, target: str, read_only: bool = True, recursive: bool = True) -> None:
    _mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    _mount(None, target, None, flags)


def _make_target(path: str, like: str) -> None:
    if os.path.isdir(like):
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            open(path, "w").close()


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _build_root(config: dict, new_root: str, uid: int) -> None:
    """Steps 1-2: the new root file system under ``new_root``."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(new_root, exist_ok=True)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    workdir = config["workdir"]
    binds = config.get("binds", [])

    for path in binds:
        target = new_root + path
        if os.path.islink(path) and os.path.dirname(path) == "/":
            if not os.path.lexists(target):
                os.symlink(os.readlink(path), target)
            continue
        if not os.path.exists(path):
            continue
        _make_target(target, path)
        _bind(os.path.realpath(path), target)

    for secret in config.get("hide", []):
        if not any(_inside(secret, os.path.realpath(b)) for b in binds):
            continue
        target = new_root + secret
        if os.path.isdir(target):
            _mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")
        elif os.path.exists(target):
            _mount("/dev/null", target, None, MS_BIND)

    os.makedirs(new_root + "/dev", exist_ok=True)
    for name in DEVICES:
        target = f"{new_root}/dev/{name}"
        open(target, "w").close()
        _mount(f"/dev/{name}", target, None, MS_BIND)
    os.makedirs(new_root + "/dev/shm", exist_ok=True)
    _mount("tmpfs", new_root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0")):
        os.symlink(link, f"{new_root}/dev/{name}")
    os.symlink("/proc/self/fd/1", f"{new_root}/dev/stdout")
    os.symlink("/proc/self/fd/2", f"{new_root}/dev/stderr")

    os.makedirs(new_root + "/proc", exist_ok=True)
    _mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(new_root + "/tmp", exist_ok=True)
    _mount("tmpfs", new_root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=16m")

    target = new_root + workdir
    os.makedirs(target, exist_ok=True)
    _bind(workdir, target, recursive=False)
    size = int(config["limits"]["tmp_bytes"])
    _mount(
        "tmpfs",
        target + "/tmp",
        "tmpfs",
        MS_NOSUID | MS_NODEV,
        f"mode=0700,uid={uid},gid={uid},size={size}",
    )
    _mount(None, new_root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _pivot(new_root: str) -> None:
    """Step 3: make ``new_root`` the root and forget the old one."""
    number = PIVOT_ROOT_SYSCALL.get(platform.machine())
    os.chdir(new_root)
    if number is None:
        os.chroot(".")
        return
    _check(_libc.syscall(number, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir("/")


def _drop(uid: int, fallback: int) -> int:
    """Step 4: become ``uid`` (or ``fallback`` where ``uid`` is not mapped)."""
    os.setgroups([])
    for candidate in (uid, fallback):
        try:
            os.setresgid(candidate, candidate, candidate)
            os.setresuid(candidate, candidate, candidate)
            break
        except OSError:
            continue
    if os.getuid() == 0 or os.geteuid() == 0:
        raise JailError("could not drop root")
    return os.getuid()


def _limit(limits: dict) -> None:
    def cap(kind: int, value) -> None:
        if value is None:
            return
        soft, hard = resource.getrlimit(kind)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_AS, limits.get("memory_bytes"))
    cap(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    cap(resource.RLIMIT_NOFILE, limits.get("open_files"))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    cap(resource.RLIMIT_CORE, 0)
    if os.getuid() != 0:
        cap(resource.RLIMIT_NPROC, limits.get("processes"))


def enter(config: dict) -> None:
    """Confine this process as ``config`` says (see the module docstring)."""
    mode = config.get("mode", "none")
    uid = config.get("uid")
    try:
        _check(_libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "parent-death signal")
        if mode == "namespaces":
            new_root = os.path.join(config["workdir"], ".root")
            _build_root(config, new_root, uid)
            _pivot(new_root)
            os.chdir(config["workdir"])
        if mode in ("namespaces", "permissions"):
            _drop(uid, config.get("fallback_uid", 65534))
        # a change of user clears the parent-death signal: ask for it again
        _check(_libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "parent-death signal")
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _limit(config.get("limits", {}))
    except Exception as error:  # never run student code half-confined
        sys.stderr.write(f"practice07 jail: {error}\n")
        sys.stderr.flush()
        os._exit(JAIL_FAILED)
    if mode == "namespaces" and os.getpid() == 1:
        _become_init()


def _become_init() -> None:
    """Stay behind as the PID namespace's init and let a child run the server.

    The first process of a PID namespace ignores signals it has no handler for, even
    ``SIGSEGV`` or ``SIGKILL`` sent by itself, and inherits every orphan. Keeping that role
    out of the server lets student code die as it would anywhere else; the init reaps
    orphans and, when the server ends, exits with its status (128 + signal when killed),
    which ends the namespace and every process still in it.
    """
    server = os.fork()
    if server == 0:
        _check(_libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "parent-death signal")
        return
    os.closerange(0, 1 << 16)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        if pid == server:
            if os.WIFSIGNALED(status):
                os._exit(128 + os.WTERMSIG(status))
            os._exit(os.WEXITSTATUS(status))
