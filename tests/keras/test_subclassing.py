"""Subclassed models and layers: attribute-tracked weights, fit/evaluate/predict/summary,
save_weights/load_weights, and the errors Keras gives (summary before build, model.save,
a call contradicting compute_output_shape, forgotten super().__init__())."""

import io

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo import keras
from tensorfluxo.keras import backend as K


class Scale(keras.layers.Layer):
    """A custom layer: build/add_weight/call/get_config/compute_output_shape."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="ones", trainable=True)
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return dict(super().get_config(), units=self.units)


class Residual(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = [keras.layers.Dense(units, activation="relu"), keras.layers.Dense(units)]

    def call(self, x):
        return self.inner[1](self.inner[0](x)) + x


class Classifier(keras.Model):
    def __init__(self, classes=3):
        super().__init__(name="classifier")
        self.embed = keras.layers.Dense(8, kernel_regularizer=keras.regularizers.l2(1e-3))
        self.block = Residual(8)
        self.drop = keras.layers.Dropout(0.1)
        self.head = keras.layers.Dense(classes, activation="softmax")

    def call(self, inputs, training=None):
        x = self.block(self.embed(inputs))
        return self.head(self.drop(x, training=training))


def _data(n=120):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)


def test_custom_layer_in_the_harness():
    from tensorfluxo.testing.layer_test import layer_test
    layer_test(lambda: Scale(3), (4,))


def test_subclassed_model_trains_evaluates_predicts():
    x, y = _data()
    model = Classifier()
    model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.85
    assert model.predict(x[:5]).shape == (5, 3)
    # nested layers (a list attribute inside a layer) are tracked; the regularizer counts
    assert len(model.trainable_weights) == 8 and len(model.losses) == 1
    assert [la.name for la in model.layers] == ["dense", "residual", "dropout", "dense_3"]


def test_summary_before_and_after_build():
    model = Classifier()
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model.summary()
    model.build((None, 4))
    out = io.StringIO()
    model.summary(print_fn=lambda line: out.write(line + "\n"))
    text = out.getvalue()
    assert 'Model: "classifier"' in text and "residual (Residual)" in text
    assert "multiple" in text and "Total params: 211" in text


def test_save_weights_load_weights_and_save_error(tmp_path):
    x, _ = _data(8)
    model = Classifier()
    model.predict(x)
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    other = Classifier()
    other.build((None, 4))
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="does not work for subclassed models"):
        model.save(str(tmp_path / "m.h5"))
    with pytest.raises(NotImplementedError, match="subclassed"):
        model.get_config()


def test_subclassed_model_with_two_inputs_and_nested_model():
    class Inner(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.concat = keras.layers.Concatenate()

        def call(self, inputs):
            a, b = inputs
            return self.concat([self.inner(a), self.inner(b)])

    model = Outer()
    model.compile("sgd", "mse")
    a, b = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)
    model.fit([a, b], np.ones((4, 4)), verbose=0)
    assert model.predict([a, b]).shape == (4, 4)
    assert len(model.weights) == 2  # one Dense shared by both branches


def test_subclassing_errors():
    class Forgot(keras.Model):
        def __init__(self):
            self.d = keras.layers.Dense(2)

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\).__init__\(\)`"):
        Forgot()

    class Liar(Scale):
        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.units + 1)

    with pytest.raises(ValueError, match=r"Layer 'liar' \(Liar\): `call` returned a tensor of "
                                         r"shape \(None, 2\), but `compute_output_shape` gives "
                                         r"\(None, 3\) for the input shape \(None, 4\)"):
        Liar(2)(keras.Input(shape=(4,)))
    with pytest.raises(ValueError, match="provide an `input_shape`"):
        Classifier().build()


def test_add_loss_add_metric_and_compile_without_loss():
    class AutoEncoder(keras.Model):
        def __init__(self):
            super().__init__()
            self.enc = keras.layers.Dense(2)
            self.dec = keras.layers.Dense(4)

        def call(self, x):
            y = self.dec(self.enc(x))
            err = K.mean(K.square(y - x))
            self.add_loss(err)
            self.add_metric(err, name="reconstruction")
            return y

    x, _ = _data()
    model = AutoEncoder()
    model.compile(keras.optimizers.Adam(0.05))
    hist = model.fit(x, epochs=10, batch_size=40, verbose=0)
    assert hist.history["reconstruction"][-1] < hist.history["reconstruction"][0]
    np.testing.assert_allclose(hist.history["loss"], hist.history["reconstruction"], rtol=1e-4)
    logs = model.evaluate(x, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "reconstruction"}


def test_functional_add_loss_with_no_model_loss():
    inp = keras.Input(shape=(3,))
    out = keras.layers.Dense(3)(inp)
    model = keras.Model(inp, out)
    model.add_loss(K.mean(K.abs(out - inp)))
    model.compile("adam")
    model.fit(np.ones((8, 3), np.float32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="add_metric supports aggregation='mean'"):
        model.add_metric(K.mean(out), name="m", aggregation="sum")
    plain = keras.Model(inp, out)
    plain.compile("adam")
    with pytest.raises(ValueError, match="no loss to optimize"):
        plain.fit(np.ones((8, 3), np.float32), verbose=0)


def test_learning_phase_reaches_subclassed_call():
    class Noisy(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, x, training=None):
            return K.in_train_phase(self.d(x) * 0.0, self.d(x), training=training)

    model = Noisy()
    model.compile("sgd", "mse")
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(model.predict(x), [[3.0], [3.0]])
    assert model.train_on_batch(x, np.ones((2, 1))) == pytest.approx(1.0)
    assert tf.keras.backend.get_value(model.d.kernel).sum() == pytest.approx(3.0)


def test_input_spec_of_a_custom_layer():
    class Needs2D(Scale):
        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)
            self.input_spec = keras.layers.InputSpec(ndim=2, axes={-1: 4})

    layer = Needs2D(2)
    layer(keras.Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'needs2d' is incompatible with "
                                         r"the layer: expected ndim=2, found ndim=3. Full "
                                         r"shape received: \(None, 3, 4\)"):
        layer(keras.Input(shape=(3, 4)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(keras.Input(shape=(5,)))


def test_a_subclassed_model_saves_its_own_weights(tmp_path):
    class Affine(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def build(self, input_shape):
            self.shift = self.add_weight("shift", (2,), initializer="random_normal")
            super().build(input_shape)

        def call(self, x):
            return self.d(x) + self.shift

    x = np.ones((3, 4), np.float32)
    model = Affine()
    model.build((None, 4))
    assert len(model.weights) == 3
    model.save_weights(str(tmp_path / "w.h5"))
    other = Affine()
    other.build((None, 4))
    other.load_weights(str(tmp_path / "w.h5"))
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
