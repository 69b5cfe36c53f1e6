"""String <-> number conversions (tf.strings.to_number / as_string): tf.cast refuses them."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor
from ..framework.registry import defop


def _to_number_infer(op):
    x = op.inputs[0]
    if x.dtype is not dtypes.string:
        raise TypeError(f"tf.strings.to_number needs a string tensor, got {x.name} of dtype "
                        f"{x.dtype.name}")
    return op.attrs["out_type"], x.shape


def _to_number_kernel(x, out_type):
    out = np.empty(x.shape, dtype=out_type.np)
    flat, src = out.reshape(-1), x.reshape(-1)
    parse = float if out_type.is_floating else int
    for i, s in enumerate(src):
        try:
            flat[i] = parse(s.decode() if isinstance(s, bytes) else s)
        except (ValueError, OverflowError):
            raise ValueError(f"StringToNumberOp could not correctly convert string: {s!r} to "
                             f"{out_type.name}") from None
    return out


def _as_string_infer(op):
    x = op.inputs[0]
    if x.dtype is dtypes.string:
        raise TypeError(f"tf.strings.as_string needs a number or bool tensor, got {x.name}")
    return dtypes.string, x.shape


def _as_string_kernel(x):
    text = (lambda v: b"true" if v else b"false") if x.dtype.kind == "b" else \
        (lambda v: f"{v:f}".encode()) if x.dtype.kind == "f" else (lambda v: str(v).encode())
    return np.array([text(v) for v in x.reshape(-1)] or [], dtype=object).reshape(x.shape)


defop("StringToNumber", infer=_to_number_infer, kernel=_to_number_kernel,
      not_differentiable=True)
defop("AsString", infer=_as_string_infer, kernel=_as_string_kernel, not_differentiable=True)


def to_number(string_tensor, out_type=dtypes.float32, name=None) -> Tensor:
    """Parses each string as a number: ``tf.strings.to_number(["1.5", "2"]) -> [1.5, 2.]``."""
    out_type = dtypes.as_dtype(out_type)
    if not (out_type.is_floating or out_type.is_integer):
        raise TypeError(f"out_type of tf.strings.to_number must be a float or int dtype, got "
                        f"{out_type.name}")
    return apply_op("StringToNumber", [convert_to_tensor(string_tensor)],
                    {"out_type": out_type}, name=name or "StringToNumber")


def as_string(input, name=None) -> Tensor:  # noqa: A002 - TF's argument name
    """Each number as a string, formatted as TF does (floats with 6 decimals)."""
    return apply_op("AsString", [convert_to_tensor(input)], name=name or "AsString")


string_to_number = to_number
