"""Plain-data encoding for everything that crosses the grader/child boundary.

Messages are JSON. Values that JSON cannot hold are tagged objects with one key:

- ``{"__float__": "nan" | "inf" | "-inf"}`` for non-finite floats;
- ``{"__tuple__": [...]}`` and ``{"__dict__": [[key, value], ...]}`` (string keys only);
- ``{"__ndarray__": {...}}`` and ``{"__tensor__": {...}}``: dtype, shape and raw bytes in
  base64; tensors also carry ``requires_grad`` and whether they have a ``grad_fn``;
- ``{"__sympy__": tree}`` and ``{"__sympy_matrix__": {...}}``: SymPy expressions as a tree
  of class names and arguments, rebuilt from an allow-list of SymPy classes. No text is ever
  evaluated: ``sympify``, ``eval`` and ``pickle`` are not used on either side;
- ``{"__handle__": {"id": n, "type": "..."}}``: an object that stays in the child (a module,
  an Axes, a generator). The grader can pass it back in a later request, never use it.

Requests may also hold references that the child resolves: ``{"__fixture__": name, ...}``,
``{"__student__": "module.name"}``, ``{"__rng__": seed}`` and ``{"__torch_generator__":
seed}``.

Conversion reads the underlying values through the base types (``float.__float__``,
``numpy.ndarray.tobytes``), so an object whose ``__float__`` or ``__eq__`` lies is encoded by
what it holds, or kept as a handle, never trusted.

This module is imported on both sides, so it imports numpy, torch and sympy lazily and
depends on nothing else of the grader.

Limitations
-----------
Object arrays, strings inside arrays and sparse tensors are not encoded (they become
handles): the contract never returns them, and allowing them would let arbitrary objects
through.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import sys
from typing import Any

MAX_SYMPY_NODES = 20_000
MAX_INTEGER_DIGITS = 2_000
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

_NUMERIC_KINDS = "biufc"


class EncodingError(ValueError):
    """A value could not be put into, or read back from, the wire format."""


# --------------------------------------------------------------------------------------------
# framing


def write_message(stream, message: dict) -> None:
    """Write ``message`` as 8-byte big-endian length then UTF-8 JSON, and flush."""
    data = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def read_message(stream) -> dict | None:
    """Read one framed message; ``None`` at end of stream."""
    header = _read_exact(stream, 8)
    if header is None:
        return None
    (size,) = struct.unpack(">Q", header)
    if size > MAX_MESSAGE_BYTES:
        raise EncodingError(f"message of {size} bytes is over the limit")
    body = _read_exact(stream, size)
    if body is None:
        return None
    return json.loads(body.decode("utf-8"))


def _read_exact(stream, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------------------------
# encoding


def encode(value: Any, keep=None, _depth: int = 0) -> Any:
    """Turn ``value`` into JSON-ready plain data.

    ``keep`` is a callable that stores an object the encoder cannot express and returns its
    handle id; without it such an object raises ``EncodingError``.
    """
    if _depth > 50:
        raise EncodingError("value is nested too deeply")
    if value is None or type(value) is bool or type(value) is str:
        return value
    if type(value) is int:
        return _encode_int(value)
    if type(value) is float:
        return _encode_float(value)

    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, (numpy.ndarray, numpy.generic)):
        encoded = _encode_ndarray(value, numpy)
        if encoded is not None:
            return encoded

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        encoded = _encode_tensor(value, torch)
        if encoded is not None:
            return encoded

    sympy = sys.modules.get("sympy")
    if sympy is not None:
        if isinstance(value, sympy.MatrixBase):
            return {"__sympy_matrix__": _encode_sympy_matrix(value, sympy)}
        if isinstance(value, sympy.Basic):
            return {"__sympy__": _encode_sympy(value, sympy, [0])}

    if type(value) is list:
        return [encode(item, keep, _depth + 1) for item in value]
    if type(value) is tuple:
        return {"__tuple__": [encode(item, keep, _depth + 1) for item in value]}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"__dict__": [[key, encode(item, keep, _depth + 1)] for key, item in value.items()]}

    # Subclasses of the plain types are read through the base type, so that overridden
    # conversions cannot change what the grader sees.
    if isinstance(value, bool):
        return bool(int.__int__(value))
    if isinstance(value, int):
        return _encode_int(int.__int__(value))
    if isinstance(value, float):
        return _encode_float(float.__float__(value))
    if isinstance(value, str):
        return str.__str__(value)

    if keep is None:
        raise EncodingError(f"cannot send a value of type {type(value).__name__}")
    return {"__handle__": {"id": keep(value), "type": _type_name(value)}}


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode_int(value: int) -> Any:
    if abs(value) < 2**53:
        return value
    text = int.__repr__(value)
    if len(text) > MAX_INTEGER_DIGITS:
        raise EncodingError("integer is too large")
    return {"__int__": text}


def _encode_float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _encode_ndarray(value, numpy) -> dict | None:
    array = numpy.asarray(value)
    if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.hasobject:
        return None
    return {
        "__ndarray__": {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes(order="C")).decode("ascii"),
            "scalar": isinstance(value, numpy.generic),
        }
    }


def _encode_tensor(value, torch) -> dict | None:
    if value.layout != torch.strided or value.is_complex() and value.dtype == torch.complex32:
        return None
    dtype_name = str(value.dtype).replace("torch.", "")
    plain = value.detach().cpu()
    if plain.dtype in (torch.bfloat16, torch.float16):
        plain = plain.to(torch.float32)
    array = plain.numpy()
    return {
        "__tensor__": {
            "dtype": dtype_name,
            "array_dtype": array.dtype.str,
            "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes(order="C")).decode("ascii"),
            "requires_grad": bool(value.requires_grad),
            "has_grad_fn": value.grad_fn is not None,
        }
    }


# SymPy trees, one list per node:
#   ["Symbol", name, assumptions] | ["Integer", digits] | ["Rational", p, q]
#   | ["Float", [sign, mantissa, exponent, bits], precision] | ["S", singleton-name]
#   | ["Undef", name, args] | ["Node", class-name, args]


def _encode_sympy(expr, sympy, count: list) -> list:
    count[0] += 1
    if count[0] > MAX_SYMPY_NODES:
        raise EncodingError("expression is too large")
    from sympy.core.function import AppliedUndef

    if isinstance(expr, sympy.Dummy):
        return ["Symbol", "_" + expr.name, _assumptions(expr)]
    if isinstance(expr, sympy.Symbol):
        return ["Symbol", expr.name, _assumptions(expr)]
    if isinstance(expr, sympy.Integer):
        text = str(int(expr))
        if len(text) > MAX_INTEGER_DIGITS:
            raise EncodingError("integer is too large")
        return ["Integer", text]
    if isinstance(expr, sympy.Rational):
        return ["Rational", str(expr.p), str(expr.q)]
    if isinstance(expr, sympy.Float):
        sign, mantissa, exponent, bits = expr._mpf_
        return [
            "Float",
            [int(sign), str(int(mantissa)), int(exponent), int(bits)],
            int(expr._prec),
        ]
    singleton = _singleton_name(expr, sympy)
    if singleton is not None:
        return ["S", singleton]
    args = [_encode_sympy(arg, sympy, count) for arg in expr.args]
    if isinstance(expr, AppliedUndef):
        return ["Undef", type(expr).__name__, args]
    return ["Node", type(expr).__name__, args]


def _assumptions(symbol) -> dict:
    return {key: value for key, value in symbol._assumptions_orig.items() if value is not None}


def _singleton_name(expr, sympy) -> str | None:
    for name in _SINGLETONS:
        if expr is getattr(sympy.S, name):
            return name
    return None


_SINGLETONS = (
    "Pi",
    "Exp1",
    "ImaginaryUnit",
    "Infinity",
    "NegativeInfinity",
    "ComplexInfinity",
    "NaN",
    "EulerGamma",
    "GoldenRatio",
    "Catalan",
    "true",
    "false",
    "EmptySet",
    "Reals",
    "Integers",
    "Naturals",
    "Complexes",
)


def _encode_sympy_matrix(matrix, sympy) -> dict:
    rows, cols = matrix.shape
    if rows * cols > MAX_SYMPY_NODES:
        raise EncodingError("matrix is too large")
    count = [0]
    entries = [_encode_sympy(entry, sympy, count) for entry in list(matrix)]
    return {"rows": rows, "cols": cols, "entries": entries}


# --------------------------------------------------------------------------------------------
# decoding


def decode(value: Any, resolve=None) -> Any:
    """Rebuild plain data from its encoded form.

    ``resolve(tag, payload)`` handles reference tags (handles, fixtures, generators); without
    it those tags raise ``EncodingError``.
    """
    if isinstance(value, list):
        return [decode(item, resolve) for item in value]
    if not isinstance(value, dict):
        return value
    if not value:
        return {}
    if len(value) != 1:
        raise EncodingError("malformed value")
    ((tag, payload),) = value.items()
    if tag == "__float__":
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[payload]
    if tag == "__int__":
        if len(payload) > MAX_INTEGER_DIGITS:
            raise EncodingError("integer is too large")
        return int(payload)
    if tag == "__tuple__":
        return tuple(decode(item, resolve) for item in payload)
    if tag == "__dict__":
        return {str(key): decode(item, resolve) for key, item in payload}
    if tag == "__ndarray__":
        return _decode_ndarray(payload)
    if tag == "__tensor__":
        return _decode_tensor(payload)
    if tag == "__sympy__":
        return decode_sympy(payload)
    if tag == "__sympy_matrix__":
        import sympy

        entries = [decode_sympy(entry) for entry in payload["entries"]]
        return sympy.Matrix(payload["rows"], payload["cols"], entries)
    if resolve is not None:
        return resolve(tag, payload)
    raise EncodingError(f"unexpected tag {tag!r}")


def _decode_ndarray(payload: dict):
    import numpy

    dtype = numpy.dtype(payload["dtype"])
    if dtype.kind not in _NUMERIC_KINDS:
        raise EncodingError("non-numeric array")
    data = base64.b64decode(payload["data"])
    array = numpy.frombuffer(data, dtype=dtype).reshape(payload["shape"]).copy()
    if payload.get("scalar"):
        return array[()]
    return array


def _decode_tensor(payload: dict):
    import numpy
    import torch

    dtype = numpy.dtype(payload["array_dtype"])
    if dtype.kind not in _NUMERIC_KINDS:
        raise EncodingError("non-numeric tensor")
    data = base64.b64decode(payload["data"])
    array = numpy.frombuffer(data, dtype=dtype).reshape(payload["shape"]).copy()
    tensor = torch.from_numpy(array).to(getattr(torch, payload["dtype"]))
    return TensorInfo(tensor, payload["requires_grad"], payload["has_grad_fn"])


class TensorInfo:
    """A decoded tensor with the autograd flags it had on the other side.

    ``tensor`` is a fresh tensor with no graph; ``requires_grad`` and ``has_grad_fn`` say
    whether the original required gradients and was the output of a differentiable
    operation. On the child side requests unwrap it into a plain tensor (with
    ``requires_grad`` set as asked).
    """

    __slots__ = ("tensor", "requires_grad", "has_grad_fn")

    def __init__(self, tensor, requires_grad: bool, has_grad_fn: bool):
        self.tensor = tensor
        self.requires_grad = requires_grad
        self.has_grad_fn = has_grad_fn

    @property
    def dtype(self):
        return self.tensor.dtype

    @property
    def shape(self):
        return tuple(self.tensor.shape)

    def numpy(self):
        return self.tensor.numpy()

    def __repr__(self) -> str:
        return (
            f"TensorInfo(shape={self.shape}, dtype={self.dtype}, "
            f"requires_grad={self.requires_grad}, has_grad_fn={self.has_grad_fn})"
        )


def encode_tensor_request(tensor, requires_grad: bool = False) -> dict:
    """Encode a tensor for a request, asking the child to make it require gradients."""
    import torch

    encoded = _encode_tensor(tensor.detach(), torch)
    encoded["__tensor__"]["requires_grad"] = requires_grad
    return encoded


_SYMPY_CLASSES: dict | None = None


def _sympy_classes() -> dict:
    global _SYMPY_CLASSES
    if _SYMPY_CLASSES is None:
        import sympy
        from sympy.functions.elementary.piecewise import ExprCondPair

        classes = {
            name: obj
            for name, obj in vars(sympy).items()
            if isinstance(obj, type) and issubclass(obj, sympy.Basic)
        }
        classes["ExprCondPair"] = ExprCondPair
        for name in ("NegativeOne", "Zero", "One", "Half"):
            classes.pop(name, None)
        _SYMPY_CLASSES = classes
    return _SYMPY_CLASSES


_UNEVALUATED = {"Add", "Mul", "Pow"}


def decode_sympy(tree: list, _count: list | None = None):
    """Rebuild a SymPy expression from its tree, using only allow-listed SymPy classes.

    Nothing is evaluated while rebuilding: the tree is already what the student's code
    built, and evaluating nodes again would let a returned ``fibonacci(10**8,
    evaluate=False)`` compute for hours in the grader's process.
    """
    import sympy

    if _count is None:
        with sympy.core.parameters.evaluate(False):
            return decode_sympy(tree, [0])
    count = _count
    count[0] += 1
    if count[0] > MAX_SYMPY_NODES:
        raise EncodingError("expression is too large")
    if not isinstance(tree, list) or not tree:
        raise EncodingError("malformed expression")
    kind = tree[0]
    if kind == "Symbol":
        assumptions = {str(k): bool(v) for k, v in dict(tree[2]).items()}
        try:
            return sympy.Symbol(str(tree[1]), **assumptions)
        except Exception as error:  # inconsistent assumptions
            raise EncodingError(f"bad symbol: {error}") from None
    if kind == "Integer":
        if len(tree[1]) > MAX_INTEGER_DIGITS:
            raise EncodingError("integer is too large")
        return sympy.Integer(int(tree[1]))
    if kind == "Rational":
        return sympy.Rational(int(tree[1]), int(tree[2]))
    if kind == "Float":
        return _decode_float(tree[1], int(tree[2]))
    if kind == "S":
        if tree[1] not in _SINGLETONS:
            raise EncodingError("unknown constant")
        return getattr(sympy.S, tree[1])
    args = [decode_sympy(arg, count) for arg in tree[2]]
    if kind == "Undef":
        return sympy.Function(str(tree[1]))(*args)
    if kind == "Node":
        cls = _sympy_classes().get(tree[1])
        if cls is None:
            raise EncodingError(f"SymPy class {tree[1]!r} is not accepted")
        if tree[1] in _UNEVALUATED:
            return cls(*args, evaluate=False)
        if issubclass(cls, sympy.NDimArray):
            # An array's constructor multiplies its shape to check the item count; with
            # evaluation off that product stays a Mul and the constructor fails. Building
            # the array evaluates nothing of its (already built) items.
            with sympy.core.parameters.evaluate(True):
                return cls(*args)
        return cls(*args)
    raise EncodingError("malformed expression")


def _decode_float(parts: list, precision: int):
    """Rebuild a SymPy Float from its mpmath tuple ``(sign, mantissa, exponent, bits)``."""
    import sympy

    if len(parts) != 4 or len(str(parts[1])) > MAX_INTEGER_DIGITS:
        raise EncodingError("malformed float")
    sign, mantissa, exponent, bits = int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3])
    return sympy.Float._new((sign, mantissa, exponent, bits), precision)
