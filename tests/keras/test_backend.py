"""keras.backend (K): the functions Keras 2 programs call, against NumPy."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4)).astype(np.float32)
Y = RNG.normal(size=(3, 4)).astype(np.float32)
B3 = RNG.normal(size=(2, 3, 4)).astype(np.float32)
C3 = RNG.normal(size=(2, 4, 5)).astype(np.float32)

CASES = {
    "mean": (lambda: K.mean(X, axis=1), X.mean(1)),
    "mean_bool": (lambda: K.mean(K.greater(X, 0.0)), (X > 0).mean()),
    "sum_keepdims": (lambda: K.sum(X, axis=0, keepdims=True), X.sum(0, keepdims=True)),
    "prod": (lambda: K.prod(X, axis=1), X.prod(1)),
    "max": (lambda: K.max(X), X.max()),
    "min": (lambda: K.min(X, axis=0), X.min(0)),
    "std": (lambda: K.std(X, axis=1), X.std(1)),
    "var": (lambda: K.var(X), X.var()),
    "any": (lambda: K.any(K.greater(X, 1.0), axis=1), (X > 1).any(1)),
    "all": (lambda: K.all(K.greater(X, -5.0)), True),
    "logsumexp": (lambda: K.logsumexp(X, axis=1), np.log(np.exp(X).sum(1))),
    "square": (lambda: K.square(X), X ** 2),
    "sqrt_clips_negatives": (lambda: K.sqrt(X), np.sqrt(np.maximum(X, 0))),
    "exp": (lambda: K.exp(X), np.exp(X)),
    "log": (lambda: K.log(K.abs(X)), np.log(np.abs(X))),
    "maximum": (lambda: K.maximum(X, Y), np.maximum(X, Y)),
    "minimum": (lambda: K.minimum(X, 0.0), np.minimum(X, 0)),
    "clip": (lambda: K.clip(X, -0.5, 0.5), np.clip(X, -0.5, 0.5)),
    "clip_none": (lambda: K.clip(X, None, 0.0), np.minimum(X, 0)),
    "pow": (lambda: K.pow(K.abs(X), 3.0), np.abs(X) ** 3),
    "dot": (lambda: K.dot(X, Y.T), X @ Y.T),
    "dot_rank3": (lambda: K.dot(B3, Y.T), B3 @ Y.T),
    "dot_rank3_rank3": (lambda: K.dot(B3, C3), np.einsum("abk,ckd->abcd", B3, C3)),
    "batch_dot_vectors": (lambda: K.batch_dot(X, Y, axes=1), (X * Y).sum(1, keepdims=True)),
    "batch_dot_matrices": (lambda: K.batch_dot(B3, C3, axes=(2, 1)), B3 @ C3),
    "batch_dot_transposed": (lambda: K.batch_dot(B3, B3, axes=(2, 2)),
                             B3 @ B3.transpose(0, 2, 1)),
    "batch_dot_matrix_vector": (lambda: K.batch_dot(B3, X[:2], axes=(2, 1)),
                                np.einsum("bnk,bk->bn", B3, X[:2])),
    "transpose": (lambda: K.transpose(X), X.T),
    "permute_dimensions": (lambda: K.permute_dimensions(B3, (0, 2, 1)), B3.transpose(0, 2, 1)),
    "reshape": (lambda: K.reshape(X, (2, 6)), X.reshape(2, 6)),
    "expand_dims": (lambda: K.expand_dims(X), X[..., None]),
    "squeeze": (lambda: K.squeeze(X[:, :1], 1), X[:, 0]),
    "concatenate": (lambda: K.concatenate([X, Y]), np.concatenate([X, Y], -1)),
    "stack": (lambda: K.stack([X, Y], axis=1), np.stack([X, Y], 1)),
    "tile": (lambda: K.tile(X, (2, 1)), np.tile(X, (2, 1))),
    "repeat_elements": (lambda: K.repeat_elements(X, 2, axis=1), np.repeat(X, 2, 1)),
    "repeat": (lambda: K.repeat(X, 2), np.repeat(X[:, None], 2, 1)),
    "batch_flatten": (lambda: K.batch_flatten(B3), B3.reshape(2, -1)),
    "flatten": (lambda: K.flatten(X), X.ravel()),
    "shape": (lambda: K.shape(B3), [2, 3, 4]),
    "cast": (lambda: K.cast(X > 0, "float32"), (X > 0).astype(np.float32)),
    "equal": (lambda: K.equal(K.argmax(X), K.argmax(Y)), X.argmax(-1) == Y.argmax(-1)),
    "argmin": (lambda: K.argmin(X, axis=0), X.argmin(0)),
    "one_hot": (lambda: K.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]]),
    "gather": (lambda: K.gather(X, [2, 0]), X[[2, 0]]),
    "cumsum": (lambda: K.cumsum(X, axis=1), X.cumsum(1)),
    "switch_scalar": (lambda: K.switch(K.constant(True, "bool"), X, Y), X),
    "switch_elementwise": (lambda: K.switch(K.greater(X[:, 0], 0.0), X, Y),
                           np.where(X[:, :1] > 0, X, Y)),
    "stop_gradient": (lambda: K.stop_gradient(X), X),
    "l2_normalize": (lambda: K.l2_normalize(X, axis=1),
                     X / np.linalg.norm(X, axis=1, keepdims=True)),
    "categorical_crossentropy": (
        lambda: K.categorical_crossentropy(np.eye(4, dtype=np.float32)[[0, 1, 2]],
                                           K.softmax(X)),
        -np.log(np.exp(X) / np.exp(X).sum(1, keepdims=True))[[0, 1, 2], [0, 1, 2]]),
    "sparse_categorical_crossentropy": (
        lambda: K.sparse_categorical_crossentropy(np.array([0, 1, 2]), X, from_logits=True),
        -np.log(np.exp(X) / np.exp(X).sum(1, keepdims=True))[[0, 1, 2], [0, 1, 2]]),
    "binary_crossentropy": (
        lambda: K.binary_crossentropy(np.float32(1.0) * (X > 0), K.sigmoid(Y)),
        -np.where(X > 0, np.log(1 / (1 + np.exp(-Y))), np.log(1 - 1 / (1 + np.exp(-Y))))),
    "constant": (lambda: K.constant([1, 2]), [1.0, 2.0]),
    "arange": (lambda: K.arange(2, 8, 2), [2, 4, 6]),
    "reverse": (lambda: K.reverse(X, 1), X[:, ::-1]),
    "map_fn": (lambda: K.map_fn(lambda r: r * 2.0, X), X * 2),
    "foldl": (lambda: K.foldl(lambda a, r: a + r, X), X.sum(0)),
    "conv2d": (lambda: K.conv2d(X.reshape(1, 3, 4, 1), np.ones((2, 2, 1, 1), np.float32)),
               np.array([[X[i:i + 2, j:j + 2].sum() for j in range(3)]
                         for i in range(2)])[None, ..., None]),
    "conv1d": (lambda: K.conv1d(X[None, :, :1], np.ones((2, 1, 1), np.float32)),
               (X[:-1, 0] + X[1:, 0])[None, :, None]),
    "pool2d_max": (lambda: K.pool2d(X.reshape(1, 3, 4, 1), (1, 2), (1, 2)),
                   X.reshape(3, 2, 2).max(-1)[None, ..., None]),
    "pool2d_avg": (lambda: K.pool2d(X.reshape(1, 3, 4, 1), (1, 2), (1, 2), pool_mode="avg"),
                   X.reshape(3, 2, 2).mean(-1)[None, ..., None]),
    "bias_add": (lambda: K.bias_add(X, np.arange(4, dtype=np.float32)), X + np.arange(4)),
    "batch_normalization": (
        lambda: K.batch_normalization(X, X.mean(0), X.var(0), np.zeros(4, np.float32),
                                      np.ones(4, np.float32), epsilon=0.0),
        (X - X.mean(0)) / X.std(0)),
    "zeros_like": (lambda: K.zeros_like(X), np.zeros_like(X)),
    "ones_like": (lambda: K.ones_like(X), np.ones_like(X)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backend_function_against_numpy(name):
    fn, expected = CASES[name]
    np.testing.assert_allclose(K.eval(fn()), expected, rtol=1e-4, atol=1e-5)


def test_backend_function_names():
    for name in ("mean", "sum", "square", "sqrt", "exp", "log", "abs", "maximum", "minimum",
                 "clip", "pow", "dot", "batch_dot", "transpose", "reshape", "expand_dims",
                 "squeeze", "concatenate", "stack", "shape", "int_shape", "ndim", "cast",
                 "equal", "argmax", "one_hot", "random_normal", "random_uniform", "epsilon",
                 "floatx", "set_floatx", "variable", "placeholder", "constant", "zeros", "ones",
                 "get_value", "set_value", "batch_get_value", "batch_set_value", "gradients",
                 "function", "learning_phase", "set_learning_phase", "in_train_phase",
                 "switch", "stop_gradient", "l2_normalize", "categorical_crossentropy",
                 "image_data_format", "get_session", "set_session"):
        assert callable(getattr(K, name)), name


def test_channels_first_is_refused():
    with pytest.raises(ValueError, match="channels_last' only"):
        K.conv2d(X.reshape(1, 1, 3, 4), np.ones((1, 1, 4, 1), np.float32),
                 data_format="channels_first")


def test_unknown_backend_function_is_a_clear_error():
    with pytest.raises(AttributeError, match=r"no attribute 'meen'.*Did you mean mean"):
        K.meen  # noqa: B018


def test_variables_values_and_function_with_updates():
    v = K.variable(np.ones((2, 2)), name="v")
    z, o = K.zeros((2,)), K.ones((3,))
    assert K.int_shape(v) == (2, 2) and K.ndim(v) == 2 and K.dtype(v) == "float32"
    np.testing.assert_array_equal(K.batch_get_value([z, o])[1], np.ones(3))
    K.set_value(v, np.full((2, 2), 3.0))
    K.batch_set_value([(z, [5.0, 6.0])])
    assert K.get_value(z).tolist() == [5.0, 6.0]
    x = K.placeholder(shape=(None, 2))
    f = K.function([x], [K.dot(x, v)], updates=[K.update_add(z, [1.0, 1.0])])
    out = f([np.ones((1, 2))])
    np.testing.assert_allclose(out[0], [[6.0, 6.0]])
    assert K.get_value(z).tolist() == [6.0, 7.0]
    with pytest.raises(ValueError, match="takes 1 input"):
        f([])


def test_gradients_and_random():
    x = K.variable([1.0, 2.0])
    (g,) = K.gradients(K.sum(K.square(x)), [x])
    np.testing.assert_allclose(K.eval(g), [2.0, 4.0])
    r = K.eval(K.random_uniform((1000,), -1.0, 1.0, seed=1))
    assert r.min() >= -1 and r.max() < 1 and r.dtype == np.float32
    n = K.eval(K.random_normal((2000,), 1.0, 2.0, seed=1))
    assert abs(n.mean() - 1.0) < 0.2 and abs(n.std() - 2.0) < 0.2


def test_learning_phase_in_a_function_and_set_learning_phase():
    x = K.placeholder(shape=(None, 3))
    y = K.in_train_phase(x * 2.0, x)
    f = K.function([x, K.learning_phase()], [y])
    np.testing.assert_allclose(f([np.ones((1, 3)), 1])[0], [[2.0] * 3])
    np.testing.assert_allclose(f([np.ones((1, 3)), 0])[0], [[1.0] * 3])
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    np.testing.assert_allclose(K.eval(K.in_train_phase(K.constant(2.0), K.constant(1.0))), 2.0)
    with pytest.raises(ValueError, match="0 or 1"):
        K.set_learning_phase(2)
    K.clear_session()
    assert not isinstance(K.learning_phase(), int)


def test_fixed_learning_phase_still_trains():
    K.set_learning_phase(0)
    model = tf.keras.Sequential([tf.keras.layers.Dropout(0.5, input_shape=(2,)),
                                 tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    np.testing.assert_allclose(model.predict(np.ones((1, 2))), model.predict(np.ones((1, 2))))


def test_floatx_epsilon_and_image_data_format():
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    assert K.image_data_format() == "channels_last"
    K.set_floatx("float64")
    try:
        assert K.variable(1.0).dtype.name == "float64"
    finally:
        K.set_floatx("float32")
    with pytest.raises(ValueError, match="Unknown floatx"):
        K.set_floatx("int8")
