import os
import sys

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients
from tensorfluxo.testing.gradient_check import numeric_jacobian

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "rnn")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import make_rnn_reference as ref  # noqa: E402 - the cases TF's reference was made from


def test_tf1_checkpoint_restores_and_matches_tensorflow():
    expected = np.load(os.path.join(DATA, "expected.npz"))
    X = tf.placeholder(tf.float32, [None, 5, 3], name="X")
    sl = tf.placeholder(tf.int32, [None], name="sl")
    built = ref.cases(tf, tf.nn, X, sl)
    variables = tf.global_variables()
    assert sorted(v.name for v in variables) == sorted(expected["variables"].tolist())
    feed = {X: expected["X"], sl: expected["sl"]}
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, os.path.join(DATA, "rnn.ckpt"))
        for name, (o, st) in built.items():
            ys = [o] + ref.flat_state(st)
            target = tf.add_n([tf.reduce_sum(y * (i + 1.0)) for i, y in enumerate(ys)])
            mine = [v for v in variables if v.name.startswith(name + "/")]
            values = sess.run(ys + tf.gradients(target, mine + [X]), feed)
            np.testing.assert_allclose(values[0], expected[f"{name}/output"], atol=1e-5,
                                       err_msg=name)
            for i, s in enumerate(values[1:len(ys)]):
                np.testing.assert_allclose(s, expected[f"{name}/state_{i}"], atol=1e-5,
                                           err_msg=f"{name} state {i}")
            for v, g in zip(mine + [X], values[len(ys):]):
                np.testing.assert_allclose(g, expected[f"{name}/grad/{v.name}"], atol=1e-4,
                                           err_msg=f"{name} gradient of {v.name}")


def test_sequence_length_masks_outputs_and_freezes_state():
    X = tf.placeholder(tf.float32, [2, 4, 3])
    out, st = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(5), X, sequence_length=[4, 2],
                                dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o, s = sess.run([out, st], {X: np.random.rand(2, 4, 3)})
    assert out.shape.as_list() == [2, 4, 5]
    np.testing.assert_array_equal(o[1, 2:], 0.0)
    np.testing.assert_array_equal(s[1], o[1, 1])
    np.testing.assert_array_equal(s[0], o[0, 3])


def test_time_major_initial_state_and_reuse():
    cell = tf.nn.rnn_cell.BasicRNNCell(3)
    xs = np.random.rand(4, 2, 2).astype(np.float32)  # [time, batch, depth]
    h0 = np.random.rand(2, 3).astype(np.float32)
    out_tm, st_tm = tf.nn.dynamic_rnn(cell, xs, initial_state=h0, time_major=True)
    out_bm, st_bm = tf.nn.dynamic_rnn(cell, xs.transpose(1, 0, 2), initial_state=h0)
    static, st_static = tf.nn.static_rnn(cell, list(xs), initial_state=h0)
    assert len(tf.global_variables()) == 2  # one cell, its variables made once
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b, c, sa, sb, sc = sess.run([out_tm, out_bm, static, st_tm, st_bm, st_static])
    np.testing.assert_allclose(a, b.transpose(1, 0, 2), rtol=1e-6)
    # the unrolled graph against the fused op: the same up to float32 rounding
    np.testing.assert_allclose(np.stack(c), a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sa, sb, rtol=1e-6)
    np.testing.assert_allclose(sa, sc, rtol=1e-5, atol=1e-6)


