"""keras.engine.topology (Keras 2.2's module): the layer graph's classes."""

from ...keras.engine import Input, InputLayer, InputSpec, Layer, Network, Node  # noqa: F401
from ...keras.layers import deserialize as layer_from_config  # noqa: F401
