"""tf.contrib.layers layer functions: fully_connected, conv2d, conv2d_transpose, max_pool2d,
avg_pool2d, batch_norm, dropout, flatten."""

from __future__ import annotations

from ...framework.ops import (
    GraphKeys,
    add_to_collections,
    control_dependencies,
    convert_to_tensor,
    get_collection_ref,
)
from ...layers.convolutional import AveragePooling2D, Conv2D, Conv2DTranspose, MaxPooling2D
from ...layers.core import Dense, Dropout, Flatten
from ...layers.normalization import BatchNormalization
from ...ops import array_ops, init_ops, math_ops
from ...ops.variable_scope import variable_scope
from ..framework import add_arg_scope
from .initializers import xavier_initializer


def _collect_outputs(outputs, outputs_collections, name):
    if outputs_collections:
        add_to_collections(outputs_collections, outputs)
    return outputs


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=math_ops.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=xavier_initializer(),
                    weights_regularizer=None, biases_initializer=init_ops.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """A dense layer: ``fully_connected(X, 300, scope="hidden1")`` creates
    ``hidden1/weights`` and ``hidden1/biases`` and applies ReLU by default.

    With ``normalizer_fn`` (e.g. batch_norm) there are no biases: the normalizer follows the
    product and the activation comes last."""
    if not isinstance(num_outputs, int) or isinstance(num_outputs, bool) or num_outputs <= 0:
        raise ValueError(f"num_outputs should be a positive int, got {num_outputs!r}")
    inputs = convert_to_tensor(inputs)
    with variable_scope(scope, default_name="fully_connected", reuse=reuse) as sc:
        layer = Dense(num_outputs, None, use_bias=not normalizer_fn and
                      biases_initializer is not None,
                      kernel_initializer=weights_initializer,
                      bias_initializer=biases_initializer, kernel_regularizer=weights_regularizer,
                      bias_regularizer=biases_regularizer, trainable=trainable,
                      _scope=sc)
        return _weighted(layer, inputs, normalizer_fn, normalizer_params, activation_fn,
                         variables_collections, outputs_collections, sc)


def _weighted(layer, inputs, normalizer_fn, normalizer_params, activation_fn,
              variables_collections, outputs_collections, sc):
    """Builds a layer with contrib's variable names (``weights``, ``biases``) and collections,
    then the normalizer and the activation."""
    layer._weight_renames = {"kernel": "weights", "bias": "biases",
                             "depthwise_kernel": "depthwise_weights",
                             "pointwise_kernel": "pointwise_weights"}
    outputs = layer._build_and_call(inputs)
    kernels = [getattr(layer, k, None) for k in ("kernel", "depthwise_kernel",
                                                 "pointwise_kernel")]
    for var, key in [(k, GraphKeys.WEIGHTS) for k in kernels] + [(layer.bias,
                                                                   GraphKeys.BIASES)]:
        if var is not None and var not in get_collection_ref(key):
            add_to_collections([key, GraphKeys.MODEL_VARIABLES] +
                               list(_var_collections(variables_collections, key)), var)
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return _collect_outputs(outputs, outputs_collections, sc.name)


@add_arg_scope
def convolution2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
                  rate=1, activation_fn=math_ops.relu, normalizer_fn=None, normalizer_params=None,
                  weights_initializer=xavier_initializer(), weights_regularizer=None,
                  biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None,
                  reuse=None, variables_collections=None, outputs_collections=None,
                  trainable=True, scope=None):
    """contrib's conv2d: ``conv2d(X, 32, [5, 5], scope="conv1")`` creates ``conv1/weights``
    and ``conv1/biases``, SAME padding and ReLU by default."""
    return _conv("Conv", Conv2D, inputs, num_outputs, kernel_size, stride, padding, data_format,
                 activation_fn, normalizer_fn, normalizer_params, weights_initializer,
                 weights_regularizer, biases_initializer, biases_regularizer, reuse,
                 variables_collections, outputs_collections, trainable, scope,
                 dilation_rate=rate)


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding="SAME",
                            data_format="NHWC", activation_fn=math_ops.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=xavier_initializer(),
                            weights_regularizer=None,
                            biases_initializer=init_ops.zeros_initializer(),
                            biases_regularizer=None, reuse=None, variables_collections=None,
                            outputs_collections=None, trainable=True, scope=None):
    """contrib's conv2d_transpose (``Conv2d_transpose/weights`` [h, w, out, in])."""
    return _conv("Conv2d_transpose", Conv2DTranspose, inputs, num_outputs, kernel_size, stride,
                 padding, data_format, activation_fn, normalizer_fn, normalizer_params,
                 weights_initializer, weights_regularizer, biases_initializer,
                 biases_regularizer, reuse, variables_collections, outputs_collections,
                 trainable, scope)


