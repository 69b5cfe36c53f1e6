import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import initializers, layers
from tensorfluxo.keras.layers import Dense, Input
from tensorfluxo.testing.layer_test import layer_test


def run(t, feed=None):
    return K.get_session(t.graph).run(t, feed)


def init(model_or_layer):
    sess = K.get_session()
    sess.run(tf.global_variables_initializer())
    return sess


def test_dense_weights_names_shapes_and_output():
    x = Input(shape=(3,))
    layer = Dense(4, activation="relu")
    y = layer(x)
    assert [w.name for w in layer.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert y.shape.as_list() == [None, 4]
    assert layer.count_params() == 16
    init(layer)
    k, b = layer.get_weights()
    xv = np.random.rand(5, 3).astype(np.float32)
    np.testing.assert_allclose(run(y, {x: xv}), np.maximum(xv @ k + b, 0), rtol=1e-6)
    assert Dense(2).name == "dense_1"


def test_dense_no_bias_initializers_and_regularizer():
    x = Input(shape=(2,))
    layer = Dense(3, use_bias=False, kernel_initializer="ones",
                  kernel_regularizer=tf.keras.regularizers.l2(0.5))
    layer(x)
    init(layer)
    assert len(layer.weights) == 1
    np.testing.assert_allclose(layer.get_weights()[0], np.ones((2, 3)))
    assert run(layer.losses[0]) == pytest.approx(0.5 * 6)


def test_dense_rank3_input():
    x = Input(shape=(None, 1))
    y = Dense(5)(x)
    assert y.shape.as_list() == [None, None, 5]
    init(None)
    assert run(y, {x: np.ones((2, 3, 1), np.float32)}).shape == (2, 3, 5)


def test_dense_errors():
    with pytest.raises(ValueError, match="positive integer"):
        Dense(0)
    with pytest.raises(TypeError, match="Keyword argument not understood: 'activaton'"):
        Dense(2, activaton="relu")
    with pytest.raises(ValueError, match="Unknown activation function: 'tahn'"):
        Dense(2, activation="tahn")
    layer = Dense(2)
    layer(Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"layer 'dense_2' .*expected axis -1 of input shape "
                                         r"to have value 3, but received input with shape "
                                         r"\(None, 2\)"):
        layer(Input(shape=(2,)))


@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                  "leaky_relu", "softplus", "gelu", "swish"])
def test_activations_against_numpy(name):
    from scipy.special import erf  # noqa: F401 - scikit-learn brings scipy
    xv = np.linspace(-3, 3, 12, dtype=np.float32).reshape(2, 6)
    ref = {
        "linear": xv, "relu": np.maximum(xv, 0), "sigmoid": 1 / (1 + np.exp(-xv)),
        "tanh": np.tanh(xv),
        "softmax": np.exp(xv) / np.exp(xv).sum(1, keepdims=True),
        "elu": np.where(xv > 0, xv, np.exp(xv) - 1),
        "selu": 1.0507009873554805 * np.where(xv > 0, xv, 1.6732632423543772 * (np.exp(xv) - 1)),
        "leaky_relu": np.where(xv > 0, xv, 0.2 * xv), "softplus": np.log1p(np.exp(xv)),
        "gelu": 0.5 * xv * (1 + erf(xv / np.sqrt(2))), "swish": xv / (1 + np.exp(-xv)),
    }[name]
    y = tf.keras.activations.get(name)(tf.constant(xv))
    np.testing.assert_allclose(run(y), ref, rtol=1e-5, atol=2e-3 if name == "gelu" else 1e-6)


