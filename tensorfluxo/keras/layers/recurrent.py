"""Keras' recurrent layers: the cells SimpleRNNCell, LSTMCell, GRUCell (one step each), RNN
(any cell, or a list of cells stacked) and SimpleRNN, LSTM, GRU (an RNN of their cell, with the
cell's arguments flattened into the layer's config, as tf.keras 2).

Weights and gate layouts are tf.keras 2's: LSTM kernel [in, 4u] / recurrent_kernel [u, 4u] /
bias [4u] with gates i, f, c, o; GRU gates z, r, h, bias (2, 3u) with ``reset_after=True`` (input
and recurrent biases), (3u,) without; names ``lstm/lstm_cell/kernel:0``.

The loop over time is a ``tf.while_loop`` over TensorArrays; an LSTM or a SimpleRNN with tanh
(and sigmoid gates), or a GRU with ``reset_after=False``, with no mask and no dropout in play
runs as one FusedRNN op instead (the same values and gradients: tests/keras/test_recurrent.py
compares both).
"""

from __future__ import annotations

import numpy as np

from ...framework import dtypes
from ...framework.ops import control_dependencies, executing_eagerly
from ...ops import array_ops as A
from ...ops import math_ops as M
from ...ops import state_ops
from ...ops.control_flow_ops import while_loop
from ...ops.rnn_ops import fused_rnn
from ...ops.tensor_array_ops import TensorArray
from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine import Layer, _to_list, shape_tuple
from .core import dropout_keep

FUSED = True  # LSTM / SimpleRNN without mask or dropout: one FusedRNN op (False: the loop)


