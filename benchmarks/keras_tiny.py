"""Seed 004's circles model (Dense 4 relu, Dense 4 relu, Dense 1 sigmoid), Adam 0.01, batch 32.

Two ways a user trains it, both timed over 100 epochs of the first 800 samples:
  keras    tf.keras Sequential + compile + fit (seed 004 as written)
  session  the same net written with the TF1 low-level API and a Session loop

    python benchmarks/keras_tiny.py                  # tensorfluxo, both APIs
    python benchmarks/keras_tiny.py --api session
    python benchmarks/keras_tiny.py --compare /tmp/tfvenv/bin/python
    /tmp/tfvenv/bin/python benchmarks/keras_tiny.py --module tensorflow
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

BATCH, LEARNING_RATE = 32, 0.01


def fit_keras(tf, data: dict, epochs: int) -> dict:
    """Seed 004's model_8 through Keras fit; total fit time plus first and steady epochs."""
    t_build = time.perf_counter()
    tf.random.set_seed(42)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss=tf.keras.losses.binary_crossentropy,
                  optimizer=tf.keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                  metrics=["accuracy"])
    build_s = time.perf_counter() - t_build

    epoch_s: list[float] = []

    class EpochTimer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_s.append(time.perf_counter() - self.t0)

    t0 = time.perf_counter()
    history = model.fit(data["X_train"], data["y_train"], epochs=epochs, batch_size=BATCH,
                        verbose=0, callbacks=[EpochTimer()])
    fit_s = time.perf_counter() - t0
    loss, acc = model.evaluate(data["X_test"], data["y_test"], verbose=0)
    return summarize("keras", build_s, fit_s, epoch_s, float(history.history["loss"][-1]),
                     float(acc), steps_per_epoch(data))


def fit_session(tf, data: dict, epochs: int) -> dict:
    """The same net and optimizer with the TF1 API: placeholders, Variables, a Session loop."""
    t_build = time.perf_counter()
    tf.reset_default_graph()
    tf.set_random_seed(42)

    def dense(x, n_out, name, activation=None):
        with tf.name_scope(name):
            n_in = int(x.get_shape()[1])
            limit = np.sqrt(6.0 / (n_in + n_out))  # Glorot uniform, as Keras' Dense default
            W = tf.Variable(tf.random_uniform([n_in, n_out], -limit, limit), name="kernel")
            b = tf.Variable(tf.zeros([n_out]), name="bias")
            z = tf.matmul(x, W) + b
            return activation(z) if activation else z

    X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    h1 = dense(X, 4, "hidden1", tf.nn.relu)
    h2 = dense(h1, 4, "hidden2", tf.nn.relu)
    logits = dense(h2, 1, "output")
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    training_op = tf.train.AdamOptimizer(LEARNING_RATE).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), y), tf.float32))
    init = tf.global_variables_initializer()

    X_train = data["X_train"].astype(np.float32)
    y_train = data["y_train"].astype(np.float32).reshape(-1, 1)
    rng = np.random.RandomState(42)
    epoch_s = []
    with tf.Session() as sess:
        init.run()
        build_s = time.perf_counter() - t_build
        t_fit = time.perf_counter()
        for _ in range(epochs):
            t0 = time.perf_counter()
            order = rng.permutation(len(X_train))
            for start in range(0, len(X_train), BATCH):
                idx = order[start:start + BATCH]
                _, last_loss = sess.run([training_op, loss],
                                        feed_dict={X: X_train[idx], y: y_train[idx]})
            epoch_s.append(time.perf_counter() - t0)
        fit_s = time.perf_counter() - t_fit
        acc = float(accuracy.eval(feed_dict={X: data["X_test"].astype(np.float32),
                                             y: data["y_test"].astype(np.float32)[:, None]}))
    return summarize("session", build_s, fit_s, epoch_s, float(last_loss), acc,
                     steps_per_epoch(data))


def steps_per_epoch(data: dict) -> int:
    return -(-len(data["X_train"]) // BATCH)


def summarize(api: str, build_s: float, fit_s: float, epoch_s: list[float], loss: float,
              acc: float, steps: int) -> dict:
    steady = epoch_s[1:] or epoch_s
    return {"api": api, "build_s": build_s, "fit_s": fit_s, "epochs": len(epoch_s),
            "first_epoch_s": epoch_s[0], "steady_epoch_s": float(np.median(steady)),
            "steady_step_ms": 1000 * float(np.median(steady)) / steps, "final_loss": loss,
            "test_accuracy": acc}


def report(label: str, r: dict) -> None:
    print(f"{label} [{r['api']}]: build {r['build_s']:.3f} s | fit total {r['fit_s']:.3f} s "
          f"for {r['epochs']} epochs | first epoch {r['first_epoch_s'] * 1000:.1f} ms | steady "
          f"{r['steady_epoch_s'] * 1000:.2f} ms/epoch = {r['steady_step_ms']:.3f} ms/step | "
          f"loss {r['final_loss']:.4f} | test acc {r['test_accuracy']:.3f}")


RUNNERS = {"keras": fit_keras, "session": fit_session}


def run(module: str, api: str, data: dict, epochs: int) -> dict:
    # Keras runs on TF2 (eager outside fit), the Session program on tf.compat.v1 graph mode.
    tf = common.import_tf(module, graph_mode=(api == "session"))
    return RUNNERS[api](tf, data, epochs)


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "keras_tiny_tf.py")
    p.add_argument("--api", default="both", choices=["both", "keras", "session"])
    p.add_argument("--epochs", type=int, default=100)
    args = common.parse_checked(p, argv)
    if args.quick:
        args.epochs = min(args.epochs, 3)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = common.make_circles_data()
    print(f"data: {data['source']}")
    apis = ["keras", "session"] if args.api == "both" else [args.api]
    if args.module == "tensorflow" and len(apis) == 2:
        # TF cannot switch eager off and on in one process: run each API in its own child.
        for api in apis:
            r = common.compare_with(sys.executable, "keras_tiny_tf.py", data,
                                    ["--api", api, "--epochs", str(args.epochs)])
            report(args.module, r)
            if args.json:
                common.emit_json(r)
        return
    for api in apis:
        ours = None
        if args.module != "none":
            ours = run(args.module, api, data, args.epochs)
            report(args.module, ours)
            if args.json:
                common.emit_json({"module": args.module, **ours})
        if args.compare:
            theirs = common.compare_with(args.compare, "keras_tiny_tf.py", data,
                                         ["--api", api, "--epochs", str(args.epochs)])
            report("tensorflow", theirs)
            if args.json:
                common.emit_json(theirs)
            if ours:
                print(common.ratio_line(f"{api} fit, {args.epochs} epochs", ours["fit_s"],
                                        theirs["fit_s"], args.module))


if __name__ == "__main__":
    main()
