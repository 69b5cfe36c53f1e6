"""Keras fit/evaluate/predict on tf.data datasets, generators and keras.utils.Sequence."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo import keras


def _data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    return X, y


def _model():
    tf.set_random_seed(1)
    m = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
              metrics=["accuracy"])
    return m


def test_fit_on_a_dataset_matches_fit_on_the_same_batches():
    X, y = _data()
    a = _model()
    ha = a.fit(X, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    wa = a.get_weights()
    keras.backend.clear_session()
    b = _model()
    ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(32)
    hb = b.fit(ds, epochs=3, verbose=0)
    for u, v in zip(wa, b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)
    assert hb.history["accuracy"][-1] > 0.85
    assert b.evaluate(ds, verbose=0)[1] > 0.85
    assert b.predict(ds.map(lambda x, y: x)).shape == (256, 1)


def test_steps_per_epoch_validation_dataset_and_a_repeated_dataset():
    X, y = _data()
    m = _model()
    train = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(256, seed=1).batch(32).repeat()
    val = tf.data.Dataset.from_tensor_slices((X[:64], y[:64])).batch(32)
    h = m.fit(train, steps_per_epoch=8, epochs=2, validation_data=val, validation_steps=2,
              verbose=0)
    assert set(h.history) >= {"loss", "val_loss", "val_accuracy"} and len(h.history["loss"]) == 2


def test_generators_and_keras2_spellings():
    X, y = _data()

    def gen():
        while True:
            for i in range(0, 256, 32):
                yield X[i:i + 32], y[i:i + 32]
    m = _model()
    h = m.fit_generator(gen(), steps_per_epoch=8, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert len(m.evaluate_generator(gen(), steps=2)) == 2
    assert m.predict_generator(((X[i:i + 32],) for i in range(0, 64, 32)), steps=2).shape == \
        (64, 1)


def test_a_sequence_is_read_in_full_each_epoch_with_on_epoch_end():
    X, y = _data(96)

    class Seq(keras.utils.Sequence):
        epochs = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X[32 * i:32 * (i + 1)], y[32 * i:32 * (i + 1)]

        def on_epoch_end(self):
            Seq.epochs += 1
    m = _model()
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    m.fit(Seq(), epochs=2, verbose=0, callbacks=[cb], workers=2, use_multiprocessing=False)
    assert Seq.epochs == 2 and seen == [0, 1, 2, 0, 1, 2]


def test_bad_combinations_are_refused():
    X, y = _data()
    m = _model()
    ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(32)
    with pytest.raises(ValueError, match="`y` argument is not supported when using a dataset"):
        m.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split is only supported for arrays"):
        m.fit(ds, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch is for datasets"):
        m.fit(X, y, steps_per_epoch=3, verbose=0)
    with pytest.raises(ValueError, match="yielded no batches"):
        m.fit(ds.take(0), verbose=0)
    with pytest.warns(UserWarning, match="ran out of data after 8 of 20 steps"):
        m.fit(iter([(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]),
              steps_per_epoch=20, epochs=2, verbose=0)
