"""An MNIST classifier written as a subclassed tf.keras Model: the layers are attributes,
``call`` says how data flows (dropout only while training), and fit/evaluate/predict work as
for any model; the weights go through save_weights / load_weights.

    python examples/keras_subclassed_mnist.py --epochs 5
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras


class MNISTClassifier(keras.Model):
    def __init__(self, hidden: int = 128, classes: int = 10):
        super().__init__(name="mnist_classifier")
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(hidden, activation="relu")
        self.dropout = keras.layers.Dropout(0.2)
        self.classify = keras.layers.Dense(classes, activation="softmax")

    def call(self, inputs, training=None):
        x = self.hidden(self.flatten(inputs))
        return self.classify(self.dropout(x, training=training))


def main(epochs: int = 5, n_train: int | None = None) -> float:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, x_test = x_train[:n_train] / 255.0, x_test / 255.0
    y_train = y_train[:n_train]
    tf.set_random_seed(1)
    model = MNISTClassifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=2)
    model.summary()
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    with tempfile.TemporaryDirectory() as d:  # the weights into a fresh model
        path = os.path.join(d, "classifier.h5")
        model.save_weights(path)
        copy = MNISTClassifier()
        copy.build((None, 28, 28))
        copy.load_weights(path)
        assert np.array_equal(copy.predict(x_test[:100]), model.predict(x_test[:100]))
    print(f"test accuracy: {acc:.4f}")
    return float(acc)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=None)
    args = parser.parse_args()
    main(args.epochs, args.n_train)
