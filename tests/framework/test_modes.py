import pytest

import tensorfluxo as tf


def test_tf1_script_preamble_runs():
    tf.disable_v2_behavior()
    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.disable_v2_behavior()
    assert tf.executing_eagerly() is False
    tf.logging.set_verbosity(tf.logging.ERROR)
    assert tf.logging.get_verbosity() == tf.logging.ERROR


def test_eager_switches_on_and_off():
    assert tf.executing_eagerly() is False
    tf.compat.v1.enable_eager_execution()
    assert tf.executing_eagerly() is True
    assert "numpy=3" in repr(tf.constant(1) + 2)
    with tf.Graph().as_default():
        assert tf.executing_eagerly() is False
        t = tf.constant(1) + 2
        assert repr(t).startswith("<tf.Tensor 'add:0'")
    assert tf.executing_eagerly() is True
    tf.disable_eager_execution()
    assert tf.executing_eagerly() is False
    assert isinstance(tf.constant(1), tf.Tensor)
    assert repr(tf.constant(1)).startswith("<tf.Tensor 'Const")


def test_eager_switch_inside_a_graph_block_is_refused():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must be called at program startup"):
            tf.enable_eager_execution()
