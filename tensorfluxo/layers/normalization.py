"""tf.layers.batch_normalization: Keras' BatchNormalization in a variable scope, its moving
statistics updated through ``UPDATE_OPS``."""

from __future__ import annotations

from ..framework.ops import Tensor
from ..keras.layers import normalization as keras_normalization
from ..ops import init_ops
from .base import Layer


class BatchNormalization(keras_normalization.BatchNormalization, Layer):
    """Batch statistics when ``training``, else the moving averages. Training adds the
    moving-average updates to ``tf.GraphKeys.UPDATE_OPS``; run them with the train op
    (``tf.control_dependencies(tf.get_collection(UPDATE_OPS))``)."""

    def call(self, inputs, training=False):
        return super().call(inputs, training=training)


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
