"""Eager execution and tf.function against TensorFlow 2.21's.

  small op    one eager elementwise op on a 4-element float32 tensor (x + y and tf.add), µs
  tape eager  seed 004's circles model (2-4-4-1, Adam 0.01, batch 32) trained with a
              GradientTape loop for 2,500 steps, ms/step
  tape tf.function  the same loop with the step under tf.function, ms/step

    python benchmarks/eager.py
    python benchmarks/eager.py --compare /tmp/tfvenv/bin/python
    /tmp/tfvenv/bin/python benchmarks/eager.py --module tensorflow
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


def import_eager(module: str):
    tf = common.import_tf(module, graph_mode=False)
    if module == "tensorfluxo":
        tf.enable_eager_execution()
    return tf


def small_op_us(tf, repeats: int) -> dict:
    """Microseconds per small eager op: the best of 5 blocks of ``repeats`` calls."""
    x = tf.constant(np.ones(4, np.float32))
    y = tf.constant(np.full(4, 2.0, np.float32))
    out = {}
    for name, fn in (("add_operator", lambda: x + y), ("tf_add", lambda: tf.add(x, y)),
                     ("tf_exp", lambda: tf.exp(x))):
        for _ in range(min(repeats, 1000)):
            fn()
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(repeats):
                fn()
            best = min(best, (time.perf_counter() - t0) / repeats)
        out[name] = best * 1e6
    return out


def tape_loop_ms(tf, data: dict, steps: int, compiled: bool) -> dict:
    """Seed 004's model trained by a GradientTape loop; ms per step after the first 25."""
    tf.random.set_seed(42)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    opt = tf.keras.optimizers.Adam(learning_rate=LEARNING_RATE)
    loss_fn = tf.keras.losses.BinaryCrossentropy()
    X = data["X_train"].astype(np.float32)
    y = data["y_train"].astype(np.float32).reshape(-1, 1)
    batches = [(tf.constant(X[i:i + BATCH]), tf.constant(y[i:i + BATCH]))
               for i in range(0, len(X), BATCH)]
    model(batches[0][0])  # builds the weights

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    if compiled:
        step = tf.function(step)
    warm = len(batches)
    for i in range(warm):
        step(*batches[i % len(batches)])
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(*batches[i % len(batches)])
    seconds = time.perf_counter() - t0
    probs = model(tf.constant(data["X_test"].astype(np.float32))).numpy().ravel()
    acc = float(np.mean((probs > 0.5) == data["y_test"]))
    return {"ms_per_step": 1000 * seconds / steps, "final_loss": float(loss),
            "test_accuracy": acc}


def run(module: str, data: dict, steps: int, repeats: int) -> dict:
    tf = import_eager(module)
    return {"small_op_us": small_op_us(tf, repeats),
            "tape_eager": tape_loop_ms(tf, data, steps, compiled=False),
            "tape_function": tape_loop_ms(tf, data, steps, compiled=True)}


def report(label: str, r: dict) -> None:
    ops = r["small_op_us"]
    print(f"{label}: small op x + y {ops['add_operator']:.2f} us, tf.add {ops['tf_add']:.2f} us,"
          f" tf.exp {ops['tf_exp']:.2f} us")
    for key, name in (("tape_eager", "tape loop eager"),
                      ("tape_function", "tape loop tf.function")):
        t = r[key]
        print(f"{label}: {name} {t['ms_per_step']:.3f} ms/step | loss {t['final_loss']:.4f} | "
              f"test acc {t['test_accuracy']:.3f}")


def compare(ours: dict, theirs: dict, module: str) -> None:
    for key in ("add_operator", "tf_add", "tf_exp"):
        a, b = ours["small_op_us"][key], theirs["small_op_us"][key]
        print(f"small op {key}: {module} {a:.2f} us, tensorflow {b:.2f} us, ratio {a / b:.2f}x")
    for key in ("tape_eager", "tape_function"):
        a, b = ours[key]["ms_per_step"], theirs[key]["ms_per_step"]
        print(f"{key}: {module} {a:.3f} ms/step, tensorflow {b:.3f} ms/step, ratio "
              f"{a / b:.2f}x ({module}/tensorflow, lower is better)")


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "eager_tf.py")
    p.add_argument("--steps", type=int, default=2500)
    p.add_argument("--repeats", type=int, default=20000, help="calls per small-op block")
    args = common.parse_checked(p, argv)
    if args.quick:
        args.steps, args.repeats = min(args.steps, 50), min(args.repeats, 200)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = common.make_circles_data()
    print(f"data: {data['source']}; {common.blas_summary()}")
    ours = None
    if args.module != "none":
        ours = run(args.module, data, args.steps, args.repeats)
        report(args.module, ours)
        if args.json:
            common.emit_json({"module": args.module, **ours})
    if args.compare:
        theirs = common.compare_with(args.compare, "eager_tf.py", data,
                                     ["--steps", str(args.steps), "--repeats",
                                      str(args.repeats)])
        report("tensorflow", theirs)
        if ours:
            compare(ours, theirs, args.module)


if __name__ == "__main__":
    main()