def _conv(default_name, cls, inputs, num_outputs, kernel_size, stride, padding, data_format,
          activation_fn, normalizer_fn, normalizer_params, weights_initializer,
          weights_regularizer, biases_initializer, biases_regularizer, reuse,
          variables_collections, outputs_collections, trainable, scope, **extra):
    inputs = convert_to_tensor(inputs)
    fmt = "channels_first" if data_format in ("NCHW", "NCW") else "channels_last"
    with variable_scope(scope, default_name=default_name, reuse=reuse) as sc:
        layer = cls(num_outputs, kernel_size, stride, padding.lower(), data_format=fmt,
                    use_bias=not normalizer_fn and biases_initializer is not None,
                    kernel_initializer=weights_initializer, bias_initializer=biases_initializer,
                    kernel_regularizer=weights_regularizer, bias_regularizer=biases_regularizer,
                    trainable=trainable, _scope=sc, **extra)
        return _weighted(layer, inputs, normalizer_fn, normalizer_params, activation_fn,
                         variables_collections, outputs_collections, sc)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    """contrib's max_pool2d: VALID and stride 2 by default."""
    return _pool("MaxPool2D", MaxPooling2D, inputs, kernel_size, stride, padding, data_format,
                 outputs_collections, scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    return _pool("AvgPool2D", AveragePooling2D, inputs, kernel_size, stride, padding,
                 data_format, outputs_collections, scope)


def _pool(default_name, cls, inputs, kernel_size, stride, padding, data_format,
          outputs_collections, scope):
    fmt = "channels_first" if data_format == "NCHW" else "channels_last"
    with variable_scope(scope, default_name=default_name) as sc:
        outputs = cls(kernel_size, stride, padding.lower(), fmt)._build_and_call(
            convert_to_tensor(inputs))
        return _collect_outputs(outputs, outputs_collections, sc.name)


def _var_collections(variables_collections, key):
    if variables_collections is None:
        return []
    if isinstance(variables_collections, dict):
        names = variables_collections.get(key)
        return [] if names is None else names if isinstance(names, list) else [names]
    return list(variables_collections)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001,
               activation_fn=None, param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC", zero_debias_moving_mean=False,
               scope=None, renorm=False, renorm_clipping=None, renorm_decay=0.99,
               adjustment=None):
    """contrib's batch norm (``BatchNorm/beta``, ``BatchNorm/moving_mean``...). The moving
    averages are updated by ops in ``updates_collections``; with ``updates_collections=None``
    they run with the output itself."""
    inputs = convert_to_tensor(inputs)
    inits, regs = param_initializers or {}, param_regularizers or {}
    axis = 1 if data_format.startswith("NC") else -1
    with variable_scope(scope, default_name="BatchNorm", reuse=reuse) as sc:
        layer = BatchNormalization(
            axis=axis, momentum=decay, epsilon=epsilon, center=center, scale=scale,
            beta_initializer=inits.get("beta", init_ops.zeros_initializer()),
            gamma_initializer=inits.get("gamma", init_ops.ones_initializer()),
            moving_mean_initializer=inits.get("moving_mean", init_ops.zeros_initializer()),
            moving_variance_initializer=inits.get("moving_variance",
                                                  init_ops.ones_initializer()),
            beta_regularizer=regs.get("beta"), gamma_regularizer=regs.get("gamma"),
            trainable=trainable, _scope=sc)
        outputs = layer._build_and_call(inputs, training=is_training)
        if layer.updates and updates_collections != GraphKeys.UPDATE_OPS:
            bucket = get_collection_ref(GraphKeys.UPDATE_OPS)
            bucket[:] = [u for u in bucket if all(u is not x for x in layer.updates)]
            if updates_collections is None:
                with control_dependencies(layer.updates):
                    outputs = array_ops.identity(outputs)
            else:
                names = updates_collections if isinstance(updates_collections, (list, tuple)) \
                    else [updates_collections]
                for u in layer.updates:
                    add_to_collections(names, u)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return _collect_outputs(outputs, outputs_collections, sc.name)


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True,
            outputs_collections=None, scope=None, seed=None):
    """Keeps each unit with probability ``keep_prob`` when ``is_training`` (bool or tensor)."""
    with variable_scope(scope, default_name="Dropout"):
        outputs = Dropout(1.0 - keep_prob if isinstance(keep_prob, (int, float))
                          else 1.0 - convert_to_tensor(keep_prob), noise_shape, seed,
                          )._build_and_call(convert_to_tensor(inputs), training=is_training)
        return _collect_outputs(outputs, outputs_collections, None)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """[batch, ...] -> [batch, k]."""
    with variable_scope(scope, default_name="Flatten"):
        outputs = Flatten()._build_and_call(convert_to_tensor(inputs))
        return _collect_outputs(outputs, outputs_collections, None)
