"""BatchNormalization (tf.layers.BatchNormalization subclasses it): one FusedBatchNorm op."""

from __future__ import annotations

from ...framework.ops import get_default_graph
from ...ops import array_ops as A
from ...ops import control_flow_ops, state_ops
from ...ops import nn_ops as N
from .. import backend as K
from .. import initializers, regularizers
from ..engine import Layer
from .core import _dims_str


class BatchNormalization(Layer):
    """Normalizes each feature (along ``axis``) with the batch's mean and variance while
    training, and with their moving averages (non-trainable weights) otherwise.

    Training adds the moving-average updates (``layer.updates``; Keras' ``fit`` runs them, and
    tf.layers puts them in ``UPDATE_OPS``). The moving variance follows the batch's biased
    variance, as TF1's layers and Keras do. With a tensor flag (the learning phase) the two
    modes are the branches of a ``tf.cond``: inference computes no batch statistics.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                 virtual_batch_size=None, adjustment=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm or virtual_batch_size or adjustment:
            raise NotImplementedError("BatchNormalization: renorm, virtual_batch_size and "
                                      "adjustment are not supported")
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise NotImplementedError(f"BatchNormalization normalizes along one axis, got "
                                          f"axis={list(axis)} (layer {self.name!r})")
            axis = axis[0]
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape) -> None:
        if input_shape is None:
            raise ValueError(f"Input to BatchNormalization (layer {self.name!r}) has undefined "
                             f"rank")
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Invalid axis {self.axis} for input of shape "
                             f"{_dims_str(input_shape)} (layer {self.name!r})")
        axis = self.axis % len(input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             f"dimension but the layer {self.name!r} received an input with "
                             f"shape {_dims_str(input_shape)}.")
        self._axis, self._ndim = axis, len(input_shape)
        shape = (dim,)
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight("moving_variance", shape, trainable=False,
                                               initializer=self.moving_variance_initializer)
        self.built = True

    def _check_input(self, xs) -> None:
        if self.built and xs[0].shape.ndims is not None and xs[0].shape.ndims != self._ndim:
            raise ValueError(f"Input 0 of layer {self.name!r} (BatchNormalization) is "
                             f"incompatible with the layer: expected ndim={self._ndim}, found "
                             f"ndim={xs[0].shape.ndims}")

    def _fused(self, x, training: bool):
        """(outputs, mean, variance): the batch's statistics or the moving ones."""
        n = self.moving_mean.shape.as_list()
        scale = self.gamma if self.gamma is not None else A.ones(n, x.dtype)
        offset = self.beta if self.beta is not None else A.zeros(n, x.dtype)
        if not training:
            y, _, _ = N.fused_batch_norm(x, scale, offset, self.moving_mean,
                                         self.moving_variance, self.epsilon, axis=self._axis,
                                         is_training=False)
            return y, self.moving_mean, self.moving_variance
        y, mean, var = N.fused_batch_norm(x, scale, offset, epsilon=self.epsilon,
                                          axis=self._axis)
        # The op's variance is unbiased (count / (count - 1)); the moving average follows the
        # biased one, as TF1's layers did.
        count = A.cast(A.size(x), var.dtype) / float(n[0])
        return y, mean, var * ((count - 1.0) / count)

    def call(self, inputs, training=None):
        flag = K.training_flag(training, inputs.graph)
        if flag is False:
            return self._fused(inputs, False)[0]
        if flag is True:
            y, mean, var = self._fused(inputs, True)
        else:
            y, mean, var = control_flow_ops.cond(flag, lambda: self._fused(inputs, True),
                                                 lambda: self._fused(inputs, False))
        # moving -= (moving - batch) * (1 - momentum). Under a tensor flag at inference the cond
        # returns the moving statistics themselves, so running the update changes nothing.
        decay = 1.0 - self.momentum
        with get_default_graph().name_scope("AssignMovingAvg"):
            self.add_update([state_ops.assign_sub(v, (v - batch) * decay) for v, batch in
                             ((self.moving_mean, mean), (self.moving_variance, var))])
        return y

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
                   center=self.center, scale=self.scale,
                   beta_initializer=initializers.serialize(self.beta_initializer),
                   gamma_initializer=initializers.serialize(self.gamma_initializer),
                   moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                   moving_variance_initializer=initializers.serialize(
                       self.moving_variance_initializer),
                   beta_regularizer=regularizers.serialize(self.beta_regularizer),
                   gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
                   beta_constraint=None, gamma_constraint=None)
        return cfg
