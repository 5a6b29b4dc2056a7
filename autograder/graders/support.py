"""What every grader test uses: the ``check`` decorator, verdict helpers, the student proxy.

A grader test is a pytest function decorated with ``check``:

    @check("1.7 euler_step matches hand-worked values on the oscillator", points=1,
           catches="using the updated q in the momentum update; a sign error in the kick")
    def test_euler_hand_worked(student):
        q, p = student.call("integrators.euler_step", ...)
        expect(close(q, 1.0), "q_next is wrong on a hand-worked case")

The name starts with the question id and says what is checked; ``catches`` names the bug
kinds the check exists for (staff documentation, never shown). Feedback given to ``expect``
and ``fail`` must describe the kind of bug, never the expected value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.engine.child import (
    CallResult,
    Fixture,
    GradTensor,
    Handle,
    NumpyRng,
    StudentFunction,
    StudentProcess,
    TorchGenerator,
)
from autograder.questions import BY_ID

__all__ = [
    "CallResult",
    "CheckFailed",
    "CheckInfo",
    "Fixture",
    "GradTensor",
    "Handle",
    "NumpyRng",
    "Student",
    "StudentFunction",
    "TorchGenerator",
    "as_array",
    "as_float",
    "as_pair",
    "as_tensor",
    "check",
    "close",
    "expect",
    "fail",
]


class CheckFailed(AssertionError):
    """A check found a bug. The message is shown to the student as it is."""


@dataclass(frozen=True)
class CheckInfo:
    """The metadata of one grader test."""

    name: str
    """full name, starting with the question id and a space"""
    question: str
    """the question id the points count for"""
    points: float
    """what passing is worth"""
    catches: str
    """which kinds of bug the check exists to catch"""
    timeout: float
    """seconds of student time this check may use in all"""


def check(name: str, points: float, catches: str, timeout: float = 60.0) -> Callable:
    """Mark a pytest function as a grader check worth ``points`` for the question in ``name``."""
    question = name.split(" ", 1)[0]
    if question not in BY_ID:
        raise ValueError(f"check {name!r} does not start with a question id")
    if not catches:
        raise ValueError(f"check {name!r} does not say which bug it catches")

    def mark(function: Callable) -> Callable:
        function.check_info = CheckInfo(name, question, float(points), catches, timeout)
        return function

    return mark


def fail(message: str) -> None:
    raise CheckFailed(message)


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is exactly ``True`` (NaN fails)."""
    if condition is not True and not (isinstance(condition, np.bool_) and bool(condition)):
        raise CheckFailed(message)


def close(actual: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Elementwise closeness of finite numeric arrays of the same shape; False otherwise."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if actual.shape != expected.shape or not np.all(np.isfinite(actual)):
        return False
    return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


# --------------------------------------------------------------------------------------------
# reading answers: check type and shape first, with feedback in words


def as_array(value: Any, what: str, shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """A numpy array from a returned value (numpy array, scalar, int or float), checked."""
    if isinstance(value, bool) or not isinstance(value, (np.ndarray, np.generic, int, float)):
        fail(f"{what} should be a numpy array, got {_kind(value)}")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        fail(f"{what} should hold real numbers, got dtype {array.dtype}")
    if shape is not None and array.shape != tuple(shape):
        fail(f"{what} has shape {array.shape}, expected {tuple(shape)}")
    if finite and not np.all(np.isfinite(array)):
        fail(f"{what} contains NaN or infinity")
    return array.astype(float)


def as_float(value: Any, what: str) -> float:
    """A finite Python float from a returned number or 0-d array."""
    array = as_array(value, what)
    if array.size != 1:
        fail(f"{what} should be a single number, got shape {array.shape}")
    return float(array.reshape(()))


def as_tensor(
    value: Any, what: str, shape: tuple | None = None, dtype: Any = None, finite: bool = True
):
    """A decoded tensor (``codec.TensorInfo``), checked for shape, dtype and finiteness."""
    from autograder.childside.codec import TensorInfo

    if not isinstance(value, TensorInfo):
        fail(f"{what} should be a torch tensor, got {_kind(value)}")
    if shape is not None and value.shape != tuple(shape):
        fail(f"{what} has shape {value.shape}, expected {tuple(shape)}")
    if dtype is not None and value.dtype != dtype:
        fail(f"{what} has dtype {value.dtype}, expected {dtype}")
    if finite and value.tensor.is_floating_point() and not bool(value.tensor.isfinite().all()):
        fail(f"{what} contains NaN or infinity")
    return value


def as_pair(value: Any, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair, got {_kind(value)}")
    return tuple(value)


def _kind(value: Any) -> str:
    if isinstance(value, Handle):
        return f"an object of type {value.type.rpartition('.')[2]}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def isclose(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isfinite(a) and abs(a - b) <= abs_ + rel * abs(b)


# --------------------------------------------------------------------------------------------


class Student:
    """The graders' handle on a submission: calls go to its child process.

    ``call`` returns the decoded value; ``call_full`` returns a ``CallResult`` (value,
    mutated arguments, printed output). Every call is seeded with the running check's seed
    unless ``call_seed`` is given, so that grading is reproducible. ``memo`` keeps results
    that several checks of one submission share (an expensive training run).
    """

    def __init__(self, process: StudentProcess):
        self.process = process
        self.seed = 0
        self.artifacts: dict[str, bytes] = {}
        self.reports: dict[str, str] = {}
        self.notes: list[str] = []
        self.memo: dict[str, Any] = {}

    def save_artifact(self, name: str, data: bytes) -> None:
        """Keep a file (a figure) for the TA, written beside the submission's results."""
        self.artifacts[name] = bytes(data)

    def save_report(self, name: str, text: str) -> None:
        """Keep a Markdown text for the TA (``"written.md"``): written as ``name`` beside
        ``results.json`` and appended to the submission's results output."""
        self.reports[name] = str(text)

    def add_note(self, text: str) -> None:
        """Add a message about the submission as a whole to its results output (e.g. an
        answer that a check accepted without being able to verify it)."""
        if text not in self.notes:
            self.notes.append(str(text))

    def call_full(self, target: str, *args: Any, **kwargs: Any) -> CallResult:
        kwargs.setdefault("call_seed", self.seed)
        return self.process.call(target, *args, **kwargs)

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        return self.call_full(target, *args, **kwargs).value

    def call_method(self, handle: Handle, method: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("call_seed", self.seed)
        return self.process.call_method(handle, method, *args, **kwargs).value

    def probe(self, name: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("call_seed", self.seed)
        return self.process.probe(name, *args, **kwargs).value
