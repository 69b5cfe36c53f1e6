"""tf.print: an op that prints its inputs when it runs (every call of a tf.function)."""

from __future__ import annotations

import sys

import numpy as np

from .framework.ops import Tensor, apply_op, convert_to_tensor
from .framework.registry import defop


def _format(v, summarize: int) -> str:
    """TF's print format: floats as %g, bools as 0/1, strings quoted, long dimensions cut to
    ``summarize`` items at each end."""
    a = np.asarray(v)
    if a.dtype.kind in "OSU":
        a = np.vectorize(lambda s: '"' + (s.decode() if isinstance(s, bytes) else str(s)) + '"',
                         otypes=[object])(a)
    elif a.dtype.kind == "b":
        a = a.astype(np.int8)
    if a.ndim == 0:
        x = a[()]
        return f"{x:g}" if a.dtype.kind == "f" else str(x)
    return np.array2string(a, threshold=2 * summarize, edgeitems=summarize, separator=" ",
                           formatter={"float_kind": lambda x: f"{x:g}",
                                      "object": str})


def _k_print(*values, parts, sep, end, stream, summarize):
    it = iter(values)
    text = sep.join(_format(next(it), summarize) if p is None else p for p in parts)
    print(text, end=end, file=sys.stderr if stream == "stderr" else sys.stdout, flush=True)


defop("PrintV2", infer=lambda op: [], kernel=_k_print, stateful=True, not_differentiable=True)


def print_v2(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):
    """Prints tensors' values (and other objects as text) when the op runs:
    ``tf.print("loss:", loss)``. Eagerly it prints at once; in a tf.function, at every call."""
    parts, tensors = [], []
    for x in inputs:
        if isinstance(x, Tensor) or isinstance(x, np.ndarray):
            parts.append(None)
            tensors.append(convert_to_tensor(x))
        else:
            parts.append(str(x))
    stream = "stdout" if output_stream in (sys.stdout, "stdout") else "stderr"
    attrs = {"parts": tuple(parts), "sep": sep, "end": end, "stream": stream,
             "summarize": int(summarize)}
    return apply_op("PrintV2", tensors, attrs, name=name or "PrintV2")
