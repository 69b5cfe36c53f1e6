import numpy as np
import pytest

import tensorfluxo as tf


def test_pad_sequences_pre_and_post():
    pad = tf.keras.preprocessing.sequence.pad_sequences
    out = pad([[1, 2], [3], [4, 5, 6, 7]], maxlen=3)
    np.testing.assert_array_equal(out, [[0, 1, 2], [0, 0, 3], [5, 6, 7]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(pad([[1, 2], [3]], padding="post", truncating="post",
                                      value=-1), [[1, 2], [3, -1]])
    np.testing.assert_array_equal(pad([[4, 5, 6]], maxlen=2, truncating="post"), [[4, 5]])
    with pytest.raises(ValueError, match='padding type "middle" not understood'):
        pad([[1]], padding="middle")
