"""TensorFlow 1's "Deep MNIST for Experts": two 5x5 convolution + max-pool layers (32, 64), a
fully connected layer of 1024 with dropout, softmax; Adam 1e-4, batches of 50. The tutorial
runs 20,000 steps for ~99.2% test accuracy. Written as the tutorial writes it, with
``import tensorfluxo as tf``.

    python examples/deep_mnist.py                 # 20,000 steps
    python examples/deep_mnist.py --steps 2000
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf
from tensorfluxo.examples.tutorials.mnist import input_data


def weight_variable(shape):
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial)


def bias_variable(shape):
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial)


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def main(steps: int = 20000, data_dir: str = "MNIST_data", log_every: int = 100,
         learning_rate: float = 1e-4, n_test: int = 10000) -> float:
    """Trains for ``steps`` batches of 50; returns the accuracy on the first ``n_test`` test
    images."""
    mnist = input_data.read_data_sets(data_dir, one_hot=True)
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, shape=[None, 784])
    y_ = tf.placeholder(tf.float32, shape=[None, 10])

    W_conv1 = weight_variable([5, 5, 1, 32])
    b_conv1 = bias_variable([32])
    x_image = tf.reshape(x, [-1, 28, 28, 1])
    h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
    h_pool1 = max_pool_2x2(h_conv1)

    W_conv2 = weight_variable([5, 5, 32, 64])
    b_conv2 = bias_variable([64])
    h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
    h_pool2 = max_pool_2x2(h_conv2)

    W_fc1 = weight_variable([7 * 7 * 64, 1024])
    b_fc1 = bias_variable([1024])
    h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
    h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

    keep_prob = tf.placeholder(tf.float32)
    h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

    W_fc2 = weight_variable([1024, 10])
    b_fc2 = bias_variable([10])
    y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2

    cross_entropy = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
    train_step = tf.train.AdamOptimizer(learning_rate).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(steps):
            batch = mnist.train.next_batch(50)
            if log_every and i % log_every == 0:
                train_accuracy = accuracy.eval(feed_dict={x: batch[0], y_: batch[1],
                                                          keep_prob: 1.0})
                print(f"step {i}, training accuracy {train_accuracy:g}")
            train_step.run(feed_dict={x: batch[0], y_: batch[1], keep_prob: 0.5})
        # the test set in slices of 1000 images (the tutorial feeds all 10,000 at once)
        accs = [accuracy.eval(feed_dict={x: mnist.test.images[i:min(i + 1000, n_test)],
                                         y_: mnist.test.labels[i:min(i + 1000, n_test)],
                                         keep_prob: 1.0})
                for i in range(0, n_test, 1000)]
    acc = float(np.mean(accs))
    print(f"test accuracy {acc:g}")
    return acc


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--data-dir", default="MNIST_data")
    p.add_argument("--learning-rate", type=float, default=1e-4)
    a = p.parse_args()
    main(a.steps, a.data_dir, learning_rate=a.learning_rate)
