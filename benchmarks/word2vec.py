"""The TF word2vec tutorial's skip-gram model (word2vec_basic: vocabulary 50,000, embeddings of
128, batch 128, nce_loss with 64 sampled classes, GradientDescent 1.0) on a synthetic Zipf
corpus; and the same with sampled_softmax_loss and Adagrad (sparse updates of the looked-up
rows only). Seconds per training step over --steps steps after --warmup steps.

    python benchmarks/word2vec.py
    python benchmarks/word2vec.py --compare /tmp/tfvenv/bin/python --repeats 3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CASES = ("nce-sgd", "sampled-softmax-adagrad")


def make_pairs(vocab: int, n: int, seed: int = 0) -> dict:
    """(center, context) word ids of a Zipf-distributed corpus whose context of word w is near
    w + 1: what skip-gram batches of a frequency-sorted vocabulary look like."""
    rng = np.random.default_rng(seed)
    center = np.minimum(rng.zipf(1.3, n) - 1, vocab - 1).astype(np.int32)
    context = ((center + rng.integers(1, 3, n)) % vocab).astype(np.int32)
    return {"X_train": center, "y_train": context[:, None], "source": "synthetic Zipf pairs"}


def train(tf, data: dict, case: str, vocab: int, dim: int, batch: int, num_sampled: int,
          steps: int, warmup: int) -> dict:
    tf.reset_default_graph()
    tf.set_random_seed(0)
    inputs = tf.placeholder(tf.int32, shape=[batch])
    labels = tf.placeholder(tf.int32, shape=[batch, 1])
    embeddings = tf.Variable(tf.random_uniform([vocab, dim], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, inputs)
    weights = tf.Variable(tf.truncated_normal([vocab, dim], stddev=1.0 / np.sqrt(dim)))
    biases = tf.Variable(tf.zeros([vocab]))
    if case == "nce-sgd":
        loss = tf.reduce_mean(tf.nn.nce_loss(weights=weights, biases=biases, labels=labels,
                                             inputs=embed, num_sampled=num_sampled,
                                             num_classes=vocab))
        train_op = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    else:
        loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(
            weights=weights, biases=biases, labels=labels, inputs=embed,
            num_sampled=num_sampled, num_classes=vocab))
        train_op = tf.train.AdagradOptimizer(0.5).minimize(loss)
    x, y = data["X_train"], data["y_train"]
    n = len(x) // batch

    def feed(i):
        s = (i % n) * batch
        return {inputs: x[s:s + batch], labels: y[s:s + batch]}

    first, last, seconds = common.time_steps(tf, loss, train_op, feed, warmup, steps)
    return {"case": case, "step_s": seconds / steps, "steps": steps, "warmup": warmup,
            "batch": batch, "vocab": vocab, "loss_first": first, "loss_last": last}


def report(label: str, r: dict) -> None:
    print(f"{label} {r['case']}: {1000 * r['step_s']:.2f} ms/step (vocab {r['vocab']}, batch "
          f"{r['batch']}, {r['steps']} steps after {r['warmup']}) | loss "
          f"{r['loss_first']:.3f} -> {r['loss_last']:.3f}", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = common.comparison_parser(__doc__, "word2vec_tf.py", steps=(200, 20))
    p.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    p.add_argument("--vocab", type=int, default=50_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--num-sampled", type=int, default=64)
    args = common.parse_checked(p, argv)
    if args.quick:
        args.steps, args.warmup, args.repeats, args.vocab, args.batch = 3, 1, 1, 500, 16
    return args


def sizes(args) -> list[str]:
    return ["--vocab", str(args.vocab), "--dim", str(args.dim), "--batch", str(args.batch),
            "--num-sampled", str(args.num_sampled), "--steps", str(args.steps),
            "--warmup", str(args.warmup)]


def main(argv=None) -> None:
    args = parse_args(argv)
    data = make_pairs(args.vocab, args.batch * (args.steps + args.warmup))
    print(f"data: {data['source']} | {common.blas_summary()}")
    for case in args.cases.split(","):
        common.alternate(
            args, lambda tf, case=case: train(tf, data, case, args.vocab, args.dim, args.batch,
                                              args.num_sampled, args.steps, args.warmup),
            "word2vec_tf.py", data, ["--case", case, *sizes(args)], report, label=f"{case}: ")


if __name__ == "__main__":
    main()
