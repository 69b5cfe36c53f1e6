"""tf.contrib.legacy_seq2seq: the per-step-list losses of TF1's early sequence models."""

from __future__ import annotations

from ...framework.ops import convert_to_tensor, name_scope
from ...ops import array_ops as A
from ...ops import math_ops as M
from ...ops import nn_ops as N

__all__ = ["sequence_loss", "sequence_loss_by_example"]


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps: bool = True,
                             softmax_loss_function=None, name=None):
    """Per-example loss [batch] over lists (one entry per time step) of logits [batch,
    classes], integer targets [batch] and weights [batch]: the weighted sum of the steps'
    cross-entropies, divided by the summed weights (+1e-12) when averaging."""
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError(f"Lengths of logits, weights, and targets must be the same "
                         f"{len(logits)}, {len(weights)}, {len(targets)}.")
    with name_scope(name, "sequence_loss_by_example"):
        terms = []
        for logit, target, weight in zip(logits, targets, weights):
            logit = convert_to_tensor(logit)
            if softmax_loss_function is None:
                crossent = N.sparse_softmax_cross_entropy_with_logits(
                    labels=A.reshape(target, [-1]), logits=logit)
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            terms.append(crossent * convert_to_tensor(weight, dtype=crossent.dtype))
        total = M.add_n(terms)
        if average_across_timesteps:
            total = total / (M.add_n([convert_to_tensor(w, dtype=total.dtype) for w in weights])
                             + 1e-12)
        return total


def sequence_loss(logits, targets, weights, average_across_timesteps: bool = True,
                  average_across_batch: bool = True, softmax_loss_function=None, name=None):
    """The summed sequence_loss_by_example, divided by the batch size when
    ``average_across_batch``."""
    with name_scope(name, "sequence_loss"):
        cost = M.reduce_sum(sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps,
            softmax_loss_function=softmax_loss_function))
        if average_across_batch:
            return cost / A.cast(A.shape(targets[0])[0], cost.dtype)
        return cost
