"""tf.nn: activations, softmax, losses and other neural-network ops."""

from ..image import depth_to_space, space_to_depth
from ..ops.math_ops import relu, sigmoid, tanh
from ..ops.nn_ops import (
    batch_normalization,
    bias_add,
    dropout,
    elu,
    fused_batch_norm,
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
from . import rnn_cell
from .candidate_sampling_ops import (
    compute_accidental_hits,
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from .conv import (
    atrous_conv2d,
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv2d_backprop_filter,
    conv2d_backprop_input,
    conv2d_transpose,
    convolution,
    depthwise_conv2d,
    depthwise_conv2d_native,
    local_response_normalization,
    lrn,
    max_pool,
    max_pool1d,
    max_pool2d,
    pool,
    separable_conv2d,
)
from .embedding_ops import embedding_lookup, embedding_lookup_sparse
from .nn_impl import nce_loss, sampled_softmax_loss
from .rnn import (
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    static_bidirectional_rnn,
    static_rnn,
)

__all__ = [
    "compute_accidental_hits", "embedding_lookup_sparse", "fixed_unigram_candidate_sampler",
    "learned_unigram_candidate_sampler", "log_uniform_candidate_sampler", "nce_loss",
    "sampled_softmax_loss", "uniform_candidate_sampler",
    "atrous_conv2d", "avg_pool", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d",
    "conv2d_backprop_filter", "conv2d_backprop_input", "conv2d_transpose", "convolution",
    "depth_to_space", "depthwise_conv2d", "depthwise_conv2d_native",
    "local_response_normalization", "lrn",
    "max_pool", "max_pool1d", "max_pool2d", "pool", "separable_conv2d", "space_to_depth",
    "bidirectional_dynamic_rnn", "dynamic_rnn", "rnn_cell", "static_bidirectional_rnn",
    "static_rnn",
    "batch_normalization", "bias_add", "dropout", "elu", "embedding_lookup", "fused_batch_norm",
    "gelu", "in_top_k",
    "l2_loss", "l2_normalize", "leaky_relu", "log_sigmoid", "log_softmax", "moments", "relu",
    "relu6", "relu_layer", "selu", "sigmoid", "sigmoid_cross_entropy_with_logits", "silu",
    "softmax", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "softplus", "softsign", "sparse_softmax_cross_entropy_with_logits", "swish", "tanh", "top_k",
    "weighted_cross_entropy_with_logits", "xw_plus_b", "zero_fraction",
]
