import csv

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import Sequential
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import callbacks as C
from tensorfluxo.keras.layers import Dense


def model_for(X):
    tf.random.set_seed(3)
    m = Sequential([Dense(4, activation="relu", input_shape=(2,)),
                    Dense(1, activation="sigmoid")])
    m.compile(tf.keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    return m


def test_all_hooks_called_in_order(circles):
    X, y = circles
    seen = []

    class Spy(C.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *a: seen.append(name)
            return object.__getattribute__(self, name)

    model_for(X).fit(X, y, epochs=2, batch_size=100, verbose=0, callbacks=[Spy()],
                     validation_data=(X, y))
    assert seen[0] == "on_train_begin" and seen[-1] == "on_train_end"
    assert seen.count("on_epoch_begin") == 2 and seen.count("on_train_batch_end") == 4


def test_learning_rate_scheduler_logs_lr(circles):
    X, y = circles
    sched = C.LearningRateScheduler(lambda epoch: 1e-4 * 10 ** (epoch / 20))
    h = model_for(X).fit(X, y, epochs=5, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(h.history["lr"], 1e-4 * 10 ** (np.arange(5) / 20), rtol=1e-6)
    two_args = C.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    m = model_for(X)
    h = m.fit(X, y, epochs=3, verbose=0, callbacks=[two_args])
    np.testing.assert_allclose(h.history["lr"], [0.005, 0.0025, 0.00125], rtol=1e-6)


def test_early_stopping_restores_best(circles):
    X, y = circles
    m = model_for(X)
    losses = iter([1.0, 0.5, 0.7, 0.8, 0.9, 0.1])

    class Fake(C.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(losses)
            self.weights = getattr(self, "weights", []) + [m.get_weights()]

    fake = Fake()
    es = C.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = m.fit(X, y, epochs=6, verbose=0, callbacks=[fake, es])
    assert len(h.history["loss"]) == 4 and es.stopped_epoch == 3
    for a, b in zip(m.get_weights(), fake.weights[1]):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="mode must be"):
        C.EarlyStopping(mode="up")


def test_reduce_lr_on_plateau(circles):
    X, y = circles
    m = model_for(X)
    cb = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    h = m.fit(X, y, epochs=3, verbose=0, callbacks=[cb])
    assert h.history["lr"][0] == pytest.approx(0.01)
    assert K.get_value(m.optimizer.lr) == pytest.approx(0.01 * 0.5 ** 2)


def test_model_checkpoint_csv_logger_lambda(circles, tmp_path):
    X, y = circles
    m = model_for(X)
    path = str(tmp_path / "best.h5")
    ends = []
    cbs = [C.ModelCheckpoint(path, monitor="loss", save_best_only=True),
           C.CSVLogger(str(tmp_path / "log.csv")),
           C.LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch))]
    m.fit(X, y, epochs=3, verbose=0, callbacks=cbs)
    assert ends == [0, 1, 2]
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and set(rows[0]) == {
        "epoch", "loss", "accuracy"}
    loaded = tf.keras.models.load_model(path)
    assert loaded.evaluate(X, y, verbose=0)[0] == pytest.approx(float(rows[-1]["loss"]), rel=0.2)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # diverges on purpose
def test_terminate_on_nan(circles):
    X, y = circles
    m = Sequential([Dense(1, input_shape=(2,))])
    m.compile(tf.keras.optimizers.SGD(1e30), "mse")
    h = m.fit(X, y * 1e20, epochs=5, verbose=0, callbacks=[C.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1


def test_history_dict_aliases():
    h = C.HistoryDict(accuracy=[0.5], val_accuracy=[0.4])
    assert h["acc"] == [0.5] and h["val_acc"] == [0.4] and "acc" in h
    assert dict(h) == {"accuracy": [0.5], "val_accuracy": [0.4]}
    with pytest.raises(KeyError):
        h["auc"]


def test_tensorboard_writes_event_files(circles, tmp_path):
    X, y = circles
    model_for(X).fit(X, y, epochs=2, verbose=0, validation_split=0.2,
                     callbacks=[C.TensorBoard(log_dir=str(tmp_path))])
    assert any((tmp_path / "train").iterdir()) and any((tmp_path / "validation").iterdir())
