"""Seed 000's MNIST MLP (784-300-100-10) trained with the TF1 low-level API, timed per epoch.

    python benchmarks/mlp.py                       # tensorfluxo, batch 50, 3 epochs
    python benchmarks/mlp.py --batch 512
    python benchmarks/mlp.py --compare /tmp/tfvenv/bin/python   # same workload in TensorFlow too
    /tmp/tfvenv/bin/python benchmarks/mlp.py --module tensorflow  # the script itself under TF

The first epoch (plan building, caches, allocator warm-up) is reported apart from the steady
epochs. The training program below is the seed's, written against the `tf` a user imports.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def build_mlp(tf, X, y, learning_rate: float = 0.01):
    """Seed 000's network on inputs X (float32, n x 784) and labels y (int64): returns
    (training_op, accuracy, init)."""
    n_hidden1, n_hidden2, n_outputs = 300, 100, 10

    def neuron_layer(X, n_neurons, name, activation=None):
        with tf.name_scope(name):
            n_inputs = int(X.get_shape()[1])
            stddev = 2 / np.sqrt(n_inputs)
            init = tf.truncated_normal([n_inputs, n_neurons], stddev=stddev)
            W = tf.Variable(init, name="weights")
            b = tf.Variable(tf.zeros([n_neurons]), name="biases")
            z = tf.matmul(X, W) + b
            if activation == "relu":
                return tf.nn.relu(z)
            return z

    with tf.name_scope("dnn"):
        hidden1 = neuron_layer(X, n_hidden1, "hidden1", activation="relu")
        hidden2 = neuron_layer(hidden1, n_hidden2, "hidden2", activation="relu")
        logits = neuron_layer(hidden2, n_outputs, "outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("train"):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        training_op = optimizer.minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return training_op, accuracy, tf.global_variables_initializer()


def train_mlp(tf, data: dict, batch_size: int, epochs: int, learning_rate: float = 0.01) -> dict:
    """Build seed 000's graph in `tf`, train `epochs` epochs, return timings and test accuracy."""
    t_build = time.perf_counter()
    tf.reset_default_graph()
    tf.set_random_seed(42)
    X = tf.placeholder(tf.float32, shape=(None, 28 * 28), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    training_op, accuracy, init = build_mlp(tf, X, y, learning_rate)

    X_train, y_train = data["X_train"], data["y_train"]
    rng = np.random.RandomState(42)
    epoch_s = []
    with tf.Session() as sess:
        init.run()
        build_s = time.perf_counter() - t_build
        for _ in range(epochs):
            t0 = time.perf_counter()
            for X_batch, y_batch in common.shuffle_batch(X_train, y_train, batch_size, rng):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            epoch_s.append(time.perf_counter() - t0)
        acc = float(accuracy.eval(feed_dict={X: data["X_test"], y: data["y_test"]}))
    return summarize(epoch_s, build_s, len(X_train), batch_size, acc)


def summarize(epoch_s: list[float], build_s: float, n: int, batch_size: int, acc: float) -> dict:
    steps = max(1, n // batch_size)
    steady = epoch_s[1:] or epoch_s  # with one epoch there is no steady figure but the first
    steady_s = float(np.median(steady))
    return {"build_s": build_s, "first_epoch_s": epoch_s[0], "steady_epoch_s": steady_s,
            "steady_step_ms": 1000 * steady_s / steps, "epochs_s": epoch_s, "steps": steps,
            "batch": batch_size, "images": n, "test_accuracy": acc}


def report(label: str, r: dict) -> None:
    print(f"{label}: batch {r['batch']}, {r['images']} images, {r['steps']} steps/epoch | "
          f"build {r['build_s']:.3f} s | first epoch {r['first_epoch_s']:.3f} s | "
          f"steady {r['steady_epoch_s']:.3f} s/epoch = {r['steady_step_ms']:.3f} ms/step | "
          f"test acc {r['test_accuracy']:.4f}")


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "mlp_tf.py")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--epochs", type=int, default=4, help="first one is the warm-up")
    p.add_argument("--images", type=int, default=50_000)
    args = common.parse_checked(p, argv)
    if args.quick:
        args.images, args.epochs = min(args.images, 1000), min(args.epochs, 2)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = common.load_mnist(args.images, 500 if args.quick else 10_000)
    print(f"data: {data['source']} | {common.blas_summary()}")
    ours = None
    if args.module != "none":
        ours = train_mlp(common.import_tf(args.module), data, args.batch, args.epochs)
        report(args.module, ours)
        if args.json:
            common.emit_json({"module": args.module, **ours})
    if args.compare:
        theirs = common.compare_with(args.compare, "mlp_tf.py", data,
                                     ["--batch", str(args.batch), "--epochs", str(args.epochs)])
        report("tensorflow", theirs)
        if args.json:
            common.emit_json(theirs)
        if ours:
            print(common.ratio_line(f"steady epoch (batch {args.batch})", ours["steady_epoch_s"],
                                    theirs["steady_epoch_s"], args.module))


if __name__ == "__main__":
    main()
