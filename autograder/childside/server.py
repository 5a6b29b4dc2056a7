"""The process that runs a student's code and answers the graders' requests.

It is started by ``autograder.engine.child`` with two pipe descriptors in ``P07_FDS``
(``"read,write"``) and a working folder that holds the submission's ``student/`` package and
a copy of this ``childside`` package, nothing else. Its standard output and error go to a log
file that the grader reads after each request, so that printing cannot disturb the protocol.

Each request is one framed JSON message (see ``codec``) and gets exactly one answer:

- ``{"op": "import", "module": m}``: import ``student.m``;
- ``{"op": "call", "target": "m.name" | handle, "method": str | None, "args": [...],
  "kwargs": {...}, "seed": int, "repeat": int | None}``: call a student function or a method
  of a kept object, ``repeat`` times with the same decoded arguments when given;
- ``{"op": "probe", "name": n, "args": [...], "kwargs": {...}, "seed": int}``: run one of the
  measurement routines in ``probes`` on decoded arguments;
- ``{"op": "release", "ids": [...]}``: forget kept objects.

An answer is ``{"ok": true, "value": ..., "mutated": [...]}`` or ``{"ok": false, "error":
{"kind": ..., "type": ..., "message": ..., "where": ...}}``. ``mutated`` lists the positions
(or keyword names) of array and tensor arguments whose contents changed during the call.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import time
import traceback

from . import codec, fixtures, probes

STUDENT_PACKAGE = "student"
MAX_TEXT = 600


class Server:
    """Holds the kept objects and dispatches requests."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.objects: dict[int, object] = {}
        self.next_id = 1

    # kept objects -------------------------------------------------------------------------

    def keep(self, value: object) -> int:
        handle = self.next_id
        self.next_id += 1
        self.objects[handle] = value
        return handle

    def resolve(self, tag: str, payload):
        if tag == "__handle__":
            handle = payload["id"] if isinstance(payload, dict) else payload
            if handle not in self.objects:
                raise LookupError("an object kept from an earlier call is gone")
            return self.objects[handle]
        if tag == "__fixture__":
            kwargs = codec.decode(payload.get("kwargs", {}), self.resolve)
            return fixtures.make(payload["name"], **unwrap(kwargs))
        if tag == "__student__":
            module, _, name = payload.rpartition(".")
            return getattr(self.import_module(module), name)
        if tag == "__rng__":
            import numpy

            return numpy.random.default_rng(payload)
        if tag == "__torch_generator__":
            import torch

            return torch.Generator().manual_seed(int(payload))
        raise codec.EncodingError(f"unknown reference {tag!r}")

    # requests -----------------------------------------------------------------------------

    def import_module(self, module: str):
        return importlib.import_module(f"{STUDENT_PACKAGE}.{module}")

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        if op == "ping":
            return {"ok": True, "value": None}
        if op == "release":
            for handle in request.get("ids", []):
                self.objects.pop(handle, None)
            return {"ok": True, "value": None}
        if op == "import":
            return self.run(lambda: (self.import_module(request["module"]), None)[1], [], {})
        if op == "call":
            return self.call(request)
        if op == "probe":
            return self.probe(request)
        return error_answer("protocol", "ValueError", f"unknown request {op!r}", "")

    def call(self, request: dict) -> dict:
        try:
            if request.get("method") is not None:
                owner = codec.decode(request["target"], self.resolve)
                target = getattr(owner, request["method"])
            else:
                module, _, name = request["target"].rpartition(".")
                target = self.import_module(module)
                if not hasattr(target, name):
                    return error_answer(
                        "missing", "AttributeError", f"student/{module}.py has no `{name}`", ""
                    )
                target = getattr(target, name)
        except BaseException as error:  # import failure, lost handle
            return exception_answer(error)
        return self.run(target, request.get("args", []), request.get("kwargs", {}), request)

    def probe(self, request: dict) -> dict:
        routine = getattr(probes, request["name"], None)
        if routine is None or request["name"].startswith("_"):
            return error_answer("protocol", "ValueError", "unknown probe", "")
        return self.run(
            lambda *a, **k: routine(self, *a, **k),
            request.get("args", []),
            request.get("kwargs", {}),
            request,
        )

    def run(self, target, raw_args, raw_kwargs, request: dict | None = None) -> dict:
        """Decode arguments, call ``target`` (repeatedly if asked) and encode the answer."""
        request = request or {}
        try:
            args = unwrap(codec.decode(raw_args, self.resolve))
            kwargs = unwrap(codec.decode(raw_kwargs, self.resolve))
        except BaseException as error:
            return exception_answer(error)
        snapshot = Snapshot(args, kwargs)
        seed_everything(int(request.get("seed", 0)))
        repeat = request.get("repeat")
        started = time.perf_counter()
        try:
            if repeat is None:
                value = target(*args, **kwargs)
            else:
                value = [target(*args, **kwargs) for _ in range(int(repeat))]
        except BaseException as error:  # SystemExit and KeyboardInterrupt included
            return exception_answer(error)
        elapsed = time.perf_counter() - started
        try:
            mutated = snapshot.changed(args, kwargs)
            encoded = codec.encode(value, keep=self.keep)
        except BaseException as error:
            answer = exception_answer(error)
            answer["error"]["kind"] = "bad_return"
            return answer
        return {"ok": True, "value": encoded, "mutated": mutated, "elapsed": elapsed}