def _dims(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


# ---- cells ---------------------------------------------------------------------------------
class _Cell(Layer):
    """A cell's shared arguments: weights' initializers/regularizers/constraints and dropout.
    The RNN layer sets ``_dp_masks`` (input mask, recurrent mask; fixed over the time steps,
    as Keras draws them once per batch) before running the steps."""

    _gates = 1
    _cell_args = ("units", "activation", "use_bias", "kernel_initializer",
                  "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                  "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                  "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed  # of the dropout masks (Keras 3 saves it)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r} (layer {self.name!r})")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        for what, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= float(rate) < 1:
                raise ValueError(f"Invalid value received for argument `{what}`: {rate!r}; it "
                                 f"must be in [0, 1) (layer {self.name!r})")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._dp_masks = (None, None)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        depth = input_shape[-1]
        n = self._gates * self.units
        self.kernel = self.add_weight("kernel", (depth, n), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, n), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(),
                                    initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _dropped(self, inputs, h):
        dp, rec = self._dp_masks
        return (inputs if dp is None else inputs * dp), (h if rec is None else h * rec)

    def get_config(self) -> dict:
        cfg = super().get_config()
        for name in self._cell_args:
            v = getattr(self, name)
            if name.endswith("activation"):
                v = activations.serialize(v)
            elif name.endswith("initializer"):
                v = initializers.serialize(v)
            elif name.endswith("regularizer"):
                v = regularizers.serialize(v)
            elif name.endswith("constraint"):
                v = constraints.serialize(v)
            cfg[name] = v
        if self.seed is not None:
            cfg["seed"] = self.seed
        return cfg


class SimpleRNNCell(_Cell):
    """h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)."""

    def call(self, inputs, states, training=None):
        x, h = self._dropped(inputs, states[0])
        z = M.matmul(x, self.kernel) + M.matmul(h, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        out = self.activation(z)
        return out, [out]


class LSTMCell(_Cell):
    """The tf.keras 2 LSTM step: gates i, f, c, o in the columns of kernel [in, 4u]."""

    _gates = 4
    _cell_args = _Cell._cell_args + ("recurrent_activation", "unit_forget_bias",
                                     "implementation")

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, implementation: int = 2, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = implementation

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        u, init = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None, partition_info=None):  # the f gate's bias: ones
            return A.concat([init((u,), dtype=dtype), A.ones((u,), dtype or "float32"),
                             init((2 * u,), dtype=dtype)], 0)
        return forget_ones

    def call(self, inputs, states, training=None):
        from ...nn.rnn_cell_impl import lstm_gates
        x, h = self._dropped(inputs, states[0])
        z = M.matmul(x, self.kernel) + M.matmul(h, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        c, h = lstm_gates(z, states[1], "ifco", activation=self.activation,
                          recurrent_activation=self.recurrent_activation)
        return h, [h, c]


class GRUCell(_Cell):
    """The tf.keras 2 GRU step: gates z (update), r (reset), h (candidate) in the columns of
    kernel [in, 3u]; ``reset_after`` (default) applies r after the recurrent product and keeps
    two biases (input, recurrent) as bias [2, 3u]."""

    _gates = 3
    _cell_args = _Cell._cell_args + ("recurrent_activation", "implementation", "reset_after")

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, implementation: int = 2,
                 reset_after: bool = True, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        from ...nn.rnn_cell_impl import gru_gates
        h_prev = states[0]
        x, h = self._dropped(inputs, h_prev)
        u = self.units
        xz = M.matmul(x, self.kernel)
        b_in, b_rec = (A.unstack(self.bias) if self.reset_after else (self.bias, None)) \
            if self.use_bias else (None, None)
        if b_in is not None:
            xz = xz + b_in
        if self.reset_after:
            hz = M.matmul(h, self.recurrent_kernel)
            if b_rec is not None:
                hz = hz + b_rec
            gates = xz[:, :2 * u] + hz[:, :2 * u]
            cand = lambda r: xz[:, 2 * u:] + r * hz[:, 2 * u:]  # noqa: E731
        else:
            gates = xz[:, :2 * u] + M.matmul(h, self.recurrent_kernel[:, :2 * u])
            cand = lambda r: xz[:, 2 * u:] + M.matmul(r * h, self.recurrent_kernel[:, 2 * u:])  # noqa: E731,E501
        out = gru_gates(gates, h_prev, cand, activation=self.activation,
                        recurrent_activation=self.recurrent_activation, order="ur")
        return out, [out]


class StackedRNNCells(Layer):
    """Cells run one after the other within each step (``RNN([cell1, cell2])``)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for c in self.cells for s in _to_list(c.state_size)]

    @property
    def output_size(self) -> int:
        return self.cells[-1].output_size

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            cell._scope_prefix = f"{self._scope_prefix or self.name}/{cell.name}"
            cell._graph = self._graph
            cell.build(shape)
            cell.built = True
            shape = shape[:-1] + (cell.output_size,)
        self.built = True

    def call(self, inputs, states, training=None):
        new, k = [], 0
        for cell in self.cells:
            n = len(_to_list(cell.state_size))
            inputs, s = cell.call(inputs, states[k:k + n], training=training)
            new += s
            k += n
        return inputs, new

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["cells"] = [{"class_name": type(c).__name__, "config": c.get_config()}
                        for c in self.cells]
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize
        cfg = dict(config)
        cfg["cells"] = [deserialize(c) for c in cfg["cells"]]
        return cls(**cfg)


# ---- the layer -----------------------------------------------------------------------------
class RNN(Layer):
    """Runs ``cell`` over the time axis of (batch, time, features) inputs.

    >>> RNN(LSTMCell(32), return_sequences=True)(x)     # x: (None, 10, 8) -> (None, 10, 32)
    """

    supports_masking = True

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, **kwargs):
        zero_output = kwargs.pop("zero_output_for_mask", False)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not (isinstance(cell, Layer) and hasattr(cell, "state_size")):
            raise ValueError(f"Argument `cell` should have a `call` method and a `state_size` "
                             f"attribute (a Keras RNN cell). Received: cell={cell!r}")
        super().__init__(**kwargs)
        if time_major:
            raise ValueError(f"time_major=True is not supported by layer {self.name!r}: give "
                             "(batch, time, features) inputs")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.unroll, self.time_major = bool(unroll), False  # unroll: accepted, same result
        self.zero_output_for_mask = bool(zero_output)
        self.states = None  # stateful: one variable per state

    def _cell_config(self):  # RNN(cell) saves the cell; LSTM etc. flatten it
        return {"cell": {"class_name": type(self.cell).__name__,
                         "config": self.cell.get_config()}}

    # ---- shapes and checks -------------------------------------------------------------
    def _check_input(self, xs) -> None:
        shape = shape_tuple(xs[0])
        if shape is not None and len(shape) != 3:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected ndim=3, found ndim={len(shape)}. Full shape received: "
                             f"{_dims(shape)} ({type(self).__name__} takes (batch, timesteps, "
                             "features))")
        if self.built and shape is not None and shape[-1] is not None and \
                shape[-1] != self._depth:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected axis -1 of input shape to have value {self._depth}, "
                             f"but received input with shape {_dims(shape)}")

    def build(self, input_shape) -> None:
        shape = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        if shape[-1] is None:
            raise ValueError(f"The last dimension of the inputs to layer {self.name!r} "
                             f"({type(self).__name__}) should be defined. Found None in "
                             f"input shape {_dims(shape)}.")
        self._depth = shape[-1]
        self.cell._scope_prefix = f"{self._scope_prefix or self.name}/{self.cell.name}"
        self.cell._graph = self._graph
        self.cell.build((shape[0], shape[2]))
        self.cell.built = True
        if self.stateful:
            self._make_state_variables(shape[0])
        self.built = True

    def _make_state_variables(self, batch) -> None:
        if not batch:
            raise ValueError(
                f"If a RNN is stateful, it needs to know its batch size. Specify the batch "
                f"size of your input tensors (layer {self.name!r}): \n- If using a Sequential "
                f"model, specify the batch size by passing a `batch_input_shape` argument to "
                f"your first layer.\n- If using the functional API, specify the batch size by "
                f"passing a `batch_shape` argument to your Input layer.")
        self.states = []
        for i, size in enumerate(_to_list(self.cell.state_size)):
            v = self.add_weight(f"state_{i}", (batch, size), initializer="zeros",
                                trainable=False)
            self._non_trainable_weights.remove(v)  # a state, not a weight (tf.keras 2)
            self.states.append(v)

    def _state_variables(self) -> list:
        return list(self.states or [])

    def reset_states(self, states=None) -> None:
        """Zeroes the states of a stateful layer (or sets them to the given arrays)."""
        if not self.stateful:
            raise AttributeError(f"Layer must be stateful (layer {self.name!r}).")
        if self.states is None:
            return  # not built yet: the states start at zero anyway
        values = [None] * len(self.states) if states is None else _to_list(states)
        if len(values) != len(self.states):
            raise ValueError(f"Layer {self.name!r} expects {len(self.states)} states, but it "
                             f"received {len(values)} state values. States received: {states}")
        for var, value in zip(self.states, values):
            shape = tuple(var.shape.as_list())
            value = np.zeros(shape, var.dtype.as_numpy_dtype) if value is None else \
                np.asarray(value, var.dtype.as_numpy_dtype)
            if value.shape != shape:
                raise ValueError(f"State {var.name} of layer {self.name!r} has shape {shape}, "
                                 f"but the given value has shape {value.shape}")
            K.set_value(var, value)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)
        u = self.cell.output_size
        out = (shape[0], shape[1], u) if self.return_sequences else (shape[0], u)
        if not self.return_state:
            return out
        return [out] + [(shape[0], s) for s in _to_list(self.cell.state_size)]

    def compute_mask(self, inputs, mask=None):
        mask = mask[0] if isinstance(mask, list) else mask
        out = mask if self.return_sequences else None
        return [out] + [None] * len(_to_list(self.cell.state_size)) if self.return_state \
            else out

    # ---- running -------------------------------------------------------------------------
    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if initial_state is not None:  # the states become inputs: the model sees their layers
            inputs = [inputs] + _to_list(initial_state)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        xs = _to_list(inputs)
        x = xs[0]
        mask = mask[0] if isinstance(mask, list) else mask
        states = xs[1:] or _to_list(initial_state) or None
        n_states = len(_to_list(self.cell.state_size))
        if states is not None and len(states) != n_states:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects "
                             f"{n_states} initial states, got {len(states)}: {states}")
        if mask is not None and mask.shape.ndims is not None and \
                (mask.shape.ndims != 2 or not mask.shape[:2].is_compatible_with(x.shape[:2])):
            raise ValueError(f"The mask given to layer {self.name!r} has shape "
                             f"{_dims(mask.shape.as_list())}, but it must be (batch, timesteps)"
                             f" for inputs of shape {_dims(x.shape.as_list())}")
        if self.stateful and states is None:
            states = list(self.states)
        if states is None:
            batch = A.shape(x)[0]
            states = [A.zeros(A.stack([batch, s]), x.dtype)
                      for s in _to_list(self.cell.state_size)]
        x_tm = A.transpose(x, [1, 0, 2])
        mask_tm = None if mask is None else A.transpose(A.cast(mask, dtypes.bool), [1, 0])
        if self.go_backwards:
            x_tm = A.reverse(x_tm, [0])
            mask_tm = None if mask_tm is None else A.reverse(mask_tm, [0])
        flag = K.training_flag(training, x.graph)
        cells = getattr(self.cell, "cells", [self.cell])  # stacked cells: each its masks
        drops, depth = [], self._depth
        for c in cells:
            drops.append(tuple(self._drop_mask(rate, A.shape(x)[0], size, x.dtype, flag)
                               for rate, size in ((getattr(c, "dropout", 0), depth),
                                                  (getattr(c, "recurrent_dropout", 0),
                                                   getattr(c, "units", 0)))))
            depth = c.output_size
        plain = mask_tm is None and all(d is None for pair in drops for d in pair)
        fused = self._fused_kind() if plain else None
        if fused:
            ys, last, new_states = self._run_fused(fused, x_tm, states)
        else:
            saved = [{a: getattr(c, a) for a in ("kernel", "recurrent_kernel", "bias")
                      if getattr(c, a, None) is not None} for c in cells]
            try:
                # the weights are read once, outside the loop: as eager variables (Keras in
                # eager mode), the gradient finds them there
                for c, ws, pair in zip(cells, saved, drops):
                    c._dp_masks = pair
                    for a, w in ws.items():
                        object.__setattr__(c, a, A.identity(w))
                ys, last, new_states = self._run_loop(x_tm, states, mask_tm, training)
            finally:
                for c, ws in zip(cells, saved):
                    c._dp_masks = (None, None)
                    for a, w in ws.items():
                        object.__setattr__(c, a, w)
        if self.stateful:
            with control_dependencies([state_ops.assign(v, s)
                                       for v, s in zip(self.states, new_states)]):
                ys, last = A.identity(ys), A.identity(last)
                new_states = [A.identity(s) for s in new_states]
        out = A.transpose(ys, [1, 0, 2]) if self.return_sequences else last
        shape = x.shape.as_list()
        out.set_shape([shape[0], shape[1], self.cell.output_size] if self.return_sequences
                      else [shape[0], self.cell.output_size])
        return [out] + list(new_states) if self.return_state else out

    @staticmethod
    def _drop_mask(rate, batch, size, dtype, flag):
        """One dropout mask [batch, size] for all the time steps (Keras' rule)."""
        if not rate or flag is False:
            return None
        return dropout_keep(A.stack([batch, size]), dtype, rate, flag)

    def _fused_kind(self):
        """"lstm" / "rnn" when the cell is the plain one FusedRNN computes, else None."""
        c = self.cell
        if not FUSED or getattr(c, "activation", None) is not activations.tanh:
            return None
        sigmoid = getattr(c, "recurrent_activation", None) is activations.sigmoid
        if type(c) is LSTMCell and sigmoid:
            return "lstm"
        if type(c) is GRUCell and sigmoid and not c.reset_after:  # TF1's GRU formula
            return "gru"
        return "rnn" if type(c) is SimpleRNNCell else None

    def _run_fused(self, kind, x_tm, states):
        c = self.cell
        w = A.concat([c.kernel, c.recurrent_kernel], 0)
        b = c.bias if c.use_bias else A.zeros([c._gates * c.units], x_tm.dtype)
        if kind == "gru":  # Keras' columns z, r, h -> TF1's gates (r, u=z) and candidate
            u = c.units
            hs = fused_rnn(x_tm, states[0], A.concat([w[:, u:2 * u], w[:, :u]], 1),
                           A.concat([b[u:2 * u], b[:u]], 0), cell="gru", wc=w[:, 2 * u:],
                           bc=b[2 * u:])
            return hs, hs[-1], [hs[-1]]
        if kind == "lstm":
            hs, cs = fused_rnn(x_tm, states[0], w, b, c0=states[1], cell="lstm", order="ifco")
            return hs, hs[-1], [hs[-1], cs[-1]]
        hs = fused_rnn(x_tm, states[0], w, b, cell="rnn")
        return hs, hs[-1], [hs[-1]]

    def _run_loop(self, x_tm, states, mask_tm, training):
        """The cell over the time steps in a while_loop (a Python loop in eager mode).
        Masked steps keep the states and repeat the previous output (zeros with
        ``zero_output_for_mask``)."""
        def step(x_t, keep, prev, states):
            out, new = self.cell.call(x_t, list(states), training=training)
            new, written = _to_list(new), out
            if keep is not None:  # [batch, 1]: selects whole rows
                keep = A.expand_dims(keep, -1)
                new = [M.where(keep, n, s) for n, s in zip(new, states)]
                out = M.where(keep, out, prev)
                written = M.where(keep, out, A.zeros_like(out)) if self.zero_output_for_mask \
                    else out
            return out, new, written

        prev = A.zeros(A.stack([A.shape(x_tm)[1], self.cell.output_size]), x_tm.dtype)
        if executing_eagerly():
            xs, written = A.unstack(x_tm), []
            keeps = [None] * len(xs) if mask_tm is None else A.unstack(mask_tm)
            for x_t, keep in zip(xs, keeps):
                prev, states, w = step(x_t, keep, prev, states)
                written.append(w)
            return A.stack(written), prev, list(states)
        steps = A.shape(x_tm)[0]
        in_ta = TensorArray(x_tm.dtype, size=steps, element_shape=x_tm.shape[1:]).unstack(x_tm)
        mask_ta = None if mask_tm is None else \
            TensorArray(dtypes.bool, size=steps, element_shape=mask_tm.shape[1:]).unstack(
                mask_tm)
        out_ta = TensorArray(x_tm.dtype, size=steps)

        def body(t, prev, states, ta):
            out, new, written = step(in_ta.read(t), None if mask_ta is None else
                                     mask_ta.read(t), prev, states)
            return t + 1, out, new, ta.write(t, written)

        _, last, final, ta = while_loop(lambda t, *_: t < steps, body,
                                        (0, prev, list(states), out_ta))
        return ta.stack(), last, list(final)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                   time_major=self.time_major)
        if self.zero_output_for_mask:
            cfg["zero_output_for_mask"] = True
        cfg.update(self._cell_config())
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize
        cfg = dict(config)
        cell = cfg.pop("cell")
        cells = [deserialize(c) for c in cell] if isinstance(cell, list) else deserialize(cell)
        return cls(cells, **cfg)


class _CellLayer(RNN):
    """SimpleRNN / LSTM / GRU: an RNN of their cell, whose arguments the layer takes."""

    _cell_class = None

    def __init__(self, units, *args, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, time_major=False, **kwargs):
        layer_kw = {k: kwargs.pop(k) for k in list(kwargs)
                    if k in ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                             "batch_size", "input_dim", "weights", "activity_regularizer",
                             "zero_output_for_mask")}
        # the cell's name is the same in every layer (lstm/lstm_cell, lstm_1/lstm_cell)
        cell = self._cell_class(units, *args, name=K.to_snake_case(self._cell_class.__name__),
                                dtype=layer_kw.get("dtype"), **kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         time_major=time_major, **layer_kw)

    def __getattr__(self, name):
        # units, activation, dropout...: the cell's
        if name.startswith("_") or "cell" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["cell"], name)

    def _cell_config(self):
        cfg = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            cfg.pop(k, None)
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class SimpleRNN(_CellLayer):
    """A fully connected RNN: ``SimpleRNN(units, activation="tanh", return_sequences=False,
    ...)`` over (batch, time, features)."""

    _cell_class = SimpleRNNCell


class LSTM(_CellLayer):
    """Long short-term memory (tf.keras 2: sigmoid gates, unit_forget_bias, implementation 2).

    >>> LSTM(128, dropout=0.2, recurrent_dropout=0.2)
    """

    _cell_class = LSTMCell


class GRU(_CellLayer):
    """Gated recurrent unit (tf.keras 2: ``reset_after=True``, bias (2, 3u))."""

    _cell_class = GRUCell
