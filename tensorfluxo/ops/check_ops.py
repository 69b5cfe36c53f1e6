"""tf.debugging: assertions (tf.assert_equal, ...), check_numerics, add_check_numerics_ops, and
TF1's tf.Print (TF2's tf.print is ops/logging_ops.py).

An assertion whose values are known when the graph is built is checked then (as TF1 does);
otherwise it is an Assert op that fails when run. Use it as TF1 code does:
``with tf.control_dependencies([tf.assert_positive(x)]): y = tf.log(x)``.
"""

from __future__ import annotations

import sys

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import (
    Operation,
    Tensor,
    apply_op,
    convert_to_tensor,
    get_default_graph,
    name_scope,
)
from ..framework.registry import defop
from . import array_ops as A
from . import math_ops as M
from ._util import constant_value, pair, rank, require_float
from .control_flow_ops import Assert, group, no_op


# ---- assertions ------------------------------------------------------------------------------
def _check(cond, static, data, summarize):
    """Raises now if the condition is known to fail, else returns the Assert op."""
    if static is not None and not np.all(static):
        raise errors.InvalidArgumentError(None, None, " ".join(
            d.strip() if isinstance(d, str) else _summary(constant_value(d), summarize or 3)
            for d in data))
    return Assert(cond, data, summarize=summarize, name="assert")


def _summary(value, n) -> str:
    flat = np.asarray(value).reshape(-1)
    return "[" + " ".join(map(str, flat[:n])) + ("..." if flat.size > n else "") + "]"


def _compare(np_fn, tf_fn, symbol, x, y, data, summarize, message):
    vals = [constant_value(x), constant_value(y)]
    if data is None:
        data = [f"Condition x {symbol} did not hold element-wise:", f"x ({x.name}) = ", x,
                f"y ({y.name}) = ", y]
    data = ([message] if message else []) + list(data)
    static = None if any(v is None for v in vals) else np_fn(*vals)
    return _check(M.reduce_all(tf_fn(x, y)), static, data, summarize)


def _comparison(np_fn, tf_fn, symbol, default_name):
    def assert_fn(x, y, data=None, summarize=None, message=None, name=None):
        with name_scope(name, default_name):
            x, y = pair(x, y, default_name)
            return _compare(np_fn, tf_fn, f"{symbol} y", x, y, data, summarize, message)
    assert_fn.__name__ = default_name
    assert_fn.__doc__ = f"Asserts ``x {symbol} y`` for every element (broadcasting)."
    return assert_fn


def _sign(np_fn, tf_fn, symbol, default_name):
    def assert_fn(x, data=None, summarize=None, message=None, name=None):
        with name_scope(name, default_name):
            x = convert_to_tensor(x)
            if data is None:
                data = [f"Condition x {symbol} 0 did not hold element-wise:", f"x ({x.name}) = ",
                        x]
            return _compare(np_fn, tf_fn, f"{symbol} 0", x, A.zeros_like(x), data, summarize,
                            message)
    assert_fn.__name__ = default_name
    assert_fn.__doc__ = f"Asserts ``x {symbol} 0`` for every element."
    return assert_fn


_COMPARISONS = {"equal": (np.equal, M.equal, "=="), "none_equal": (np.not_equal, M.not_equal, "!="),
                "less": (np.less, M.less, "<"), "less_equal": (np.less_equal, M.less_equal, "<="),
                "greater": (np.greater, M.greater, ">"),
                "greater_equal": (np.greater_equal, M.greater_equal, ">=")}
assert_equal = _comparison(*_COMPARISONS["equal"], "assert_equal")
assert_none_equal = _comparison(*_COMPARISONS["none_equal"], "assert_none_equal")
assert_less = _comparison(*_COMPARISONS["less"], "assert_less")
assert_less_equal = _comparison(*_COMPARISONS["less_equal"], "assert_less_equal")
assert_greater = _comparison(*_COMPARISONS["greater"], "assert_greater")
assert_greater_equal = _comparison(*_COMPARISONS["greater_equal"], "assert_greater_equal")
assert_positive = _sign(*_COMPARISONS["greater"], "assert_positive")
assert_negative = _sign(*_COMPARISONS["less"], "assert_negative")
assert_non_negative = _sign(*_COMPARISONS["greater_equal"], "assert_non_negative")
assert_non_positive = _sign(*_COMPARISONS["less_equal"], "assert_non_positive")


def assert_rank(x, rank_, message=None, name=None) -> Operation:
    """Asserts the rank of ``x``; a known rank that differs raises ValueError now."""
    x = convert_to_tensor(x)
    r = rank(x)
    if r is not None and r != int(rank_):
        raise ValueError(f"{message + ' ' if message else ''}Tensor {x.name} must have rank "
                         f"{int(rank_)}, but has rank {r} (shape {x.shape})")
    return _rank_op(x, lambda n: M.equal(n, int(rank_)), name or "assert_rank", message)


