"""Géron's chapter 14 (TensorFlow 1): MNIST classified by a recurrent network that reads each
image row by row, 28 steps of 28 pixels. ``--cell rnn``: one BasicRNNCell of 150 units (94.2%
test accuracy after 2 epochs); ``--cell lstm``: BasicLSTMCells of 150 units stacked in a
MultiRNNCell, as the book does (one layer: 97.6% after 5 epochs). The last state goes through a
dense layer of 10 logits; Adam 1e-3, batches of 150. Written as the book writes it, with
``import tensorfluxo as tf``.

    python examples/rnn_mnist.py --cell rnn --epochs 5
    python examples/rnn_mnist.py --cell lstm --layers 3 --epochs 10
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf

n_steps = 28
n_inputs = 28
n_neurons = 150
n_outputs = 10


def shuffle_batch(X, y, batch_size, rng=np.random):
    rnd_idx = rng.permutation(len(X))
    n_batches = len(X) // batch_size
    for batch_idx in np.array_split(rnd_idx, n_batches):
        yield X[batch_idx], y[batch_idx]


def main(cell: str = "rnn", epochs: int = 5, n_layers: int = 1, n_train: int | None = None,
         n_test: int = 10000, n_valid: int = 5000, batch_size: int = 150,
         learning_rate: float = 0.001, verbose: bool = True) -> float:
    """Trains for ``epochs`` on the first ``n_train`` training images (55,000 after the
    5,000 kept for validation, by default), printing the accuracy on the first ``n_valid``
    validation images after each; returns the accuracy on ``n_test`` test images."""
    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
    X_train = X_train.astype(np.float32).reshape(-1, n_steps, n_inputs) / 255.0
    X_test = X_test.astype(np.float32).reshape(-1, n_steps, n_inputs) / 255.0
    y_train = y_train.astype(np.int32)
    y_test = y_test.astype(np.int32)
    X_valid, X_train = X_train[:5000], X_train[5000:]
    y_valid, y_train = y_train[:5000], y_train[5000:]
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    X_valid, y_valid = X_valid[:n_valid], y_valid[:n_valid]
    X_test, y_test = X_test[:n_test], y_test[:n_test]

    tf.reset_default_graph()
    tf.set_random_seed(42)
    rng = np.random.RandomState(42)
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])

    if cell == "rnn":
        basic_cell = tf.contrib.rnn.BasicRNNCell(num_units=n_neurons)
        outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
        top_state = states
    else:
        lstm_cells = [tf.nn.rnn_cell.BasicLSTMCell(num_units=n_neurons)
                      for layer in range(n_layers)]
        multi_cell = tf.nn.rnn_cell.MultiRNNCell(lstm_cells)
        outputs, states = tf.nn.dynamic_rnn(multi_cell, X, dtype=tf.float32)
        top_state = states[-1][1]  # the last layer's h (an LSTMStateTuple is (c, h))

    logits = tf.layers.dense(top_state, n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy)
    optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
    training_op = optimizer.minimize(loss)
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    init = tf.global_variables_initializer()

    with tf.Session() as sess:
        init.run()
        for epoch in range(epochs):
            for X_batch, y_batch in shuffle_batch(X_train, y_train, batch_size, rng):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_batch = accuracy.eval(feed_dict={X: X_batch, y: y_batch})
            acc_valid = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
            if verbose:
                print(epoch, "Last batch accuracy:", acc_batch, "Validation accuracy:",
                      acc_valid, flush=True)
        acc_test = float(accuracy.eval(feed_dict={X: X_test, y: y_test}))
    if verbose:
        print("Test accuracy:", acc_test)
    return acc_test


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell", choices=["rnn", "lstm"], default="rnn")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--layers", type=int, default=3, help="stacked LSTM cells (--cell lstm)")
    a = p.parse_args()
    main(a.cell, a.epochs, a.layers)
