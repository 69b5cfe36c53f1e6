import collections

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients


def test_values_and_nested_structures():
    i, s = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i), (0, 0))
    Pair = collections.namedtuple("Pair", "a b")
    out = tf.while_loop(lambda k, p, d: k < 3,
                        lambda k, p, d: (k + 1, Pair(p.a * 2.0, p.b + 1.0), {"x": d["x"] - 1}),
                        (0, Pair(tf.constant(1.0), tf.constant(0.0)), {"x": tf.constant(5)}))
    single = tf.while_loop(lambda x: x < 100.0, lambda x: x * 3.0, [tf.constant(1.0)])
    same = tf.while_loop(lambda x: x < 100.0, lambda x: [x * 3.0], [tf.constant(1.0)],
                         return_same_structure=True)
    with tf.Session() as sess:
        assert sess.run([i, s]) == [10, 45]
        k, p, d = sess.run(out)
        assert k == 3 and p == Pair(8.0, 3.0) and d == {"x": 2}
        assert isinstance(out[1], Pair)
        assert sess.run(single) == 243.0
        assert sess.run(same) == [243.0]


def test_only_the_iterations_that_run_execute():
    v = tf.Variable(0)
    n = tf.placeholder(tf.int32, ())

    def body(i):
        with tf.control_dependencies([tf.assign_add(v, 1)]):
            return i + 1
    loop = tf.while_loop(lambda i: i < n, body, [0])
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(loop, {n: 0}) == 0 and sess.run(v) == 0
        assert sess.run(loop, {n: 3}) == 3 and sess.run(v) == 3


def test_long_loop_and_maximum_iterations():
    i = tf.while_loop(lambda i: i < 20000, lambda i: i + 1, [0])
    capped = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0], maximum_iterations=4)
    with tf.Session() as sess:
        assert sess.run(i) == 20000
        assert sess.run(capped) == 4


def test_shape_invariants():
    x = tf.constant([1.0])
    with pytest.raises(ValueError, match=r"enters the loop with shape \(1,\), but has shape "
                       r"\(2,\) after one iteration.*shape_invariants"):
        tf.while_loop(lambda x: tf.size(x) < 8, lambda x: tf.concat([x, x], 0), [x])
    grown = tf.while_loop(lambda x: tf.size(x) < 8, lambda x: tf.concat([x, x], 0), [x],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    with pytest.raises(ValueError, match="not compatible with the initial shape"):
        tf.while_loop(lambda x: True, lambda x: x, [x], shape_invariants=[tf.TensorShape([3])])
    with tf.Session() as sess:
        assert sess.run(grown).shape == (8,)


def test_bad_bodies_and_conds():
    x = tf.constant(1.0)
    with pytest.raises(TypeError, match=r"enters the loop with type float32 but has type int32"):
        tf.while_loop(lambda x: x < 2.0, lambda x: tf.constant(1), [x])
    with pytest.raises(TypeError, match="cond must return a scalar bool"):
        tf.while_loop(lambda x: x, lambda x: x, [x])
    with pytest.raises(TypeError, match="body must be callable"):
        tf.while_loop(lambda x: x < 2.0, None, [x])
    with pytest.raises(ValueError, match="body must return the structure of loop_vars"):
        tf.while_loop(lambda a, b: a < 2.0, lambda a, b: a, [x, x])
    with pytest.raises(ValueError, match="no loop variables"):
        tf.while_loop(lambda: True, lambda: (), [])


def _rnn_like(x, w):
    _, h = tf.while_loop(lambda k, h: k < 4, lambda k, h: (k + 1, tf.tanh(h * w + x)),
                         (tf.constant(0), x))
    return h


def test_gradients_through_loop_vars_and_captured_tensors():
    rng = np.random.default_rng(0)
    check_gradients(_rnn_like, [rng.normal(size=(3,)), rng.normal(size=(3,))])
    check_gradients(_rnn_like, [rng.normal(size=(2, 3)), rng.normal(size=(3,))],
                    static_shapes=False)


def test_gradient_of_a_loop_that_does_not_run_and_of_maximum_iterations():
    def no_iter(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) > 1e9, lambda v: v * 2.0, [x]) * 3.0

    def capped(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 1e9, lambda v: tf.sin(v) * 2.0, [x],
                             maximum_iterations=3)
    rng = np.random.default_rng(1)
    check_gradients(no_iter, [rng.normal(size=(3,))])
    check_gradients(capped, [rng.normal(size=(3,))])


def test_training_a_variable_read_in_the_body():
    w = tf.Variable(0.5)
    x = tf.placeholder(tf.float32, ())
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), (0, x))
    loss = tf.square(y - 8.0)  # x * w**3 == 8 -> w == 2 for x = 1
    train = tf.train.GradientDescentOptimizer(0.002).minimize(loss)
    with tf.Session() as sess:
        sess.run(w.initializer)
        for _ in range(300):
            sess.run(train, {x: 1.0})
        np.testing.assert_allclose(sess.run(w), 2.0, atol=1e-3)


def test_gradient_sees_the_forward_random_values():
    x = tf.ones((50,))
    _, y = tf.while_loop(lambda i, y: i < 1, lambda i, y: (i + 1, tf.nn.dropout(y, 0.5)),
                         (0, x))
    g, = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess:
        yv, gv = sess.run([y, g])
    np.testing.assert_array_equal(gv, yv)  # dropout(ones) == its own gradient mask


def test_variables_created_in_the_body_are_lifted_out():
    def body(i, h):
        w = tf.get_variable("w", (), initializer=tf.constant_initializer(2.0))
        return i + 1, h * w
    _, h = tf.while_loop(lambda i, h: i < 3, body, (0, tf.constant(1.0)))
    w = tf.global_variables()[0]
    assert w.name == "w:0"
    g, = tf.gradients(h, [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run([h, g]) == [8.0, 12.0]


def test_case_and_assert():
    x = tf.placeholder(tf.float32, ())
    y = tf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x)
    last_is_default = tf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)])
    both = tf.case({x > 0: lambda: x, x > 1: lambda: 2 * x}, default=lambda: x, exclusive=True)
    with tf.Session() as sess:
        assert [sess.run(y, {x: v}) for v in (-2.0, 12.0, 5.0)] == [2.0, 2.0, 5.0]
        assert sess.run(last_is_default, {x: 5.0}) == -5.0
        assert sess.run(both, {x: 0.5}) == 0.5
        with pytest.raises(tf.errors.InvalidArgumentError, match="more than one predicate"):
            sess.run(both, {x: 5.0})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"assertion failed: \[3"):
            sess.run(tf.Assert(x < 0, [tf.constant([3, 4])]), {x: 1.0})
    with pytest.raises(TypeError, match="pair"):
        tf.case([x < 0], default=lambda: x)
    with pytest.raises(TypeError, match="scalar bool"):
        tf.Assert(x, [x])