def test_wrappers_and_names():
    X = tf.placeholder(tf.float32, [None, 3, 4])
    keep = tf.placeholder_with_default(1.0, ())
    cells = [tf.contrib.rnn.DropoutWrapper(tf.contrib.rnn.LSTMBlockCell(4),
                                           input_keep_prob=keep, output_keep_prob=keep),
             tf.contrib.rnn.ResidualWrapper(tf.contrib.rnn.GRUCell(4))]
    multi = tf.contrib.rnn.OutputProjectionWrapper(tf.contrib.rnn.MultiRNNCell(cells), 2)
    out, st = tf.nn.dynamic_rnn(multi, X, dtype=tf.float32)
    assert out.shape.as_list() == [None, 3, 2]
    assert [v.name for v in multi.variables] == [
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_0/lstm_cell/kernel:0",
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_0/lstm_cell/bias:0",
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
        "rnn/output_projection_wrapper/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0",
        "rnn/output_projection_wrapper/kernel:0", "rnn/output_projection_wrapper/bias:0"]
    x = np.random.rand(2, 3, 4)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a = sess.run(out, {X: x})
        np.testing.assert_array_equal(a, sess.run(out, {X: x}))
        assert not np.allclose(a, sess.run(out, {X: x, keep: 0.5}))


def test_bad_input_errors():
    cell = tf.nn.rnn_cell.BasicLSTMCell(4)
    with pytest.raises(ValueError, match=r"dynamic_rnn: inputs must have rank 3 \(\[batch, "
                       r"time, depth\]\), got shape \(2, 3\)"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3)), dtype=tf.float32)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match=r"initial_state has shape \(2, 5\) but the cell "
                       r"BasicLSTMCell has state size 4"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3, 1)),
                          initial_state=tf.nn.rnn_cell.LSTMStateTuple(tf.zeros((2, 5)),
                                                                      tf.zeros((2, 5))))
    with pytest.raises(ValueError, match="structure of the cell's state_size"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3, 1)), initial_state=tf.zeros((2, 4)))
    with pytest.raises(ValueError, match="sequence_length 7 is longer than the time axis of "
                       r"the inputs \(3 steps\)"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3, 1)), sequence_length=[7, 1], dtype=tf.float32)
    with pytest.raises(ValueError, match="must be a vector of integers"):
        tf.nn.dynamic_rnn(cell, tf.zeros((2, 3, 1)), sequence_length=[[1]], dtype=tf.float32)
    with pytest.raises(TypeError, match="cell must be an RNNCell"):
        tf.nn.dynamic_rnn(lambda x: x, tf.zeros((2, 3, 1)), dtype=tf.float32)
    with pytest.raises(TypeError, match="static_rnn: inputs must be a sequence"):
        tf.nn.static_rnn(cell, tf.zeros((2, 3, 1)), dtype=tf.float32)
    with pytest.raises(ValueError, match=r"GRUCell: inputs must have rank 2"):
        tf.nn.rnn_cell.GRUCell(3)(tf.zeros((2, 3, 1)), tf.zeros((2, 3)))
    with pytest.raises(ValueError, match="same cell object is used twice"):
        tf.nn.rnn_cell.MultiRNNCell([cell, cell])
    with pytest.raises(ValueError, match="num_units must be a positive int"):
        tf.nn.rnn_cell.BasicRNNCell(0)
    with pytest.raises(ValueError, match="keep_prob must be in"):
        tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.0)


def test_sequence_longer_than_time_fails_at_run_time_when_lengths_are_fed():
    sl = tf.placeholder(tf.int32, [None])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), tf.zeros((2, 3, 1)),
                               sequence_length=sl, dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="longer than the time axis"):
            sess.run(out, {sl: [4, 1]})


