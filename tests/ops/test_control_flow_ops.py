import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients


def test_group_tuple_and_no_op():
    a, b = tf.constant(1.0), tf.constant(2.0)
    a2, b2 = tf.tuple([a, b])
    with tf.Session() as sess:
        assert sess.run([a2, b2]) == [1.0, 2.0]
        assert sess.run(tf.no_op()) is None


def test_cond_values_and_structures():
    x = tf.placeholder(tf.float32, ())
    y = tf.cond(x > 0, lambda: x * 2, lambda: x - 1)
    pair = tf.cond(x > 0, lambda: (x, x + 1), lambda: (x - 1, x))
    same = tf.cond(x > 0, lambda: x, lambda: tf.constant(7.0))  # a captured tensor returned
    with tf.Session() as sess:
        assert sess.run(y, {x: 3.0}) == 6.0 and sess.run(y, {x: -3.0}) == -4.0
        assert sess.run(pair, {x: 1.0}) == (1.0, 2.0)
        assert isinstance(pair, tuple)
        assert sess.run(same, {x: 5.0}) == 5.0 and sess.run(same, {x: -5.0}) == 7.0


def test_only_the_chosen_branch_runs():
    v = tf.Variable(0.0)
    p = tf.placeholder(tf.bool, ())
    r = tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.identity(v))
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(r, {p: False})
        assert sess.run(v) == 0.0
        sess.run(r, {p: True})
        assert sess.run(v) == 1.0


def test_outer_control_dependencies_run_once():
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    p = tf.placeholder(tf.bool, ())
    with tf.control_dependencies([inc]):
        r = tf.cond(p, lambda: tf.constant(1.0) * 2, lambda: tf.constant(3.0))
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(r, {p: True})
        assert sess.run(v) == 1.0


@pytest.mark.parametrize("taken", [True, False])
def test_cond_gradients(taken):
    def fn(a, b):
        return tf.cond(tf.constant(taken), lambda: tf.tanh(a) * b, lambda: a * a - b)
    rng = np.random.default_rng(0)
    check_gradients(fn, [rng.normal(size=(3,)), rng.normal(size=(3,))], second_order=True)


def test_training_through_a_cond():
    x = tf.placeholder(tf.float32, (None, 1))
    training = tf.placeholder_with_default(False, ())
    w = tf.Variable([[0.0]])
    out = tf.cond(training, lambda: tf.matmul(x, w) * 1.0, lambda: tf.matmul(x, w))
    loss = tf.reduce_mean(tf.square(out - 2.0 * x))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(w.initializer)
        for _ in range(100):
            sess.run(train, {x: [[1.0], [2.0]], training: True})
        np.testing.assert_allclose(sess.run(w), [[2.0]], atol=1e-3)


def test_cond_errors():
    x = tf.constant(1.0)
    with pytest.raises(TypeError, match="pred must be a scalar bool tensor"):
        tf.cond(x, lambda: x, lambda: x)
    with pytest.raises(ValueError, match="same structure"):
        tf.cond(x > 0, lambda: (x, x), lambda: x)
    with pytest.raises(TypeError, match="return float32 .* and int32"):
        tf.cond(x > 0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(TypeError, match="returned the operation"):
        tf.cond(x > 0, lambda: tf.no_op(), lambda: tf.no_op())
    with pytest.raises(TypeError, match="must be callable"):
        tf.cond(x > 0, x, lambda: x)


def test_graph_with_cond_exports():
    # Pure branches: TF's nodes (both branches + SelectV2), which compute the same values.
    x = tf.placeholder(tf.float32, (), name="x")
    y = tf.cond(x > 0, lambda: x * 2, lambda: x, name="c")
    z = tf.gradients(y, x)[0]
    nodes = {n.name: n for n in tf.get_default_graph().as_graph_def().node}
    assert nodes["c"].op == "IdentityN" and nodes["c/Select"].op == "SelectV2"
    assert "Cond" not in {n.op for n in nodes.values()}
    gd = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.import_graph_def(gd, name="")
        for v, want in ((3.0, [6.0, 2.0]), (-1.0, [-1.0, 1.0])):
            assert sess.run(["c:0", z.name], {"x:0": v}) == want
    # A branch that assigns keeps tensorfluxo's Cond: both branches must not run.
    v = tf.Variable(0.0, name="v")
    tf.cond(x > 0, lambda: tf.assign(v, 1.0), lambda: tf.identity(v), name="effect")
    nodes = {n.name: n for n in tf.get_default_graph().as_graph_def().node}
    assert nodes["effect"].op == "Cond"


def test_a_cond_gradient_reuses_the_random_values_its_branch_drew():
    # the gradient reads the dropout mask made inside the branch: it must be the forward's
    # mask, not a second draw (a silent wrong value before CondSaved)
    h = tf.placeholder(tf.float32, (8, 16))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.nn.dropout(h, 0.5), lambda: h * 2.0)
    g = tf.gradients(tf.reduce_sum(y), h)[0]
    ones = np.ones((8, 16), np.float32)
    with tf.Session() as sess:
        for _ in range(3):
            yv, gv = sess.run([y, g], {h: ones, p: True})
            np.testing.assert_array_equal(yv, gv)  # y = mask * 2 = dy/dh for h = 1
        yv, gv = sess.run([y, g], {h: ones, p: False})
        assert (gv == 2.0).all()


def test_cond_output_shape_is_what_both_branches_guarantee():
    x = tf.placeholder(tf.float32, (None, None))
    out = tf.cond(tf.placeholder(tf.bool, ()), lambda: x, lambda: tf.ones((1, 1)))
    assert out.shape.as_list() == [None, None]
    out = tf.cond(tf.constant(True), lambda: tf.zeros((2, 3)), lambda: tf.ones((2, 3)))
    assert out.shape.as_list() == [2, 3]
