"""The boundary's plain-data codec: round trips, and values whose conversions lie."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp
import torch

from autograder.childside import codec
from autograder.childside.codec import EncodingError, TensorInfo


def round_trip(value, keep=None):
    """Encode, pass through JSON text as the pipe does, decode."""
    wire = json.dumps(codec.encode(value, keep=keep), allow_nan=False)
    return codec.decode(json.loads(wire), resolve=lambda tag, payload: (tag, payload))


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2**60, -(2**200), 1.5, -0.0, "text", [1, [2.5, "x"]], {"a": 1}],
    ids=repr,
)
def test_plain_values(value):
    got = round_trip(value)
    assert got == value and type(got) is type(value)


def test_non_finite_floats():
    got = round_trip([math.inf, -math.inf, math.nan])
    assert got[:2] == [math.inf, -math.inf] and math.isnan(got[2])


def test_tuples_and_nested_containers():
    value = (1, (2.0, [3, (4,)]), {"k": (5, None)})
    assert round_trip(value) == value


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool", "complex128"])
def test_numpy_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(12).reshape(3, 2, 2) % 5 - 2).astype(dtype)
    got = round_trip(array)
    assert isinstance(got, np.ndarray) and got.dtype == array.dtype
    assert got.shape == array.shape and np.array_equal(got, array)


def test_numpy_0d_arrays_scalars_and_non_contiguous_views():
    zero_d = round_trip(np.array(2.5))
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()
    scalar = round_trip(np.float32(1.25))
    assert isinstance(scalar, np.float32) and scalar == 1.25
    view = np.arange(20.0).reshape(4, 5)[:, ::2].T
    assert np.array_equal(round_trip(view), view)
    assert np.isnan(round_trip(np.array([np.nan]))[0])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.int64, torch.bfloat16])
def test_tensors_keep_dtype_shape_and_autograd_flags(dtype):
    tensor = torch.linspace(-1, 1, 6, dtype=torch.float64).reshape(2, 3).to(dtype)
    got = round_trip(tensor)
    assert isinstance(got, TensorInfo)
    assert got.dtype == dtype and got.shape == (2, 3)
    assert torch.equal(got.tensor, tensor)
    assert not got.requires_grad and not got.has_grad_fn


def test_tensor_graph_flags():
    leaf = torch.ones(3, requires_grad=True)
    assert round_trip(leaf).requires_grad
    got = round_trip(leaf * 2)
    assert got.has_grad_fn and got.tensor.grad_fn is None  # the graph itself never crosses


def test_tensor_requests_ask_for_gradients():
    encoded = codec.encode_tensor_request(torch.zeros(2), requires_grad=True)
    assert codec.decode(encoded).requires_grad


def test_sympy_expressions_and_matrices():
    x = sp.Symbol("x", positive=True)
    n = sp.Symbol("n", integer=True)
    H = sp.Function("H")(x, n)
    values = [
        x**2 / 3 + sp.sin(x) * sp.exp(-x) - sp.Rational(7, 2),
        sp.Float("0.1", 30) * x + sp.pi + sp.E + sp.oo,
        sp.KroneckerDelta(n, sp.Symbol("j", integer=True)),
        sp.Piecewise((x, x > 1), (0, True)),
        sp.diff(H, x) * 2,
        sp.Integer(10) ** 40,
        sp.Matrix([[x, 1], [sp.sqrt(2), -x]]),
    ]
    for value in values:
        got = round_trip(value)
        assert got == value, (value, got)
    assert round_trip(x).is_positive and round_trip(n).is_integer


def test_sympy_rebuilds_only_allowed_classes():
    with pytest.raises(EncodingError, match="not accepted"):
        codec.decode({"__sympy__": ["Node", "eval", [["Integer", "1"]]]})
    with pytest.raises(EncodingError):
        codec.decode({"__sympy__": ["Integer", "9" * 5000]})
    with pytest.raises(EncodingError):
        codec.decode({"__int__": "9" * 5000})


# --------------------------------------------------------------------------------------------
# values whose conversions lie are read through their base types


class LyingFloat(float):
    def __float__(self):
        return 0.0

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class LyingInt(int):
    def __int__(self):
        return 0

    def __index__(self):
        return 0

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class LyingStr(str):
    def __str__(self):
        return "all tests passed"


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def tobytes(self, order="C"):
        return np.zeros(self.shape).tobytes()


def test_float_int_and_str_subclasses_are_sent_by_what_they_hold():
    got = round_trip([LyingFloat(2.5), LyingInt(7), LyingStr("wrong")])
    assert got == [2.5, 7, "wrong"]
    assert [type(item) for item in got] == [float, int, str]


def test_numpy_booleans_keep_their_values():
    assert round_trip(np.bool_(False)) == np.False_
    assert round_trip(np.array([True, False])).tolist() == [True, False]


def test_an_ndarray_subclass_arrives_as_a_plain_array_with_its_real_values():
    lying = np.array([1.0, 2.0, 3.0]).view(LyingArray)
    got = round_trip(lying)
    assert type(got) is np.ndarray
    assert got.tolist() == [1.0, 2.0, 3.0]


def test_objects_the_codec_cannot_express_stay_behind_as_handles():
    kept = []

    def keep(value):
        kept.append(value)
        return len(kept)

    widget = object()
    tag, payload = round_trip(widget, keep=keep)
    assert tag == "__handle__" and payload["id"] == 1 and kept == [widget]
    with pytest.raises(EncodingError):
        codec.encode(widget)
    with pytest.raises(EncodingError):
        codec.encode(np.array([object()], dtype=object))
