"""tf.contrib.seq2seq.sequence_loss and tf.contrib.legacy_seq2seq against TensorFlow's values
(tests/data/sampled.json, made by scripts/make_sampled_reference.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing.gradient_check import check_gradients

S = json.loads((Path(__file__).parent.parent / "data" / "sampled.json").read_text())[
    "sequence_loss"]
LOGITS = np.asarray(S["logits"], np.float32)
TARGETS = np.asarray(S["targets"], np.int32)
WEIGHTS = np.asarray(S["weights"], np.float32)
FLAGS = ("average_across_timesteps", "average_across_batch", "sum_over_timesteps",
         "sum_over_batch")


def _u(shape, k):
    return np.random.default_rng(100 + k).standard_normal(shape).astype(np.float32)


def _value_and_grad(out, logits):
    target = tf.reduce_sum(out * _u(out.shape.as_list(), 0))
    with tf.Session() as sess:
        return sess.run([out, tf.gradients(target, logits)[0]])


@pytest.mark.parametrize("case", S["cases"], ids=lambda c: "-".join(
    f for f, on in zip(FLAGS, c["flags"]) if on) or "none")
def test_sequence_loss_matches_tensorflow(case):
    logits = tf.constant(LOGITS)
    out = tf.contrib.seq2seq.sequence_loss(logits, TARGETS, WEIGHTS,
                                           **dict(zip(FLAGS, case["flags"])))
    value, grad = _value_and_grad(out, logits)
    np.testing.assert_allclose(value, case["outputs"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, case["grads"]["logits"], rtol=1e-5, atol=1e-6)
    assert out.shape.as_list() == list(np.shape(case["outputs"][0]))


def test_sequence_loss_with_softmax_loss_function_and_gradients():
    seen = {}

    def loss_fn(labels, logits):
        seen["shapes"] = (labels.shape.as_list(), logits.shape.as_list())
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

    logits = tf.constant(LOGITS)
    a = tf.contrib.seq2seq.sequence_loss(logits, TARGETS, WEIGHTS, softmax_loss_function=loss_fn)
    value, _ = _value_and_grad(a, logits)
    np.testing.assert_allclose(value, S["cases"][0]["outputs"][0], rtol=1e-5)
    assert seen["shapes"] == ([12], [12, 5])
    check_gradients(lambda x: tf.contrib.seq2seq.sequence_loss(
        x, TARGETS, WEIGHTS, average_across_timesteps=False), [LOGITS.astype(np.float64)])


def test_sequence_loss_zero_weights_give_zero_not_nan():
    out = tf.contrib.seq2seq.sequence_loss(tf.constant(LOGITS), TARGETS, np.zeros((3, 4)),
                                           average_across_batch=False)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out), [0.0, 0.0, 0.0])


def test_sequence_loss_bad_input():
    seq = tf.contrib.seq2seq.sequence_loss
    with pytest.raises(ValueError, match=r"Logits must be a \[batch_size x sequence_length x "
                                         r"logits\] tensor, got shape \(3, 4\)"):
        seq(tf.zeros([3, 4]), TARGETS, WEIGHTS)
    with pytest.raises(ValueError, match=r"Targets must be a \[batch_size x sequence_length\]"):
        seq(LOGITS, TARGETS[:, :, None], WEIGHTS)
    with pytest.raises(ValueError, match=r"weights \(3, 5\) must share \[batch_size, "
                                         "sequence_length\\]"):
        seq(LOGITS, TARGETS, np.ones((3, 5), np.float32))
    with pytest.raises(ValueError, match="average_across_timesteps and sum_over_timesteps "
                                         "cannot be set to True at same time"):
        seq(LOGITS, TARGETS, WEIGHTS, sum_over_timesteps=True)
    with pytest.raises(ValueError, match="average_across_batch and sum_over_batch cannot"):
        seq(LOGITS, TARGETS, WEIGHTS, average_across_timesteps=False, sum_over_batch=True)


def test_legacy_sequence_loss_by_example_matches_tensorflow():
    logits = tf.constant(LOGITS)
    steps = [logits[:, t] for t in range(4)]
    out = tf.contrib.legacy_seq2seq.sequence_loss_by_example(
        steps, [TARGETS[:, t] for t in range(4)], [WEIGHTS[:, t] for t in range(4)])
    value, grad = _value_and_grad(out, logits)
    ref = S["by_example"]
    np.testing.assert_allclose(value, ref["outputs"][0], rtol=1e-5)
    np.testing.assert_allclose(grad, ref["grads"]["logits"], rtol=1e-5, atol=1e-6)
    total = tf.contrib.legacy_seq2seq.sequence_loss(
        steps, [TARGETS[:, t] for t in range(4)], [WEIGHTS[:, t] for t in range(4)])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(total), np.sum(ref["outputs"][0]) / 3, rtol=1e-5)
    with pytest.raises(ValueError, match="Lengths of logits, weights, and targets must be the "
                                         "same 4, 3, 4"):
        tf.contrib.legacy_seq2seq.sequence_loss_by_example(steps, [TARGETS[:, 0]] * 4,
                                                           [WEIGHTS[:, 0]] * 3)
