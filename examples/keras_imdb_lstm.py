"""Keras' IMDB sentiment LSTM (Embedding with mask_zero + LSTM + sigmoid), on synthetic
reviews: integer word ids of varying length, padded with 0 by ``pad_sequences``. A review is
positive when it holds more "positive" words (ids 2-11) than "negative" ones (ids 12-21),
amid neutral words, so the model has to count along the sequence; the padding is masked.

    python examples/keras_imdb_lstm.py --epochs 4
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras

MAX_FEATURES, MAXLEN = 2000, 80  # vocabulary size; reviews cut to the last 80 words


def make_reviews(n: int, seed: int) -> tuple[list, np.ndarray]:
    """``n`` reviews (lists of ids, 10 to 120 words) and their 0/1 labels."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], np.empty(n, np.float32)
    for i in range(n):
        length = int(rng.integers(10, 121))
        words = rng.integers(22, MAX_FEATURES, length)
        pos, neg = rng.multinomial(int(rng.integers(2, 8)), [0.5, 0.5])
        if pos == neg:
            pos += 1
        slots = rng.choice(length, size=min(pos + neg, length), replace=False)
        kinds = np.r_[rng.integers(2, 12, pos), rng.integers(12, 22, neg)][:len(slots)]
        words[slots] = kinds
        reviews.append(words.tolist())
        labels[i] = float(np.sum(kinds < 12) > np.sum(kinds >= 12))
    return reviews, labels


def build_model() -> keras.Model:
    model = keras.Sequential([
        keras.layers.Embedding(MAX_FEATURES, 32, mask_zero=True, input_length=MAXLEN),
        keras.layers.LSTM(32, dropout=0.1),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main(epochs: int = 4, n_train: int = 6000, n_test: int = 2000, verbose: int = 2) -> float:
    """Trains and returns the test accuracy."""
    tf.random.set_seed(0)
    (x_train, y_train), (x_test, y_test) = [make_reviews(n, seed) for n, seed in
                                            ((n_train, 1), (n_test, 2))]
    pad = keras.preprocessing.sequence.pad_sequences
    x_train, x_test = pad(x_train, maxlen=MAXLEN), pad(x_test, maxlen=MAXLEN)
    model = build_model()
    model.summary()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_test, y_test),
              verbose=verbose)
    _, acc = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
    print(f"Test accuracy: {acc:.4f}")
    return float(acc)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--n-train", type=int, default=6000)
    a = p.parse_args()
    main(a.epochs, a.n_train)
