"""tf.contrib.seq2seq: sequence_loss (the weighted cross-entropy of sequence models)."""

from __future__ import annotations

from ...framework.ops import convert_to_tensor, name_scope
from ...ops import array_ops as A
from ...ops import math_ops as M
from ...ops import nn_ops as N

__all__ = ["sequence_loss"]


def sequence_loss(logits, targets, weights, average_across_timesteps: bool = True,
                  average_across_batch: bool = True, sum_over_timesteps: bool = False,
                  sum_over_batch: bool = False, softmax_loss_function=None, name=None):
    """Weighted cross-entropy of ``logits`` [batch, time, classes] against integer
    ``targets`` [batch, time], each step weighted by ``weights`` [batch, time].

    Averages divide by the sum of the weights, ``sum_over_*`` by the count of non-zero weights
    (TF 1.15's contrib.seq2seq); reducing neither axis gives [batch, time], one axis gives the
    other's vector, both a scalar. ``softmax_loss_function(labels=, logits=)`` replaces the
    sparse softmax cross-entropy.

    >>> loss = tf.contrib.seq2seq.sequence_loss(logits, targets, tf.ones([batch, steps]))
    """
    with name_scope(name, "sequence_loss"):
        logits, targets = convert_to_tensor(logits), convert_to_tensor(targets)
        weights = convert_to_tensor(weights, dtype=logits.dtype)
        for t, r, what in ((logits, 3, "Logits must be a [batch_size x sequence_length x "
                                       "logits] tensor"),
                           (targets, 2, "Targets must be a [batch_size x sequence_length] "
                                        "tensor"),
                           (weights, 2, "Weights must be a [batch_size x sequence_length] "
                                        "tensor")):
            if t.shape.rank is None or t.shape.rank != r:
                raise ValueError(f"{what}, got shape {t.shape} ({t.name})")
        if not targets.shape.is_compatible_with(logits.shape[:2]) or \
                not weights.shape.is_compatible_with(logits.shape[:2]) or \
                not weights.shape.is_compatible_with(targets.shape):
            raise ValueError(f"sequence_loss: logits {logits.shape}, targets {targets.shape} "
                             f"and weights {weights.shape} must share [batch_size, "
                             "sequence_length]")
        if average_across_timesteps and sum_over_timesteps:
            raise ValueError("average_across_timesteps and sum_over_timesteps cannot be set "
                             "to True at same time.")
        if average_across_batch and sum_over_batch:
            raise ValueError("average_across_batch and sum_over_batch cannot be set to True at "
                             "same time.")
        flat_logits = A.reshape(logits, A.stack([-1, A.shape(logits)[2]]))
        flat_targets = A.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = N.sparse_softmax_cross_entropy_with_logits(labels=flat_targets,
                                                                  logits=flat_logits)
        else:
            crossent = softmax_loss_function(labels=flat_targets, logits=flat_logits)
        crossent = crossent * A.reshape(weights, [-1])
        nonzero = A.cast(M.not_equal(weights, 0.0), logits.dtype)
        if average_across_timesteps and average_across_batch:
            return M.div_no_nan(M.reduce_sum(crossent), M.reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            return M.div_no_nan(M.reduce_sum(crossent), M.reduce_sum(nonzero))
        crossent = A.reshape(crossent, A.shape(logits)[:2])
        if average_across_timesteps or average_across_batch:
            axis = 0 if average_across_batch else 1
            return M.div_no_nan(M.reduce_sum(crossent, axis=axis), M.reduce_sum(weights, axis=axis))
        if sum_over_timesteps or sum_over_batch:
            axis = 0 if sum_over_batch else 1
            return M.div_no_nan(M.reduce_sum(crossent, axis=axis), M.reduce_sum(nonzero, axis=axis))
        return crossent
