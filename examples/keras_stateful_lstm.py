"""Keras' stateful LSTM example: predict the next value of a damped cosine, one time step per
sample. ``stateful=True`` carries each LSTM's state from one batch to the next (the batch size
is fixed by ``batch_size=``), fit runs one epoch at a time without shuffling, and
``reset_states()`` starts every epoch from zero states.

    python examples/keras_stateful_lstm.py --epochs 25
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras

TSTEPS, BATCH_SIZE, LAHEAD = 1, 25, 1


def gen_cosine_amp(amp=100, period=1000, x0=0, xn=50000, step=1, k=0.0001) -> np.ndarray:
    """A cosine of amplitude ``amp`` decaying as exp(-k * t), shaped (n, 1, 1)."""
    cos = np.zeros(((xn - x0) * step, 1, 1), np.float32)
    for i in range(len(cos)):
        idx = x0 + i * step
        cos[i, 0, 0] = amp * np.cos(2 * np.pi * idx / period) * np.exp(-k * idx)
    return cos


def main(epochs: int = 25, xn: int = 50000, verbose: int = 2) -> float:
    """Trains; returns the last epoch's mean squared error relative to the target's
    variance (0 = perfect, 1 = no better than the mean)."""
    tf.random.set_seed(0)
    cos = gen_cosine_amp(xn=xn)
    expected = np.zeros((len(cos), 1), np.float32)
    for i in range(len(cos) - LAHEAD):
        expected[i, 0] = np.mean(cos[i + 1:i + LAHEAD + 1])
    model = keras.Sequential([
        keras.layers.LSTM(50, input_shape=(TSTEPS, 1), batch_size=BATCH_SIZE,
                          return_sequences=True, stateful=True),
        keras.layers.LSTM(50, return_sequences=False, stateful=True),
        keras.layers.Dense(1),
    ])
    model.compile(loss="mse", optimizer="rmsprop")
    model.summary()
    mse = float("nan")
    for i in range(epochs):
        if verbose:
            print("Epoch", i + 1, "/", epochs)
        hist = model.fit(cos, expected, batch_size=BATCH_SIZE, epochs=1, verbose=verbose,
                         shuffle=False)
        mse = float(hist.history["loss"][-1])
        model.reset_states()
    predicted = model.predict(cos, batch_size=BATCH_SIZE)
    model.reset_states()
    rel = float(np.mean((predicted - expected) ** 2) / np.var(expected))
    print(f"Last epoch MSE {mse:.3f}; prediction MSE / target variance {rel:.4f}")
    return rel


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--xn", type=int, default=50000, help="length of the series")
    a = p.parse_args()
    main(a.epochs, a.xn)
