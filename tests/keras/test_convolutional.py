"""Keras convolution and pooling layers: summary() shapes and parameter counts as Keras prints
them, values against the tf.nn ops, channels_first, training, and the input errors."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import Sequential, layers

RNG = np.random.default_rng(0)


def summary_lines(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines


def test_mnist_cnn_summary_as_keras_prints_it():
    # the Keras examples' mnist_cnn.py; Keras prints these shapes and 1,199,882 parameters
    m = Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(0.25), layers.Flatten(), layers.Dense(128, activation="relu"),
        layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    text = "\n".join(summary_lines(m))
    for line in ["conv2d (Conv2D)              (None, 26, 26, 32)        320",
                 "conv2d_1 (Conv2D)            (None, 24, 24, 64)        18496",
                 "max_pooling2d (MaxPooling2D) (None, 12, 12, 64)        0",
                 "flatten (Flatten)            (None, 9216)              0",
                 "dense (Dense)                (None, 128)               1179776",
                 "Total params: 1,199,882"]:
        assert line in text, text


# (layer, input shape (no batch), expected output shape, parameters)
CASES = [
    (lambda: layers.Conv2D(4, 3, strides=2, padding="same"), (7, 6, 3), (4, 3, 4), 112),
    (lambda: layers.Conv2D(4, (3, 2), dilation_rate=2), (7, 6, 3), (3, 4, 4), 76),
    (lambda: layers.Conv1D(5, 3, padding="causal", dilation_rate=2), (9, 2), (9, 5), 35),
    (lambda: layers.Conv1D(5, 4, strides=2), (9, 2), (3, 5), 45),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, padding="same"), (4, 5, 3), (8, 10, 4),
     112),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2), (4, 5, 3), (9, 11, 4), 112),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1),
     (4, 5, 3), (8, 10, 2), 56),
    (lambda: layers.SeparableConv2D(6, 3, depth_multiplier=2, padding="same"), (5, 5, 3),
     (5, 5, 6), 96),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), (5, 5, 3), (3, 3, 6), 60),
    (lambda: layers.MaxPooling2D(), (7, 6, 3), (3, 3, 3), 0),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (7, 6, 3), (4, 3, 3), 0),
    (lambda: layers.AveragePooling2D((2, 3)), (7, 6, 3), (3, 2, 3), 0),
    (lambda: layers.MaxPooling1D(), (9, 2), (4, 2), 0),
    (lambda: layers.AveragePooling1D(3, strides=1, padding="same"), (9, 2), (9, 2), 0),
    (lambda: layers.GlobalAveragePooling2D(), (7, 6, 3), (3,), 0),
    (lambda: layers.GlobalMaxPooling2D(keepdims=True), (7, 6, 3), (1, 1, 3), 0),
    (lambda: layers.GlobalAveragePooling1D(), (9, 2), (2,), 0),
    (lambda: layers.GlobalMaxPooling1D(), (9, 2), (2,), 0),
    (lambda: layers.UpSampling2D((2, 3)), (4, 5, 3), (8, 15, 3), 0),
    (lambda: layers.UpSampling2D(interpolation="bilinear"), (4, 5, 3), (8, 10, 3), 0),
    (lambda: layers.ZeroPadding2D(((1, 2), (0, 3))), (4, 5, 3), (7, 8, 3), 0),
    (lambda: layers.Cropping2D(((1, 0), (2, 1))), (4, 5, 3), (3, 2, 3), 0),
    (lambda: layers.SpatialDropout2D(0.5), (4, 5, 3), (4, 5, 3), 0),
]
IDS = [f"{i}" for i in range(len(CASES))]


@pytest.mark.parametrize("make, shape, out, params", CASES, ids=IDS)
def test_output_shapes_and_parameter_counts(make, shape, out, params):
    # (the layer harness of tests/keras/test_layers.py checks configs, training and files)
    layer = make()
    m = Sequential([layers.InputLayer(input_shape=shape), layer])
    assert m.output_shape == (None, *out)
    assert layer.compute_output_shape((None, *shape)) == (None, *out)
    assert layer.count_params() == params
    y = m.predict(RNG.standard_normal((2, *shape)).astype(np.float32))
    assert y.shape == (2, *out) and y.dtype == np.float32


def test_keras_spellings():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.Convolution2D is layers.Conv2D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D


def test_conv2d_is_tf_nn_conv2d_plus_bias():
    layer = layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu",
                          bias_initializer="ones")
    m = Sequential([layers.InputLayer(input_shape=(7, 6, 3)), layer])
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 4) and bias.shape == (4,)
    with tf.Session() as sess:
        want = sess.run(tf.nn.relu(tf.nn.conv2d(x, kernel, [1, 2, 1, 1], "SAME") + bias))
    np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)


def test_channels_first_equals_channels_last():
    x = RNG.standard_normal((2, 6, 5, 3)).astype(np.float32)
    for make in (lambda f: layers.Conv2D(4, 3, padding="same", data_format=f),
                 lambda f: layers.Conv2DTranspose(2, 3, strides=2, data_format=f),
                 lambda f: layers.SeparableConv2D(2, 3, data_format=f),
                 lambda f: layers.DepthwiseConv2D(3, data_format=f),
                 lambda f: layers.MaxPooling2D(data_format=f),
                 lambda f: layers.AveragePooling2D(data_format=f),
                 lambda f: layers.GlobalAveragePooling2D(data_format=f),
                 lambda f: layers.UpSampling2D(data_format=f),
                 lambda f: layers.ZeroPadding2D(1, data_format=f),
                 lambda f: layers.Cropping2D(1, data_format=f)):
        last, first = make("channels_last"), make("channels_first")
        a = Sequential([layers.InputLayer(input_shape=(6, 5, 3)), last])
        b = Sequential([layers.InputLayer(input_shape=(3, 6, 5)), first])
        b.set_weights(a.get_weights())
        ya, yb = a.predict(x), b.predict(x.transpose(0, 3, 1, 2))
        if ya.ndim == 4:
            yb = yb.transpose(0, 2, 3, 1)
        np.testing.assert_allclose(yb, ya, rtol=1e-5, atol=1e-6, err_msg=type(last).__name__)


def test_upsampling_nearest_repeats_pixels():
    x = np.arange(4.0, dtype=np.float32).reshape(1, 2, 2, 1)
    m = Sequential([layers.UpSampling2D((2, 3), input_shape=(2, 2, 1))])
    np.testing.assert_array_equal(m.predict(x)[0, :, :, 0],
                                  np.repeat(np.repeat([[0, 1], [2, 3]], 2, 0), 3, 1))


def test_spatial_dropout_drops_whole_feature_maps():
    x = np.ones((4, 5, 5, 8), np.float32)
    layer = layers.SpatialDropout2D(0.5, input_shape=(5, 5, 8))
    m = Sequential([layer])
    with tf.Session() as sess:
        y = sess.run(layer(tf.constant(x), training=True))
    per_map = y.reshape(4, 25, 8)
    assert ((per_map == 0).all(1) | (per_map == 2).all(1)).all()
    np.testing.assert_array_equal(m.predict(x), x)


def test_small_cnn_trains():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 8, 8, 1)).astype(np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(np.int64)
    m = Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                    layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2, activation="softmax")])
    m.compile(tf.keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    first = m.evaluate(x, y, verbose=0)[0]
    m.fit(x, y, epochs=40, batch_size=16, verbose=0)
    loss, acc = m.evaluate(x, y, verbose=0)
    assert loss < first / 3 and acc > 0.9


def test_input_errors():
    with pytest.raises(ValueError, match=r"Input 0 of layer 'conv2d' \(Conv2D\) is incompatible "
                                         r"with the layer: expected ndim=4, found ndim=3. Full "
                                         r"shape received: \(None, 28, 28\)"):
        Sequential([layers.Conv2D(2, 3, input_shape=(28, 28))])
    with pytest.raises(ValueError, match=r"The channel dimension of the inputs to layer "
                                         r"'conv2d_1' \(Conv2D\) should be defined"):
        layers.Conv2D(2, 3)(tf.placeholder(tf.float32, [None, 5, 5, None]))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=2"):
        Sequential([layers.MaxPooling2D(input_shape=(3,))])
    with pytest.raises(ValueError, match=r"The `padding` argument must be one of 'valid', "
                                         r"'same'. Received: 'full'"):
        layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match=r"The `kernel_size` argument must be a tuple of 2 "
                                         r"integers. Received: \(3, 3, 3\)"):
        layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match=r"Expected a strictly positive value. Received "
                                         r"filters=0"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"The `data_format` argument must be one of"):
        layers.MaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError, match=r"the filter \(3 wide in dimension H\) is larger"):
        Sequential([layers.Conv2D(2, 3, input_shape=(2, 2, 1))])
    with pytest.raises(ValueError, match=r"Cropping \(\(2, 2\), \(0, 0\)\) leaves nothing"):
        Sequential([layers.Cropping2D(((2, 2), (0, 0)), input_shape=(4, 4, 1))])
    conv = layers.Conv2D(2, 3)
    conv(tf.placeholder(tf.float32, [None, 5, 5, 3]))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        conv(tf.placeholder(tf.float32, [None, 5, 5, 4]))
