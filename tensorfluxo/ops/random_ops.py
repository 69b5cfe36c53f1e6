"""Random ops. Each op draws from its own generator in the session, seeded from (graph seed,
op seed) as TF does, so a program with tf.set_random_seed gives the same numbers every run and
two random ops never share a stream."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor, get_default_graph
from ..framework.registry import defop
from ..kernels.softmax import softmax
from ._util import constant_value, same, shape_from_tensor
from .array_ops import shape_arg

DEFAULT_GRAPH_SEED = 87654321


_seed_epoch = 0  # tf.random.set_seed calls so far
_global_seed = None  # tf.random.set_seed's seed: TF2's seed outlives the graph (clear_session)


def get_seed(op_seed):
    """(graph seed, op seed) for a new random op. An op without its own seed takes the graph's
    op count as seed under TF1's tf.set_random_seed, and the next value of a counter that
    tf.random.set_seed resets under TF2's rule (so a model built twice after set_seed(42) gets
    the same initial weights both times)."""
    g = get_default_graph()
    seed, tf2 = g.seed, getattr(g, "_tf2_seeds", False)
    if seed is None and _global_seed is not None:
        seed, tf2 = _global_seed, True
    if seed is not None:
        if op_seed is None:
            if tf2:
                if getattr(g, "_seed_epoch", None) != _seed_epoch:  # set_seed since: restart
                    g._op_seed_counter, g._seed_epoch = 0, _seed_epoch
                op_seed = g._op_seed_counter = g._op_seed_counter + 1
            else:
                op_seed = g._last_id
        return int(seed), int(op_seed)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    return None, None


def set_random_seed(seed) -> None:
    """TF1's tf.set_random_seed: the default graph's seed; ops without a seed of their own
    derive theirs from their position in the graph."""
    g = get_default_graph()
    g.seed = None if seed is None else int(seed)
    g._tf2_seeds = False


def set_seed(seed) -> None:
    """TF2's tf.random.set_seed: sets the global seed and restarts the op-seed counter, so the
    random ops created after each call get the same seeds again."""
    global _global_seed, _seed_epoch
    _global_seed = None if seed is None else int(seed)
    _seed_epoch += 1  # every graph's counter restarts (Keras' own graph too), as TF2's one
    g = get_default_graph()
    g.seed, g._tf2_seeds = _global_seed, True


def _draw(dt, fn):
    """Generates float32/float64 directly; other float types via float32."""
    if dt.np in (np.float32, np.float64):
        return lambda rng, shape: fn(rng, shape, dt.np)
    return lambda rng, shape: fn(rng, shape, np.float32).astype(dt.np)


def _normal(rng, shape, npdt):
    return rng.standard_normal(shape, dtype=npdt)


def _truncated(rng, shape, npdt):
    out = rng.standard_normal(shape, dtype=npdt)
    bad = np.abs(out) > 2
    while bad.any():  # redraw the samples beyond two standard deviations
        out[bad] = rng.standard_normal(int(bad.sum()), dtype=npdt)
        bad = np.abs(out) > 2
    return out


def _uniform(rng, shape, npdt):
    return rng.random(shape, dtype=npdt)


_DISTS = {"RandomStandardNormal": _normal, "TruncatedNormal": _truncated,
          "RandomUniform": _uniform}


def _random_bind(op, session):
    rng = session.rng(op)
    a = op.attrs
    draw = _draw(a["dtype"], _DISTS[op.type])
    scale, shift = a["scale"], a["shift"]
    npdt = a["dtype"].np
    if op.type == "RandomUniform":
        lo, hi = shift, scale
        span = np.asarray(hi - lo, dtype=npdt)
        lo = np.asarray(lo, dtype=npdt)
        return lambda shape: draw(rng, tuple(shape)) * span + lo
    scale = np.asarray(scale, dtype=npdt)
    shift = np.asarray(shift, dtype=npdt)
    return lambda shape: draw(rng, tuple(shape)) * scale + shift


def _random_infer(op):
    return op.attrs["dtype"], shape_from_tensor(op.inputs[0])


for _t in _DISTS:
    defop(_t, infer=_random_infer, bind=_random_bind, stateful=True, not_differentiable=True)


def _random(op_type, shape, a, b, dtype, seed, name):
    dt = dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"{op_type} needs a floating dtype, got {dt.name}")
    a_value, b_value = _static_float(a), _static_float(b)
    s1, s2 = get_seed(seed)
    if a_value is not None and b_value is not None:
        return apply_op(op_type, [shape_arg(shape)], {"dtype": dt, "seed": s1, "seed2": s2,
                                                      "scale": a_value, "shift": b_value},
                        name=name)
    # computed parameters (stddev=<Tensor>): standard samples scaled by graph ops, as TF does
    from . import math_ops as M
    with get_default_graph().name_scope(name) as scope:
        r = apply_op(op_type, [shape_arg(shape)], {"dtype": dt, "seed": s1, "seed2": s2,
                                                   "scale": 1.0, "shift": 0.0})
        a_t, b_t = convert_to_tensor(a, dtype=dt), convert_to_tensor(b, dtype=dt)
        if op_type == "RandomUniform":  # a = maxval, b = minval
            a_t = M.subtract(a_t, b_t)
        return M.add(M.multiply(r, a_t), b_t, name=scope)


def _static_float(v):
    """A parameter as a Python float if known when the graph is built, else None."""
    if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
        known = constant_value(convert_to_tensor(v))
        return None if known is None or np.size(known) != 1 else float(known)
    return float(v)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from N(mean, stddev**2)."""
    return _random("RandomStandardNormal", shape, stddev, mean, dtype, seed,
                   name or "random_normal")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    return _random("TruncatedNormal", shape, stddev, mean, dtype, seed,
                   name or "truncated_normal")


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats)."""
    dt = dtypes.as_dtype(dtype)
    if dt.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype")
        s1, s2 = get_seed(seed)
        return apply_op("RandomUniformInt", [shape_arg(shape)],
                        {"dtype": dt, "seed": s1, "seed2": s2, "minval": int(minval),
                         "maxval": int(maxval)}, name=name or "random_uniform")
    return _random("RandomUniform", shape, 1.0 if maxval is None else maxval, minval, dt, seed,
                   name or "random_uniform")


def _int_bind(op, session):
    rng = session.rng(op)
    a = op.attrs
    return lambda shape: rng.integers(a["minval"], a["maxval"], tuple(shape), dtype=a["dtype"].np)


defop("RandomUniformInt", infer=_random_infer, bind=_int_bind, stateful=True,
      not_differentiable=True)


def _shuffle_bind(op, session):
    rng = session.rng(op)
    return lambda x: rng.permutation(x) if np.ndim(x) else x


defop("RandomShuffle", infer=same, bind=_shuffle_bind, stateful=True, not_differentiable=True)


def random_shuffle(value, seed=None, name=None):
    """Shuffles along the first dimension."""
    s1, s2 = get_seed(seed)
    return apply_op("RandomShuffle", [convert_to_tensor(value)], {"seed": s1, "seed2": s2},
                    name=name or "RandomShuffle")


def _multinomial_bind(op, session):
    rng = session.rng(op)
    npdt = op.attrs["output_dtype"].np

    def sample(logits, num_samples):
        p = softmax(logits.astype(np.float64))
        u = rng.random((p.shape[0], int(num_samples)))
        return (u[:, :, None] > np.cumsum(p, axis=1)[:, None, :]).sum(-1).astype(npdt)
    return sample


defop("Multinomial", infer=lambda op: (op.attrs["output_dtype"], [op.inputs[0].shape[0].value,
                                                                 None]),
      bind=_multinomial_bind, stateful=True, not_differentiable=True)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=dtypes.int64):
    """Draws ``num_samples`` class indices per row of unnormalized log-probabilities."""
    s1, s2 = get_seed(seed)
    return apply_op("Multinomial", [convert_to_tensor(logits),
                                    convert_to_tensor(num_samples, dtype=dtypes.int32)],
                    {"seed": s1, "seed2": s2, "output_dtype": dtypes.as_dtype(output_dtype)},
                    name=name or "multinomial")


categorical = multinomial
