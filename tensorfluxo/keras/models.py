"""tf.keras.models: Sequential, Model, and loading / cloning models."""

from __future__ import annotations

from ..framework.ops import Tensor
from .engine import InputLayer, Layer, call_params, keras_history
from .training import Model


class Sequential(Model):
    """A linear stack of layers: ``Sequential([Dense(4, activation="relu"), Dense(1)])``.

    Without an input shape on the first layer, the model is built from the first data given
    to fit / predict / evaluate (or by ``build(input_shape)``).
    """

    def __init__(self, layers=None, name: str | None = None):
        super().__init__(name=name)
        self._subclassed = False
        self._seq_layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.built = False
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        return list(self._seq_layers)

    def _hides_input_layer(self) -> bool:
        return True

    def add(self, layer) -> None:
        """Appends a layer (an InputLayer or Input() tensor only first)."""
        if isinstance(layer, Tensor):
            h = keras_history(layer)
            if h is None or not isinstance(h[0], InputLayer):
                raise TypeError(f"Sequential.add takes layers; got the tensor {layer}")
            layer = h[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: "
                            f"layer={layer!r} of type {type(layer).__name__}.")
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential "
                                 "model")
            self._input_layer = layer
            return
        if any(la.name == layer.name for la in self._seq_layers):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name {layer.name!r} is already the name of a layer in "
                             "this model. Update the `name` argument to pass a unique name.")
        self._seq_layers.append(layer)
        if self._input_layer is None and len(self._seq_layers) == 1:
            shape = layer._batch_input_shape
            if shape is None and isinstance(layer, Model) and layer.built:
                shape = layer.inputs[0].shape.as_tuple()
            if shape is not None:
                self._input_layer = InputLayer(batch_input_shape=shape, dtype=layer.dtype,
                                               name=f"{layer.name}_input")
        if self._input_layer is not None:
            self._connect()

    def pop(self) -> None:
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        self._seq_layers.pop()
        self._functions = {}
        if self._seq_layers and self._input_layer is not None:
            self._connect()
        else:
            self.built = False
            self.inputs, self.outputs = [], []

    def _connect(self) -> None:
        x = self._input_layer._inbound_nodes[0].outputs[0]
        for layer in self._seq_layers:
            x = layer(x)
            if isinstance(x, (list, tuple)):
                raise ValueError("All layers in a Sequential model should have a single "
                                 f"output tensor; layer {layer.name!r} has {len(x)}")
        self._init_graph(self._input_layer._inbound_nodes[0].outputs[0], x)
        self._functions = {}

    def build(self, input_shape=None) -> None:
        """Creates the weights for inputs of ``input_shape`` (batch dimension included)."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build().")
        if not self._seq_layers:
            raise ValueError("Cannot build an empty Sequential model: add layers first")
        self._input_layer = InputLayer(batch_input_shape=tuple(input_shape),
                                       name=f"{self._seq_layers[0].name}_input")
        self._connect()

    def _build_for_data(self, xs) -> None:
        self.build((None,) + xs[0].shape[1:])

    def call(self, inputs, training=None, **kwargs):
        if not self.built:
            self.build(inputs.shape.as_tuple())
        x = inputs
        for layer in self._seq_layers:
            x = layer(x, **({"training": training} if training is not None and
                            _takes_training(layer) else {}))
        return x

    def predict_proba(self, x, batch_size: int = 32, verbose: int = 0):
        """Keras 2: the predictions (probabilities, for a softmax or sigmoid output)."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size: int = 32, verbose: int = 0):
        """Keras 2: class indices, the argmax of each prediction (> 0.5 for one output unit)."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self) -> dict:
        from .saving import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
        from .saving import sequential_from_config
        return sequential_from_config(config, custom_objects, safe_mode)


def _takes_training(layer) -> bool:
    return "training" in call_params(type(layer))


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    from .saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True,
               save_format=None, **kwargs) -> None:
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer,
               save_format=save_format)


def model_from_json(json_string: str, custom_objects=None, safe_mode: bool = True):
    from .saving import model_from_json as _from_json
    return _from_json(json_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_config(config: dict, custom_objects=None, safe_mode: bool = True):
    from .saving import model_from_config as _from_config
    return _from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    from .saving import clone_model as _clone
    return _clone(model, input_tensors=input_tensors, clone_function=clone_function)


Functional = Model
