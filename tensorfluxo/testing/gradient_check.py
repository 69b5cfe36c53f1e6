"""Finite-difference gradient checks.

``check_gradients(fn, inputs)`` builds ``y = fn(*placeholders)`` in a fresh graph, then compares
the symbolic gradient of ``sum(u * y)`` (u random, fixed; summed over the float outputs when fn
returns several) with central differences of the same scalar, for every float64 input. One cheap
scalar check per op, as PyTensor's verify_grad; with ``second_order=True`` it also checks the
gradient of the gradient's norm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..ops.indexed_slices import dense


def numeric_jacobian(f: Callable[[list], float], values: list, i: int, eps: float) -> np.ndarray:
    """d f / d values[i] by central differences (values are float64 arrays)."""
    x = values[i]
    g = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        fp = f(values)
        flat[k] = old - eps
        fm = f(values)
        flat[k] = old
        gflat[k] = (fp - fm) / (2 * eps)
    return g


def compute_gradient_error(fn: Callable, inputs: Sequence, seed: int = 0, eps: float = 1e-6,
                           second_order: bool = False, static_shapes: bool = True) -> float:
    """Largest relative error between symbolic and numeric gradients (see module doc).

    ``static_shapes=False`` builds the graph from placeholders of unknown dimensions (known
    rank), as with a batch dimension of None: gradients then take their run-time paths.
    """
    import tensorfluxo as tf

    # C order: numeric_jacobian perturbs the values through a flat view
    values = [np.array(v, dtype=np.float64 if np.asarray(v).dtype.kind == "f" else None,
                       order="C") for v in inputs]
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.as_dtype(v.dtype), name=f"x{i}",
                              shape=v.shape if static_shapes else [None] * v.ndim)
               for i, v in enumerate(values)]
        ys = [y for y in as_list(fn(*phs)) if y.dtype.is_floating]
        target = weighted_sum(ys, {p: v for p, v in zip(phs, values)}, seed)
        float_idx = [i for i, v in enumerate(values) if v.dtype.kind == "f"]
        # sparse gradients (a gather's IndexedSlices) compared as the dense tensors they stand for
        grads = [dense(gr) for gr in tf.gradients(target, [phs[i] for i in float_idx])]
        if second_order:
            gsq = tf.add_n([tf.reduce_sum(tf.square(gr)) for gr in grads if gr is not None])
            target2 = gsq
            grads2 = [dense(gr) for gr in tf.gradients(target2, [phs[i] for i in float_idx])]
        with tf.Session(graph=g) as sess:
            def f(vals, t=target):
                return float(sess.run(t, {p: v for p, v in zip(phs, vals)}))

            feed = {p: v for p, v in zip(phs, values)}
            sym = sess.run([gr if gr is not None else tf.zeros_like(phs[i])
                            for gr, i in zip(grads, float_idx)], feed)
            err = 0.0
            for s, i in zip(sym, float_idx):
                num = numeric_jacobian(f, values, i, eps)
                err = max(err, _rel_err(s, num))
            if second_order:
                sym2 = sess.run([gr if gr is not None else tf.zeros_like(phs[i])
                                 for gr, i in zip(grads2, float_idx)], feed)
                for s, i in zip(sym2, float_idx):
                    num = numeric_jacobian(lambda vals: f(vals, target2), values, i, eps)
                    err = max(err, _rel_err(s, num))
    return err


def as_list(outputs) -> list:
    """fn's result as a list of tensors (fn may return one tensor or a sequence)."""
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def weighted_sum(ys: list, feed: dict, seed: int = 0):
    """The scalar ``sum_i sum(u_i * ys[i])`` with fixed random u_i shaped like the outputs'
    values at ``feed`` (known or not statically)."""
    import tensorfluxo as tf

    with tf.Session(graph=ys[0].graph) as probe:
        shapes = [np.shape(v) for v in probe.run(ys, feed)]
    rng = np.random.default_rng(seed)
    return tf.add_n([tf.reduce_sum(tf.constant(rng.standard_normal(s), dtype=y.dtype) * y)
                     for y, s in zip(ys, shapes)])


def _rel_err(a, b) -> float:
    """Largest error over the elements, each measured relative to itself or, when smaller,
    to the whole gradient's scale (as PyTensor's verify_grad: an element fails only when both
    are large). Central differences lose ~1e-16 |f| / eps to rounding, which is large relative
    to an element near zero in a gradient of large elements."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise AssertionError(f"symbolic gradient has shape {a.shape}, numeric {b.shape}")
    diff = np.abs(a - b)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.minimum(diff / (1e-6 + np.abs(a) + np.abs(b)), diff / scale),
                        initial=0.0))


def check_gradients(fn: Callable, inputs: Sequence, tol: float = 1e-5, **kwargs) -> None:
    """Asserts that the gradients of ``fn`` at ``inputs`` match finite differences."""
    err = compute_gradient_error(fn, inputs, **kwargs)
    if not err <= tol:
        raise AssertionError(f"gradient check failed: relative error {err:.3g} > {tol}")
