"""keras.engine (Keras 2.2): Layer, Input, InputLayer, Model."""

from ...keras.engine import Input, InputLayer, InputSpec, Layer, Node  # noqa: F401
from ..models import Model  # noqa: F401
from . import topology, training  # noqa: F401