def check_rnn_gradients(make, **kwargs):
    """Finite differences of sum(u * outputs) against tf.gradients, for the inputs and every
    variable of the cell (check_gradients cannot initialize variables)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 2))
    X = tf.placeholder(tf.float64, x.shape)
    cell = make()
    out, st = tf.nn.dynamic_rnn(cell, X, dtype=tf.float64, **kwargs)
    u = rng.normal(size=out.shape.as_list())
    target = tf.reduce_sum(out * u) + tf.reduce_sum(tf.nn.rnn_cell.LSTMStateTuple(*st).c
                                                    if isinstance(st, tuple) else st)
    wrt = [X] + cell.trainable_variables
    grads = tf.gradients(target, wrt)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = [x] + [sess.run(v) for v in wrt[1:]]

        def f(vals):
            for v, val in zip(wrt[1:], vals[1:]):
                v.load(val, sess)
            return float(sess.run(target, {X: vals[0]}))
        sym = sess.run(grads, {X: x})
        for i, s in enumerate(sym):
            num = numeric_jacobian(f, values, i, 1e-6)
            np.testing.assert_allclose(s, num, rtol=1e-5, atol=1e-7, err_msg=wrt[i].name)


@pytest.mark.parametrize("make", [lambda: tf.nn.rnn_cell.BasicLSTMCell(3),
                                  lambda: tf.nn.rnn_cell.LSTMCell(3, use_peepholes=True,
                                                                  num_proj=2, cell_clip=0.4),
                                  lambda: tf.nn.rnn_cell.GRUCell(3),
                                  lambda: tf.nn.rnn_cell.BasicRNNCell(3, activation=tf.nn.relu)])
def test_dynamic_rnn_gradients(make):
    check_rnn_gradients(make, sequence_length=[3, 2])


def test_bidirectional_and_reverse_sequence():
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(2, 3, 2))
    r = tf.reverse_sequence(x, [3, 2], seq_axis=1, batch_axis=0)
    outs, st_fw, st_bw = tf.contrib.rnn.static_bidirectional_rnn(
        tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.BasicRNNCell(2), tf.unstack(x, axis=1),
        dtype=tf.float32)
    assert len(outs) == 3 and outs[0].shape.as_list() == [2, 4]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r)[1], [[8, 9], [6, 7], [10, 11]])
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(0\) > input"):
            sess.run(tf.reverse_sequence(x, [4, 1], seq_axis=1))
    check_gradients(lambda v: tf.reverse_sequence(v, [3, 1], seq_axis=1, batch_axis=0),
                    [np.random.default_rng(0).normal(size=(2, 3))])


@pytest.mark.parametrize("make", [
    lambda: tf.nn.rnn_cell.BasicRNNCell(4),
    lambda: tf.nn.rnn_cell.BasicLSTMCell(4, forget_bias=0.7),
    lambda: tf.nn.rnn_cell.GRUCell(4),
    lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(4),
                                         tf.nn.rnn_cell.BasicRNNCell(3),
                                         tf.contrib.rnn.GRUCell(3),
                                         tf.contrib.rnn.BasicLSTMCell(2)])])
def test_fused_path_matches_the_while_loop(make, monkeypatch):
    from tensorfluxo.nn import rnn
    x = np.random.default_rng(0).normal(size=(3, 5, 2)).astype(np.float32)
    results, names = [], []
    for fused in (True, False):
        monkeypatch.setattr(rnn, "FUSED", fused)
        with tf.Graph().as_default():
            X = tf.constant(x)
            with tf.variable_scope("rnn", initializer=tf.random_normal_initializer(seed=3)) \
                    as scope:  # the same values on both paths (op seeds differ)
                out, st = tf.nn.dynamic_rnn(make(), X, dtype=tf.float32, scope=scope)
            types = {op.type for op in tf.get_default_graph().get_operations()}
            assert ("FusedRNN" in types) == fused and ("While" in types) != fused
            flat = [out] + tf.nest.flatten(st)
            target = tf.add_n([tf.reduce_sum(t * (k + 1.0)) for k, t in enumerate(flat)])
            grads = tf.gradients(target, [X] + tf.trainable_variables())
            names.append([v.name for v in tf.global_variables()])  # TF1's names on both paths
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                results.append(sess.run(flat + grads))
                # plans that leave the workspace (inference) or dx unused skip them
                forward, no_dx = sess.run(flat), sess.run(grads[1:])
            for a, b in zip(forward + no_dx, results[-1][:len(flat)] + results[-1][len(flat) + 1:]):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert names[0] == names[1]
    for a, b in zip(*results):
        # float32 rounding, relative to the array's scale (the summation orders differ)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(b).max()))


def test_plans_tell_the_fused_ops_which_outputs_they_use():
    # partial_outputs: inference skips the workspace, a gradient wrt the weights only skips dx
    from tensorfluxo.framework import registry
    from tensorfluxo.ops import rnn_ops  # noqa: F401 - declares the ops
    seen = []
    ods = [registry._REGISTRY[n] for n in ("FusedRNN", "FusedRNNGrad")]
    kernels = [od.kernel for od in ods]

    def spying(kernel, name):
        def run(*args, needed=None, **attrs):
            seen.append((name, needed))
            out = kernel(*args, needed=needed, **attrs)
            assert all(o is not None for o, n in zip(out, needed) if n)
            return out
        return run
    X = tf.placeholder(tf.float32, [None, 6, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(4), X, dtype=tf.float32)
    grads = tf.gradients(tf.reduce_sum(out), tf.trainable_variables())
    x = np.random.default_rng(0).random((2, 6, 3), dtype=np.float32)
    try:
        for od, kernel in zip(ods, kernels):
            object.__setattr__(od, "kernel", spying(kernel, od.type))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(out, {X: x})
            sess.run(grads, {X: x})
    finally:
        for od, kernel in zip(ods, kernels):
            object.__setattr__(od, "kernel", kernel)
    assert seen == [("FusedRNN", (True, False, False)), ("FusedRNN", (True, True, True)),
                    ("FusedRNNGrad", (False, False, False, True, True))]
    hs, ws = rnn_ops._fused_kernel(x.transpose(1, 0, 2), np.zeros((2, 4), np.float32),
                                   np.ones((7, 4), np.float32), np.zeros(4, np.float32),
                                   cell="rnn", order="ijfo", forget_bias=0.0, needed=(True, False))
    assert ws is None and hs.shape == (6, 2, 4)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("batch", [6, 5])
def test_fused_kernels_on_parts_of_the_batch_equal_the_whole(monkeypatch, cell, batch):
    """On two threads the fused kernels run equal parts of the batch, each over all steps
    (an odd batch stays whole); values and gradients are the whole batch's."""
    from tensorfluxo.kernels import parallel
    from tensorfluxo.ops import rnn_ops as R
    rng = np.random.default_rng(5)
    t, d, u = 4, 3, 5
    g = {"rnn": 1, "lstm": 4, "gru": 2}[cell]
    x = rng.normal(size=(t, batch, d)).astype(np.float32)
    h0 = rng.normal(size=(batch, u)).astype(np.float32)
    w = rng.normal(size=(d + u, g * u)).astype(np.float32)
    b = rng.normal(size=g * u).astype(np.float32)
    extra = {"lstm": [h0 * 0.5], "gru": []}.get(cell, [])
    cand = [rng.normal(size=(d + u, u)).astype(np.float32),
            rng.normal(size=u).astype(np.float32)] if cell == "gru" else []
    ins = [x, h0, *extra, w, b, *cand]
    attrs = {"cell": cell, "order": "ijfo", "forget_bias": 1.0}

    douts = [rng.normal(size=(t, batch, u)).astype(np.float32) for _ in range(1 + (cell == "lstm"))]

    def both():  # the outputs and the gradients (dh and, for the LSTM, dc of every step)
        outs = R._fused_kernel(*ins, **attrs)
        return outs, R._fused_grad_kernel(*ins, *outs, *douts, **attrs)
    outs1, grads1 = both()
    monkeypatch.setattr(parallel, "width", 2)
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    outs2, grads2 = both()
    assert outs2[-1].shape[0] == (2 if batch % 2 == 0 else 1)  # the parts' workspaces
    for a, b_ in zip([*outs2[:-1], *grads2], [*outs1[:-1], *grads1]):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-5)
