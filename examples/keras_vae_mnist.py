"""A variational autoencoder on MNIST whose loss is added by the model itself (add_loss):
an encoder to a 2-D latent Gaussian, the reparameterization trick in a Lambda layer, a
decoder back to pixels; the loss is the reconstruction cross-entropy plus the KL divergence
to the unit Gaussian, so compile() gets no loss.

    python examples/keras_vae_mnist.py --epochs 30

It prints the test loss (the negative evidence lower bound, in nats per image).
"""

from __future__ import annotations

import argparse

import tensorfluxo as tf
from tensorfluxo import keras
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import layers

LATENT = 2


def sample(args):
    """z = mean + sigma * epsilon: the noise is an input of the graph, so gradients flow to
    the mean and the log-variance."""
    z_mean, z_log_var = args
    eps = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]))
    return z_mean + K.exp(0.5 * z_log_var) * eps


def build(original_dim: int = 784, hidden: int = 512):
    x = keras.Input(shape=(original_dim,), name="encoder_input")
    h = layers.Dense(hidden, activation="relu")(x)
    z_mean = layers.Dense(LATENT, name="z_mean")(h)
    z_log_var = layers.Dense(LATENT, name="z_log_var")(h)
    z = layers.Lambda(sample, name="z")([z_mean, z_log_var])
    decoder_h = layers.Dense(hidden, activation="relu")
    decoder_out = layers.Dense(original_dim, activation="sigmoid")
    x_decoded = decoder_out(decoder_h(z))
    vae = keras.Model(x, x_decoded, name="vae")
    reconstruction = original_dim * keras.losses.binary_crossentropy(x, x_decoded)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(reconstruction + kl))
    vae.compile(optimizer="adam")
    return vae


def main(epochs: int = 30, n_train: int | None = None, batch_size: int = 128) -> float:
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32")[:n_train] / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    tf.set_random_seed(3)
    vae = build()
    vae.fit(x_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, None),
            verbose=2)
    test_loss = float(vae.evaluate(x_test, batch_size=batch_size, verbose=0))
    print(f"test loss (negative ELBO): {test_loss:.2f} nats per image")
    return test_loss


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--n-train", type=int, default=None)
    args = parser.parse_args()
    main(args.epochs, args.n_train)
