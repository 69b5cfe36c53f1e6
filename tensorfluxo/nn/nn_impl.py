"""Sampled losses for large output vocabularies: tf.nn.nce_loss and
tf.nn.sampled_softmax_loss (TF1's argument order: weights, biases, labels, inputs).

Both score the true classes and ``num_sampled`` classes drawn by a candidate sampler
(log-uniform by default) instead of all ``num_classes``: logits ``inputs @ w[k] + b[k]`` for
the true and the sampled classes, minus ``log(expected count)`` of each (``subtract_log_q``),
optionally with sampled classes that are a row's true class pushed to -FLOAT_MAX
(``remove_accidental_hits``). The rows of ``weights`` and ``biases`` are embedding lookups, so
their gradients are IndexedSlices and optimizers update only the classes used.
"""

from __future__ import annotations

from ..framework import dtypes
from ..framework.ops import convert_to_tensor, name_scope
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops import nn_ops as N
from ..ops._util import dims
from .candidate_sampling_ops import compute_accidental_hits, log_uniform_candidate_sampler
from .embedding_ops import embedding_lookup


def _check_labels(labels, inputs, num_true, name):
    d = dims(labels)
    if d is not None and (len(d) != 2 or d[1] not in (None, num_true)):
        raise ValueError(f"{name}: labels must be a matrix [batch_size, num_true] with "
                         f"num_true = {num_true}, got shape {labels.shape}")
    di = dims(inputs)
    if di is not None and len(di) != 2:
        raise ValueError(f"{name}: inputs must be a matrix [batch_size, dim], got shape "
                         f"{inputs.shape}")
    if d is not None and di is not None and None not in (d[0], di[0]) and d[0] != di[0]:
        raise ValueError(f"{name}: labels {labels.shape} and inputs {inputs.shape} have "
                         "different batch sizes")


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                            num_true, sampled_values, subtract_log_q, remove_accidental_hits,
                            partition_strategy, name, seed=None):
    """(logits, labels): [batch, num_true + num_sampled] logits of the true then the sampled
    classes, and the targets (1 / num_true for the true classes, 0 for the sampled)."""
    weights = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    with name_scope(name, "compute_sampled_logits"):
        inputs = convert_to_tensor(inputs)
        labels = convert_to_tensor(labels)
        if not labels.dtype.is_integer:
            raise TypeError(f"{name}: labels must be integer class ids, got {labels.dtype.name}")
        _check_labels(labels, inputs, int(num_true), name)
        labels = A.cast(labels, dtypes.int64) if labels.dtype is not dtypes.int64 else labels
        labels_flat = A.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(
                labels, num_true, num_sampled, True, num_classes, seed=seed)
        sampled, true_expected, sampled_expected = (A.stop_gradient(s) for s in sampled_values)
        sampled = A.cast(sampled, dtypes.int64)
        n_true = A.size(labels_flat)
        all_ids = A.concat([labels_flat, sampled], 0)
        all_w = embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
        all_b = embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_w.dtype is not inputs.dtype:
            all_w = A.cast(all_w, inputs.dtype)
            all_b = A.cast(all_b, inputs.dtype)
        # Slice ops (not tensor-indexed getitem): TF reads the graphs tensorfluxo writes
        true_w = A.slice(all_w, [0, 0], A.stack([n_true, -1]))
        sampled_w = A.slice(all_w, A.stack([n_true, 0]), [-1, -1])
        true_b = A.slice(all_b, [0], A.stack([n_true]))
        sampled_b = A.slice(all_b, A.stack([n_true]), [-1])
        # true logits: each row's input dotted with its num_true label rows
        dim = A.shape(true_w)[1:2]
        rows = A.reshape(true_w, A.concat([[-1, int(num_true)], dim], 0))
        true_logits = M.reduce_sum(A.expand_dims(inputs, 1) * rows, axis=2) + \
            A.reshape(true_b, [-1, int(num_true)])
        sampled_logits = M.matmul(inputs, sampled_w, transpose_b=True) + sampled_b
        if remove_accidental_hits:
            rows_hit, ids_hit, weights_hit = compute_accidental_hits(labels, sampled, num_true)
            flat = A.cast(rows_hit, dtypes.int64) * int(num_sampled) + ids_hit
            size = A.cast(A.shape(inputs)[0], dtypes.int64) * int(num_sampled)
            sampled_logits += A.reshape(A.unsorted_segment_sum(
                A.cast(weights_hit, sampled_logits.dtype), flat, size), A.shape(sampled_logits))
        if subtract_log_q:
            true_logits -= M.log(A.cast(true_expected, true_logits.dtype))
            sampled_logits -= M.log(A.cast(sampled_expected, sampled_logits.dtype))
        logits = A.concat([true_logits, sampled_logits], 1)
        targets = A.concat([A.ones_like(true_logits) / float(num_true),
                            A.zeros_like(sampled_logits)], 1)
        return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled: int, num_classes: int,
             num_true: int = 1, sampled_values=None, remove_accidental_hits: bool = False,
             partition_strategy: str = "mod", name: str = "nce_loss"):
    """Noise-contrastive estimation loss per example ([batch_size]): a logistic regression
    telling the true classes from ``num_sampled`` sampled ones.

    >>> loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, labels, embed, 64, vocab_size))
    """
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        True, remove_accidental_hits, partition_strategy, name)
    with name_scope(name):
        losses = N.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits)
        return M.reduce_sum(losses, axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled: int, num_classes: int,
                         num_true: int = 1, sampled_values=None,
                         remove_accidental_hits: bool = True, partition_strategy: str = "mod",
                         name: str = "sampled_softmax_loss", seed=None):
    """Softmax cross-entropy per example ([batch_size]) over the true classes and
    ``num_sampled`` sampled ones: a fast estimate of the full softmax loss for training."""
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        True, remove_accidental_hits, partition_strategy, name, seed=seed)
    with name_scope(name):
        return N.softmax_cross_entropy_with_logits_v2(labels=A.stop_gradient(targets),
                                                      logits=logits)
