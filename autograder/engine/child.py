"""The grader's side of the boundary: start, talk to, time out and restart the child.

A ``StudentProcess`` runs ``autograder.childside.server`` in a separate Python process whose
working folder holds only the submission's five modules and a copy of ``childside``. The
graders talk to it through ``StudentProcess.call`` and ``StudentProcess.probe`` and get
plain data back (see ``codec``). Whatever student code does, the grader's process only ever
reads framed JSON from a pipe.

A call that raises comes back as ``StudentRaised`` (or ``NotImplementedYet``); one that runs
past its time limit or kills the process comes back as ``StudentTimeout`` or
``StudentCrashed``, and the process is started again on the next call. A module whose import
failed once is remembered, so later calls to it fail at once with the same message instead
of paying for another start.

The child is confined as ``engine.sandbox`` describes: as root, in its own namespaces (or
behind locked folders) as an unprivileged user; always with memory, file, CPU and process
limits, its own session, and a parent-death signal, so it dies with the grader. What it
prints goes through a pipe that the grader drains while it waits; only the first
``MAX_OUTPUT_SHOWN`` characters per request are kept, the rest is counted and dropped, so
printing can neither fill a disk nor block grading.

Limitations
-----------
Without root (``sandbox`` mode ``none``) the child runs as the grader's user and sees what
that user sees; a process it starts that leaves both its session and its process group can
outlive grading there.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.childside import codec
from autograder.engine import sandbox

LOG = logging.getLogger(__name__)

START_TIMEOUT = 120.0
IMPORT_TIMEOUT = 60.0
DEFAULT_CALL_TIMEOUT = 10.0
MAX_OUTPUT_SHOWN = 1500
MAX_OUTPUT_DRAINED = 1 << 20
"""bytes of output read after an answer arrived; a child that prints faster is cut off"""

_BOOT = (
    "import sys; sys.path.insert(0, {workdir!r}); sys.dont_write_bytecode = True; "
    "import json, os; from _childside import jail; "
    "jail.enter(json.loads(os.environ.pop('P07_JAIL'))); "
    "from _childside import server; server.main()"
)
JAIL_FAILED = 97
"""the child's exit status when it could not be confined (see ``childside.jail``)"""


class SandboxError(RuntimeError):
    """The child could not be confined: a failure of grading, never of the submission."""


# --------------------------------------------------------------------------------------------
# what can go wrong in student code, as the graders see it


class StudentCodeError(Exception):
    """Student code did not produce an answer. ``feedback`` is safe to show the student."""

    kind = "error"

    def __init__(self, feedback: str, output: str = ""):
        super().__init__(feedback)
        self.feedback = feedback
        self.output = output


class NotImplementedYet(StudentCodeError):
    kind = "not_implemented"
    target = ""
    """the function or method that raised ``NotImplementedError``"""


class MissingCode(StudentCodeError):
    """A module or name of the contract is absent, or a module does not import."""

    kind = "missing"


class StudentRaised(StudentCodeError):
    kind = "raised"


class StudentTimeout(StudentCodeError):
    kind = "timeout"


class StudentCrashed(StudentCodeError):
    kind = "crashed"
    exit_code: int | None = None
    """the child's exit status (negative: killed by that signal), when known"""


class BadReturn(StudentCodeError):
    kind = "bad_return"


class BudgetExhausted(StudentCodeError):
    kind = "budget"


@dataclass
class Handle:
    """An object that stays in the child process; it can only be passed back to it."""

    id: int
    """the child's key for the object"""
    type: str
    """the object's class, ``module.QualName``, for messages only"""
    generation: int
    """which start of the child made it; a restart loses every handle"""

    def __repr__(self) -> str:
        return f"<{self.type} in the student process>"


@dataclass
class CallResult:
    """What one call returned, with what it did on the side."""

    value: Any
    """the decoded return value (plain data and ``Handle``s)"""
    mutated: list = field(default_factory=list)
    """positions or keyword names of array/tensor arguments changed in place"""
    elapsed: float = 0.0
    """seconds spent in the student's function"""
    output: str = ""
    """what the call printed, truncated"""


