"""The layer harness fails on the mistakes it exists to catch."""

import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import layers
from tensorfluxo.testing.layer_test import layer_test


@pytest.fixture(autouse=True)
def _fresh_keras():
    K.clear_session()
    yield
    K.clear_session()


class WrongShape(layers.Dense):
    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units + 1,)


class ForgetsConfig(layers.Dense):
    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = scale

    def call(self, inputs):
        return super().call(inputs) * self.scale


class Frozen(layers.Layer):
    """A weight with a zero gradient: training leaves it unchanged."""

    def build(self, input_shape):
        self.unused = self.add_weight("unused", (2,))

    def call(self, inputs):
        return inputs * 2.0 + 0.0 * tf.reduce_sum(self.unused)


class Unused(Frozen):
    def call(self, inputs):
        return inputs * 2.0


class BlocksGradient(layers.Layer):
    def call(self, inputs):
        from tensorfluxo.ops.array_ops import stop_gradient
        return stop_gradient(inputs)


@pytest.mark.parametrize("make,message", [
    (lambda: ForgetsConfig(3, scale=3.0), "the clone predicts differently"),
    (lambda: Frozen(), "left the weight frozen/unused:0 unchanged"),
    (lambda: Unused(), r"No gradients provided for some variables: \['unused/unused:0'\]"),
    (lambda: BlocksGradient(), r"No gradients .*\['layer_test_scale/scale:0'\]"),
])
def test_the_harness_catches(make, message):
    with pytest.raises(AssertionError, match=message):
        layer_test(make, (4,))


def test_a_user_layer_contradicting_compute_output_shape_fails_when_called():
    # Keras's own check (a user layer's call against its compute_output_shape) stops it
    # before the harness compares the shapes.
    with pytest.raises(ValueError, match=r"Layer 'wrong_shape' \(WrongShape\): `call` "
                                         r"returned a tensor of shape \(None, 3\), but "
                                         r"`compute_output_shape` gives \(None, 4\)"):
        layer_test(lambda: WrongShape(3), (4,))


def test_a_custom_layer_passes_and_several_inputs():
    model = layer_test(lambda: layers.Lambda(lambda xs: xs[0] * xs[1]), [(3,), (3,)])
    assert len(model.inputs) == 2
