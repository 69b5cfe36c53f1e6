"""tf.debugging asserts, check_numerics / add_check_numerics_ops, TF1's tf.Print."""


import numpy as np
import pytest

import tensorfluxo as tf


def test_asserts_fail_when_run_with_tf_message():
    x = tf.placeholder(tf.float32, [None], name="x")
    with tf.control_dependencies([tf.assert_positive(x)]):
        y = tf.log(x)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, np.e]}), [0, 1], atol=1e-6)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"assertion failed: \[Condition x > 0 did not hold "
                                 r"element-wise:\] \[x \(x:0\) = \] \[1.0 -1.0\]"):
            sess.run(y, {x: [1.0, -1.0]})


@pytest.mark.parametrize("fn, a, b, ok", [
    (tf.debugging.assert_equal, [1, 2], [1, 2], True), (tf.assert_equal, [1, 2], [1, 3], False),
    (tf.assert_none_equal, [1, 2], [3, 4], True), (tf.assert_less, [1, 2], [2, 2], False),
    (tf.assert_less_equal, [1, 2], [2, 2], True), (tf.assert_greater, [3], [2], True),
    (tf.assert_greater_equal, [1], [2], False),
])
def test_comparisons_of_known_values_are_checked_at_construction(fn, a, b, ok):
    if ok:
        with tf.Session() as sess:
            sess.run(fn(tf.constant(a), tf.constant(b)))
    else:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Condition x .* y did not hold element-wise: x \(Const:0\) = "
                                 rf"\[{a[0]}.*\] y \(Const_1:0\) ="):
            fn(tf.constant(a), tf.constant(b))


def test_rank_type_and_scalar_asserts():
    with pytest.raises(ValueError, match=r"Tensor ones:0 must have rank 3, but has rank 2"):
        tf.assert_rank(tf.ones([2, 3]), 3)
    with pytest.raises(ValueError, match=r"must have rank at least 3, but has rank 2"):
        tf.assert_rank_at_least(tf.ones([2, 3]), 3)
    with pytest.raises(TypeError, match=r"ones_2:0 must be of type int32, not float32"):
        tf.assert_type(tf.ones([2]), tf.int32)
    with pytest.raises(ValueError, match=r"Expected scalar shape for ones_3:0, saw shape: \(2,\)"):
        tf.assert_scalar(tf.ones([2]))
    p = tf.placeholder(tf.float32)
    check = tf.assert_rank(p, 2)
    with tf.Session() as sess:
        sess.run(check, {p: np.ones((1, 1))})
        with pytest.raises(tf.errors.InvalidArgumentError, match="has the wrong rank"):
            sess.run(check, {p: np.ones(3)})


def test_check_numerics_names_the_problem_and_passes_gradients():
    x = tf.placeholder(tf.float32, [None])
    y = tf.check_numerics(tf.log(x), "log of x")
    g = tf.gradients(y, x)[0]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [2.0]}), [0.5])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"log of x : Tensor had Inf values"):
            sess.run(y, {x: [0.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Tensor had NaN values"):
            sess.run(y, {x: [-1.0]})


def test_add_check_numerics_ops_names_the_first_bad_tensor():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.sqrt(x, name="root") * 2.0
    check = tf.add_check_numerics_ops()
    with tf.Session() as sess:
        sess.run([y, check], {x: [4.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"root:0 : Tensor had NaN"):
            sess.run([y, check], {x: [-4.0]})


def test_tf1_print_passes_its_input_and_prints_data(capsys):
    x = tf.constant([1, 2, 3, 4])
    y = tf.Print(x, [tf.shape(x), x], "x: ", first_n=1)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), [1, 2, 3, 4])
        sess.run(y)
    assert capsys.readouterr().err == "x: [4][1 2 3...]\n"  # printed once (first_n=1)
    z = tf.placeholder(tf.float32, [2])
    g = tf.gradients(tf.reduce_sum(tf.Print(z, [z]) * 3.0), z)[0]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {z: [1.0, 2.0]}), [3, 3])
