import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients


def test_write_read_stack_unstack_gather_scatter_size():
    ta = tf.TensorArray(tf.float32, size=3)
    ta = ta.write(0, [1.0, 2.0]).write(1, [3.0, 4.0]).write(2, [5.0, 6.0])
    assert ta.element_shape.as_list() == [2]
    stacked, first, size = ta.stack(), ta.read(0), ta.size()
    gathered = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(
        tf.constant([[1.0], [2.0], [3.0]])).gather([2, 0])
    scattered = tf.TensorArray(tf.int32, size=4).scatter([3, 1, 0, 2], [10, 11, 12, 13]).stack()
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(stacked), [[1, 2], [3, 4], [5, 6]])
        np.testing.assert_array_equal(sess.run(first), [1, 2])
        assert sess.run(size) == 3
        np.testing.assert_array_equal(sess.run(gathered), [[3.0], [1.0]])
        np.testing.assert_array_equal(sess.run(scattered), [12, 11, 13, 10])


def test_dynamic_size_grows_in_a_loop():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, ta: i < 5,
                          lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32) ** 2)),
                          (0, ta))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(ta.stack()), [0, 1, 4, 9, 16])
        assert sess.run(ta.size()) == 5


def test_run_time_errors():
    i = tf.placeholder(tf.int32, ())
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    once = ta.read(0)
    twice = once + ta.read(0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Tried to read from index 5 but array size is: 2"):
            sess.run(ta.read(i), {i: 5})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Tried to write to index 2 but array is not resizeable"):
            sess.run(ta.write(i, 3.0).stack(), {i: 2})
        with pytest.raises(tf.errors.InvalidArgumentError, match="cleared after a previous read"):
            sess.run(twice)
        unwritten = tf.TensorArray(tf.float32, size=2).write(0, 1.0).read(1)
        with pytest.raises(tf.errors.InvalidArgumentError, match="not yet been written"):
            sess.run(unwritten)
        assert sess.run(once) == 1.0  # each run has its own array


def test_construction_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(ValueError, match="index 2 is out of range: the array's size is 2"):
        ta.read(2)
    with pytest.raises(ValueError, match="index 3 is out of range"):
        ta.write(3, 1.0)
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but op is trying to write "
                       "dtype int32"):
        ta.write(0, tf.constant(1))
    ta = ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"inconsistent shapes: saw \(3,\) but expected \(2,\)"):
        ta.write(1, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="has 3 rows but the array's size is 2"):
        tf.TensorArray(tf.float32, size=2).unstack(tf.zeros((3, 1)))


def test_gradients_through_tensor_array_ops():
    def fn(x, y):
        ta = tf.TensorArray(tf.float64, size=3).unstack(x)
        other = tf.TensorArray(tf.float64, size=2, clear_after_read=False)
        other = other.write(0, ta.read(2) * y).write(1, ta.read(0))
        return other.stack() + other.gather([1, 1]) * 2.0
    rng = np.random.default_rng(0)
    check_gradients(fn, [rng.normal(size=(3, 2)), rng.normal(size=(2,))])


def test_gradient_through_a_loop_writing_a_tensor_array():
    def fn(x, w):
        inp = tf.TensorArray(tf.float64, size=4).unstack(x)
        out = tf.TensorArray(tf.float64, size=4)

        def body(t, h, out):
            h = tf.tanh(inp.read(t) * w + h)
            return t + 1, h, out.write(t, h)
        _, _, out = tf.while_loop(lambda t, h, out: t < 4, body,
                                  (0, tf.zeros_like(x[0]), out))
        return out.stack()
    rng = np.random.default_rng(1)
    check_gradients(fn, [rng.normal(size=(4, 3)), rng.normal(size=(3,))])
    check_gradients(fn, [rng.normal(size=(4, 3)), rng.normal(size=(3,))], static_shapes=False)
