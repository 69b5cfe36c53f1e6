"""tf.layers and tf.contrib.layers convolution and pooling: TF1 variable and op names, shapes,
reuse, and the same values as the tf.nn ops."""

import numpy as np
import pytest

import tensorfluxo as tf

RNG = np.random.default_rng(0)


def test_tf1_deep_mnist_layers_names_and_shapes():
    X = tf.placeholder(tf.float32, [None, 28, 28, 1])
    c1 = tf.layers.conv2d(X, filters=32, kernel_size=[5, 5], padding="same",
                          activation=tf.nn.relu)
    p1 = tf.layers.max_pooling2d(c1, pool_size=[2, 2], strides=2)
    c2 = tf.layers.conv2d(p1, 64, 5, padding="same", activation=tf.nn.relu, name="conv_b")
    p2 = tf.layers.average_pooling2d(c2, 2, 2)
    flat = tf.layers.flatten(p2)
    assert [v.name for v in tf.global_variables()] == [
        "conv2d/kernel:0", "conv2d/bias:0", "conv_b/kernel:0", "conv_b/bias:0"]
    assert tf.global_variables()[0].shape.as_list() == [5, 5, 1, 32]
    assert c1.op.name == "conv2d/Relu" and c1.shape.as_list() == [None, 28, 28, 32]
    assert p1.shape.as_list() == [None, 14, 14, 32] and p1.op.type == "MaxPool"
    assert p2.shape.as_list() == [None, 7, 7, 64] and flat.shape.as_list() == [None, 3136]


def test_other_layers_and_class_forms():
    X = tf.placeholder(tf.float32, [None, 8, 8, 3])
    t = tf.layers.conv2d_transpose(X, 4, 3, strides=2, padding="same")
    s = tf.layers.separable_conv2d(X, 5, 3, depth_multiplier=2)
    seq = tf.placeholder(tf.float32, [None, 10, 2])
    c = tf.layers.conv1d(seq, 6, 3)
    m = tf.layers.max_pooling1d(c, 2, 2)
    a = tf.layers.average_pooling1d(c, 2, 1)
    assert t.shape.as_list() == [None, 16, 16, 4] and s.shape.as_list() == [None, 6, 6, 5]
    assert c.shape.as_list() == [None, 8, 6] and m.shape.as_list() == [None, 4, 6]
    assert a.shape.as_list() == [None, 7, 6]
    assert {v.name for v in tf.global_variables()} == {
        "conv2d_transpose/kernel:0", "conv2d_transpose/bias:0",
        "separable_conv2d/depthwise_kernel:0", "separable_conv2d/pointwise_kernel:0",
        "separable_conv2d/bias:0", "conv1d/kernel:0", "conv1d/bias:0"}
    layer = tf.layers.Conv2D(2, 3, name="shared")
    y1, _ = layer(X), layer(X)
    pool = tf.layers.MaxPooling2D(2, 2)
    assert len(tf.global_variables()) == 9 and pool(y1).shape.as_list() == [None, 3, 3, 2]
    assert isinstance(layer, tf.keras.layers.Conv2D)


def test_reuse_and_values():
    x = RNG.standard_normal((2, 6, 6, 3)).astype(np.float32)
    X = tf.placeholder(tf.float32, [None, 6, 6, 3])
    with tf.variable_scope("net"):
        y = tf.layers.conv2d(X, 4, 3, strides=2, padding="same", name="c")
    with tf.variable_scope("net", reuse=True):
        y2 = tf.layers.conv2d(X, 4, 3, strides=2, padding="same", name="c")
    assert len(tf.global_variables()) == 2
    k, b = tf.global_variables()
    ref = tf.nn.bias_add(tf.nn.conv2d(X, k, [1, 2, 2, 1], "SAME"), b)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, a2, r = sess.run([y, y2, ref], {X: x})
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_allclose(a, r, rtol=1e-6)


def test_contrib_layers_names():
    X = tf.placeholder(tf.float32, [None, 28, 28, 1])
    h = tf.contrib.layers.conv2d(X, 32, [5, 5], scope="conv1")
    h = tf.contrib.layers.max_pool2d(h, [2, 2])
    h = tf.contrib.layers.conv2d(h, 16, 3, normalizer_fn=None)
    h = tf.contrib.layers.avg_pool2d(h, 2, stride=1, padding="SAME")
    t = tf.contrib.layers.conv2d_transpose(h, 4, 3, stride=2)
    assert [v.name for v in tf.global_variables()] == [
        "conv1/weights:0", "conv1/biases:0", "Conv/weights:0", "Conv/biases:0",
        "Conv2d_transpose/weights:0", "Conv2d_transpose/biases:0"]
    assert h.shape.as_list() == [None, 14, 14, 16] and t.shape.as_list() == [None, 28, 28, 4]
    assert t.op.type == "Relu"  # contrib's default activation
    assert len(tf.get_collection(tf.GraphKeys.WEIGHTS)) == 3


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'conv2d' \(Conv2D\) is incompatible "
                                         r"with the layer: expected ndim=4, found ndim=3"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 28, 28]), 2, 3)
    with pytest.raises(ValueError, match=r"The `padding` argument must be one of 'valid', "
                                         r"'same'. Received: 'full'"):
        tf.layers.max_pooling2d(tf.placeholder(tf.float32, [None, 4, 4, 1]), 2, 2, "full")
