"""Record what TensorFlow's optimizers do on a tiny problem: tests/data/optimizers.json.

Needs the real TensorFlow, never a dependency of tensorfluxo: run it by hand with a throwaway
environment, ``/tmp/tfvenv/bin/python scripts/make_optimizer_reference.py`` (TF 2.21, Keras 3).
tests/train/test_optimizer_reference.py builds each case with tensorfluxo and compares.

The problem: two float32 variables ``w1`` (3,) and ``w2`` (2, 2), loss
``sum(a1 * (w1 - c1)²) + sum(a2 * (w2 - c2)²)`` (gradient ``2 a (w - c)``, computed here in
NumPy and handed to ``apply_gradients``); the scales ``a`` span 1e-3..10 so that where epsilon
goes shows. Each case records both variables after each of STEPS steps.

Sparse cases (SPARSE_CASES): a (6, 2) embedding table ``E`` read by ``tf.gather`` with other ids
at each step (duplicates included, some rows untouched), loss ``sum(a * (gather(E, ids) - t)²)``:
the gradient is an ``IndexedSlices``. tf.compat.v1.train optimizers take their sparse paths
(duplicates summed, then SparseApply* on the rows, Adam decaying all of m and v); Keras 3 gets the
IndexedSlices from a GradientTape. Keras 3 squares the IndexedSlices' rows before it sums repeated
ids (its Adagrad, RMSprop, Adam... differ from a dense gradient there), so its cases use the
steps with repeated ids dropped (KERAS_SPARSE_STEPS); otherwise it acts as on the dense gradient.
Each case records ``E`` after each step.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "optimizers.json")
STEPS = 5

PROBLEM = {
    "w1": [1.0, -2.0, 3.0], "c1": [0.5, 0.5, -1.0], "a1": [1.0, 1e-3, 10.0],
    "w2": [[0.3, -0.7], [2.0, 0.0]], "c2": [[-1.0, 1.0], [0.5, 0.25]], "a2": [[0.5, 2.0],
                                                                             [1e-2, 3.0]],
}

# (front end, class name, constructor kwargs). "keras": tf.keras.optimizers (Keras 3);
# "train": tf.compat.v1.train.
CASES = [
    ("keras", "SGD", {"learning_rate": 0.05}),
    ("keras", "SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("keras", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("keras", "SGD", {"learning_rate": 0.05, "clipnorm": 1.0}),
    ("keras", "SGD", {"learning_rate": 0.05, "clipvalue": 0.5}),
    ("keras", "SGD", {"learning_rate": 0.05, "global_clipnorm": 2.0}),
    ("keras", "Adam", {"learning_rate": 0.1}),
    ("keras", "Adam", {"learning_rate": 0.1, "amsgrad": True, "beta_2": 0.5}),
    ("keras", "Adam", {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 0.1}),
    ("keras", "Adam", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("keras", "RMSprop", {"learning_rate": 0.05}),
    ("keras", "RMSprop", {"learning_rate": 0.05, "epsilon": 0.01}),
    ("keras", "RMSprop", {"learning_rate": 0.05, "momentum": 0.5, "rho": 0.8}),
    ("keras", "RMSprop", {"learning_rate": 0.05, "momentum": 0.5, "centered": True,
                          "epsilon": 0.01}),
    ("keras", "Adagrad", {"learning_rate": 0.1}),
    ("keras", "Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.0,
                          "epsilon": 0.01}),
    ("keras", "Adadelta", {"learning_rate": 1.0}),
    ("keras", "Adadelta", {"learning_rate": 1.0, "rho": 0.5, "epsilon": 1e-3}),
    ("keras", "Adamax", {"learning_rate": 0.1}),
    ("keras", "Adamax", {"learning_rate": 0.1, "beta_1": 0.5, "epsilon": 0.1}),
    ("keras", "Nadam", {"learning_rate": 0.1}),
    ("keras", "Nadam", {"learning_rate": 0.1, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 0.1}),
    ("keras", "Ftrl", {"learning_rate": 0.1}),
    ("keras", "Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7,
                       "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
                       "l2_shrinkage_regularization_strength": 0.02, "beta": 0.3}),
    ("train", "GradientDescentOptimizer", {"learning_rate": 0.05}),
    ("train", "MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9}),
    ("train", "MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9,
                                    "use_nesterov": True}),
    ("train", "AdagradOptimizer", {"learning_rate": 0.1}),
    ("train", "ProximalAdagradOptimizer", {"learning_rate": 0.1}),
    ("train", "ProximalAdagradOptimizer", {"learning_rate": 0.1, "l1_regularization_strength": 0.05,
                                           "l2_regularization_strength": 0.1}),
    ("train", "AdadeltaOptimizer", {"learning_rate": 1.0}),
    ("train", "RMSPropOptimizer", {"learning_rate": 0.05}),
    ("train", "RMSPropOptimizer", {"learning_rate": 0.05, "momentum": 0.5, "centered": True,
                                   "epsilon": 0.01}),
    ("train", "AdamOptimizer", {"learning_rate": 0.1}),
    ("train", "FtrlOptimizer", {"learning_rate": 0.1}),
    ("train", "FtrlOptimizer", {"learning_rate": 0.1, "learning_rate_power": -0.7,
                                "l1_regularization_strength": 0.05,
                                "l2_regularization_strength": 0.1,
                                "l2_shrinkage_regularization_strength": 0.02}),
]


SPARSE_STEPS = [  # (ids, targets, weights) per step
    ([0, 2, 2, 5], [[1.0, -1.0], [0.5, 0.5], [2.0, 0.0], [-1.0, 3.0]], [1.0, 0.5, 2.0, 1e-2]),
    ([1, 2], [[0.0, 0.0], [1.0, 1.0]], [3.0, 1.0]),
    ([3, 3, 0], [[2.0, 2.0], [-2.0, 1.0], [0.0, 1.0]], [1.0, 1.0, 0.5]),
    ([5], [[0.25, -0.25]], [10.0]),
    ([4, 1, 1, 4], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]], [1.0, 2.0, 0.5, 1e-3]),
]
KERAS_SPARSE_STEPS = [tuple(list(x) for x in zip(*[r for k, r in enumerate(zip(*step))
                                                   if step[0][k] not in step[0][:k]]))
                      for step in SPARSE_STEPS]
SPARSE_E = (np.arange(12, dtype=np.float32).reshape(6, 2) / 4 - 1).tolist()
SPARSE_CASES = [
    ("train", "GradientDescentOptimizer", {"learning_rate": 0.05}),
    ("train", "MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9}),
    ("train", "MomentumOptimizer", {"learning_rate": 0.05, "momentum": 0.9,
                                    "use_nesterov": True}),
    ("train", "AdagradOptimizer", {"learning_rate": 0.1}),
    ("train", "ProximalAdagradOptimizer", {"learning_rate": 0.1, "l1_regularization_strength": 0.05,
                                           "l2_regularization_strength": 0.1}),
    ("train", "AdadeltaOptimizer", {"learning_rate": 1.0}),
    ("train", "RMSPropOptimizer", {"learning_rate": 0.05}),
    ("train", "RMSPropOptimizer", {"learning_rate": 0.05, "momentum": 0.5}),
    ("train", "RMSPropOptimizer", {"learning_rate": 0.05, "momentum": 0.5, "centered": True,
                                   "epsilon": 0.01}),
    ("train", "AdamOptimizer", {"learning_rate": 0.1}),
    ("train", "FtrlOptimizer", {"learning_rate": 0.1}),
    ("train", "FtrlOptimizer", {"learning_rate": 0.1, "learning_rate_power": -0.7,
                                "l1_regularization_strength": 0.05,
                                "l2_regularization_strength": 0.1,
                                "l2_shrinkage_regularization_strength": 0.02}),
    ("keras", "SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("keras", "Adagrad", {"learning_rate": 0.1}),
    ("keras", "RMSprop", {"learning_rate": 0.05, "momentum": 0.5}),
    ("keras", "Adam", {"learning_rate": 0.1}),
    ("keras", "Nadam", {"learning_rate": 0.1}),
    ("keras", "Adadelta", {"learning_rate": 1.0}),
    ("keras", "Adamax", {"learning_rate": 0.1}),
    ("keras", "Ftrl", {"learning_rate": 0.1}),
]


def run_train_sparse(tf, name: str, kwargs: dict) -> list:
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        table = v1.Variable(np.asarray(SPARSE_E, np.float32))
        ids = v1.placeholder(tf.int32, [None])
        t = v1.placeholder(tf.float32, [None, 2])
        a = v1.placeholder(tf.float32, [None])
        loss = v1.reduce_sum(a[:, None] * (tf.gather(table, ids) - t) ** 2)
        train = getattr(v1.train, name)(**kwargs).minimize(loss)
        assert isinstance(v1.gradients(loss, table)[0], tf.IndexedSlices)
        init = v1.global_variables_initializer()
    out = []
    with v1.Session(graph=graph) as sess:
        sess.run(init)
        for i, tg, w in SPARSE_STEPS:
            sess.run(train, {ids: i, t: tg, a: w})
            out.append(sess.run(table).tolist())
    return out


def run_keras_sparse(tf, name: str, kwargs: dict) -> list:
    table = tf.Variable(np.asarray(SPARSE_E, np.float32))
    opt = getattr(tf.keras.optimizers, name)(**kwargs)
    out = []
    for i, tg, w in KERAS_SPARSE_STEPS:
        with tf.GradientTape() as tape:
            rows = tf.gather(table, i)
            loss = tf.reduce_sum(np.asarray(w, np.float32)[:, None] * (rows - tg) ** 2)
        grad = tape.gradient(loss, table)
        assert isinstance(grad, tf.IndexedSlices)
        opt.apply_gradients([(grad, table)])
        out.append(table.numpy().tolist())
    return out


def _arrays():
    return {k: np.asarray(v, np.float32) for k, v in PROBLEM.items()}


def _grad(p, w, i):
    return (2 * p[f"a{i}"] * (w - p[f"c{i}"])).astype(np.float32)


def run_keras(tf, name: str, kwargs: dict) -> list:
    p = _arrays()
    opt = getattr(tf.keras.optimizers, name)(**kwargs)
    ws = [tf.Variable(p["w1"]), tf.Variable(p["w2"])]
    out = []
    for _ in range(STEPS):
        grads = [tf.constant(_grad(p, w.numpy(), i + 1)) for i, w in enumerate(ws)]
        opt.apply_gradients(zip(grads, ws))
        out.append([w.numpy().tolist() for w in ws])
    return out


def run_train(tf, name: str, kwargs: dict) -> list:
    v1 = tf.compat.v1
    p = _arrays()
    graph = tf.Graph()
    with graph.as_default():
        ws = [v1.Variable(p["w1"]), v1.Variable(p["w2"])]
        loss = sum(v1.reduce_sum(p[f"a{i + 1}"] * (w - p[f"c{i + 1}"]) ** 2)
                   for i, w in enumerate(ws))
        train = getattr(v1.train, name)(**kwargs).minimize(loss)
        init = v1.global_variables_initializer()
    out = []
    with v1.Session(graph=graph) as sess:
        sess.run(init)
        for _ in range(STEPS):
            sess.run(train)
            out.append([w.tolist() for w in sess.run(ws)])
    return out


def main() -> None:
    import tensorflow as tf
    cases = []
    for api, name, kwargs in CASES:
        run = run_keras if api == "keras" else run_train
        cases.append({"api": api, "class": name, "kwargs": kwargs,
                      "trajectory": run(tf, name, kwargs)})
        print(api, name, kwargs, "->", np.round(cases[-1]["trajectory"][-1][0], 5),
              file=sys.stderr)
    sparse = []
    for api, name, kwargs in SPARSE_CASES:
        run = run_keras_sparse if api == "keras" else run_train_sparse
        sparse.append({"api": api, "class": name, "kwargs": kwargs,
                       "trajectory": run(tf, name, kwargs)})
    with open(OUT, "w") as f:
        json.dump({"tensorflow": tf.__version__, "keras": tf.keras.__version__,
                   "steps": STEPS, "problem": PROBLEM, "cases": cases,
                   "sparse": {"table": SPARSE_E, "steps": SPARSE_STEPS,
                              "keras_steps": KERAS_SPARSE_STEPS, "cases": sparse}},
                  f, indent=0)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
