"""LeNet-like MNIST CNN trained with the TF1 low-level API, timed per step.

conv 5x5x32 relu, max-pool 2, conv 5x5x64 relu, max-pool 2, dense 128 relu, dense 10; SAME
padding; Adam 1e-3; batch 64. Seconds per training step over --steps steps after --warmup steps
(the default warm-up outlasts the BLAS thread tuner's first trial, ~37 runs: the steady state),
the process's CPU time per step (all its threads; the steadier figure on a shared machine) and
its peak memory.

    python benchmarks/cnn.py                                      # tensorfluxo
    python benchmarks/cnn.py --compare /tmp/tfvenv/bin/python --repeats 3
    /tmp/tfvenv/bin/python benchmarks/cnn.py --module tensorflow  # the script itself under TF

With --compare, tensorfluxo (this process) and TensorFlow (a child process) run back to back,
--repeats times each, alternating; the medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def train_cnn(tf, data: dict, batch: int, steps: int, warmup: int) -> dict:
    """Build the net in `tf`, run `warmup` + `steps` Adam steps, return the timing."""
    tf.reset_default_graph()
    tf.set_random_seed(0)
    X = tf.placeholder(tf.float32, [None, 28, 28, 1], name="X")
    y = tf.placeholder(tf.int32, [None], name="y")

    def weight(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=0.1))

    def bias(n):
        return tf.Variable(tf.constant(0.1, shape=[n]))

    def conv_pool(x, c_in, c_out):
        h = tf.nn.relu(tf.nn.conv2d(x, weight([5, 5, c_in, c_out]), strides=[1, 1, 1, 1],
                                    padding="SAME") + bias(c_out))
        return tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    h = conv_pool(conv_pool(X, 1, 32), 32, 64)
    h = tf.reshape(h, [-1, 7 * 7 * 64])
    h = tf.nn.relu(tf.matmul(h, weight([7 * 7 * 64, 128])) + bias(128))
    logits = tf.matmul(h, weight([128, 10])) + bias(10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)

    images = data["X_train"].reshape(-1, 28, 28, 1)
    labels = data["y_train"]
    n = len(images) // batch

    def feed(i):
        s = (i % n) * batch
        return {X: images[s:s + batch], y: labels[s:s + batch]}

    cpu = []
    first, last, seconds = common.time_steps(tf, loss, train, feed, warmup, steps, cpu)
    return {"step_s": seconds / steps, "cpu_step_s": cpu[0] / steps, "steps": steps,
            "warmup": warmup, "batch": batch,
            "loss_first": first, "loss_last": last,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def report(label: str, r: dict) -> None:
    print(f"{label}: {1000 * r['step_s']:.2f} ms/step, CPU {1000 * r['cpu_step_s']:.2f} ms/step "
          f"(batch {r['batch']}, {r['steps']} steps after {r['warmup']}) | "
          f"loss {r['loss_first']:.3f} -> {r['loss_last']:.3f} | "
          f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "cnn_tf.py", steps=(200, 40))
    p.add_argument("--batch", type=int, default=64)
    args = common.parse_checked(p, argv)
    if args.quick:
        args.steps, args.warmup, args.repeats = 3, 2, 1
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    data = common.load_mnist(args.batch * (args.steps + args.warmup), 10)
    print(f"data: {data['source']} | {common.blas_summary()}")
    common.alternate(
        args, lambda tf: train_cnn(tf, data, args.batch, args.steps, args.warmup), "cnn_tf.py",
        data, ["--batch", str(args.batch), "--steps", str(args.steps), "--warmup",
               str(args.warmup)], report,
        keys=(("step_s", "median step"), ("cpu_step_s", "median CPU time per step (all threads)")))


if __name__ == "__main__":
    main()
