"""Record what TensorFlow's embedding lookups, sampled losses and sequence losses give:
tests/data/sampled.json (read by tests/nn/test_sampled_losses.py and tests/contrib/
test_seq2seq.py).

Needs the real TensorFlow, never a dependency of tensorfluxo: run it by hand,
``/tmp/tfvenv/bin/python scripts/make_sampled_reference.py`` (TF 2.21, graph mode through
tf.compat.v1). Each case records the outputs and the gradients of ``sum(out * u)`` (u fixed
below) with respect to every float input, made dense.

- embedding_lookup over 3 shards (10 rows) with partition_strategy "mod"/"div" and max_norm;
- embedding_lookup_sparse (sum/mean/sqrtn, with and without weights, one table or 2 shards);
- nce_loss / sampled_softmax_loss with given sampled_values (so no randomness), with and
  without accidental hits removed, num_true 1 and 2, one table or 2 shards;
- compute_accidental_hits; the samplers' expected counts with unique=False (num_sampled * P);
- contrib.seq2seq.sequence_loss: TF 2.21 has no contrib, so its TF 1.15 definition (reduce
  sums over weights divided with div_no_nan, sum_over_* by count_nonzero(weights)) is written
  here with TF's own ops; legacy_seq2seq.sequence_loss_by_example likewise.
"""

from __future__ import annotations

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "sampled.json")

RNG = np.random.default_rng(11)
TABLE = RNG.standard_normal((10, 3)).astype(np.float32)
SHARDS = {"mod": [TABLE[p::3] for p in range(3)],
          "div": [TABLE[0:4], TABLE[4:7], TABLE[7:10]]}
IDS = [[1, 9], [4, 4], [0, 7]]

V, D, B = 12, 4, 3
W = RNG.standard_normal((V, D)).astype(np.float32)
BIAS = RNG.standard_normal(V).astype(np.float32)
X = RNG.standard_normal((B, D)).astype(np.float32)
LABELS1 = [[3], [7], [0]]
LABELS2 = [[3, 5], [7, 1], [0, 11]]
SAMPLED = [2, 7, 0, 11, 5]               # 7, 0, 11 and 5 are some rows' true classes
TRUE_EXPECTED1 = [[0.2], [0.05], [0.9]]
TRUE_EXPECTED2 = [[0.2, 0.1], [0.05, 0.3], [0.9, 0.01]]
SAMPLED_EXPECTED = [0.4, 0.05, 0.9, 0.02, 0.1]

LOSS_CASES = [  # (loss, num_true, remove_accidental_hits, shards: None or strategy)
    ("nce_loss", 1, False, None), ("nce_loss", 1, True, None), ("nce_loss", 2, False, None),
    ("nce_loss", 2, True, "div"), ("sampled_softmax_loss", 1, True, None),
    ("sampled_softmax_loss", 1, False, None), ("sampled_softmax_loss", 2, True, None),
    ("sampled_softmax_loss", 1, True, "mod"),
]

SP_INDICES = [[0, 0], [0, 1], [1, 0], [3, 0], [3, 1], [3, 2]]   # row 2 empty, row 4 too
SP_IDS = [1, 4, 4, 0, 5, 1]
SP_WEIGHTS = [1.0, 2.0, 0.5, 1.0, -1.0, 3.0]
SP_TABLE = RNG.standard_normal((6, 3)).astype(np.float32)


T_BATCH, T_STEPS, T_CLASSES = 3, 4, 5
S_LOGITS = RNG.standard_normal((T_BATCH, T_STEPS, T_CLASSES)).astype(np.float32)
S_TARGETS = RNG.integers(0, T_CLASSES, (T_BATCH, T_STEPS)).astype(np.int32)
S_WEIGHTS = np.array([[1, 1, 1, 0], [1, 0.5, 0, 0], [2, 1, 1, 1]], np.float32)
SEQ_CASES = [  # (average_across_timesteps, average_across_batch, sum_over_t, sum_over_b)
    (True, True, False, False), (False, False, False, False), (True, False, False, False),
    (False, True, False, False), (False, False, True, True), (False, False, True, False),
    (False, False, False, True), (True, False, False, True), (False, True, True, False),
]


