"""tf.strings.to_number / as_string (what tf.cast between strings and numbers points to)."""

import numpy as np
import pytest

import tensorfluxo as tf


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_to_number_and_as_string():
    x = tf.strings.to_number(["1.5", "-2"])
    assert x.dtype == tf.float32
    np.testing.assert_array_equal(run(x), np.array([1.5, -2], np.float32))
    np.testing.assert_array_equal(run(tf.string_to_number([["7"]], tf.int64)), [[7]])
    assert list(run(tf.strings.as_string([1.5, 2.0]))) == [b"1.500000", b"2.000000"]
    assert list(run(tf.as_string(tf.constant([3, -4])))) == [b"3", b"-4"]
    assert list(run(tf.as_string([True, False]))) == [b"true", b"false"]


def test_bad_strings_and_dtypes_are_named():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"could not correctly convert string: b'x1' to float32"):
        run(tf.strings.to_number(["1", "x1"]))
    with pytest.raises(TypeError, match=r"to_number needs a string tensor, got Const_1:0"):
        tf.strings.to_number(tf.constant([1.0]))
    with pytest.raises(TypeError, match=r"as_string needs a number or bool tensor"):
        tf.strings.as_string(tf.constant(["a"]))


def test_cast_between_strings_and_numbers_is_refused_at_construction():
    with pytest.raises(TypeError, match=r"Cannot cast Const:0 from string to float32: casting "
                                        r"between strings and numbers is not supported; use "
                                        r"tf.strings.to_number"):
        tf.cast(tf.constant(["1"]), tf.float32)
    with pytest.raises(TypeError, match=r"use tf.strings.as_string"):
        tf.cast(tf.constant([1]), tf.string)
