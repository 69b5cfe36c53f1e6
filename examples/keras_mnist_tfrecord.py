"""A Keras MNIST model trained from a TFRecord file: write the images as tf.train.Example
records, read them back with TFRecordDataset + parse_single_example + decode_raw, fit on the
dataset, and compare with the same model fit on the arrays.

    python examples/keras_mnist_tfrecord.py --epochs 3
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import tensorfluxo as tf
from tensorfluxo import keras


def write_tfrecord(path: str, images: np.ndarray, labels: np.ndarray) -> None:
    with tf.io.TFRecordWriter(path) as w:
        for img, label in zip(images, labels):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[img.tobytes()])),
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
            }))
            w.write(ex.SerializeToString())


def parse(record):
    f = tf.io.parse_single_example(record, {"image": tf.io.FixedLenFeature([], tf.string),
                                            "label": tf.io.FixedLenFeature([], tf.int64)})
    image = tf.cast(tf.io.decode_raw(f["image"], tf.uint8), tf.float32) / 255.0
    return tf.reshape(image, [784]), f["label"]


def model():
    tf.set_random_seed(7)
    m = keras.Sequential([keras.layers.Dense(128, activation="relu", input_shape=(784,)),
                          keras.layers.Dense(10, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def main(epochs: int = 3, n_train: int | None = None) -> tuple[float, float]:
    (X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
    if n_train:
        X_train, y_train = X_train[:n_train], y_train[:n_train]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mnist_train.tfrecord")
        write_tfrecord(path, X_train, y_train)
        ds = tf.data.TFRecordDataset(path).map(parse).shuffle(10000, seed=1).batch(32)
        from_file = model()
        from_file.fit(ds, epochs=epochs, verbose=2)
        acc_file = from_file.evaluate(X_test.reshape(-1, 784) / 255.0, y_test, verbose=0)[1]
    keras.backend.clear_session()
    from_arrays = model()
    from_arrays.fit(X_train.reshape(-1, 784) / 255.0, y_train, epochs=epochs, batch_size=32,
                    verbose=2)
    acc_arrays = from_arrays.evaluate(X_test.reshape(-1, 784) / 255.0, y_test, verbose=0)[1]
    print(f"test accuracy: from the TFRecord file {acc_file:.4f}, from arrays {acc_arrays:.4f}")
    return acc_file, acc_arrays


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3)
    main(p.parse_args().epochs)
