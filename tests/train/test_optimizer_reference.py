"""Every rule of the optimizer table against TensorFlow 2.21: tests/data/optimizers.json holds
what tf.keras.optimizers (Keras 3) and tf.compat.v1.train optimizers did, step by step, on a
tiny two-variable problem (made by scripts/make_optimizer_reference.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K
from tensorfluxo.train import rules

DATA = json.loads((Path(__file__).parent.parent / "data" / "optimizers.json").read_text())
P = {k: np.asarray(v, np.float32) for k, v in DATA["problem"].items()}
CASES = {f"{c['api']}-{c['class']}-{i}": c for i, c in enumerate(DATA["cases"])}


def _problem():
    ws = [tf.Variable(P["w1"], name="w1"), tf.Variable(P["w2"], name="w2")]
    loss = tf.add_n([tf.reduce_sum(P[f"a{i + 1}"] * tf.square(w - P[f"c{i + 1}"]))
                     for i, w in enumerate(ws)])
    return ws, loss


def _train(case: dict, loss, ws):
    """(train op, initialized session) for the case's optimizer."""
    if case["api"] == "keras":
        opt = getattr(tf.keras.optimizers, case["class"])(**case["kwargs"])
        train = opt.get_updates(loss, ws)
        sess = K.get_session()
    else:
        train = getattr(tf.train, case["class"])(**case["kwargs"]).minimize(loss)
        sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    return train, sess


def trajectory(case: dict) -> list:
    ws, loss = _problem()
    train, sess = _train(case, loss, ws)
    out = []
    for _ in range(DATA["steps"]):
        sess.run(train)
        out.append(sess.run(ws))
    return out


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "per-variable"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_matches_tensorflow(name, fuse, monkeypatch):
    if not fuse:
        monkeypatch.setattr(rules, "FUSE_LIMIT", 0)
    case = CASES[name]
    got = trajectory(case)
    for step, (mine, ref) in enumerate(zip(got, case["trajectory"])):
        for w, r in zip(mine, ref):
            assert w.dtype == np.float32
            np.testing.assert_allclose(w, r, rtol=1e-5, atol=1e-5,
                                       err_msg=f"{name} {case['kwargs']} step {step + 1}")


# ---- sparse gradients (an embedding table read by tf.gather) -----------------------------------
SPARSE = DATA["sparse"]
SPARSE_CASES = {f"{c['api']}-{c['class']}-{i}": c for i, c in enumerate(SPARSE["cases"])}


def sparse_trajectory(case: dict) -> list:
    table = tf.Variable(np.asarray(SPARSE["table"], np.float32), name="E")
    ids = tf.placeholder(tf.int32, [None])
    t = tf.placeholder(tf.float32, [None, 2])
    a = tf.placeholder(tf.float32, [None])
    loss = tf.reduce_sum(a[:, None] * tf.square(tf.gather(table, ids) - t))
    train, sess = _train(case, loss, [table])
    out = []
    for i, tg, w in SPARSE["keras_steps" if case["api"] == "keras" else "steps"]:
        sess.run(train, {ids: i, t: tg, a: w})
        out.append(sess.run(table))
    return out


@pytest.mark.parametrize("name", sorted(SPARSE_CASES))
def test_sparse_gradient_matches_tensorflow(name):
    """tf.train optimizers update only the looked-up rows (duplicates summed; Adam decays all
    of m and v, as TF1's sparse Adam); Keras makes the gradient dense, as Keras 3 does (but for
    repeated ids, whose rows Keras 3 squares before summing them: its cases have none)."""
    case = SPARSE_CASES[name]
    for step, (mine, ref) in enumerate(zip(sparse_trajectory(case), case["trajectory"])):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-5,
                                   err_msg=f"{name} {case['kwargs']} step {step + 1}")


def test_every_rule_is_checked_against_tensorflow():
    """A new row of the rule table needs a case in scripts/make_optimizer_reference.py (and,
    when it has a sparse op, a sparse case)."""
    used = set()
    for cases, run in ((DATA["cases"], trajectory), (SPARSE["cases"], sparse_trajectory)):
        for case in cases:
            tf.reset_default_graph()
            run(case)
            used |= {op.type.removesuffix("Multi")
                     for op in tf.get_default_graph().get_operations()}
    table = {r.op for r in vars(rules).values() if isinstance(r, rules.Rule)}
    table |= {"Sparse" + r.op for r in vars(rules).values()
              if isinstance(r, rules.Rule) and r.sparse == "rows"}
    assert table - used == set()


@pytest.mark.parametrize("name", [n for n in sorted(SPARSE_CASES) if n.startswith("keras")])
def test_eager_tape_gives_indexed_slices_that_keras_applies_as_tensorflow(name, eager):
    """TF2 style: GradientTape's gradient of a gathered variable is an IndexedSlices and
    optimizer.apply_gradients gives Keras 3's trajectory."""
    case = SPARSE_CASES[name]
    table = tf.Variable(np.asarray(SPARSE["table"], np.float32))
    opt = getattr(tf.keras.optimizers, case["class"])(**case["kwargs"])
    for (i, tg, w), ref in zip(SPARSE["keras_steps"], case["trajectory"]):
        with tf.GradientTape() as tape:
            rows = tf.gather(table, i)
            loss = tf.reduce_sum(np.asarray(w, np.float32)[:, None] * tf.square(rows - tg))
        grad = tape.gradient(loss, table)
        assert isinstance(grad, tf.IndexedSlices)
        opt.apply_gradients([(grad, table)])
        np.testing.assert_allclose(table.numpy(), ref, rtol=1e-5, atol=1e-5)
