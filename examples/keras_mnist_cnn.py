"""The classic Keras MNIST convnet (keras/examples/mnist_cnn.py): two 3x3 convolutions (32, 64),
max-pooling, dropout, a dense layer of 128, Adadelta with learning rate 1.0, batch 128, 12
epochs; about 99.2% test accuracy. The only change from Keras' script: ``import tensorfluxo``.

    python examples/keras_mnist_cnn.py                  # full length
    python examples/keras_mnist_cnn.py --epochs 1 --train 6000
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras
from tensorfluxo.keras import backend as K
from tensorfluxo.keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from tensorfluxo.keras.models import Sequential

batch_size = 128
num_classes = 10
img_rows, img_cols = 28, 28


def main(epochs: int = 12, n_train: int | None = None, n_test: int | None = None,
         verbose: int = 1) -> float:
    """Trains the model; returns its test accuracy (on the first ``n_test`` test images)."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    if K.image_data_format() == "channels_first":
        x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
        x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
        input_shape = (1, img_rows, img_cols)
    else:
        x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
        x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
        input_shape = (img_rows, img_cols, 1)
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    tf.set_random_seed(1)
    np.random.seed(1)
    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=input_shape))
    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation="softmax"))
    if verbose:
        model.summary()
    model.compile(loss=keras.losses.categorical_crossentropy,
                  optimizer=keras.optimizers.Adadelta(lr=1.0), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
              validation_data=(x_test, y_test) if verbose else None)
    score = model.evaluate(x_test, y_test, verbose=0)
    if verbose:
        print("Test loss:", score[0])
        print("Test accuracy:", score[1])
    return float(score[1])


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--train", type=int, default=None, help="use the first N training images")
    a = p.parse_args()
    main(a.epochs, a.train)
