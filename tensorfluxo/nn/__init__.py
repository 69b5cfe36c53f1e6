"""tf.nn: activations, softmax, losses and other neural-network ops."""

from ..ops.math_ops import relu, sigmoid, tanh
from ..ops.nn_ops import (
    batch_normalization,
    bias_add,
    dropout,
    elu,
    embedding_lookup,
    gelu,
    in_top_k,
    l2_loss,
    l2_normalize,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    moments,
    relu6,
    relu_layer,
    selu,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    softplus,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    swish,
    top_k,
    weighted_cross_entropy_with_logits,
    xw_plus_b,
    zero_fraction,
)

__all__ = [
    "batch_normalization", "bias_add", "dropout", "elu", "embedding_lookup", "gelu", "in_top_k",
    "l2_loss", "l2_normalize", "leaky_relu", "log_sigmoid", "log_softmax", "moments", "relu",
    "relu6", "relu_layer", "selu", "sigmoid", "sigmoid_cross_entropy_with_logits", "silu",
    "softmax", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "softplus", "softsign", "sparse_softmax_cross_entropy_with_logits", "swish", "tanh", "top_k",
    "weighted_cross_entropy_with_logits", "xw_plus_b", "zero_fraction",
]
