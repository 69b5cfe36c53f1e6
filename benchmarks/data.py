"""Input pipelines into seed 000's MNIST MLP: feed_dict, tf.data and TF1 queues, per epoch.

The queue pipeline is TF1's classic slice_input_producer -> tf.train.batch with 4 threads: one
enqueue run per example, so its cost is per-example work in Python threads.

    python benchmarks/data.py                                  # tensorfluxo
    python benchmarks/data.py --compare /tmp/tfvenv/bin/python # and TensorFlow (compat.v1)

The tf.data pipeline is the classic one: from_tensor_slices -> shuffle(10000) -> batch(50) ->
prefetch(1), re-initialized each epoch, trained until OutOfRangeError. Figures: steady seconds
per epoch (median of the epochs after the first) for each way of feeding the same graph.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import mlp  # noqa: E402


def run(tf, data: dict, batch: int, epochs: int) -> dict:
    X_train, y_train = data["X_train"], data["y_train"].astype(np.int64)
    out = {}

    # feed_dict: the seed's loop
    tf.reset_default_graph()
    tf.set_random_seed(42)
    X = tf.placeholder(tf.float32, shape=(None, 784), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    train, _, init = mlp.build_mlp(tf, X, y)
    rng = np.random.RandomState(42)
    times = []
    with tf.Session() as sess:
        sess.run(init)
        for _ in range(epochs):
            t0 = time.perf_counter()
            for xb, yb in common.shuffle_batch(X_train, y_train, batch, rng):
                sess.run(train, feed_dict={X: xb, y: yb})
            times.append(time.perf_counter() - t0)
    out["feed_dict"] = float(np.median(times[1:] or times))

    # tf.data: the arrays are fed once per epoch to the iterator's initializer
    tf.reset_default_graph()
    tf.set_random_seed(42)
    Xp = tf.placeholder(tf.float32, shape=(None, 784))
    yp = tf.placeholder(tf.int64, shape=(None,))
    ds = tf.data.Dataset.from_tensor_slices((Xp, yp)).shuffle(10000).batch(batch).prefetch(1)
    it = ds.make_initializable_iterator()
    xb, yb = it.get_next()
    train, _, init = mlp.build_mlp(tf, xb, yb)
    times = []
    with tf.Session() as sess:
        sess.run(init)
        for _ in range(epochs):
            t0 = time.perf_counter()
            sess.run(it.initializer, feed_dict={Xp: X_train, yp: y_train})
            try:
                while True:
                    sess.run(train)
            except tf.errors.OutOfRangeError:
                pass
            times.append(time.perf_counter() - t0)
    out["tf_data"] = float(np.median(times[1:] or times))

    # TF1 queues: slice_input_producer -> batch (4 enqueuing threads), one epoch's steps timed
    tf.reset_default_graph()
    tf.set_random_seed(42)
    x1, y1 = tf.train.slice_input_producer([X_train, y_train], shuffle=True)
    xb, yb = tf.train.batch([x1, y1], batch_size=batch, num_threads=4, capacity=20 * batch)
    train, _, init = mlp.build_mlp(tf, xb, yb)
    steps = len(X_train) // batch
    with tf.Session() as sess:
        sess.run([init, tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        for _ in range(20):  # warm-up: plans, filled queue
            sess.run(train)
        t0 = time.perf_counter()
        for _ in range(steps):
            sess.run(train)
        out["queues"] = time.perf_counter() - t0
        coord.request_stop()
        for qr in tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS):
            sess.run(qr.cancel_op)  # wakes the enqueuing threads
        coord.join(threads, stop_grace_period_secs=5)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", default="tensorfluxo", choices=["tensorfluxo", "tensorflow", "none"])
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--epochs", type=int, default=3, help="the first one is the warm-up")
    p.add_argument("--images", type=int, default=60_000)
    p.add_argument("--compare", metavar="PYTHON", help="also run the TF reference under PYTHON")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    data = common.load_mnist(args.images, 1000)
    print(f"data: {data['source']} | {common.blas_summary()}")
    ours = None
    if args.module != "none":
        ours = run(common.import_tf(args.module), data, args.batch, args.epochs)
        print(f"{args.module}: " + " | ".join(f"{k} {v:.3f} s/epoch" for k, v in ours.items()))
        for k in ("tf_data", "queues"):
            print(f"  {k} adds {100 * (ours[k] / ours['feed_dict'] - 1):+.1f} % to the "
                  "feed_dict epoch")
        if args.json:
            common.emit_json({"module": args.module, **ours})
    if args.compare:
        theirs = common.compare_with(args.compare, "data_tf.py", data,
                                     ["--batch", str(args.batch), "--epochs", str(args.epochs)])
        print("tensorflow: " + " | ".join(f"{k} {v:.3f} s/epoch" for k, v in theirs.items()
                                          if k != "module"))
        if ours:
            for k in ("feed_dict", "tf_data", "queues"):
                print(common.ratio_line(f"{k} epoch", ours[k], theirs[k], args.module))


if __name__ == "__main__":
    main()
