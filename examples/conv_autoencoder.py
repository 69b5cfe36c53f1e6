"""A convolutional autoencoder on MNIST (the Keras blog's "Building Autoencoders in Keras"):
Conv2D + MaxPooling2D down to 4x4x8, Conv2D + UpSampling2D back to 28x28, sigmoid output,
binary cross-entropy; a second decoder variant uses Conv2DTranspose. Prints the test
reconstruction error against the mean image's.

    python examples/conv_autoencoder.py --epochs 5
    python examples/conv_autoencoder.py --decoder transpose
"""

from __future__ import annotations

import argparse

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras
from tensorfluxo.keras.layers import Conv2D, Conv2DTranspose, Input, MaxPooling2D, UpSampling2D
from tensorfluxo.keras.models import Model


def build(decoder: str = "upsampling") -> Model:
    input_img = Input(shape=(28, 28, 1))
    x = Conv2D(16, (3, 3), activation="relu", padding="same")(input_img)
    x = MaxPooling2D((2, 2), padding="same")(x)
    x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = MaxPooling2D((2, 2), padding="same")(x)
    x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    encoded = MaxPooling2D((2, 2), padding="same")(x)  # (4, 4, 8)
    if decoder == "upsampling":
        x = Conv2D(8, (3, 3), activation="relu", padding="same")(encoded)
        x = UpSampling2D((2, 2))(x)
        x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
        x = UpSampling2D((2, 2))(x)
        x = Conv2D(16, (3, 3), activation="relu")(x)  # valid: 16 -> 14
        x = UpSampling2D((2, 2))(x)
    else:
        x = Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(encoded)
        x = Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
        x = Conv2D(16, (3, 3), activation="relu")(x)
        x = Conv2DTranspose(16, (3, 3), strides=2, activation="relu", padding="same")(x)
    decoded = Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    autoencoder = Model(input_img, decoded)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def main(epochs: int = 5, n_train: int | None = None, decoder: str = "upsampling",
         verbose: int = 1, n_test: int | None = None,
         batch_size: int = 128) -> tuple[float, float]:
    """Trains; returns (test mean squared reconstruction error, the mean image's error)."""
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    x_train, x_test = x_train[:n_train], x_test[:n_test]
    x_train = x_train.astype("float32").reshape(-1, 28, 28, 1) / 255.0
    x_test = x_test.astype("float32").reshape(-1, 28, 28, 1) / 255.0
    tf.set_random_seed(0)
    autoencoder = build(decoder)
    if verbose:
        autoencoder.summary()
    autoencoder.fit(x_train, x_train, epochs=epochs, batch_size=batch_size, shuffle=True,
                    validation_data=(x_test, x_test) if verbose else None, verbose=verbose)
    decoded = autoencoder.predict(x_test)
    mse = float(np.mean((decoded - x_test) ** 2))
    baseline = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))
    if verbose:
        print(f"test reconstruction MSE {mse:.4f} (the mean image: {baseline:.4f})")
    return mse, baseline


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--train", type=int, default=None)
    p.add_argument("--decoder", choices=["upsampling", "transpose"], default="upsampling")
    a = p.parse_args()
    main(a.epochs, a.train, a.decoder)
