"""Merge layers, noise layers, advanced activations, Permute, initializers and constraints:
values against NumPy and the errors users hit (the harness in test_layers.py does the rest)."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import Input, Model, Sequential, constraints, initializers, layers
from tensorfluxo.keras import backend as K

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 3)).astype(np.float32)
B = RNG.normal(size=(4, 3)).astype(np.float32)
C = RNG.normal(size=(4, 3)).astype(np.float32)


@pytest.mark.parametrize("fn,ref", [
    (layers.add, lambda a, b, c: a + b + c), (layers.multiply, lambda a, b, c: a * b * c),
    (layers.average, lambda a, b, c: (a + b + c) / 3),
    (layers.maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (layers.minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
    (layers.concatenate, lambda a, b, c: np.concatenate([a, b, c], -1))])
def test_functional_merges_against_numpy(fn, ref):
    xs = [Input(shape=(3,)) for _ in range(3)]
    model = Model(xs, fn(xs))
    np.testing.assert_allclose(model.predict([A, B, C]), ref(A, B, C), rtol=1e-6)


def test_subtract_dot_and_broadcast():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    model = Model([a, b], [layers.subtract([a, b]), layers.dot([a, b], axes=1),
                           layers.dot([a, b], axes=1, normalize=True)])
    diff, d, cos = model.predict([A, B])
    np.testing.assert_allclose(diff, A - B, rtol=1e-6)
    np.testing.assert_allclose(d, (A * B).sum(1, keepdims=True), rtol=1e-5)
    cosine = (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(cos[:, 0], cosine, rtol=1e-5)
    m, v = Input(shape=(2, 3)), Input(shape=(3,))
    out = Model([m, v], layers.add([m, v])).predict([np.ones((4, 2, 3)), A])
    np.testing.assert_allclose(out, np.ones((4, 2, 3)) + A[:, None, :], rtol=1e-6)


def test_merge_errors_name_the_layer_and_shapes():
    a, b = Input(shape=(3,)), Input(shape=(4,))
    with pytest.raises(ValueError, match=r"Operands could not be broadcast together with "
                                         r"shapes \(None, 3\) \(None, 4\) \(layer 'add'"):
        layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"at least 2 inputs. Got 1 input"):
        layers.Multiply()([a])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, a, a])
    with pytest.raises(ValueError, match=r"matching shapes except for the concatenation axis"
                                         r".*\(None, 3\)', '\(None, 2, 4\)'"):
        layers.Concatenate()([a, Input(shape=(2, 4))])
    with pytest.raises(ValueError, match=r"Dimension incompatibility 3 != 4. Layer shapes: "
                                         r"\(None, 3\), \(None, 4\) \(layer 'dot'"):
        layers.Dot(axes=1)([a, b])


def test_noise_layers_are_identity_in_inference_and_noisy_in_training():
    x = Input(shape=(200,))
    outs = [layers.GaussianNoise(1.0)(x), layers.GaussianDropout(0.5)(x),
            layers.AlphaDropout(0.5)(x)]
    model = Model(x, outs)
    data = np.ones((50, 200), np.float32)
    for o in model.predict(data):
        np.testing.assert_array_equal(o, data)
    f = K.function([x, K.learning_phase()], outs)
    noise, gdrop, adrop = f([data, 1])
    assert abs(noise.std() - 1.0) < 0.05 and abs(gdrop.std() - 1.0) < 0.05
    assert abs(gdrop.mean() - 1.0) < 0.05
    # alpha dropout keeps zero mean / unit variance of standardized inputs
    z = RNG.normal(size=(50, 200)).astype(np.float32)
    az = f([z, 1])[2]
    assert abs(az.mean()) < 0.05 and abs(az.std() - 1.0) < 0.05
    assert len(np.unique(adrop.round(4))) == 2
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        layers.AlphaDropout(1.5)


def test_advanced_activations_against_numpy():
    x = Input(shape=(3,))
    prelu = layers.PReLU(alpha_initializer=initializers.Constant(0.25))
    model = Model(x, [layers.ELU(0.5)(x), layers.ThresholdedReLU(0.3)(x), prelu(x),
                      layers.Permute((1,))(x)])
    elu, thr, pr, same = model.predict(A)
    np.testing.assert_allclose(elu, np.where(A > 0, A, 0.5 * (np.exp(A) - 1)), rtol=1e-5)
    np.testing.assert_allclose(thr, np.where(A > 0.3, A, 0), rtol=1e-6)
    np.testing.assert_allclose(pr, np.where(A > 0, A, 0.25 * A), rtol=1e-6)
    np.testing.assert_array_equal(same, A)
    with pytest.raises(ValueError, match="cannot be negative"):
        layers.ThresholdedReLU(-1)
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        layers.Permute((0, 1))


def test_permute_and_activity_regularization():
    x = Input(shape=(2, 3))
    y = layers.Permute((2, 1))(x)
    assert y.shape.as_list() == [None, 3, 2]
    v = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    np.testing.assert_array_equal(Model(x, y).predict(v), v.transpose(0, 2, 1))
    z = Input(shape=(3,))
    model = Model(z, layers.ActivityRegularization(l1=0.5)(z))
    assert len(model.losses) == 1
    model.compile("sgd", "mse")
    loss = model.evaluate(np.ones((2, 3)), np.ones((2, 3)), verbose=0)
    assert loss == pytest.approx(0.5 * 6)


def test_identity_orthogonal_and_variance_scaling_initializers():
    eye = K.eval(initializers.Identity(gain=2.0)((3, 3)))
    np.testing.assert_array_equal(eye, 2 * np.eye(3))
    tf.set_random_seed(1)
    q = K.eval(initializers.get("orthogonal")((6, 4)))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    w = K.eval(initializers.Orthogonal(gain=3.0)((3, 2, 5)))
    np.testing.assert_allclose(w.reshape(6, 5).T @ w.reshape(6, 5), 9 * np.eye(5), atol=1e-4)
    for mode, n in (("fan_in", 400), ("fan_out", 100), ("fan_avg", 250)):
        init = initializers.VarianceScaling(2.0, mode=mode, distribution="uniform", seed=1)
        assert abs(K.eval(init((400, 100))).var() - 2.0 / n) < 0.1 * 2.0 / n
    with pytest.raises(ValueError, match="only be used for 2D"):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="Invalid `mode`"):
        initializers.VarianceScaling(mode="fan_sum")


@pytest.mark.parametrize("constraint,check", [
    (constraints.max_norm(0.5), lambda k: np.linalg.norm(k, axis=0).max() <= 0.5 + 1e-5),
    (constraints.non_neg(), lambda k: k.min() >= 0),
    (constraints.unit_norm(), lambda k: np.allclose(np.linalg.norm(k, axis=0), 1, atol=1e-5)),
    (constraints.MinMaxNorm(1.0, 2.0), lambda k: np.all(
        (np.linalg.norm(k, axis=0) >= 1 - 1e-5) & (np.linalg.norm(k, axis=0) <= 2 + 1e-5)))])
def test_constraints_apply_after_each_step(constraint, check):
    model = Sequential([layers.Dense(4, input_shape=(3,), kernel_constraint=constraint,
                                     kernel_initializer=initializers.RandomNormal(0, 3.0))])
    model.compile(tf.keras.optimizers.SGD(0.5), "mse")
    assert not check(model.get_weights()[0])  # the initial kernel breaks the constraint
    model.fit(A, np.ones((4, 4)) * 5, epochs=2, verbose=0)
    assert check(model.get_weights()[0])
    cfg = model.layers[0].get_config()["kernel_constraint"]
    assert cfg["class_name"] == type(constraint).__name__
    assert constraints.get(cfg).get_config() == constraint.get_config()


def test_constraint_errors():
    with pytest.raises(ValueError, match="Unknown constraint: 'nonneg'"):
        constraints.get("nonneg")