def _u(shape, k):
    return np.random.default_rng(100 + k).standard_normal(shape).astype(np.float32)


def _run(tf, build):
    """build(v1) -> (outputs, {name: float input tensor}); returns values and dense grads."""
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        outs, xs = build(v1)
        target = tf.add_n([tf.reduce_sum(o * _u(o.shape.as_list(), k))
                           for k, o in enumerate(outs)])
        names = sorted(xs)
        grads = [tf.convert_to_tensor(gr) for gr in v1.gradients(target, [xs[n] for n in names])]
        with v1.Session() as sess:
            vals, gvals = sess.run([outs, grads])
    return {"outputs": [v.tolist() for v in vals],
            "grads": {n: gv.tolist() for n, gv in zip(names, gvals)}}


def embedding_cases(tf):
    cases = []
    for strategy in ("mod", "div"):
        for max_norm in (None, 1.5):
            def build(v1, s=strategy, m=max_norm):
                shards = [tf.constant(p) for p in SHARDS[s]]
                out = v1.nn.embedding_lookup(shards, IDS, partition_strategy=s, max_norm=m)
                return [out], {f"shard{i}": p for i, p in enumerate(shards)}
            cases.append({"strategy": strategy, "max_norm": max_norm, **_run(tf, build)})
    return cases


def sparse_cases(tf):
    cases = []
    for combiner in ("sum", "mean", "sqrtn"):
        for weighted in (False, True):
            for sharded in (False, True):
                def build(v1, combiner=combiner, weighted=weighted, sharded=sharded):
                    table = tf.constant(SP_TABLE)
                    params = [tf.gather(table, [0, 2, 4]), tf.gather(table, [1, 3, 5])] \
                        if sharded else table
                    sp = tf.SparseTensor(tf.constant(SP_INDICES, tf.int64),
                                         tf.constant(SP_IDS, tf.int64), [5, 3])
                    w = tf.SparseTensor(tf.constant(SP_INDICES, tf.int64),
                                        tf.constant(SP_WEIGHTS), [5, 3]) if weighted else None
                    out = v1.nn.embedding_lookup_sparse(params, sp, w, combiner=combiner)
                    return [tf.reshape(out, [4, 3])], {"table": table}  # rows 0..3 (max + 1)
                cases.append({"combiner": combiner, "weighted": weighted, "sharded": sharded,
                              **_run(tf, build)})
    return cases


def loss_cases(tf):
    cases = []
    for loss, num_true, remove, strategy in LOSS_CASES:
        def build(v1, loss=loss, num_true=num_true, remove=remove, strategy=strategy):
            w = tf.constant(W)
            weights = [w[0:6], w[6:12]] if strategy == "div" else \
                [tf.gather(w, list(range(p, V, 2))) for p in range(2)] if strategy else w
            b, x = tf.constant(BIAS), tf.constant(X)
            labels = LABELS1 if num_true == 1 else LABELS2
            sv = (tf.constant(SAMPLED, tf.int64),
                  tf.constant(TRUE_EXPECTED1 if num_true == 1 else TRUE_EXPECTED2),
                  tf.constant(SAMPLED_EXPECTED))
            out = getattr(v1.nn, loss)(weights, b, tf.constant(labels, tf.int64), x,
                                       num_sampled=len(SAMPLED), num_classes=V,
                                       num_true=num_true, sampled_values=sv,
                                       remove_accidental_hits=remove,
                                       partition_strategy=strategy or "mod")
            return [out], {"weights": w, "biases": b, "inputs": x}
        cases.append({"loss": loss, "num_true": num_true, "remove_accidental_hits": remove,
                      "partition_strategy": strategy, **_run(tf, build)})
    return cases


def hits_case(tf):
    v1 = tf.compat.v1
    with tf.Graph().as_default(), v1.Session() as sess:
        hits = tf.nn.compute_accidental_hits(tf.constant(LABELS2, tf.int64),
                                             tf.constant(SAMPLED, tf.int64), num_true=2)
        return [h.tolist() for h in sess.run(hits)]