def assert_rank_at_least(x, rank_, message=None, name=None) -> Operation:
    x = convert_to_tensor(x)
    r = rank(x)
    if r is not None and r < int(rank_):
        raise ValueError(f"{message + ' ' if message else ''}Tensor {x.name} must have rank at "
                         f"least {int(rank_)}, but has rank {r} (shape {x.shape})")
    return _rank_op(x, lambda n: M.greater_equal(n, int(rank_)), name or "assert_rank_at_least",
                    message)


def _rank_op(x, test, name, message):
    if rank(x) is not None:
        return no_op(name=name)
    with name_scope(name):
        n = A.rank_op(x)
        return Assert(test(n), [message or f"Tensor {x.name} has the wrong rank:", n])


def assert_scalar(tensor, name=None, message=None) -> Tensor:
    """Returns ``tensor`` if it is a scalar; ValueError otherwise."""
    t = convert_to_tensor(tensor)
    if rank(t) != 0:
        raise ValueError(f"{message + ' ' if message else ''}Expected scalar shape for "
                         f"{t.name}, saw shape: {t.shape}.")
    return t


def assert_type(tensor, tf_type, message=None, name=None) -> Operation:
    t = convert_to_tensor(tensor)
    if t.dtype is not dtypes.as_dtype(tf_type):
        raise TypeError(f"{message + ' ' if message else ''}{t.name} must be of type "
                        f"{dtypes.as_dtype(tf_type).name}, not {t.dtype.name}")
    return no_op(name=name or "assert_type")


def assert_integer(x, message=None, name=None) -> Operation:
    t = convert_to_tensor(x)
    if not t.dtype.is_integer:
        raise TypeError(f"{message + ' ' if message else ''}Expected integer type for "
                        f"{t.name}, got {t.dtype.name}")
    return no_op(name=name or "assert_integer")


def is_numeric_tensor(tensor) -> bool:
    return isinstance(tensor, Tensor) and not (tensor.dtype.is_bool or
                                               tensor.dtype is dtypes.string)


# ---- check_numerics --------------------------------------------------------------------------
def _k_check_numerics(x, message):
    if not np.isfinite(x).all():
        what = "NaN" if np.isnan(x).any() else "Inf"
        raise errors.InvalidArgumentError(None, None, f"{message} : Tensor had {what} values")
    return x


def _check_numerics_infer(op):
    require_float(op.inputs[0], op.type)
    return op.inputs[0].dtype, op.inputs[0].shape


def _g_check_numerics(op, dy):
    msg = "Not a number (NaN) or infinity (Inf) values detected in gradient. "
    return [apply_op("CheckNumerics", [dy], {"message": msg + op.attrs["message"]})]


defop("CheckNumerics", infer=_check_numerics_infer, kernel=_k_check_numerics, aliases=True,
      grad=_g_check_numerics)


def check_numerics(tensor, message, name=None) -> Tensor:
    """``tensor`` itself, failing with InvalidArgumentError ("message : Tensor had NaN values")
    when it holds a NaN or an infinity."""
    return apply_op("CheckNumerics", [convert_to_tensor(tensor)], {"message": str(message)},
                    name=name or "CheckNumerics")


verify_tensor_all_finite = check_numerics
assert_all_finite = check_numerics


def add_check_numerics_ops() -> Operation:
    """One op checking every float tensor of the default graph for NaN and Inf (TF1): running
    it (e.g. with the training op) names the first tensor that went bad."""
    graph = get_default_graph()
    checks = [check_numerics(t, f"{op.name}:{t.value_index}")
              for op in graph.get_operations() if op.type != "CheckNumerics"
              for t in op.outputs if t.dtype.is_floating]
    return group(*checks, name="CheckNumerics_all") if checks else no_op()


# ---- printing --------------------------------------------------------------------------------
def _print_bind(op, state):
    a = op.attrs
    count = [0]

    def run(x, *data):
        if a["first_n"] < 0 or count[0] < a["first_n"]:
            count[0] += 1
            shown = "".join(_summary(d, a["summarize"]) for d in data)
            print(f"{a['message']}{shown}", file=sys.stderr)
        return x
    return run


defop("Print", infer=lambda op: (op.inputs[0].dtype, op.inputs[0].shape), bind=_print_bind,
      aliases=True, stateful=True, grad=lambda op, dy: [dy] + [None] * (len(op.inputs) - 1))


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802
    """TF1's tf.Print: ``input_`` itself; running it prints ``message`` and the first
    ``summarize`` (3) values of each tensor in ``data`` to stderr (the first ``first_n`` times).

    >>> x = tf.Print(x, [tf.shape(x), x], "x: ")   # prints "x: [2 3][1 2 3...]"
    """
    x = convert_to_tensor(input_)
    data = [convert_to_tensor(d) for d in data]
    return apply_op("Print", [x, *data], {"message": message or "", "first_n": first_n or -1,
                                           "summarize": summarize or 3}, name=name or "Print")
