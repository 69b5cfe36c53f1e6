import pytest

import tensorfluxo as tf


def test_tf1_script_preamble_runs():
    tf.disable_v2_behavior()
    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.disable_v2_behavior()
    assert tf.executing_eagerly() is False
    tf.logging.set_verbosity(tf.logging.ERROR)
    assert tf.logging.get_verbosity() == tf.logging.ERROR


def test_eager_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="eager execution is not supported"):
        tf.enable_eager_execution()
