"""tf.nn: activations, softmax, losses and other neural-network ops."""

from ..ops.math_ops import relu, sigmoid, tanh
from ..ops.nn_ops import (
                          batch_normalization,
                          bias_add,
                          dropout,
                          in_top_k,
                          log_softmax,
                          moments,
                          softmax,
                          softmax_cross_entropy_with_logits,
                          softmax_cross_entropy_with_logits_v2,
                          sparse_softmax_cross_entropy_with_logits,
)

__all__ = ["batch_normalization", "bias_add", "dropout", "in_top_k", "log_softmax", "moments",
           "relu", "sigmoid", "softmax", "softmax_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
           "tanh"]
