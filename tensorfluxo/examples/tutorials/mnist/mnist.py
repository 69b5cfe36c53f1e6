"""The helper module of TF1's ``fully_connected_feed`` tutorial:
``from tensorflow.examples.tutorials.mnist import mnist``.

It builds the tutorial's MNIST network in four steps, each a graph-building function:
``inference`` (two ReLU layers and a linear softmax layer, variables under the name scopes
hidden1, hidden2 and softmax_linear), ``loss`` (mean sparse softmax cross-entropy),
``training`` (a loss summary and a gradient-descent step that counts ``global_step``) and
``evaluation`` (how many predictions are right).
"""

from __future__ import annotations

import math

from tensorfluxo.framework import dtypes
from tensorfluxo.framework.ops import name_scope

NUM_CLASSES = 10
IMAGE_SIZE = 28
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE


def _layer(x, n_in: int, n_out: int, scope: str, relu: bool = True):
    import tensorfluxo as tf

    with name_scope(scope):
        weights = tf.Variable(tf.truncated_normal([n_in, n_out], stddev=1.0 / math.sqrt(n_in)),
                              name="weights")
        biases = tf.Variable(tf.zeros([n_out]), name="biases")
        y = tf.matmul(x, weights) + biases
        return tf.nn.relu(y) if relu else y


def inference(images, hidden1_units: int, hidden2_units: int):
    """Logits [batch, NUM_CLASSES] of the images placeholder [batch, IMAGE_PIXELS]."""
    hidden1 = _layer(images, IMAGE_PIXELS, hidden1_units, "hidden1")
    hidden2 = _layer(hidden1, hidden1_units, hidden2_units, "hidden2")
    return _layer(hidden2, hidden2_units, NUM_CLASSES, "softmax_linear", relu=False)


def loss(logits, labels):
    """Mean cross-entropy of the logits against integer class labels."""
    import tensorfluxo as tf

    labels = tf.cast(labels, dtypes.int64)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def training(loss, learning_rate: float):
    """The op that takes one gradient-descent step on ``loss`` (and adds a loss summary)."""
    import tensorfluxo as tf

    tf.summary.scalar("loss", loss)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    global_step = tf.Variable(0, name="global_step", trainable=False)
    return optimizer.minimize(loss, global_step=global_step)


def evaluation(logits, labels):
    """The number of examples whose label is the top prediction (an int32 scalar)."""
    import tensorfluxo as tf

    correct = tf.nn.in_top_k(logits, labels, 1)
    return tf.reduce_sum(tf.cast(correct, dtypes.int32))
