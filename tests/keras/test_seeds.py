"""The Keras programs of seeds 001, 003 and 004, as written (epochs shortened where the
result allows)."""

import numpy as np
import pytest

import tensorfluxo as tf


@pytest.fixture(scope="module")
def circles_1000():
    sklearn = pytest.importorskip("sklearn.datasets")
    return sklearn.make_circles(1000, noise=0.03, random_state=42)


def test_seed_004_circles(circles_1000, capsys):
    X, y = circles_1000
    tf.random.set_seed(42)
    model_1 = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model_1.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                    optimizer=tf.keras.optimizers.SGD(), metrics=['accuracy'])
    model_1.fit(X, y, epochs=5)
    assert capsys.readouterr().out.count("32/32 [==============================]") == 5
    assert model_1.evaluate(X, y)[1] == pytest.approx(0.5, abs=0.05)

    tf.random.set_seed(42)
    model_3 = tf.keras.Sequential([tf.keras.layers.Dense(100, input_shape=(None, 1)),
                                   tf.keras.layers.Dense(10), tf.keras.layers.Dense(1)])
    model_3.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                    optimizer=tf.keras.optimizers.Adam(), metrics=['accuracy'])
    model_3.fit(X, y, epochs=10, verbose=0)
    loss, acc = model_3.evaluate(X, y)
    assert acc == pytest.approx(0.5, abs=0.02) and loss == pytest.approx(0.693, abs=0.01)
    assert len(model_3.predict(X[:3])[0]) > 1  # the seed's plot says "multiclasse"

    X_train, y_train = X[:800], y[:800]
    X_test, y_test = X[800:], y[800:]
    tf.random.set_seed(42)
    model_8 = tf.keras.Sequential([
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(1, activation="sigmoid")])
    model_8.compile(loss=tf.keras.losses.binary_crossentropy,
                    optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
                    metrics=['accuracy'])
    history = model_8.fit(X_train, y_train, epochs=25, verbose=0)
    loss, accuracy = model_8.evaluate(X_test, y_test)
    assert accuracy > 0.8  # seed-dependent init: tf.keras itself ranges ~0.7-1.0
    assert capsys.readouterr().out.splitlines()[-1].startswith("7/7 [=====")
    assert set(history.history) == {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]

    tf.random.set_seed(42)
    model_9 = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                   tf.keras.layers.Dense(4, activation="relu"),
                                   tf.keras.layers.Dense(1, activation="sigmoid")])
    model_9.compile(loss="binary_crossentropy", optimizer="Adam", metrics=["accuracy"])
    lr_scheduler = tf.keras.callbacks.LearningRateScheduler(lambda epoch: 1e-4 * 10**(epoch/20))
    history = model_9.fit(X_train, y_train, epochs=30, verbose=0, callbacks=[lr_scheduler])
    lrs = 1e-4 * (10 ** (np.arange(30)/20))
    np.testing.assert_allclose(history.history["lr"], lrs, rtol=1e-6)


def test_seed_001_mnist_mlp(capsys):
    from tensorfluxo.examples.tutorials.mnist import input_data
    from tensorfluxo.keras.layers import Dense, InputLayer
    from tensorfluxo.keras.models import Sequential
    mnist = input_data.read_data_sets('MNIST_data', one_hot=True)
    n_in, n_out, n_hidden = 784, 10, 128
    mlp = Sequential()
    mlp.add(InputLayer(input_shape=(n_in,)))
    mlp.add(Dense(n_hidden, activation='sigmoid'))
    mlp.add(Dense(n_out, activation='sigmoid'))
    mlp.compile(loss='categorical_crossentropy', metrics=['accuracy'], optimizer='sgd')
    mlp.summary()
    assert "Total params: 101,770" in capsys.readouterr().out
    train_history = mlp.fit(mnist.train.images[::40], mnist.train.labels[::40], batch_size=128,
                            epochs=2, validation_data=[mnist.validation.images[::40],
                                                       mnist.validation.labels[::40]],
                            verbose=0)
    h = train_history.history
    for key in ("acc", "loss", "val_acc", "val_loss"):
        assert len(h[key]) == 2 and isinstance(h[key][-1], float)


def test_seed_003_snippets(circles_1000):
    from sklearn.model_selection import cross_val_score

    from tensorfluxo.keras.callbacks import EarlyStopping
    from tensorfluxo.keras.layers import BatchNormalization, Dense
    from tensorfluxo.keras.models import Sequential
    from tensorfluxo.keras.optimizers import Adam
    from tensorfluxo.keras.utils import to_categorical
    from tensorfluxo.keras.wrappers.scikit_learn import KerasClassifier
    X, y = circles_1000
    X_train, y_train, X_test, y_test = X[:800], y[:800], X[800:], y[800:]

    model = Sequential()
    model.add(Dense(2, activation='relu', input_shape=(3,)))
    model.add(Dense(1))
    model.summary()
    assert to_categorical([0, 2, 1]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]

    model = Sequential([Dense(16, input_shape=(2,), activation='relu'), BatchNormalization(),
                        Dense(1, activation='sigmoid')])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    initial_weights = model.get_weights()
    early_stopping = EarlyStopping(monitor='val_loss', patience=5)
    history = model.fit(X_train, y_train, epochs=3, validation_data=(X_test, y_test),
                        callbacks=[early_stopping], verbose=0)
    print(history.history['loss'], history.history['acc'], history.history['val_acc'])
    model.set_weights(initial_weights)
    assert 0 <= model.evaluate(X_test, y_test, verbose=0)[1] <= 1
    with pytest.raises(TypeError, match="metrics are given to compile"):
        model.fit(X_train, y_train, epochs=1, validation_data=(X_test, y_test),
                  metrics=['accuracy'])

    def create_model(learning_rate, activation):
        opt = Adam(lr=learning_rate)
        model = Sequential()
        model.add(Dense(16, input_shape=(2,), activation=activation))
        model.add(Dense(8, activation=activation))
        model.add(Dense(1, activation='sigmoid'))
        model.compile(optimizer=opt, loss='binary_crossentropy', metrics=['accuracy'])
        return model

    with pytest.raises(ValueError, match="Unknown loss function: 'relu'"):
        Sequential([Dense(1, input_shape=(2,))]).compile(optimizer='adam', loss='relu')
    model = KerasClassifier(build_fn=create_model(learning_rate=0.001, activation='relu'),
                            epochs=2, batch_size=128, verbose=0)
    kfold = cross_val_score(model, X, y, cv=3)
    assert kfold.shape == (3,)
