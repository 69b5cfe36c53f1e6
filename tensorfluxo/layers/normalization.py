"""tf.layers.batch_normalization with moving statistics updated through UPDATE_OPS."""

from __future__ import annotations

from ..framework.ops import Tensor, name_scope
from ..ops import array_ops, init_ops, nn_ops, state_ops
from ..ops._util import dims
from .base import Layer
from .core import select


class BatchNormalization(Layer):
    """Normalizes over every axis but ``axis``: batch statistics when ``training``, else the
    moving averages. Training adds the moving-average updates to ``tf.GraphKeys.UPDATE_OPS``;
    run them with the train op (``tf.control_dependencies(tf.get_collection(UPDATE_OPS))``)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=init_ops.zeros_initializer(),
                 gamma_initializer=init_ops.ones_initializer(),
                 moving_mean_initializer=init_ops.zeros_initializer(),
                 moving_variance_initializer=init_ops.ones_initializer(),
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 fused=None, trainable=True, virtual_batch_size=None, adjustment=None, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size or adjustment:
            raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and "
                                      "adjustment are not supported")
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise NotImplementedError("batch_normalization supports a single axis")
            axis = axis[0]
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        d = input_shape.as_list() if input_shape.ndims is not None else None
        if d is None:
            raise ValueError(f"Input to '{self.name}' has undefined rank")
        axis = self.axis + len(d) if self.axis < 0 else self.axis
        if not 0 <= axis < len(d):
            raise ValueError(f"Invalid axis {self.axis} for input of shape {input_shape}")
        if d[axis] is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer '{self.name}' received an input with shape "
                             f"{input_shape}")
        self._axis, self._ndim = axis, len(d)
        n = [d[axis]]
        dt = self.dtype if self.dtype is not None and self.dtype.is_floating else None
        if self.scale:
            self.gamma = self.add_weight("gamma", n, dt, self.gamma_initializer,
                                         self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight("beta", n, dt, self.beta_initializer,
                                        self.beta_regularizer)
        self.moving_mean = self.add_weight("moving_mean", n, dt, self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", n, dt,
                                               self.moving_variance_initializer,
                                               trainable=False)

    def call(self, inputs, training=False):
        axes = [i for i in range(self._ndim) if i != self._axis]
        bshape = [1] * self._ndim
        bshape[self._axis] = dims(inputs)[self._axis]

        def b(t):  # broadcast a per-channel vector against the inputs
            return t if self._axis == self._ndim - 1 or t is None else array_ops.reshape(t,
                                                                                      bshape)
        if training is False or training is None:
            mean, var = self.moving_mean, self.moving_variance
        else:
            batch_mean, batch_var = nn_ops.moments(inputs, axes)
            mean = select(training, lambda: batch_mean, lambda: self.moving_mean)
            var = select(training, lambda: batch_var, lambda: self.moving_variance)
            self._add_moving_updates(batch_mean, batch_var, training)
        return nn_ops.batch_normalization(inputs, b(mean), b(var), b(self.beta), b(self.gamma),
                                          self.epsilon)

    def _add_moving_updates(self, batch_mean, batch_var, training) -> None:
        # moving -= (moving - batch) * (1 - momentum); with a tensor flag the step is scaled by
        # the flag, so running the update op at inference changes nothing.
        decay = select(training, lambda: array_ops.constant(1 - self.momentum, self.dtype),
                       lambda: array_ops.constant(0.0, self.dtype))
        for var, value in ((self.moving_mean, batch_mean), (self.moving_variance, batch_var)):
            with name_scope("AssignMovingAvg"):
                self.add_update(state_ops.assign_sub(var, (var - value) * decay))


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=init_ops.zeros_initializer(),
                        gamma_initializer=init_ops.ones_initializer(),
                        moving_mean_initializer=init_ops.zeros_initializer(),
                        moving_variance_initializer=init_ops.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None) -> Tensor:
    """``tf.layers.batch_normalization(h, training=is_training, momentum=0.9)``."""
    layer = BatchNormalization(axis, momentum, epsilon, center, scale, beta_initializer,
                               gamma_initializer, moving_mean_initializer,
                               moving_variance_initializer, beta_regularizer, gamma_regularizer,
                               renorm=renorm, virtual_batch_size=virtual_batch_size,
                               adjustment=adjustment, trainable=trainable, name=name,
                               _reuse=reuse)
    return layer(inputs, training=training)
