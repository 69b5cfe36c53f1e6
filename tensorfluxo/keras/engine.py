"""Keras' layer graph: Layer, InputLayer/Input, the nodes that connect layers, Network.

A layer called on a graph tensor builds its variables once (``build``), adds its ops
(``call``) and records a Node; the output tensors remember the node that made them, so
``Model(inputs, outputs)`` can walk back from its outputs to find its layers.
"""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref

import numpy as np

from ..framework import dtypes
from ..framework.eager_tensor import EagerTensor
from ..framework.ops import Tensor, convert_to_tensor, get_default_graph
from ..ops import array_ops
from ..variables import Variable
from . import backend as K
from . import constraints, initializers, regularizers

# tensor -> (layer, node_index, tensor_index): what made a Keras tensor.
_HISTORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# The layer calls in progress (innermost last), each collecting the losses and updates made
# while it runs: those belong to that call's inputs (Keras' get_updates_for(inputs)).
_CALLS: list[dict] = []
# id(tensor) -> its Keras mask (tf.keras' ``_keras_mask``): which time steps are real. Keyed
# by id (dropped with the tensor): an eager tensor's == is elementwise.
_MASKS: dict = {}


def keras_history(t):
    return _HISTORY.get(t) if isinstance(t, Tensor) else None


def get_mask(t):
    """The Keras mask of ``t`` (a bool tensor over its leading axes), or None."""
    return _MASKS.get(id(t)) if isinstance(t, Tensor) else None


def set_mask(t, mask) -> None:
    if mask is not None:
        if id(t) not in _MASKS:
            weakref.finalize(t, _MASKS.pop, id(t), None)
        _MASKS[id(t)] = mask


@functools.cache
def call_params(cls) -> frozenset:
    """The argument names of ``cls.call`` (Keras passes ``mask``/``training`` only if named)."""
    try:
        return frozenset(inspect.signature(cls.call).parameters)
    except (TypeError, ValueError):
        return frozenset()


def shape_tuple(t) -> tuple | None:
    return t.shape.as_tuple()


def _to_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _unlist(xs: list):
    return xs[0] if len(xs) == 1 else xs


