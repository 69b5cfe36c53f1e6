"""Géron ch14's MNIST classifier read row by row (28 steps of 28 pixels, 150 units, batch 150)
with BasicRNNCell and with BasicLSTMCell (and, with --cells, GRUCell) through dynamic_rnn, Adam
1e-3, and the same rows through a Keras LSTM(128) classifier's fit (``keras_lstm``: the
reference is tf.keras 2, i.e. tf_keras, under TF 2's eager fit; ``keras3_lstm``: the same model,
the reference being TF 2.21's default tf.keras, Keras 3); seconds per training step over
--steps steps after --warmup steps (the default warm-up outlasts the BLAS thread
tuner's first trial, ~37 runs, so the figures are the steady state training sees).

    python benchmarks/rnn.py                                      # tensorfluxo
    python benchmarks/rnn.py --compare /tmp/tfvenv/bin/python --repeats 3

TensorFlow 2.x keeps the TF1 cells in its legacy Keras (tf_keras): the companion
tf_reference/rnn_tf.py sets TF_USE_LEGACY_KERAS=1 and looks for tf_keras on sys.path or in
$TF_KERAS_SITE (default /tmp/tfk_site: ``pip install --no-deps --target /tmp/tfk_site
tf_keras==<TF's version>``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def train_rnn(tf, data: dict, cell_kind: str, batch: int, steps: int, warmup: int) -> dict:
    """The ch14 classifier in `tf` with `cell_kind` ("rnn", "lstm" or "gru"); timing and
    losses."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    X = tf.placeholder(tf.float32, [None, 28, 28], name="X")
    y = tf.placeholder(tf.int32, [None], name="y")
    cell = {"rnn": tf.nn.rnn_cell.BasicRNNCell, "lstm": tf.nn.rnn_cell.BasicLSTMCell,
            "gru": tf.nn.rnn_cell.GRUCell}[cell_kind](150)
    _, states = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    logits = tf.layers.dense(states[1] if cell_kind == "lstm" else states, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    images, labels = data["X_train"].reshape(-1, 28, 28), data["y_train"]
    n = len(images) // batch

    def feed(i):
        s = (i % n) * batch
        return {X: images[s:s + batch], y: labels[s:s + batch]}

    first, last, seconds = common.time_steps(tf, loss, train, feed, warmup, steps)
    return {"cell": cell_kind, "step_s": seconds / steps, "steps": steps, "warmup": warmup,
            "batch": batch, "loss_first": first, "loss_last": last}


def train_keras_lstm(tf, data: dict, batch: int, steps: int, warmup: int) -> dict:
    """A Keras ``LSTM(128)`` + softmax classifier on the same rows, ``model.fit``: seconds per
    step of a timed fit over ``steps`` batches after a warm-up fit over ``warmup``."""
    import time
    tf.keras.backend.clear_session()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.LSTM(128, input_shape=(28, 28)),
                                 tf.keras.layers.Dense(10, activation="softmax")])
    model.compile(tf.keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    images = data["X_train"].reshape(-1, 28, 28)[:batch * (steps + warmup)]
    labels = data["y_train"][:len(images)]
    first = float(model.evaluate(images[:batch], labels[:batch], verbose=0))
    model.fit(images[:batch * warmup], labels[:batch * warmup], batch_size=batch, epochs=1,
              shuffle=False, verbose=0)
    t0 = time.perf_counter()
    hist = model.fit(images[batch * warmup:], labels[batch * warmup:], batch_size=batch,
                     epochs=1, shuffle=False, verbose=0)
    seconds = time.perf_counter() - t0
    return {"cell": "keras_lstm", "step_s": seconds / steps, "steps": steps, "warmup": warmup,
            "batch": batch, "loss_first": first, "loss_last": float(hist.history["loss"][-1])}


def train(tf, data: dict, kind: str, batch: int, steps: int, warmup: int) -> dict:
    if kind in ("keras_lstm", "keras3_lstm"):
        return train_keras_lstm(tf, data, batch, steps, warmup)
    return train_rnn(tf, data, kind, batch, steps, warmup)


def report(label: str, r: dict) -> None:
    print(f"{label} {r['cell']}: {1000 * r['step_s']:.2f} ms/step (batch {r['batch']}, "
          f"{r['steps']} steps after {r['warmup']}) | loss {r['loss_first']:.3f} -> "
          f"{r['loss_last']:.3f}", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "rnn_tf.py", steps=(100, 40))
    p.add_argument("--cells", default="rnn,lstm,keras_lstm",
                   help="of rnn, lstm, gru, keras_lstm, keras3_lstm")
    p.add_argument("--batch", type=int, default=150)
    args = common.parse_checked(p, argv)
    if args.quick:
        args.steps, args.warmup, args.repeats, args.batch = 2, 1, 1, 20
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = common.load_mnist(args.batch * (args.steps + args.warmup), 10)
    print(f"data: {data['source']} | {common.blas_summary()}")
    for kind in args.cells.split(","):
        common.alternate(
            args, lambda tf, kind=kind: train(tf, data, kind, args.batch, args.steps,
                                              args.warmup),
            "rnn_tf.py", data, ["--cell", kind, "--batch", str(args.batch), "--steps",
                                str(args.steps), "--warmup", str(args.warmup)],
            report, label=f"{kind}: ")


if __name__ == "__main__":
    main()
