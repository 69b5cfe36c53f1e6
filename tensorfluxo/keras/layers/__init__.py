"""tf.keras.layers."""

from ..engine import Input, InputLayer, InputSpec, Layer
from .advanced_activations import ELU, PReLU, ThresholdedReLU
from .convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Cropping2D,
    DepthwiseConv2D,
    SeparableConv2D,
    SpatialDropout2D,
    UpSampling2D,
    ZeroPadding2D,
)
from .core import (
    Activation,
    ActivityRegularization,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    LeakyReLU,
    Masking,
    Permute,
    ReLU,
    RepeatVector,
    Reshape,
    Softmax,
)
from .embeddings import Embedding
from .merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .noise import AlphaDropout, GaussianDropout, GaussianNoise
from .normalization import BatchNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .recurrent import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from .wrappers import Bidirectional, TimeDistributed

Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
SeparableConvolution2D = SeparableConv2D

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "Flatten", "Input",
           "InputLayer", "Lambda", "Layer", "LeakyReLU", "ReLU", "Reshape", "Softmax"]
__all__ += ["AveragePooling1D", "AveragePooling2D", "Conv1D", "Conv2D", "Conv2DTranspose",
            "Cropping2D", "DepthwiseConv2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPooling1D", "MaxPooling2D",
            "SeparableConv2D", "SpatialDropout2D", "UpSampling2D", "ZeroPadding2D"]
# Keras' other spellings of the same classes (MaxPool2D, Convolution2D, ...) are attributes
# here too, not separate classes.
__all__ += ["ActivityRegularization", "Add", "AlphaDropout", "Average", "Concatenate", "Dot",
            "InputSpec",
            "ELU", "GaussianDropout", "GaussianNoise", "Maximum", "Minimum", "Multiply", "PReLU",
            "Permute", "RepeatVector", "Subtract", "ThresholdedReLU", "add", "average",
            "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]
__all__ += ["Embedding", "Masking"]
__all__ += ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
            "StackedRNNCells", "Bidirectional", "TimeDistributed"]


def serialize(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict, custom_objects=None, safe_mode: bool = True):
    """A layer from {"class_name": ..., "config": ...}."""
    name = config.get("class_name")
    from ..utils import get_custom_objects
    cls = (custom_objects or {}).get(name) or get_custom_objects().get(name) or \
        _layer_classes().get(name)
    if cls is None:
        raise ValueError(f"Unknown layer: {name!r}. Please ensure this object is passed to "
                         f"the `custom_objects` argument.")
    if cls is Lambda:
        return cls.from_config(config["config"], safe_mode=safe_mode)
    return cls.from_config(config["config"])


def _layer_classes() -> dict:
    from .. import models
    out = {n: globals()[n] for n in __all__ if isinstance(globals()[n], type)}
    out.update(Sequential=models.Sequential, Model=models.Model, Functional=models.Model)
    return out