class InputSpec:
    """What a layer accepts (checked at each call): ``InputSpec(ndim=2)``,
    ``InputSpec(min_ndim=2, axes={-1: 8})``, ``shape``, ``dtype``, ``max_ndim``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype).name
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})

    def __repr__(self) -> str:
        fields = {k: v for k, v in vars(self).items() if v not in (None, {})}
        return "InputSpec(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def _check_input_spec(layer, xs) -> None:
    """Keras's input_spec errors: ``Input 0 of layer 'x' is incompatible with the layer:
    expected ndim=2, found ndim=3. Full shape received: (None, 4, 5)``."""
    specs = layer.input_spec if isinstance(layer.input_spec, (list, tuple)) else \
        [layer.input_spec] * len(xs)
    for i, (x, spec) in enumerate(zip(xs, specs)):
        if spec is None:
            continue
        shape = shape_tuple(x)
        head = f"Input {i} of layer {layer.name!r} is incompatible with the layer: "
        tail = f". Full shape received: {shape}"
        nd = None if shape is None else len(shape)
        if spec.dtype is not None and x.dtype.name != spec.dtype:
            raise ValueError(f"{head}expected dtype={spec.dtype}, found dtype={x.dtype.name}")
        if nd is None:
            continue
        for what, ok in (("ndim", spec.ndim is None or nd == spec.ndim),
                         ("min_ndim", spec.min_ndim is None or nd >= spec.min_ndim),
                         ("max_ndim", spec.max_ndim is None or nd <= spec.max_ndim)):
            if not ok:
                raise ValueError(f"{head}expected {what}={getattr(spec, what)}, found "
                                 f"ndim={nd}{tail}")
        for axis, value in spec.axes.items():
            if value is not None and shape[axis] not in (None, value):
                raise ValueError(f"{head}expected axis {axis} of input shape to have value "
                                 f"{value}{tail}")
        if spec.shape is not None and any(a is not None and b is not None and a != b
                                          for a, b in zip(spec.shape, shape)):
            raise ValueError(f"{head}expected shape={spec.shape}, found shape={shape}")


class Node:
    """One call of a layer: the tensors it consumed and produced."""

    def __init__(self, layer, inputs: list, outputs: list, kwargs: dict):
        self.layer, self.inputs, self.outputs, self.kwargs = layer, inputs, outputs, kwargs
        self.inbound = [keras_history(t) for t in inputs]
        self.losses: list = []
        self.updates: list = []
        self.metrics: list = []


_LAYER_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "dtype",
                 "name", "trainable", "weights", "activity_regularizer", "autocast",
                 "dynamic"}


class Layer:
    """Base layer: ``build(input_shape)`` creates weights, ``call(inputs)`` adds ops.

    >>> layer = Dense(3)            # a subclass
    >>> y = layer(x)                # x: a Keras tensor (Input) or any float tensor
    """

    supports_masking = False  # True: an input mask passes through (compute_mask's default)
    _scope_prefix = None  # the weights' name scope when not the layer's name (lstm/lstm_cell)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, **kwargs):
        self._tracked: list[Layer] = []  # layers set as attributes: their weights are ours
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} "
                            f"(layer {type(self).__name__})")
        self.name = name or K.unique_object_name(K.to_snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = dtypes.as_dtype(dtype or K.floatx()).name
        self.built = False
        self._trainable_weights: list[Variable] = []
        self._non_trainable_weights: list[Variable] = []
        self._losses: list = []
        self._updates: list = []
        self._metrics: list = []  # (name, tensor) from add_metric
        self._inbound_nodes: list[Node] = []
        self._initial_weights = kwargs.get("weights")
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._batch_input_shape = None
        if "batch_input_shape" in kwargs:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif "input_shape" in kwargs and kwargs["input_shape"] is not None:
            self._batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        elif kwargs.get("input_dim") is not None:
            self._batch_input_shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        self._call_count = 0
        self._graph = None
        self._conditional: set[int] = set()  # ids of the losses/updates made by calls

    def __setattr__(self, name: str, value) -> None:
        layers = [v for v in (value if isinstance(value, (list, tuple)) else [value])
                  if isinstance(v, Layer)]
        if layers and not name.startswith("_"):
            if "_tracked" not in self.__dict__:
                raise RuntimeError(f"It looks like you are subclassing `{_base_name(self)}` "
                                   "and you forgot to call `super().__init__()`. Always start "
                                   "with this line.")
            self._tracked.extend(la for la in layers if la not in self._tracked)
        object.__setattr__(self, name, value)

    # ---- the layer contract ------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The outputs' mask: the input's if the layer supports masking, else None (tf.keras
        2 drops a mask at a layer that does not support it)."""
        return mask if self.supports_masking else None

    def get_config(self) -> dict:
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            cfg["batch_input_shape"] = list(self._batch_input_shape)
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # ---- weights -----------------------------------------------------------------------------
    def add_weight(self, name: str | None = None, shape=None, dtype=None, initializer=None,
                   regularizer=None, trainable: bool = True, constraint=None,
                   **kwargs) -> Variable:
        """A variable named "<layer>/<name>:0", initialized by ``initializer``."""
        name = name or "Variable"
        shape = tuple(int(d) for d in (shape or ()))
        dt = dtypes.as_dtype(dtype or self.dtype)
        init = initializers.get(initializer or "glorot_uniform")
        graph = self._graph or get_default_graph()
        with graph.as_default(), graph.control_dependencies(None), \
                graph.name_scope(None), graph.name_scope((self._scope_prefix or self.name) + "/"):
            var = Variable(lambda: init(shape, dtype=dt), name=name, dtype=dt,
                           trainable=trainable, constraint=constraints.get(constraint))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            with graph.as_default(), graph.name_scope(None), \
                    graph.name_scope(self.name + "/"), graph.name_scope(name + "/Regularizer"):
                self._losses.append(reg(var))
        return var

    def add_variable(self, *args, **kwargs) -> Variable:
        """TF 1.x's name for ``add_weight``."""
        return self.add_weight(*args, **kwargs)

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return _dedup(self._trainable_weights + [w for la in self._tracked
                                                 for w in la.trainable_weights])

    @property
    def non_trainable_weights(self) -> list:
        nested = [w for la in self._tracked for w in la.non_trainable_weights]
        if self.trainable:
            return _dedup(self._non_trainable_weights + nested)
        return _dedup(self._trainable_weights + [w for la in self._tracked for w in la.weights]
                      + self._non_trainable_weights)

    @property
    def weights(self) -> list:
        return self.trainable_weights + self.non_trainable_weights

    # properties, not aliases: a Network's own trainable_weights must answer them too
    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)
    variables = property(lambda self: self.weights)

    @property
    def losses(self) -> list:
        return list(self._losses)

    @property
    def updates(self) -> list:
        return list(self._updates)

    def add_loss(self, loss) -> None:
        self._add_to("losses", _to_list(loss))

    def add_update(self, updates) -> None:
        self._add_to("updates", _to_list(updates))

    def add_metric(self, value, name: str | None = None, aggregation: str = "mean") -> None:
        """Reports the mean of ``value`` over each epoch's batches as the metric ``name``."""
        if aggregation != "mean":
            raise ValueError(f"add_metric supports aggregation='mean', got {aggregation!r}")
        if name is None:
            raise ValueError("Please provide a name for your metric like "
                             "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
        self._add_to("metrics", [(name, convert_to_tensor(value))])

    def _add_to(self, kind: str, items: list) -> None:
        getattr(self, "_" + kind).extend(items)
        if _CALLS:  # made by a call: they depend on its inputs
            for frame in _CALLS:
                frame[kind].extend(items)
            self._conditional.update(id(x) for x in items)

    def _unconditional(self, kind: str) -> list:
        """Losses/updates made outside any call (weight regularizers, ``model.add_loss``),
        nested layers' included."""
        own = [x for x in getattr(self, "_" + kind) if id(x) not in self._conditional]
        return _dedup(own + [x for la in self._tracked for x in la._unconditional(kind)])

    def _state_variables(self) -> list:
        """Variables that are not weights but need initializing (stateful RNNs' states)."""
        return [v for la in self._tracked for v in la._state_variables()]

    def _session(self):
        ws = self.weights
        return K.get_session(ws[0].graph if ws else (self._graph or get_default_graph()))

    def get_weights(self) -> list:
        """The weights' current values (NumPy arrays), trainable ones first."""
        ws = self.weights
        if not ws:
            return []
        sess = self._session()
        _initialize(sess, ws)
        return [sess.read_variable(w) for w in ws]

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays, in the order of ``get_weights``."""
        ws = self.weights
        weights = list(weights)
        if len(weights) != len(ws):
            raise ValueError(f"Layer {self.name!r} expects {len(ws)} weight arrays, but the "
                             f"given list has {len(weights)}: "
                             f"{[getattr(w, 'shape', None) for w in weights]}")
        sess = self._session()
        for var, value in zip(ws, weights):
            value = np.asarray(value)
            expected = tuple(var.shape.as_list())
            if value.shape != expected:
                raise ValueError(f"Layer {self.name!r} weight {var.name} has shape {expected}, "
                                 f"but the given value has shape {value.shape}")
            sess.write_variable(var, value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer {self.name!r}, but the "
                             "layer isn't built. Build it first (call it on data or tensors).")
        return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in self.weights))

    # ---- calling -------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        xs = _to_list(inputs)
        xs = [x if isinstance(x, Tensor) else convert_to_tensor(
            np.asarray(x, dtype=self.dtype)) for x in xs]
        graph = xs[0].graph
        if self.__dict__.get("input_spec") is not None:
            _check_input_spec(self, xs)
        eager = isinstance(xs[0], EagerTensor)
        self._build_for(inputs, xs, K.get_graph() if eager else graph, eager)
        multi = isinstance(inputs, (list, tuple))
        x_in = xs if multi else xs[0]
        masks = [get_mask(x) for x in xs]
        mask = (masks if multi else masks[0]) if any(m is not None for m in masks) else None
        # the implicit mask is not a node kwarg: a re-run of the node takes its new inputs'
        call_kwargs = dict(kwargs, mask=mask) if mask is not None and "mask" not in kwargs \
            and "mask" in call_params(type(self)) else kwargs
        if eager:  # values at once; no node is recorded
            outputs = self._call_in_frame(x_in, *args, **call_kwargs)
            self._set_output_masks(x_in, outputs, kwargs.get("mask", mask))
            return outputs
        scope = self.name + "/" if self._call_count == 0 else self.name
        self._call_count += 1
        with graph.as_default(), graph.name_scope(None), graph.name_scope(scope):
            outputs, frame = self._call_in_frame(x_in, *args, frame=True, **call_kwargs)
            self._set_output_masks(x_in, outputs, kwargs.get("mask", mask))
        outs = _to_list(outputs)
        if not type(self).__module__.startswith("tensorfluxo."):
            _check_output_shapes(self, xs, outs, isinstance(inputs, (list, tuple)))
        node = Node(self, xs, outs, kwargs)
        node.losses, node.updates, node.metrics = frame["losses"], frame["updates"], \
            frame["metrics"]
        self._inbound_nodes.append(node)
        for i, t in enumerate(outs):
            _HISTORY[t] = (self, len(self._inbound_nodes) - 1, i)
        return outputs

    def _set_output_masks(self, x_in, outputs, mask) -> None:
        outs = _to_list(outputs)
        if all(get_mask(t) is not None for t in outs):
            return  # made by the layers inside (a model used as a layer)
        if not self.supports_masking and type(self).compute_mask is Layer.compute_mask:
            return
        out_masks = self.compute_mask(x_in, mask)
        for t, m in zip(outs, out_masks if isinstance(out_masks, (list, tuple))
                        else [out_masks] * len(outs)):
            set_mask(t, m)

    def _build_for(self, inputs, xs, graph, eager: bool = False) -> None:
        """Builds the weights on the first call (in ``graph``; in eager mode Keras' graph,
        whose variables are eager ones, for any batch size), else checks the inputs."""
        if self.built:
            self._check_input(xs)
            return
        self._graph = graph
        shapes = [shape_tuple(x) for x in xs]
        if eager:
            shapes = [(None,) + tuple(s[1:]) if s else s for s in shapes]
        self._check_input(xs)
        self.build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)

    def _call_in_frame(self, x_in, *args, frame=False, **kwargs):
        """``call`` collecting the losses and updates it makes (returned with ``frame``)."""
        calls = {"losses": [], "updates": [], "metrics": []}
        _CALLS.append(calls)
        try:
            outputs = self._call_and_regularize(x_in, *args, **kwargs)
        finally:
            _CALLS.pop()
        return (outputs, calls) if frame else outputs

    def _call_and_regularize(self, inputs, *args, **kwargs):
        """``call``, then the activity regularizer's loss on each output (Keras 2's rule: no
        division by the batch size)."""
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            with get_default_graph().name_scope("ActivityRegularizer"):
                self.add_loss([self.activity_regularizer(t) for t in _to_list(outputs)])
        return outputs

    def _check_input(self, xs) -> None:
        """Raises when an input does not fit the weights already built (input_spec)."""

    @property
    def input(self):
        return self._node_attr("inputs", "input")

    @property
    def output(self):
        return self._node_attr("outputs", "output")

    @property
    def input_shape(self):
        return self._shapes(self._node_attr("inputs", "input"))

    @property
    def output_shape(self):
        return self._shapes(self._node_attr("outputs", "output"))

    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes, hence the "
                                 f"notion of \"layer {what}\" is ill-defined.")
        return _unlist(getattr(self._inbound_nodes[0], attr))

    @staticmethod
    def _shapes(ts):
        if isinstance(ts, list):
            return [shape_tuple(t) for t in ts]
        return shape_tuple(ts)

    def __repr__(self) -> str:
        return f"<{type(self).__module__.replace('tensorfluxo.', '')}.{type(self).__name__} " \
               f"name={self.name!r}>"


def _base_name(layer) -> str:
    return "Model" if isinstance(layer, Network) else "Layer"


def _check_output_shapes(layer, xs, outs, multi: bool) -> None:
    """A user layer whose ``call`` contradicts its ``compute_output_shape``: say so now."""
    if type(layer).compute_output_shape is Layer.compute_output_shape or \
            isinstance(layer, Network):
        return
    in_shapes = [shape_tuple(x) for x in xs]
    try:
        expected = layer.compute_output_shape(in_shapes if multi else in_shapes[0])
    except NotImplementedError:
        return
    expected = expected if isinstance(expected, list) else [expected]
    for t, e in zip(outs, expected):
        got = shape_tuple(t)
        if e is None or got is None:
            continue
        e = tuple(e)
        if len(e) != len(got) or any(a is not None and b is not None and a != b
                                     for a, b in zip(e, got)):
            raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}): `call` returned "
                             f"a tensor of shape {got}, but `compute_output_shape` gives {e} "
                             f"for the input shape "
                             f"{in_shapes if multi else in_shapes[0]}")


def _initialize(sess, variables) -> None:
    """Runs the initializers of the variables not yet initialized in ``sess``."""
    todo = [v.initializer for v in variables if not sess.is_initialized(v)]
    if todo:
        sess.run(todo)


# ---- inputs --------------------------------------------------------------------------------
class InputLayer(Layer):
    """The layer behind ``Input``: a placeholder of shape (batch, *input_shape)."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, batch_input_shape=None, **kwargs):
        if name is None:
            name = f"input_{K.get_uid('input')}"
        if batch_input_shape is None:
            if input_shape is None and input_tensor is None:
                raise ValueError("An InputLayer needs input_shape (or batch_input_shape or "
                                 "input_tensor)")
            if input_tensor is not None and input_shape is None:
                batch_input_shape = shape_tuple(input_tensor)
            else:
                batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d)
                                        for d in batch_input_shape)
        if input_tensor is None:
            graph = K.get_graph()
            with graph.as_default(), graph.name_scope(None):
                input_tensor = array_ops.placeholder(self.dtype, self._batch_input_shape,
                                                     name=self.name)
        self._graph = input_tensor.graph
        self.built = True
        node = Node(self, [], [input_tensor], {})
        self._inbound_nodes.append(node)
        _HISTORY[input_tensor] = (self, 0, 0)

    def get_config(self) -> dict:
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": False, "name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        cfg = dict(config)
        cfg.pop("sparse", None)
        cfg.pop("ragged", None)
        return cls(**cfg)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_shape=None, **kwargs) -> Tensor:  # noqa: N802 - Keras' public name
    """A Keras tensor (a placeholder) to start a functional model: ``x = Input(shape=(3,))``."""
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Please provide to Input either a `shape` or a `batch_shape` "
                         "argument. Note that `shape` does not include the batch dimension.")
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       input_tensor=tensor, batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].outputs[0]


