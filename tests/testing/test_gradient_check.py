import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients, compute_gradient_error


def test_detects_a_wrong_gradient():
    @tf.RegisterGradient("BadSquareTest")
    def _bad(op, dy):
        return [dy]  # should be 2 x dy

    from tensorfluxo.framework.registry import defop
    defop("BadSquareTest", infer=lambda op: (op.inputs[0].dtype, op.inputs[0].shape),
          kernel=np.square)
    from tensorfluxo.framework.ops import apply_op
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_gradients(lambda x: apply_op("BadSquareTest", [x]), [np.array([1.0, 2.0])])


def test_non_contiguous_inputs():
    x = np.arange(6.0).reshape(2, 3).T
    assert compute_gradient_error(lambda a: a * a, [x]) < 1e-6
