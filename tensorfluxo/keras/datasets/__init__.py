"""tf.keras.datasets: the datasets the tutorials load."""

from tensorfluxo.keras.datasets import mnist as mnist
