"""The layer test harness: one call checks a Keras layer class end to end.

    from tensorfluxo.testing.layer_test import layer_test
    layer_test(lambda: Dense(3, activation="relu"), input_shape=(4,))
    layer_test(lambda: Conv2D(2, 3), input_shape=(5, 5, 1))
    layer_test(lambda: Add(), input_shape=[(3,), (3,)])         # several inputs: a list

``make_layer`` returns a fresh layer each time it is called; ``input_shape`` leaves out the
batch axis (None entries allowed; the data then uses 2 there). ``layer_test`` checks, in the
Keras session of the default graph:

1. shapes: the output's static shape equals ``compute_output_shape`` of the batch input shape,
   and the arrays ``predict`` returns fit it, in a functional model and in a Sequential;
2. training: one SGD step (the learning phase on) on ``scale -> layer -> Dense(1)`` has a
   gradient for, and changes, every trainable weight of the layer and the ``scale`` in front
   of it (the gradient reaches the layer's inputs; no scale for integer inputs), and the loss
   is finite;
3. config: ``from_config(get_config())`` gives the same config, and that clone given the
   trained layer's ``get_weights`` predicts identically;
4. files: the model saved as .h5 and as .keras loads and predicts identically.

It returns the functional model. Pass ``input_data`` (a batch, or a list for several inputs)
when the layer needs particular values (integer ids, say).
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Callable, Sequence

import numpy as np

from ..keras import Input, Model, Sequential, layers, optimizers
from ..keras.engine import Layer
from ..keras.models import load_model


def layer_test(make_layer: Callable, input_shape=None, input_data=None,
               input_dtype: str = "float32", batch_size: int = 3, seed: int = 0):
    """Checks the layer ``make_layer()`` builds (see the module docstring); returns its model."""
    rng = np.random.default_rng(seed)
    multi = _is_shape_list(input_shape) if input_data is None else isinstance(input_data, list)
    if input_data is None:
        shapes = list(input_shape) if multi else [input_shape]
        data = [_sample(rng, (batch_size,) + tuple(2 if d is None else d for d in s),
                        input_dtype) for s in shapes]
    else:
        data = [np.asarray(a) for a in (input_data if multi else [input_data])]
        shapes = [a.shape[1:] for a in data] if input_shape is None else \
            (list(input_shape) if multi else [input_shape])
    batch_shapes = [(None,) + tuple(s) for s in shapes]
    feed = data if multi else data[0]

    # 1. shapes, functional and Sequential
    layer = make_layer()
    xs = [Input(batch_shape=s, dtype=str(a.dtype)) for s, a in zip(batch_shapes, data)]
    y = layer(xs if multi else xs[0])
    expected = layer.compute_output_shape(batch_shapes if multi else batch_shapes[0])
    _same(tuple(y.shape.as_list()), tuple(expected), f"{_name(layer)}: static output shape "
          "vs compute_output_shape")
    model = Model(xs if multi else xs[0], y)
    out = model.predict(feed)
    _fits(out.shape, expected, f"{_name(layer)}: predicted array")
    if not multi:
        seq = Sequential([layers.InputLayer(batch_input_shape=batch_shapes[0],
                                            dtype=str(data[0].dtype)), make_layer()])
        _same(tuple(seq.output_shape), tuple(expected), f"{_name(layer)} in a Sequential")
        _fits(seq.predict(feed).shape, expected, f"{_name(layer)} in a Sequential: predicted")

    # 2. one training step, through the same layer object
    before = [w.copy() for w in layer.get_weights()]
    floats = all(np.issubdtype(a.dtype, np.floating) for a in data) and \
        all(s[-1] is not None for s in shapes if s)
    txs = [Input(batch_shape=s, dtype=str(a.dtype)) for s, a in zip(batch_shapes, data)]
    scales = [LayerTestScale() for _ in txs] if floats else []
    hs = [sc(t) for sc, t in zip(scales, txs)] if floats else txs
    head = layers.Dense(1, name="layer_test_head")
    trainer = Model(txs if multi else txs[0], head(layer(hs if multi else hs[0])))
    trainer.compile(optimizers.SGD(0.1), "mse")
    target = _sample(rng, out.shape[:-1] + (1,), "float32")
    scale_before = [s.get_weights()[0].copy() for s in scales]
    try:
        loss = trainer.train_on_batch(feed, target)
    except ValueError as e:  # a weight (or the scale: the layer's input) without a gradient
        if "No gradients provided" not in str(e):
            raise
        raise AssertionError(f"{_name(layer)}: {e}") from None
    assert np.isfinite(loss), f"{_name(layer)}: the training step's loss is {loss}"
    trainable = {id(w) for w in layer.trainable_weights}
    for w, old, new in zip(layer.weights, before, layer.get_weights()):
        if id(w) in trainable:
            assert not np.array_equal(old, new), \
                f"{_name(layer)}: one training step left the weight {w.name} unchanged"
    for s, old in zip(scales, scale_before):
        assert not np.array_equal(old, s.get_weights()[0]), \
            f"{_name(layer)}: no gradient reached the layer's input"

    # 3. config and weights round trip
    trained = model.predict(feed)
    cfg = layer.get_config()
    # safe_mode=False: the harness trusts the code a Lambda layer's config holds
    unsafe = {"safe_mode": False} if "safe_mode" in inspect.signature(
        type(layer).from_config).parameters else {}
    clone = type(layer).from_config(cfg, **unsafe)
    assert clone.get_config() == cfg, f"{_name(layer)}: from_config(get_config()) differs:\n" \
        f"{cfg}\n{clone.get_config()}"
    cxs = [Input(batch_shape=s, dtype=str(a.dtype)) for s, a in zip(batch_shapes, data)]
    copy = Model(cxs if multi else cxs[0], clone(cxs if multi else cxs[0]))
    copy.set_weights(model.get_weights())
    np.testing.assert_array_equal(copy.predict(feed), trained,
                                  err_msg=f"{_name(layer)}: the clone predicts differently")

    # 4. files
    custom = None if type(layer).__module__.startswith("tensorfluxo.") else \
        {type(layer).__name__: type(layer)}
    with tempfile.TemporaryDirectory() as tmp:
        for ext in (".h5", ".keras"):
            path = os.path.join(tmp, "model" + ext)
            model.save(path)
            loaded = load_model(path, custom_objects=custom, compile=False, safe_mode=False)
            np.testing.assert_array_equal(loaded.predict(feed), trained,
                                          err_msg=f"{_name(layer)}: loaded from {ext} predicts "
                                          "differently")
    return model


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and all(isinstance(s, (tuple, list)) for s in shape)


def _sample(rng, shape: Sequence, dtype: str) -> np.ndarray:
    if np.issubdtype(np.dtype(dtype), np.integer):
        return rng.integers(0, 4, shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def _name(layer) -> str:
    return f"{type(layer).__name__} ({layer.name!r})"


def _same(got: tuple, expected: tuple, what: str) -> None:
    assert got == expected, f"{what}: {got} != {expected}"


def _fits(shape: tuple, expected, what: str) -> None:
    ok = len(shape) == len(expected) and all(e is None or e == s
                                             for s, e in zip(shape[1:], expected[1:]))
    assert ok, f"{what} has shape {shape}, expected {tuple(expected)}"


class LayerTestScale(Layer):
    """Multiplies its inputs by a trainable vector (ones) along the last axis: its weight
    changes only if the gradient goes through the layer placed after it."""

    def build(self, input_shape) -> None:
        self.scale = self.add_weight("scale", (input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.scale