def test_dropout_only_in_training():
    x = Input(shape=(1000,))
    y = layers.Dropout(0.5)(x)
    ones = np.ones((2, 1000), np.float32)
    np.testing.assert_array_equal(run(y, {x: ones}), ones)
    out = run(y, {x: ones, K.learning_phase(): True})
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.4 < (out == 0).mean() < 0.6
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_batch_normalization_train_and_inference():
    model = tf.keras.Sequential([layers.BatchNormalization(input_shape=(3,), momentum=0.5)])
    model.compile("sgd", "mse")
    assert [w.name for w in model.non_trainable_weights] == [
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    x = np.random.default_rng(0).normal(2.0, 3.0, (64, 3)).astype(np.float32)
    model.fit(x, np.zeros((64, 3)), batch_size=64, epochs=1, shuffle=False, verbose=0)
    gamma, beta, mean, var = model.get_weights()
    np.testing.assert_allclose(mean, 0.5 * x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(var, 0.5 + 0.5 * x.var(0), rtol=1e-4)
    pred = model.predict(x[:4])
    np.testing.assert_allclose(pred, (x[:4] - mean) / np.sqrt(var + 1e-3) * gamma + beta,
                               rtol=1e-4, atol=1e-5)
    assert model.count_params() == 12


def test_flatten_reshape_activation_leakyrelu_lambda():
    x = Input(shape=(2, 3))
    f = layers.Flatten()(x)
    r = layers.Reshape((3, 2))(f)
    a = layers.Activation("relu")(r)
    lk = layers.LeakyReLU()(r)
    lam = layers.Lambda(lambda t: t * 2.0)(a)
    xv = np.arange(-6, 6, dtype=np.float32).reshape(2, 2, 3)
    assert f.shape.as_list() == [None, 6] and r.shape.as_list() == [None, 3, 2]
    np.testing.assert_array_equal(run(lam, {x: xv}), 2 * np.maximum(xv.reshape(2, 3, 2), 0))
    np.testing.assert_allclose(run(lk, {x: xv}), np.where(xv > 0, xv, 0.3 * xv).reshape(2, 3, 2))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        layers.Reshape((4,))(f)


def _square(t):
    return t * t


# One harness case per Keras layer (tensorfluxo/testing/layer_test.py): shapes, a training step,
# config and weights round trips, .h5 and .keras files.
HARNESS_CASES = {
    "Dense": [(lambda: Dense(3, activation="tanh",
                             kernel_regularizer=tf.keras.regularizers.l1(0.1),
                             activity_regularizer="l2"), (4,)),
              (lambda: Dense(2, use_bias=False), (None, 3))],
    "Dropout": [(lambda: layers.Dropout(0.3), (4,)),
                (lambda: layers.Dropout(0.5, noise_shape=(None, 1, 3), seed=3), (2, 3))],
    "BatchNormalization": [(lambda: layers.BatchNormalization(momentum=0.9), (4,)),
                           (lambda: layers.BatchNormalization(axis=1, center=False), (3, 2))],
    "Activation": [(lambda: layers.Activation("elu"), (4,))],
    "LeakyReLU": [(lambda: layers.LeakyReLU(0.1), (4,))],
    "ReLU": [(lambda: layers.ReLU(max_value=1.0, negative_slope=0.1), (4,))],
    "Softmax": [(lambda: layers.Softmax(axis=1), (3, 2))],
    "Flatten": [(lambda: layers.Flatten(), (2, 3))],
    "Reshape": [(lambda: layers.Reshape((2, 2)), (4,)), (lambda: layers.Reshape((-1, 3)), (6,))],
    "Lambda": [(lambda: layers.Lambda(_square), (4,)),
               (lambda: layers.Lambda(lambda t: t[:, :2] * 2.0), (4,))],
    # merge layers (several inputs: a list of shapes)
    "Add": [(lambda: layers.Add(), [(3,), (3,)]), (lambda: layers.Add(), [(2, 3), (3,)])],
    "Subtract": [(lambda: layers.Subtract(), [(3,), (1,)])],
    "Multiply": [(lambda: layers.Multiply(), [(3,), (3,), (3,)])],
    "Average": [(lambda: layers.Average(), [(2, 3), (2, 3)])],
    "Maximum": [(lambda: layers.Maximum(), [(3,), (3,)])],
    "Minimum": [(lambda: layers.Minimum(), [(3,), (3,)])],
    "Concatenate": [(lambda: layers.Concatenate(), [(3,), (2,)]),
                    (lambda: layers.Concatenate(axis=1), [(2, 3), (4, 3)])],
    "Dot": [(lambda: layers.Dot(axes=1), [(3,), (3,)]),
            (lambda: layers.Dot(axes=(2, 2), normalize=True), [(2, 3), (4, 3)]),
            (lambda: layers.Dot(axes=(1, 1)), [(2, 3), (2, 4)])],
    # shapes, regularization, noise
    "Permute": [(lambda: layers.Permute((2, 1)), (2, 3))],
    "RepeatVector": [(lambda: layers.RepeatVector(3), (2,))],
    "ActivityRegularization": [(lambda: layers.ActivityRegularization(l1=0.1, l2=0.2), (3,))],
    "GaussianNoise": [(lambda: layers.GaussianNoise(0.5), (3,))],
    "GaussianDropout": [(lambda: layers.GaussianDropout(0.3), (3,))],
    "AlphaDropout": [(lambda: layers.AlphaDropout(0.2), (3,)),
                     (lambda: layers.AlphaDropout(0.3, noise_shape=(None, 1, 3)), (2, 3))],
    # advanced activations
    "ELU": [(lambda: layers.ELU(alpha=0.5), (4,))],
    "PReLU": [(lambda: layers.PReLU(alpha_initializer="ones"), (4,)),
              (lambda: layers.PReLU(shared_axes=[1], alpha_constraint="non_neg",
                                   alpha_initializer=initializers.Constant(0.5)), (2, 3))],
    "ThresholdedReLU": [(lambda: layers.ThresholdedReLU(theta=0.5), (4,))],
}

HARNESS_CASES.update({  # convolution and pooling (tests/keras/test_convolutional.py: the rest)
    "Conv1D": [(lambda: layers.Conv1D(3, 2, padding="causal", dilation_rate=2), (5, 2))],
    "Conv2D": [(lambda: layers.Conv2D(2, 3, strides=2, padding="same", activation="relu",
                                      kernel_regularizer="l2"), (5, 4, 2)),
               (lambda: layers.Conv2D(2, (2, 3), data_format="channels_first"), (2, 4, 5))],
    "Conv2DTranspose": [(lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same"),
                         (3, 2, 2))],
    "SeparableConv2D": [(lambda: layers.SeparableConv2D(3, 2, depth_multiplier=2), (4, 4, 2))],
    "DepthwiseConv2D": [(lambda: layers.DepthwiseConv2D(2, padding="same"), (3, 3, 2))],
    "MaxPooling1D": [(lambda: layers.MaxPooling1D(), (4, 2))],
    "AveragePooling1D": [(lambda: layers.AveragePooling1D(2, padding="same"), (5, 2))],
    "MaxPooling2D": [(lambda: layers.MaxPooling2D(), (4, 4, 2))],
    "AveragePooling2D": [(lambda: layers.AveragePooling2D(3, strides=1), (4, 4, 2))],
    "GlobalAveragePooling1D": [(lambda: layers.GlobalAveragePooling1D(), (3, 2))],
    "GlobalMaxPooling1D": [(lambda: layers.GlobalMaxPooling1D(), (3, 2))],
    "GlobalAveragePooling2D": [(lambda: layers.GlobalAveragePooling2D(), (3, 3, 2))],
    "GlobalMaxPooling2D": [(lambda: layers.GlobalMaxPooling2D(keepdims=True), (3, 3, 2))],
    "UpSampling2D": [(lambda: layers.UpSampling2D(), (2, 3, 2)),
                     (lambda: layers.UpSampling2D(interpolation="bilinear"), (2, 3, 2))],
    "ZeroPadding2D": [(lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), (2, 3, 2))],
    "Cropping2D": [(lambda: layers.Cropping2D(((1, 0), (0, 1))), (3, 3, 2))],
    "SpatialDropout2D": [(lambda: layers.SpatialDropout2D(0.3), (2, 2, 4))],
})

_IDS = np.array([[1, 2, 0, 0], [3, 1, 2, 0], [2, 2, 2, 1]], dtype="int32")  # 0: padding

HARNESS_CASES.update({  # embeddings, masking, recurrent (tests/keras/test_recurrent.py: the rest)
    # a third entry: keyword arguments of layer_test (integer ids as input_data)
    "Embedding": [(lambda: layers.Embedding(5, 3, input_length=4), None, {"input_data": _IDS}),
                  (lambda: layers.Embedding(5, 2, mask_zero=True,
                                            embeddings_regularizer="l2"), None,
                   {"input_data": _IDS})],
    "Masking": [(lambda: layers.Masking(mask_value=0.5), (3, 2))],
    "SimpleRNN": [(lambda: layers.SimpleRNN(3, return_sequences=True, kernel_regularizer="l2"),
                   (4, 2))],
    "LSTM": [(lambda: layers.LSTM(3), (4, 2)),
             (lambda: layers.LSTM(2, dropout=0.2, recurrent_dropout=0.3, go_backwards=True,
                                  return_sequences=True, recurrent_constraint="max_norm"),
              (3, 2))],
    "GRU": [(lambda: layers.GRU(3), (4, 2)),
            (lambda: layers.GRU(2, reset_after=False, return_sequences=True, dropout=0.1),
             (3, 2))],
    # the cells run inside an RNN layer
    "RNN": [(lambda: layers.RNN(layers.SimpleRNNCell(2), return_sequences=True), (3, 2))],
    "SimpleRNNCell": [(lambda: layers.RNN(layers.SimpleRNNCell(3, activation="elu")), (3, 2))],
    "LSTMCell": [(lambda: layers.RNN(layers.LSTMCell(3, unit_forget_bias=False)), (3, 2))],
    "GRUCell": [(lambda: layers.RNN(layers.GRUCell(3), go_backwards=True), (3, 2))],
    "StackedRNNCells": [(lambda: layers.RNN(layers.StackedRNNCells(
        [layers.LSTMCell(3), layers.GRUCell(2)])), (3, 2))],
    "Bidirectional": [(lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
                       (3, 2)),
                      (lambda: layers.Bidirectional(layers.GRU(2), merge_mode="ave"), (3, 2))],
    "TimeDistributed": [(lambda: layers.TimeDistributed(layers.Dense(2)), (3, 4))],
})


@pytest.mark.parametrize("name,i", [(n, i) for n, cases in HARNESS_CASES.items()
                                    for i in range(len(cases))])
def test_layer_harness(name, i):
    make, input_shape, *kwargs = HARNESS_CASES[name][i]
    layer_test(make, input_shape, **(kwargs[0] if kwargs else {}))


def test_every_keras_layer_has_a_harness_case():
    untested = {n for n in layers.__all__ if isinstance(getattr(layers, n), type)
                and issubclass(getattr(layers, n), layers.Layer)} - set(HARNESS_CASES)
    # Layer is the base class; InputLayer is every model's first layer in the harness itself.
    assert untested == {"Layer", "InputLayer"}


def test_input_requires_shape():
    with pytest.raises(ValueError, match="either a `shape` or a `batch_shape`"):
        Input()


def test_batch_norm_updates_once_per_step_and_per_model():
    # A Sequential re-calls its layers as it grows, and a shared layer is called by each
    # model: a model runs only the updates its own calls made.
    bn = layers.BatchNormalization(momentum=0.5)
    model = tf.keras.Sequential([Dense(2, input_shape=(3,), kernel_initializer="ones",
                                       use_bias=False), bn, Dense(1)])
    model.compile("sgd", "mse")
    assert len(model.updates) == 2
    model.train_on_batch(np.ones((4, 3), np.float32), np.zeros((4, 1)))
    np.testing.assert_allclose(bn.get_weights()[2], [1.5, 1.5])
    x = Input(shape=(2,))
    other = tf.keras.Model(x, bn(x))
    other.compile("sgd", "mse")
    other.train_on_batch(np.full((4, 2), 3.5, np.float32), np.zeros((4, 2)))
    np.testing.assert_allclose(bn.get_weights()[2], [2.5, 2.5])


def test_predict_runs_only_the_inference_branch():
    # Dropout and batch norm switch on the learning phase with tf.cond: predict draws no mask
    # (the dropout stream is where it was) and computes no batch statistics.
    def model():
        K.clear_session()
        tf.random.set_seed(7)
        m = tf.keras.Sequential([Dense(8, input_shape=(4,)), layers.Dropout(0.5),
                                 layers.BatchNormalization(), Dense(1)])
        m.compile("sgd", "mse")
        return m
    x = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
    y = np.zeros((16, 1), np.float32)
    ran = []
    plain = model()
    plain.train_on_batch(x, y)
    expected = plain.get_weights()
    predicted = model()
    for op in predicted.outputs[0].graph.get_operations():
        if op.type in ("Dropout", "FusedBatchNorm"):
            op.op_def = _recording(op, ran)
    first = predicted.predict(x)
    np.testing.assert_array_equal(predicted.predict(x), first)
    assert [(op.type, op.get_attr("is_training")) for op in ran] == [("FusedBatchNorm", False)] * 2
    predicted.train_on_batch(x, y)  # the same mask as without the predictions
    for a, b in zip(predicted.get_weights(), expected):
        np.testing.assert_array_equal(a, b)


def _recording(op, ran):
    import dataclasses

    od = op.op_def
    if od.bind is not None:
        def bind(o, session):
            run = od.bind(o, session)
            return lambda *args: (ran.append(o), run(*args))[1]
        return dataclasses.replace(od, bind=bind)
    return dataclasses.replace(od, kernel=lambda *args, **kw: (ran.append(op),
                                                               od.kernel(*args, **kw))[1])


def test_in_train_phase_and_training_flag():
    x = tf.constant([1.0, 2.0])
    y = K.in_train_phase(lambda: x * 10.0, x)
    assert run(y).tolist() == [1.0, 2.0]
    assert run(y, {K.learning_phase(): True}).tolist() == [10.0, 20.0]
    assert K.in_train_phase(lambda: x * 10.0, x, training=False) is x
    assert K.training_flag(tf.constant(True)) is True and K.training_flag(0) is False
    assert K.training_flag(None) is K.learning_phase()