def expected_counts(tf):
    v1 = tf.compat.v1
    out = {}
    with tf.Graph().as_default(), v1.Session() as sess:
        true = tf.constant([[0, 1], [5, 99]], tf.int64)
        for name in ("log_uniform_candidate_sampler", "uniform_candidate_sampler"):
            _, te, se = getattr(tf.random, name)(true, 2, 7, False, 100, seed=3)
            s, te, se = sess.run([_, te, se])
            out[name] = {"sampled": s.tolist(), "true_expected": te.tolist(),
                         "sampled_expected": se.tolist()}
    return out


def seq_cases(tf):
    cases = []
    for avg_t, avg_b, sum_t, sum_b in SEQ_CASES:
        def build(v1, avg_t=avg_t, avg_b=avg_b, sum_t=sum_t, sum_b=sum_b):
            logits, w = tf.constant(S_LOGITS), tf.constant(S_WEIGHTS)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.reshape(S_TARGETS, [-1]), logits=tf.reshape(logits, [-1, T_CLASSES]))
            ce = ce * tf.reshape(w, [-1])
            nz = tf.cast(tf.math.count_nonzero(w, axis=None), tf.float32)
            if avg_t and avg_b:
                out = tf.math.divide_no_nan(tf.reduce_sum(ce), tf.reduce_sum(w))
            elif sum_t and sum_b:
                out = tf.math.divide_no_nan(tf.reduce_sum(ce), nz)
            else:
                ce = tf.reshape(ce, [T_BATCH, T_STEPS])
                if avg_t or avg_b:
                    ax = 0 if avg_b else 1
                    out = tf.math.divide_no_nan(tf.reduce_sum(ce, ax), tf.reduce_sum(w, ax))
                elif sum_t or sum_b:
                    ax = 0 if sum_b else 1
                    out = tf.math.divide_no_nan(tf.reduce_sum(ce, ax), tf.cast(
                        tf.math.count_nonzero(w, axis=ax), tf.float32))
                else:
                    out = ce
            return [out], {"logits": logits}
        cases.append({"flags": [avg_t, avg_b, sum_t, sum_b], **_run(tf, build)})

    def by_example(v1):  # legacy_seq2seq: lists over time, weights summed + 1e-12
        logits = tf.constant(S_LOGITS)
        steps = [logits[:, t] for t in range(T_STEPS)]
        terms = [tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=S_TARGETS[:, t], logits=steps[t]) * S_WEIGHTS[:, t] for t in range(T_STEPS)]
        total = tf.add_n(terms) / (tf.add_n([S_WEIGHTS[:, t] for t in range(T_STEPS)]) + 1e-12)
        return [total], {"logits": logits}
    return cases, _run(tf, by_example)


def main() -> None:
    import tensorflow as tf
    seq, by_example = seq_cases(tf)
    data = {
        "tensorflow": tf.__version__,
        "embedding": {"table": TABLE.tolist(), "ids": IDS,
                      "shards": {k: [p.tolist() for p in v] for k, v in SHARDS.items()},
                      "cases": embedding_cases(tf)},
        "embedding_sparse": {"indices": SP_INDICES, "ids": SP_IDS, "weights": SP_WEIGHTS,
                             "table": SP_TABLE.tolist(), "cases": sparse_cases(tf)},
        "losses": {"weights": W.tolist(), "biases": BIAS.tolist(), "inputs": X.tolist(),
                   "labels1": LABELS1, "labels2": LABELS2, "sampled": SAMPLED,
                   "true_expected1": TRUE_EXPECTED1, "true_expected2": TRUE_EXPECTED2,
                   "sampled_expected": SAMPLED_EXPECTED, "cases": loss_cases(tf)},
        "accidental_hits": hits_case(tf),
        "expected_counts": expected_counts(tf),
        "sequence_loss": {"logits": S_LOGITS.tolist(), "targets": S_TARGETS.tolist(),
                          "weights": S_WEIGHTS.tolist(), "cases": seq,
                          "by_example": by_example},
    }
    with open(OUT, "w") as f:
        json.dump(data, f, indent=0)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
