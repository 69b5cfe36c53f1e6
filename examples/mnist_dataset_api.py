"""MNIST through the TF1 Dataset API: placeholders -> from_tensor_slices -> shuffle -> batch,
one reinitializable iterator switched between the training and the test set.

    python examples/mnist_dataset_api.py --epochs 5
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf


def main(epochs: int = 5, n_train: int | None = None, batch_size: int = 100) -> float:
    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
    X_train = X_train.reshape(-1, 784).astype(np.float32) / 255.0
    X_test = X_test.reshape(-1, 784).astype(np.float32) / 255.0
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    if n_train:
        X_train, y_train = X_train[:n_train], y_train[:n_train]

    tf.reset_default_graph()
    tf.set_random_seed(42)
    X = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.int64, [None])
    train_ds = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(10000).batch(batch_size)
    test_ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(1000)
    iterator = tf.data.Iterator.from_structure(train_ds.output_types, train_ds.output_shapes)
    images, labels = iterator.get_next()
    train_init = iterator.make_initializer(train_ds)
    test_init = iterator.make_initializer(test_ds)

    hidden = tf.layers.dense(images, 300, activation=tf.nn.relu, name="hidden1")
    hidden = tf.layers.dense(hidden, 100, activation=tf.nn.relu, name="hidden2")
    logits = tf.layers.dense(hidden, 10, name="outputs")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                         logits=logits))
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    correct = tf.reduce_sum(tf.cast(tf.nn.in_top_k(logits, labels, 1), tf.float32))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            sess.run(train_init, feed_dict={X: X_train, y: y_train})
            try:
                while True:
                    sess.run(train_op)
            except tf.errors.OutOfRangeError:
                pass
            sess.run(test_init, feed_dict={X: X_test, y: y_test})
            right = 0.0
            try:
                while True:
                    right += sess.run(correct)
            except tf.errors.OutOfRangeError:
                pass
            accuracy = right / len(X_test)
            print(f"epoch {epoch}: test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    main(p.parse_args().epochs)