# ---- networks of layers --------------------------------------------------------------------
class Network(Layer):
    """Layers connected from ``inputs`` to ``outputs`` (the functional API)."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None) if not args else args[0]
        outputs = kwargs.pop("outputs", None) if len(args) < 2 else args[1]
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)[0]!r} (Model)")
        base = "model" if type(self).__name__ in ("Model", "Functional") else \
            K.to_snake_case(type(self).__name__)
        super().__init__(name=name or K.unique_object_name(base), trainable=trainable)
        self._layers: list[Layer] = []
        self._nodes: list[Node] = []
        self.inputs: list[Tensor] = []
        self.outputs: list[Tensor] = []
        # A subclassed model: its layers are its attributes, its graph is its ``call``.
        self._subclassed = inputs is None and outputs is None
        self._building = False
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both inputs= and outputs=")
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs) -> None:
        self._nested_inputs = isinstance(inputs, (list, tuple))
        self._nested_outputs = isinstance(outputs, (list, tuple))
        self.inputs, self.outputs = _to_list(inputs), _to_list(outputs)
        for t in self.inputs:
            h = keras_history(t)
            if h is None or not isinstance(h[0], InputLayer):
                raise ValueError(f"Model inputs must come from `tf.keras.Input` (an InputLayer)"
                                 f"; got {t}")
        nodes: dict[int, Node] = {}

        def visit(t):
            h = keras_history(t)
            if h is None:
                raise ValueError(f"Output tensor {t} of the model was not produced by a Keras "
                                 "layer: wrap the ops in a Lambda layer")
            node = h[0]._inbound_nodes[h[1]]
            if id(node) in nodes:
                return
            if not isinstance(node.layer, InputLayer) or node.outputs[0] in self.inputs:
                for x in node.inputs:
                    visit(x)
            elif node.outputs[0] not in self.inputs:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                 f"{node.outputs[0]} at layer {node.layer.name!r}. It is not "
                                 f"one of the model inputs {[x.name for x in self.inputs]}")
            nodes[id(node)] = node

        for t in self.outputs:
            visit(t)
        # Dict insertion order is a topological order (inputs are visited first).
        self._nodes = [n for n in nodes.values()]
        in_layers = [keras_history(t)[0] for t in self.inputs]
        layers = list(in_layers)
        for n in self._nodes:
            if n.layer not in layers:
                layers.append(n.layer)
        self._layers = layers
        self._graph = self.inputs[0].graph
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._tracked) if self._subclassed else list(self._layers)

    def build(self, input_shape=None) -> None:
        """A subclassed model: creates its weights by calling it on placeholders of
        ``input_shape`` (batch axis included; a list of shapes for several inputs)."""
        if not self._subclassed or self._building or self.built:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build().")
        multi = isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (list, tuple))
        self.built = True  # a user's build() calling super().build() must not run twice
        self._build_subclassed([tuple(s) for s in input_shape] if multi
                               else [tuple(input_shape)], [self.dtype] * (len(input_shape)
                                                                          if multi else 1),
                               multi)

    def _build_subclassed(self, batch_shapes, dtypes_, multi: bool) -> None:
        """Calls the model on Input placeholders: its inputs, outputs and own node."""
        ins = [Input(batch_shape=s, dtype=d) for s, d in zip(batch_shapes, dtypes_)]
        # fit feeds the learning phase True (tf.keras calls the model with training=True), so
        # a call(x, training=False) passing `training` on to Dropout/BatchNormalization trains
        # them; a call branching on it in Python keeps its default (one graph serves fit and
        # predict), and is told so.
        kwargs = {"training": K.learning_phase(ins[0].graph)} \
            if "training" in call_params(type(self)) else {}
        self._building = True
        try:
            try:
                outs = Layer.__call__(self, ins if multi else ins[0], **kwargs)
            except TypeError as e:
                if not kwargs or "as a Python `bool`" not in str(e):
                    raise
                warnings.warn(
                    f"{type(self).__name__}.call uses `training` as a Python bool; tensorfluxo "
                    "builds one graph for fit, evaluate and predict, so fit runs the call with "
                    "its default `training`. Pass `training` on to layers (Dropout(x, "
                    "training=training)) or use tf.cond for fit to train in training mode.",
                    stacklevel=3)
                outs = Layer.__call__(self, ins if multi else ins[0])
        finally:
            self._building = False
        self._nested_inputs = multi
        self._nested_outputs = isinstance(outs, (list, tuple))
        self.inputs, self.outputs = ins, _to_list(outs)
        self._nodes = [self._inbound_nodes[-1]]
        self._graph = ins[0].graph
        self.built = True

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            if index >= len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[la.name for la in self.layers]}.")

    def _unique_layers(self):
        seen = []
        for layer in self.layers:
            if layer not in seen:
                seen.append(layer)
        return seen

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return _dedup([w for la in self._unique_layers() for w in la.trainable_weights]
                      + super().trainable_weights)

    @property
    def non_trainable_weights(self) -> list:
        ws = [w for la in self._unique_layers() for w in la.non_trainable_weights]
        if not self.trainable:
            ws = [w for la in self._unique_layers() for w in la.trainable_weights] + ws
        return _dedup(ws + super().non_trainable_weights)

    # A model's losses and updates: those made outside calls, and those its own nodes made
    # (a layer shared with another model, or re-called as a Sequential grows, made more).
    @property
    def losses(self) -> list:
        return self._unconditional("losses") + [x for n in self._nodes for x in n.losses]

    @property
    def updates(self) -> list:
        return self._unconditional("updates") + [x for n in self._nodes for x in n.updates]

    def _added_metrics(self) -> list:
        """(name, tensor) pairs from add_metric, made outside or inside the model's calls."""
        return self._unconditional("metrics") + [x for n in self._nodes for x in n.metrics]

    def _unconditional(self, kind: str) -> list:
        return _dedup(super()._unconditional(kind) + [
            x for la in self._unique_layers() for x in la._unconditional(kind)])

    def _state_variables(self) -> list:
        return _dedup(super()._state_variables() + [
            v for la in self._unique_layers() for v in la._state_variables()])

    def reset_states(self) -> None:
        """Zeroes the states of the model's stateful layers."""
        for layer in self._unique_layers():
            if getattr(layer, "stateful", False) or isinstance(layer, Network):
                layer.reset_states()

    def count_params(self) -> int:
        self._require_built("count_params")
        return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in self.weights))

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"This model has not yet been built. Build the model first by "
                             f"calling `build()` or by calling the model on a batch of data "
                             f"(fit, predict), or give the first layer an `input_shape`. "
                             f"({what} needs the weights.)")

    def call(self, inputs, training=None, **kwargs):
        """Applies the model's layers to new tensors (weights shared)."""
        xs = _to_list(inputs)
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s), got "
                             f"{len(xs)}")
        values = {id(a): b for a, b in zip(self.inputs, xs)}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = [values[id(t)] for t in node.inputs]
            out = node.layer(args if len(args) > 1 or isinstance(node.layer, _MultiInput)
                             else args[0], **node.kwargs)
            for a, b in zip(node.outputs, _to_list(out)):
                values[id(a)] = b
        outs = [values[id(t)] for t in self.outputs]
        return outs if self._nested_outputs else outs[0]

    @property
    def input_names(self) -> list:
        return [keras_history(t)[0].name for t in self.inputs]

    @property
    def output_names(self) -> list:
        if self._subclassed:
            return [f"output_{i + 1}" for i in range(len(self.outputs))]
        return [keras_history(t)[0].name for t in self.outputs]

    @property
    def input_shape(self):
        s = [shape_tuple(t) for t in self.inputs]
        return s[0] if len(s) == 1 else s

    @property
    def output_shape(self):
        s = [shape_tuple(t) for t in self.outputs]
        return s[0] if len(s) == 1 else s


class _MultiInput:
    """Marker for layers that take a list of tensors even when there is one (merge layers)."""


def _dedup(ws):
    out, seen = [], set()
    for w in ws:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
