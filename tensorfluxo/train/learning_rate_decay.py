"""Learning-rate schedules (tf.train.exponential_decay, ...): graph ops on the global step, so the
rate follows the step a train op advances.

    global_step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, global_step, decay_steps=100, decay_rate=0.96)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=global_step)
"""

from __future__ import annotations

from ..framework import dtypes
from ..framework.ops import Tensor, convert_to_tensor, name_scope
from ..ops import array_ops as A
from ..ops import math_ops as M


def _prepare(fn_name, learning_rate, global_step, decay_steps):
    """(lr, step, decay_steps) as tensors of the learning rate's float dtype."""
    if global_step is None:
        raise ValueError(f"global_step is required for {fn_name}.")
    lr = convert_to_tensor(learning_rate, name="learning_rate") \
        if isinstance(learning_rate, Tensor) else \
        convert_to_tensor(float(learning_rate), dtype=dtypes.float32, name="learning_rate")
    if not lr.dtype.is_floating:
        raise TypeError(f"{fn_name}: learning_rate must be a float, got {lr.dtype.name}")
    dt = lr.dtype
    step = A.cast(global_step, dt)
    steps = A.cast(decay_steps, dt) if isinstance(decay_steps, Tensor) else \
        A.constant(float(decay_steps), dtype=dt)
    return lr, step, steps


def _progress(step, steps, staircase):
    p = step / steps
    return M.floor(p) if staircase else p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None) -> Tensor:
    """learning_rate * decay_rate ** (global_step / decay_steps) (integer division if staircase).
    """
    with name_scope(name, "ExponentialDecay") as scope:
        lr, step, steps = _prepare("exponential_decay", learning_rate, global_step, decay_steps)
        rate = A.cast(convert_to_tensor(decay_rate, dtype=lr.dtype), lr.dtype)
        return M.multiply(lr, M.pow(rate, _progress(step, steps, staircase)), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None) -> Tensor:
    """learning_rate * exp(-decay_rate * global_step / decay_steps)."""
    with name_scope(name, "NaturalExpDecay") as scope:
        lr, step, steps = _prepare("natural_exp_decay", learning_rate, global_step, decay_steps)
        rate = A.cast(convert_to_tensor(decay_rate, dtype=lr.dtype), lr.dtype)
        return M.multiply(lr, M.exp(M.negative(rate) * _progress(step, steps, staircase)),
                          name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None) -> Tensor:
    """learning_rate / (1 + decay_rate * global_step / decay_steps)."""
    with name_scope(name, "InverseTimeDecay") as scope:
        lr, step, steps = _prepare("inverse_time_decay", learning_rate, global_step, decay_steps)
        rate = A.cast(convert_to_tensor(decay_rate, dtype=lr.dtype), lr.dtype)
        return M.truediv(lr, 1 + rate * _progress(step, steps, staircase), name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None) -> Tensor:
    """(learning_rate - end) * (1 - step / decay_steps) ** power + end, with step capped at
    decay_steps (or, with ``cycle``, decay_steps stretched to the next multiple past step)."""
    with name_scope(name, "PolynomialDecay") as scope:
        lr, step, steps = _prepare("polynomial_decay", learning_rate, global_step, decay_steps)
        end = A.cast(convert_to_tensor(end_learning_rate, dtype=lr.dtype), lr.dtype)
        power = A.cast(convert_to_tensor(power, dtype=lr.dtype), lr.dtype)
        if cycle:
            # At step 0 the multiplier is 1, not 0.
            mult = M.where(M.equal(step, 0.0), A.ones_like(step), M.ceil(step / steps))
            steps = steps * mult
        else:
            step = M.minimum(step, steps)
        return M.add((lr - end) * M.pow(1 - step / steps, power), end, name=scope)


def piecewise_constant(x, boundaries, values, name=None) -> Tensor:
    """values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <= boundaries[i],
    values[-1] after the last boundary."""
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"The length of boundaries should be 1 less than the length of values, "
                         f"got {len(boundaries)} boundaries and {len(values)} values")
    with name_scope(name, "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        bounds = []
        for b in boundaries:
            if isinstance(b, Tensor):
                if b.dtype is not x.dtype:
                    raise ValueError(f"Boundaries ({b.dtype.name}) must have the same dtype as "
                                     f"x ({x.dtype.name})")
                bounds.append(b)
                continue
            if x.dtype.is_integer and float(b) != int(b):
                raise ValueError(f"Boundaries must have the same dtype as x ({x.dtype.name}), "
                                 f"got the non-integer boundary {b}")
            bounds.append(A.constant(b, dtype=x.dtype))
        vals = [v if isinstance(v, Tensor) else convert_to_tensor(v) for v in values]
        for v in vals[1:]:
            if v.dtype is not vals[0].dtype:
                raise ValueError(f"Values must have elements all with the same dtype "
                                 f"({vals[0].dtype.name} vs {v.dtype.name}).")
        out = vals[-1]
        for b, v in zip(reversed(bounds), reversed(vals[:-1])):
            out = M.where(M.less_equal(x, b), v, out)
        return A.identity(out, name=scope)