def unwrap(value):
    """Replace decoded ``TensorInfo`` by real tensors with the requested ``requires_grad``."""
    if isinstance(value, codec.TensorInfo):
        tensor = value.tensor.clone()
        if value.requires_grad:
            tensor.requires_grad_(True)
        return tensor
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    if isinstance(value, tuple):
        return tuple(unwrap(item) for item in value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    return value


class Snapshot:
    """Copies of the array and tensor arguments of a call, to detect in-place changes."""

    def __init__(self, args, kwargs):
        self.items = [(key, copy_of(value)) for key, value in labelled(args, kwargs)]

    def changed(self, args, kwargs) -> list:
        current = dict(labelled(args, kwargs))
        return [
            key
            for key, before in self.items
            if before is not None and not same_contents(before, current[key])
        ]


def labelled(args, kwargs):
    yield from enumerate(args)
    yield from kwargs.items()


def copy_of(value):
    numpy = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return value.copy()
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().clone()
    return None


def same_contents(before, after) -> bool:
    numpy = sys.modules.get("numpy")
    if isinstance(before, numpy.ndarray):
        return before.shape == after.shape and numpy.array_equal(before, after, equal_nan=True)
    import torch

    after = after.detach()
    return before.shape == after.shape and bool(
        torch.equal(torch.nan_to_num(before), torch.nan_to_num(after))
    )


def seed_everything(seed: int) -> None:
    """Seed the global generators so that code which (wrongly) uses them is reproducible."""
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def error_answer(kind: str, type_name: str, message: str, where: str) -> dict:
    return {
        "ok": False,
        "error": {"kind": kind, "type": type_name, "message": message[:MAX_TEXT], "where": where},
    }


def exception_answer(error: BaseException) -> dict:
    type_name = type(error).__name__
    try:
        message = str(error)
    except BaseException:
        message = "(the exception's message could not be read)"
    kind = "raised"
    if isinstance(error, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(error, SyntaxError):
        kind = "syntax"
        message = str(error.msg)
    elif isinstance(error, ModuleNotFoundError) and (error.name or "").startswith(
        f"{STUDENT_PACKAGE}."
    ):
        kind = "missing"
    where = student_location(error)
    if kind == "syntax" and not where:  # the location names the line; without it, say it here
        message += f" (line {error.lineno})"
    return error_answer(kind, type_name, message, where)


def student_location(error: BaseException) -> str:
    """The innermost frame of the traceback that lies in the student's package."""
    marker = os.sep + STUDENT_PACKAGE + os.sep
    where = ""
    if isinstance(error, SyntaxError) and error.filename and marker in error.filename:
        return f"{STUDENT_PACKAGE}/{os.path.basename(error.filename)}, line {error.lineno}"
    for frame in traceback.extract_tb(error.__traceback__):
        if marker in frame.filename:
            name = os.path.basename(frame.filename)
            where = f"{STUDENT_PACKAGE}/{name}, line {frame.lineno}, in {frame.name}"
    return where


def main() -> None:
    read_fd, write_fd = (int(fd) for fd in os.environ["P07_FDS"].split(","))
    requests = os.fdopen(read_fd, "rb", buffering=0)
    answers = os.fdopen(write_fd, "wb")
    server = Server(os.getcwd())

    # Libraries every module needs are imported before any student code, so that their
    # start-up time is not charged to the first graded call.
    import matplotlib

    matplotlib.use("Agg")
    import numpy  # noqa: F401
    import sympy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    import matplotlib.pyplot  # noqa: F401
    import torchdiffeq  # noqa: F401

    probes.capture_libraries()
    codec.write_message(answers, {"ok": True, "value": "ready"})
    while True:
        request = codec.read_message(requests)
        if request is None:
            break
        try:
            answer = server.handle(request)
        except BaseException as error:  # never leave a request unanswered
            answer = exception_answer(error)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            codec.write_message(answers, answer)
        except (ValueError, TypeError) as error:
            codec.write_message(
                answers, error_answer("bad_return", "EncodingError", str(error), "")
            )
