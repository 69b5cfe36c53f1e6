"""A Keras 2.2 program: a siamese network on MNIST pairs, trained with a contrastive loss
written with the backend (K.*). Run it as standalone Keras 2.2 code:

    python -m tensorfluxo.run examples/keras2_mnist_siamese.py [--epochs 20] [--n-train N]

Pairs of images of the same digit should come out close (distance < 0.5), pairs of different
digits far apart (at least the margin, 1). It prints the pair accuracy on the training and
test pairs.
"""

from __future__ import annotations

import argparse

import numpy as np
from keras import backend as K
from keras.datasets import mnist
from keras.layers import Dense, Dropout, Input, Lambda
from keras.models import Model
from keras.optimizers import RMSprop


def euclidean_distance(vectors):
    a, b = vectors
    return K.sqrt(K.maximum(K.sum(K.square(a - b), axis=1, keepdims=True), K.epsilon()))


def contrastive_loss(y_true, y_pred, margin=1.0):
    """Same pair (1): distance²; different pair (0): max(margin - distance, 0)²."""
    return K.mean(y_true * K.square(y_pred) +
                  (1 - y_true) * K.square(K.maximum(margin - y_pred, 0)))


def make_pairs(x, y, rng):
    """Alternating positive and negative pairs, the same number for every digit."""
    by_digit = [np.flatnonzero(y == d) for d in range(10)]
    n = min(len(idx) for idx in by_digit) - 1
    pairs, labels = [], []
    for i in range(n):
        for d in range(10):
            a, b = by_digit[d][i], by_digit[d][i + 1]
            other = (d + rng.integers(1, 10)) % 10
            pairs += [[x[a], x[b]], [x[a], x[by_digit[other][i]]]]
            labels += [1.0, 0.0]
    return np.array(pairs), np.array(labels, dtype="float32")


def base_network(input_shape):
    inp = Input(shape=input_shape)
    x = Dense(128, activation="relu")(inp)
    x = Dropout(0.1)(x)
    x = Dense(128, activation="relu")(x)
    x = Dropout(0.1)(x)
    return Model(inp, Dense(128, activation="relu")(x))


def pair_accuracy(y_true, distances):
    return float(np.mean((distances.ravel() < 0.5) == y_true))


def main(epochs: int = 20, n_train: int | None = None, n_test: int | None = None):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32")[:n_train] / 255
    x_test = x_test.reshape(-1, 784).astype("float32")[:n_test] / 255
    y_train, y_test = y_train[:n_train], y_test[:n_test]
    rng = np.random.default_rng(0)
    tr_pairs, tr_y = make_pairs(x_train, y_train, rng)
    te_pairs, te_y = make_pairs(x_test, y_test, rng)

    base = base_network((784,))
    a, b = Input(shape=(784,)), Input(shape=(784,))
    distance = Lambda(euclidean_distance)([base(a), base(b)])
    model = Model([a, b], distance)
    model.compile(loss=contrastive_loss, optimizer=RMSprop())
    model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y, batch_size=128, epochs=epochs,
              validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y), verbose=2)

    train_acc = pair_accuracy(tr_y, model.predict([tr_pairs[:, 0], tr_pairs[:, 1]]))
    test_acc = pair_accuracy(te_y, model.predict([te_pairs[:, 0], te_pairs[:, 1]]))
    print(f"* Accuracy on training set: {100 * train_acc:0.2f}%")
    print(f"* Accuracy on test set: {100 * test_acc:0.2f}%")
    return train_acc, test_acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    args = parser.parse_args()
    main(args.epochs, args.n_train, args.n_test)