@dataclass(frozen=True)
class Fixture:
    """A callable built on the child side by name (see ``childside.fixtures``)."""

    name: str
    """the fixture's name"""
    kwargs: dict = field(default_factory=dict)
    """its parameters: plain data"""


@dataclass(frozen=True)
class StudentFunction:
    """A reference to a function of the submission, e.g. ``"integrators.euler_step"``."""

    target: str


@dataclass(frozen=True)
class NumpyRng:
    """A fresh ``numpy.random.default_rng(seed)`` built on the child side."""

    seed: int


@dataclass(frozen=True)
class TorchGenerator:
    """A fresh ``torch.Generator().manual_seed(seed)`` built on the child side."""

    seed: int


@dataclass(frozen=True)
class GradTensor:
    """A tensor argument that the child should mark ``requires_grad=True``."""

    tensor: Any


# --------------------------------------------------------------------------------------------


class StudentProcess:
    """One submission's child process, started lazily and restarted after a failure."""

    def __init__(self, workdir: Path, budget: float = 600.0, secrets: tuple[Path, ...] = ()):
        self.workdir = Path(workdir)
        self.budget = budget
        self.secrets = sandbox.secret_paths(tuple(secrets))
        self.policy = sandbox.policy()
        self.spent = 0.0
        self.generation = 0
        self.process: subprocess.Popen | None = None
        self.requests = None
        self.answers_fd: int | None = None
        self.output_fd: int | None = None
        self.output = bytearray()
        self.output_dropped = 0
        self.module_status: dict[str, StudentCodeError | None] = {}
        self.restarts = 0
        self.check_deadline = float("inf")
        self.ready = False
        # Seconds spent inside student code and probes, as the child measured them
        # (answered requests only: a call that raised, hung or crashed is not counted).
        self.student_seconds = 0.0

    # life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child and wait for it to report ready."""
        self.spawn()
        self._await_ready()

    def spawn(self) -> None:
        """Start the child without waiting: its imports overlap with the grader's start-up."""
        self.close()
        self.generation += 1
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        output_read, output_write = os.pipe()
        scratch = self.workdir / "tmp"
        scratch.mkdir(exist_ok=True)
        if self.generation == 1:
            sandbox.prepare_workdir_permissions(self.policy, self.workdir)
            sandbox.lock_secrets(self.policy, self.secrets)
        config = sandbox.jail_config(self.policy, self.workdir, self.secrets)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(scratch),
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "LOGNAME": "student",
            "USER": "student",
            "P07_FDS": f"{request_read},{answer_write}",
            "P07_JAIL": json.dumps(config),
        }
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL"):
            if name in os.environ:
                env[name] = os.environ[name]
        argv = [sys.executable, "-I", "-c", _BOOT.format(workdir=str(self.workdir))]
        try:
            self.process = subprocess.Popen(
                sandbox.command(self.policy, argv),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output_write,
                stderr=output_write,
                pass_fds=(request_read, answer_write),
                start_new_session=True,
                preexec_fn=None if sandbox.setpriv_pdeathsig() else _die_with_parent,
            )
        finally:
            for fd in (request_read, answer_write, output_write):
                os.close(fd)
        os.set_blocking(output_read, False)
        self.requests = os.fdopen(request_write, "wb")
        self.answers_fd = answer_read
        self.output_fd = output_read
        self.output = bytearray()
        self.output_dropped = 0
        self.ready = False

    def _await_ready(self) -> None:
        try:
            answer = self._read_answer(START_TIMEOUT, what="the start of the process")
        except StudentCrashed as error:
            if error.exit_code == JAIL_FAILED:
                raise SandboxError(
                    f"the student process could not be confined: {error.output.strip()}"
                ) from None
            raise
        if not answer.get("ok"):
            raise StudentCrashed("the process that runs your code could not start")
        self.ready = True
        LOG.debug("child %d started in %s", self.process.pid, self.workdir)

    def close(self) -> None:
        """Kill the child and everything it started (its whole process group and session;
        in ``namespaces`` mode the kernel ends the whole PID namespace; in ``permissions``
        mode every process of the child's user is killed too)."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                LOG.warning("child %d did not exit after SIGKILL", self.process.pid)
            kill_leftovers(self.process.pid, sandbox.child_uid() if self.policy.isolated else None)
            self.process = None
        if self.output_fd is not None:
            os.close(self.output_fd)
            self.output_fd = None
        if self.requests is not None:
            try:
                self.requests.close()
            except OSError:
                pass
            self.requests = None
        if self.answers_fd is not None:
            os.close(self.answers_fd)
            self.answers_fd = None

    def __enter__(self) -> StudentProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # requests -----------------------------------------------------------------------------

    def ensure_module(self, module: str) -> None:
        """Import ``student.<module>`` once; raise the same error on every later use."""
        if module in self.module_status:
            problem = self.module_status[module]
            if problem is not None:
                raise problem
            return
        try:
            self._request(
                {"op": "import", "module": module},
                IMPORT_TIMEOUT,
                what=f"the import of student/{module}.py",
            )
        except StudentCodeError as error:
            problem = _import_problem(module, error)
            self.module_status[module] = problem
            raise problem from None
        self.module_status[module] = None

    def call(
        self,
        target: str,
        *args: Any,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        call_seed: int = 0,
        repeat: int | None = None,
        **kwargs: Any,
    ) -> CallResult:
        """Call the student's ``module.name`` with plain-data arguments.

        ``timeout`` limits this call (seconds); ``call_seed`` seeds the child's global
        generators first; ``repeat`` calls the function that many times on the same decoded
        arguments and returns the list of results. Every other keyword goes to the student.
        """
        module = target.partition(".")[0]
        self.ensure_module(module)
        request = {
            "op": "call",
            "target": target,
            "method": None,
            "args": self._encode(list(args)),
            "kwargs": self._encode(kwargs),
            "seed": call_seed,
            "repeat": repeat,
        }
        return self._call(request, timeout, what=f"`{target.partition('.')[2]}`")

    def call_method(
        self,
        handle: Handle,
        method: str,
        *args: Any,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        call_seed: int = 0,
        **kwargs: Any,
    ) -> CallResult:
        """Call ``method`` of an object kept in the child."""
        request = {
            "op": "call",
            "target": self._encode(handle),
            "method": method,
            "args": self._encode(list(args)),
            "kwargs": self._encode(kwargs),
            "seed": call_seed,
        }
        return self._call(request, timeout, what=f"`{handle.type.rpartition('.')[2]}.{method}`")

    def probe(
        self,
        name: str,
        *args: Any,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        call_seed: int = 0,
        **kwargs: Any,
    ) -> CallResult:
        """Run the child-side measurement ``childside.probes.<name>``."""
        request = {
            "op": "probe",
            "name": name,
            "args": self._encode(list(args)),
            "kwargs": self._encode(kwargs),
            "seed": call_seed,
        }
        return self._call(request, timeout, what=_what_is_measured(args))

    # internals ----------------------------------------------------------------------------

    def _call(self, request: dict, timeout: float, what: str) -> CallResult:
        answer, output = self._request(request, timeout, what=what)
        try:
            value = codec.decode(answer.get("value"), self._resolve_handle)
        except Exception as error:  # a forged or malformed answer: judge it unreadable
            raise BadReturn(
                f"{what} returned a value the grader cannot read ({type(error).__name__})",
                output,
            ) from None
        return CallResult(value, answer.get("mutated", []), answer.get("elapsed", 0.0), output)

    def _resolve_handle(self, tag: str, payload: Any) -> Any:
        if tag == "__handle__":
            return Handle(payload["id"], str(payload["type"]), self.generation)
        raise codec.EncodingError(f"unexpected tag {tag!r} in an answer")

    def _encode(self, value: Any) -> Any:
        if isinstance(value, Handle):
            if value.generation != self.generation:
                raise StudentCrashed(
                    "an object your code returned earlier was lost when the process "
                    "running your code had to be restarted"
                )
            return {"__handle__": {"id": value.id, "type": value.type}}
        if isinstance(value, Fixture):
            return {"__fixture__": {"name": value.name, "kwargs": self._encode(value.kwargs)}}
        if isinstance(value, StudentFunction):
            self.ensure_module(value.target.partition(".")[0])
            return {"__student__": value.target}
        if isinstance(value, NumpyRng):
            return {"__rng__": int(value.seed)}
        if isinstance(value, TorchGenerator):
            return {"__torch_generator__": int(value.seed)}
        if isinstance(value, GradTensor):
            return codec.encode_tensor_request(value.tensor, requires_grad=True)
        if isinstance(value, list):
            return [self._encode(item) for item in value]
        if isinstance(value, tuple):
            return {"__tuple__": [self._encode(item) for item in value]}
        if isinstance(value, dict):
            return {"__dict__": [[key, self._encode(item)] for key, item in value.items()]}
        return codec.encode(value)

    def _request(self, request: dict, timeout: float, what: str = "the call") -> tuple:
        remaining = self.budget - self.spent
        if remaining <= 0:
            raise BudgetExhausted(
                "the time allowed for grading this submission was used up before this check"
            )
        check_remaining = self.check_deadline - time.monotonic()
        if check_remaining <= 0:
            raise BudgetExhausted("this check's time allowance was used up by earlier calls")
        remaining = min(remaining, check_remaining)
        if self.process is None or self.process.poll() is not None:
            self.spawn()
        if not self.ready:
            self._await_ready()
        started = time.monotonic()
        try:
            codec.write_message(self.requests, request)
            answer = self._read_answer(min(timeout, remaining), what=what)
        except BrokenPipeError:
            answer = None
            self._died(what)
        finally:
            self.spent += time.monotonic() - started
        output = self._new_output()
        elapsed = answer.get("elapsed") if isinstance(answer, dict) else None
        if type(elapsed) in (int, float) and 0.0 <= elapsed < float("inf"):
            self.student_seconds += elapsed
        if answer.get("ok"):
            return answer, output
        raise _error_from_answer(answer["error"], output, what)

    def _read_answer(self, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        header = self._read_exact(8, deadline, what)
        (size,) = struct.unpack(">Q", header)
        if size > codec.MAX_MESSAGE_BYTES:
            self.close()
            raise BadReturn("the answer from your code was too large to read")
        body = self._read_exact(size, deadline, what)
        try:
            answer = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            answer = None
        if not _well_formed(answer):
            self.close()
            self.restarts += 1
            raise StudentCrashed(
                f"the process running your code sent an unreadable answer during {what} "
                "(something wrote to the grader's channel)"
            )
        return answer

    def _read_exact(self, size: int, deadline: float, what: str) -> bytes:
        chunks, remaining = [], size
        while remaining:
            wait = deadline - time.monotonic()
            watched = [self.answers_fd] + ([self.output_fd] if self.output_fd is not None else [])
            ready = select.select(watched, [], [], max(wait, 0))[0] if wait > 0 else []
            if self.output_fd is not None and self.output_fd in ready:
                self._drain_output(limit=MAX_OUTPUT_DRAINED)
                if self.answers_fd not in ready:
                    continue
            if not ready:
                self.close()
                self.restarts += 1
                raise StudentTimeout(
                    f"{what} did not finish within its time limit (an infinite loop, or far "
                    "too slow)",
                    self._new_output(),
                )
            chunk = os.read(self.answers_fd, min(remaining, 1 << 20))
            if not chunk:
                self._died(what)
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _died(self, what: str) -> None:
        try:
            code = self.process.wait(timeout=10) if self.process is not None else None
        except subprocess.TimeoutExpired:
            code = None
        self._drain_output(limit=MAX_OUTPUT_DRAINED)
        output = self._new_output()
        self.close()
        self.restarts += 1
        if code is not None and code < 0:
            how = f"was killed by signal {_signal_name(-code)}"
        elif code is not None and code > 128 and self.policy.mode == "namespaces":
            how = f"was killed by signal {_signal_name(code - 128)}"
        else:
            how = f"exited with code {code}"
        error = StudentCrashed(
            f"the process running your code {how} during {what} (a crash, os._exit, or "
            "running out of memory)",
            output,
        )
        error.exit_code = code
        raise error

    def _drain_output(self, limit: int) -> None:
        """Read what the child printed, keeping the start and counting the rest."""
        if self.output_fd is None:
            return
        read = 0
        while read < limit:
            try:
                chunk = os.read(self.output_fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                os.close(self.output_fd)
                self.output_fd = None
                return
            read += len(chunk)
            room = 4 * MAX_OUTPUT_SHOWN - len(self.output)
            if room > 0:
                self.output += chunk[:room]
            self.output_dropped += max(0, len(chunk) - max(room, 0))

    def _new_output(self) -> str:
        """What the child printed since the last request, truncated (``MAX_OUTPUT_SHOWN``)."""
        self._drain_output(limit=MAX_OUTPUT_DRAINED)
        text = bytes(self.output).decode("utf-8", errors="replace")
        dropped = self.output_dropped
        self.output = bytearray()
        self.output_dropped = 0
        if len(text) > MAX_OUTPUT_SHOWN or dropped:
            text = text[:MAX_OUTPUT_SHOWN] + " [output truncated]"
        return text


def _well_formed(answer: Any) -> bool:
    """Whether an answer has the shape the protocol promises (it came from student space)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        return False
    if answer["ok"]:
        return isinstance(answer.get("mutated", []), list) and isinstance(
            answer.get("elapsed", 0.0), (int, float)
        )
    error = answer.get("error")
    return isinstance(error, dict) and all(
        isinstance(error.get(key, ""), str) for key in ("kind", "type", "message", "where")
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"number {number}"


_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    """In the forked child before exec: be killed when the grader's thread goes away.

    Used only where ``setpriv --pdeathsig`` is missing; it makes one system call and
    allocates nothing, as code between fork and exec must.
    """
    _LIBC.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL


def kill_leftovers(session: int, uid: int | None) -> int:
    """SIGKILL every process in ``session`` and, when given, every process of ``uid``.

    Returns how many processes were signalled. Repeats until none is found, so a process
    that forks while being killed is caught on the next pass.
    """
    signalled = 0
    for _ in range(20):
        found = []
        for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stream:
                    fields = stream.read().rpartition(b")")[2].split()
                owner = os.stat(f"/proc/{entry.name}").st_uid
            except OSError:
                continue
            if int(fields[3]) == session or (uid is not None and owner == uid):
                if fields[0] != b"Z":
                    found.append(int(entry.name))
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                signalled += 1
            except OSError:
                pass
        time.sleep(0.01)
    return signalled


def _what_is_measured(args: tuple) -> str:
    """Name the student's function or object that a probe runs, for feedback."""
    for arg in args:
        if isinstance(arg, StudentFunction):
            return f"`{arg.target.partition('.')[2]}`"
        if isinstance(arg, Handle):
            return f"your {arg.type.rpartition('.')[2]}"
    return "the measurement of your result"


def _error_from_answer(error: dict, output: str, what: str = "the call") -> StudentCodeError:
    kind = error.get("kind")
    where = f" ({error['where']})" if error.get("where") else ""
    message = error.get("message", "")
    if kind == "not_implemented":
        problem = NotImplementedYet(f"{what} is not implemented yet", output)
        problem.target = what
        return problem
    if kind == "missing":
        return MissingCode(message or f"{what} is missing from the submission", output)
    if kind == "syntax":
        return MissingCode(f"has a syntax error: {message}{where}", output)
    if kind == "bad_return":
        return BadReturn(
            f"{what} returned a value the grader cannot read: {message}{where}", output
        )
    if kind == "protocol":
        return StudentCrashed(f"the grader's request failed: {message}", output)
    return StudentRaised(
        f"{what} raised {error.get('type', 'an exception')}: {message}{where}", output
    )


def _import_problem(module: str, error: StudentCodeError) -> StudentCodeError:
    path = f"student/{module}.py"
    if isinstance(error, NotImplementedYet):
        return MissingCode(f"{path} raises NotImplementedError when imported", error.output)
    if isinstance(error, MissingCode) and f"'student.{module}'" in error.feedback:
        return MissingCode(f"{path} is missing from the submission")
    return MissingCode(f"{path} could not be imported: {error.feedback}", error.output)


def prepare_workdir(workdir: Path, student_files: dict[str, bytes]) -> None:
    """Lay out a child's folder: ``student/`` with the given files and ``_childside/``."""
    package = workdir / "student"
    package.mkdir(parents=True)
    (package / "__init__.py").write_bytes(b"")
    for name, data in student_files.items():
        (package / name).write_bytes(data)
    source = Path(codec.__file__).resolve().parent
    shutil.copytree(source, workdir / "_childside", ignore=shutil.ignore_patterns("__pycache__"))
