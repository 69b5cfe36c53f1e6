"""Layer wrappers: Bidirectional (a recurrent layer run forwards and backwards) and
TimeDistributed (a layer applied to every time step)."""

from __future__ import annotations

from ...ops import array_ops as A
from ..engine import Layer, _to_list, call_params
from .recurrent import RNN

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _serialize(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _prefixed(prefix: str, name: str) -> str:
    return name if name.startswith(prefix) else prefix + name


class Bidirectional(Layer):
    """``layer`` (an RNN) over the sequence and a copy of it over the reversed sequence, the
    two outputs merged by ``merge_mode`` ("concat", "sum", "mul", "ave" or None: both).

    >>> Bidirectional(LSTM(64, return_sequences=True))(x)    # (None, T, 128)
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        if not isinstance(layer, RNN):
            raise ValueError(f"`Bidirectional` wraps a recurrent layer (LSTM, GRU, SimpleRNN, "
                             f"RNN), but received layer {layer.name!r} of type "
                             f"{type(layer).__name__}")
        if backward_layer is not None and not isinstance(backward_layer, RNN):
            raise ValueError("`backward_layer` need to be a recurrent `tf.keras.layers.Layer` "
                             f"instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        cfg = layer.get_config()
        self._layer_config = _serialize(layer)
        self._backward_config = None if backward_layer is None else _serialize(backward_layer)
        # Keras 3 files save the copies themselves (forward_lstm, backward_lstm): not renamed
        self.forward_layer = type(layer).from_config({**cfg, "name": _prefixed("forward_",
                                                                               cfg["name"])})
        if backward_layer is None:
            self.backward_layer = type(layer).from_config(
                {**cfg, "name": "backward_" + cfg["name"], "go_backwards": not layer.go_backwards})
        else:
            self.backward_layer = backward_layer
            backward_layer.name = _prefixed("backward_", backward_layer.name)
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError("Forward layer and backward layer should have different "
                                 f"`go_backwards` value. forward_layer.go_backwards = "
                                 f"{layer.go_backwards}, backward_layer.go_backwards = "
                                 f"{backward_layer.go_backwards}")
            for a in ("stateful", "return_sequences", "return_state"):
                if getattr(layer, a) != getattr(backward_layer, a):
                    raise ValueError(f"Forward layer and backward layer are expected to have "
                                     f'the same value for attribute "{a}", got '
                                     f'"{getattr(layer, a)}" for forward layer and '
                                     f'"{getattr(backward_layer, a)}" for backward layer')
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences  # as tf.keras 2
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self._initial_weights = weights

    def build(self, input_shape) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            sub._scope_prefix = f"{self._scope_prefix or self.name}/{sub.name}"
            sub._graph = self._graph
        self.built = True  # the two layers build at their first call

    def call(self, inputs, mask=None, training=None):
        kw = {"mask": mask} if mask is not None else {}
        if training is not None:
            kw["training"] = training
        fw = _to_list(self.forward_layer(inputs, **kw))
        bw = _to_list(self.backward_layer(inputs, **kw))
        y_f, y_b = fw[0], bw[0]
        if self.return_sequences:
            y_b = A.reverse(y_b, [1])
        if self.merge_mode == "concat":
            out = [A.concat([y_f, y_b], -1)]
        elif self.merge_mode == "sum":
            out = [y_f + y_b]
        elif self.merge_mode == "mul":
            out = [y_f * y_b]
        elif self.merge_mode == "ave":
            out = [(y_f + y_b) * 0.5]
        else:
            out = [y_f, y_b]
        if self.return_state:
            out += fw[1:] + bw[1:]
        return out[0] if len(out) == 1 else out

    def compute_output_shape(self, input_shape):
        shapes = _to_list(self.forward_layer.compute_output_shape(input_shape)) \
            if self.return_state else [self.forward_layer.compute_output_shape(input_shape)]
        out = tuple(shapes[0])
        if self.merge_mode == "concat":
            outs = [out[:-1] + (2 * out[-1],)]
        elif self.merge_mode is None:
            outs = [out, out]
        else:
            outs = [out]
        if self.return_state:
            outs += [tuple(s) for s in shapes[1:]] * 2
        return outs[0] if len(outs) == 1 else outs

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(_to_list(self.forward_layer.cell.state_size))
            outs += [None] * (2 * n)
        return outs[0] if len(outs) == 1 else outs

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(layer=self._layer_config, merge_mode=self.merge_mode)
        if self._backward_config is not None:
            cfg["backward_layer"] = self._backward_config
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize
        cfg = dict(config)
        cfg["layer"] = deserialize(cfg["layer"])
        if cfg.get("backward_layer") is not None:
            cfg["backward_layer"] = deserialize(cfg["backward_layer"])
        return cls(**cfg)


class TimeDistributed(Layer):
    """Applies ``layer`` to every time step of (batch, time, ...) inputs (one weight set).

    >>> TimeDistributed(Dense(8))(x)      # (None, 10, 16) -> (None, 10, 8)
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def _check_input(self, xs) -> None:
        shape = xs[0].shape.as_tuple()
        if shape is not None and len(shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {shape} (layer {self.name!r}, "
                             f"wrapping {self.layer.name!r})")

    def build(self, input_shape) -> None:
        self.layer._scope_prefix = self._scope_prefix or self.name
        self.layer._graph = self._graph
        self.layer.build((None,) + tuple(input_shape[2:]))
        self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = inputs.shape.as_list()
        dyn = A.shape(inputs)
        inner = [d if d is not None else dyn[i + 2] for i, d in enumerate(shape[2:])]
        flat = A.reshape(inputs, [-1] + inner)
        kw = {"training": training} if "training" in call_params(type(self.layer)) and \
            training is not None else {}
        y = self.layer.call(flat, **kw)
        ys = y.shape.as_list()
        lead = [shape[0] if shape[0] is not None else dyn[0],
                shape[1] if shape[1] is not None else dyn[1]]
        y_dyn = A.shape(y)
        out = A.reshape(y, lead + [d if d is not None else y_dyn[i + 1]
                                   for i, d in enumerate(ys[1:])])
        out.set_shape(shape[:2] + ys[1:])
        return out

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["layer"] = _serialize(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        from . import deserialize
        cfg = dict(config)
        cfg["layer"] = deserialize(cfg["layer"])
        return cls(**cfg)
