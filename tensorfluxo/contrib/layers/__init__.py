"""tf.contrib.layers: fully_connected, batch_norm, regularizers, initializers, feature columns."""

from ...feature_column import real_valued_column
from .initializers import (
    variance_scaling_initializer,
    xavier_initializer,
    xavier_initializer_conv2d,
)
from .layers import (
    avg_pool2d,
    batch_norm,
    convolution2d,
    convolution2d_transpose,
    dropout,
    flatten,
    fully_connected,
    max_pool2d,
)
from .regularizers import (
    apply_regularization,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    sum_regularizer,
)

conv2d, conv2d_transpose = convolution2d, convolution2d_transpose


def linear(inputs, num_outputs, scope=None, **kwargs):
    """fully_connected with no activation."""
    return fully_connected(inputs, num_outputs, activation_fn=None, scope=scope, **kwargs)


__all__ = ["apply_regularization", "avg_pool2d", "batch_norm", "conv2d", "conv2d_transpose",
           "convolution2d", "convolution2d_transpose", "max_pool2d", "dropout", "flatten",
           "fully_connected",
           "l1_l2_regularizer", "l1_regularizer", "l2_regularizer", "linear",
           "real_valued_column", "sum_regularizer", "variance_scaling_initializer",
           "xavier_initializer", "xavier_initializer_conv2d"]
