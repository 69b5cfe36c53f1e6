"""Seed 000's MNIST MLP trained data-parallel on several processes with Horovod's API.

    python -m tensorfluxo.launch -np 2 examples/horovod_mnist.py --epochs 5
    mpirun -np 2 python -m tensorfluxo.run examples/horovod_mnist.py      (the same)

Each rank trains on its own shard of the training set; DistributedOptimizer averages the
gradients (one allreduce per step) and the learning rate is scaled by the number of ranks, as
Horovod's examples do. Only rank 0 writes the checkpoint and the TensorBoard logs.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import tensorfluxo as tf
import tensorfluxo.horovod as hvd


def main(epochs: int = 5, logdir: str = "hvd_logs") -> float:
    hvd.init()
    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.mnist.load_data()
    X_train = X_train.reshape(-1, 784).astype(np.float32)[hvd.rank()::hvd.size()] / 255.0
    y_train = y_train.astype(np.int64)[hvd.rank()::hvd.size()]
    X_test = X_test.reshape(-1, 784).astype(np.float32) / 255.0

    X = tf.placeholder(tf.float32, shape=(None, 784), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    with tf.name_scope("dnn"):
        hidden1 = tf.layers.dense(X, 300, activation=tf.nn.relu, name="hidden1")
        hidden2 = tf.layers.dense(hidden1, 100, activation=tf.nn.relu, name="hidden2")
        logits = tf.layers.dense(hidden2, 10, name="outputs")
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                             logits=logits))
    with tf.name_scope("train"):
        opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.01 * hvd.size()))
        training_op = opt.minimize(loss)
    with tf.name_scope("eval"):
        accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(logits, y, 1), tf.float32))
    acc_summary = tf.summary.scalar("accuracy", accuracy)
    bcast = hvd.broadcast_global_variables(0)
    chief = hvd.rank() == 0
    saver = tf.train.Saver() if chief else None
    writer = tf.summary.FileWriter(logdir, tf.get_default_graph()) if chief else None

    rng = np.random.default_rng(hvd.rank())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(bcast)  # every rank starts from rank 0's weights
        for epoch in range(epochs):
            for idx in np.array_split(rng.permutation(len(X_train)), len(X_train) // 50):
                sess.run(training_op, feed_dict={X: X_train[idx], y: y_train[idx]})
            acc, summ = sess.run([accuracy, acc_summary], feed_dict={X: X_test, y: y_test})
            if chief:
                writer.add_summary(summ, epoch)
                saver.save(sess, os.path.join(logdir, "model.ckpt"), global_step=epoch)
                print(f"epoch {epoch}: test accuracy {acc:.4f} ({hvd.size()} ranks)")
    if writer is not None:
        writer.close()
    return float(acc)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--logdir", default="hvd_logs")
    a = p.parse_args()
    main(a.epochs, a.logdir)
