"""Words for what a function returned, used in the self-checks' messages."""

from __future__ import annotations

import numpy as np


def kind(value: object) -> str:
    """Describe a value in a few words: ``a float64 array of shape (3, 1)``, ``None``, ...

    Parameters
    ----------
    value : object
        Anything a student function returned.

    Returns
    -------
    str
        Type, and dtype and shape for arrays and tensors.
    """
    if value is None:
        return "None"
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        name = "tensor" if type(value).__module__.startswith("torch") else "array"
        dtype_name = str(dtype).replace("torch.", "")
        return f"a {dtype_name} {name} of shape {tuple(shape)}"
    kind_name = type(value).__name__
    if isinstance(value, tuple | list):
        return f"a {kind_name} of length {len(value)}"
    return f"a {kind_name}"


def shape_of(value: object) -> tuple[int, ...] | None:
    """The shape of an array, tensor or number, or None for anything else."""
    if hasattr(value, "shape"):
        return tuple(value.shape)
    if isinstance(value, (int, float, np.number)):
        return ()
    return None
