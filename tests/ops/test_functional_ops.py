import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients


def test_map_fn_values_structures_and_dtype():
    x = tf.constant([1.0, 2.0, 3.0])
    sq = tf.map_fn(lambda v: v * v, x)
    pair = tf.map_fn(lambda p: (p[0] + p[1], p[0] * p[1]), (x, x + 1.0))
    as_int = tf.map_fn(lambda v: tf.cast(v, tf.int32), x, dtype=tf.int32)
    rows = tf.map_fn(lambda r: tf.reduce_sum(r), tf.placeholder(tf.float32, (None, 2)))
    assert sq.shape.as_list() == [3] and rows.shape.as_list() == [None]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(sq), [1, 4, 9])
        a, b = sess.run(pair)
        np.testing.assert_array_equal(a, [3, 5, 7])
        np.testing.assert_array_equal(b, [2, 6, 12])
        assert sess.run(as_int).dtype == np.int32
        np.testing.assert_array_equal(sess.run(rows, {rows.op.graph.get_tensor_by_name(
            "Placeholder:0"): [[1, 2], [3, 4]]}), [3, 7])


def test_scan_foldl_foldr():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.scan(lambda a, v: a + v, x)), [1, 3, 6])
        np.testing.assert_array_equal(
            sess.run(tf.scan(lambda a, v: a + v, x, initializer=tf.constant(10.0),
                             reverse=True)), [16, 15, 13])
        assert sess.run(tf.foldl(lambda a, v: a - v, x)) == -4.0
        assert sess.run(tf.foldr(lambda a, v: a - v, x)) == 0.0
        assert sess.run(tf.foldl(lambda a, v: a + v, x, initializer=tf.constant(10.0))) == 16.0


def test_errors():
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="map_fn: fn returned a structure"):
        tf.map_fn(lambda v: (v, v), x)
    with pytest.raises(TypeError, match="map_fn: fn returned int32"):
        tf.map_fn(lambda v: tf.cast(v, tf.int32), x)
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.map_fn(lambda v: v, tf.constant(1.0))
    with pytest.raises(ValueError, match="scan: fn must return the structure"):
        tf.scan(lambda a, v: (a, a), x)


def test_gradients():
    rng = np.random.default_rng(0)
    check_gradients(lambda x: tf.map_fn(lambda v: v * tf.reduce_sum(v), x),
                    [rng.normal(size=(4, 2))])
    check_gradients(lambda x: tf.scan(lambda a, v: a * v + tf.sin(a), x,
                                      initializer=tf.ones_like(x[0])), [rng.normal(size=(4, 2))])
    check_gradients(lambda x: tf.foldr(lambda a, v: a * v, x), [rng.normal(size=(3, 2))])
