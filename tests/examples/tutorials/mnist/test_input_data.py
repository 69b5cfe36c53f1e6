import numpy as np
import pytest

from tensorfluxo.examples.tutorials.mnist import input_data
from tensorfluxo.keras.datasets import mnist


@pytest.fixture(scope="module")
def sets():
    return input_data.read_data_sets("MNIST_data")


def test_splits_sizes_dtypes_and_ranges(sets):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for split, n in ((sets.train, 55000), (sets.validation, 5000), (sets.test, 10000)):
        assert split.num_examples == n and split.epochs_completed == 0
        assert split.images.shape == (n, 784) and split.images.dtype == np.float32
        assert split.images.min() == 0.0 and split.images.max() == 1.0
        assert split.labels.shape == (n,) and split.labels.dtype == np.uint8
    # TF's split: the validation set is the first 5,000 training images.
    np.testing.assert_array_equal(sets.validation.labels, y_train[:5000])
    np.testing.assert_allclose(sets.validation.images[0], x_train[0].reshape(784) / 255.0,
                               rtol=1e-6)
    np.testing.assert_array_equal(sets.test.labels, y_test)
    assert np.bincount(sets.train.labels).tolist() == np.bincount(y_train[5000:]).tolist()


def test_one_hot_labels():
    sets = input_data.read_data_sets("MNIST_data", one_hot=True, validation_size=100)
    labels = sets.train.labels
    assert labels.shape == (59900, 10) and labels.dtype == np.float64
    assert np.all(labels.sum(axis=1) == 1.0)
    (_, y_train), _ = mnist.load_data()
    np.testing.assert_array_equal(labels.argmax(axis=1), y_train[100:])
    x, y = sets.train.next_batch(50)
    assert x.shape == (50, 784) and y.shape == (50, 10)


def test_uint8_unreshaped_and_tf_dtype_objects():
    class FakeDType:  # what tf.uint8 offers
        as_numpy_dtype = np.uint8

    sets = input_data.read_data_sets("MNIST_data", dtype=FakeDType(), reshape=False)
    assert sets.test.images.shape == (10000, 28, 28, 1) and sets.test.images.dtype == np.uint8
    assert sets.test.images.max() == 255


def test_train_dir_stays_untouched(tmp_path):
    input_data.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=0)
    assert not (tmp_path / "MNIST_data").exists()


def test_bad_arguments_are_reported():
    with pytest.raises(ValueError, match="Validation size should be between 0 and 60000. "
                                         "Received: 60001."):
        input_data.read_data_sets("MNIST_data", validation_size=60001)
    with pytest.raises(TypeError, match="Invalid image dtype float64, expected uint8 or float32"):
        input_data.read_data_sets("MNIST_data", dtype=np.float64)
    with pytest.raises(ValueError, match=r"images.shape: \(3, 2, 2\) labels.shape: \(2,\)"):
        input_data.DataSet(np.zeros((3, 2, 2), np.uint8), np.zeros(2, np.uint8))


def _ids_dataset(n=10, seed=0, dtype=np.uint8):
    # Images whose single pixel is the example's id, so batches show which examples they hold.
    images = np.arange(n, dtype=np.uint8).reshape(n, 1, 1)
    return input_data.DataSet(images, np.arange(n, dtype=np.uint8), dtype=dtype, seed=seed)


def test_next_batch_covers_each_epoch_exactly_once_and_wraps():
    ds = _ids_dataset()
    batches = [ds.next_batch(3) for _ in range(3)]
    assert ds.epochs_completed == 0
    crossing_x, crossing_y = ds.next_batch(3)  # 1 left in epoch 1, 2 from epoch 2
    assert ds.epochs_completed == 1
    first_epoch = np.concatenate([y for _, y in batches] + [crossing_y[:1]])
    assert sorted(first_epoch.tolist()) == list(range(10))
    assert first_epoch.tolist() != list(range(10))  # shuffled
    for x, y in batches + [(crossing_x, crossing_y)]:
        np.testing.assert_array_equal(x[:, 0], y)  # images and labels stay aligned
    rest = [ds.next_batch(4)[1] for _ in range(2)]  # 2 + 8 = the rest of epoch 2
    second_epoch = np.concatenate([crossing_y[1:], *rest])
    assert sorted(second_epoch.tolist()) == list(range(10)) and ds.epochs_completed == 1


def test_epoch_ending_on_a_batch_boundary():
    ds = _ids_dataset()
    ys = [ds.next_batch(5)[1] for _ in range(2)]
    assert sorted(np.concatenate(ys).tolist()) == list(range(10))
    assert ds.epochs_completed == 0  # counted when the next batch starts the new epoch
    _, y = ds.next_batch(5)
    assert ds.epochs_completed == 1 and len(set(y.tolist())) == 5


def test_full_epoch_of_mnist_training_set(sets):
    ds = input_data.DataSet(np.zeros((55000, 1, 1), np.uint8), np.arange(55000), seed=3)
    seen = np.concatenate([ds.next_batch(50)[1] for _ in range(1100)])
    assert sorted(seen.tolist()) == list(range(55000)) and ds.epochs_completed == 0


def test_no_shuffle_keeps_order_and_seed_repeats():
    ds = _ids_dataset()
    got = np.concatenate([ds.next_batch(4, shuffle=False)[1] for _ in range(3)])
    assert got.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    a, b = _ids_dataset(seed=7), _ids_dataset(seed=7)
    for _ in range(5):
        np.testing.assert_array_equal(a.next_batch(3)[1], b.next_batch(3)[1])


def test_bad_batch_size():
    with pytest.raises(ValueError, match=r"batch_size must be between 1 and num_examples \(10\), "
                                         "got 11"):
        _ids_dataset().next_batch(11)
    with pytest.raises(ValueError, match="got 0"):
        _ids_dataset().next_batch(0)


def test_fake_data_in_tf1_positional_order():
    sets = input_data.read_data_sets("MNIST_data", True, True)  # (dir, fake_data, one_hot)
    assert sets.train.num_examples == 10000
    x, y = sets.train.next_batch(5)
    assert x.shape == (5, 784) and x.dtype == np.float32 and np.all(x == 1)
    np.testing.assert_array_equal(y, np.eye(10)[[0] * 5])
    _, y = input_data.read_data_sets("MNIST_data", fake_data=True).test.next_batch(3)
    np.testing.assert_array_equal(y, [0, 0, 0])


def test_next_batch_takes_fake_data_then_shuffle():
    ds = _ids_dataset()
    x, y = ds.next_batch(4, False, False)  # (batch_size, fake_data, shuffle): TF1's order
    np.testing.assert_array_equal(y, [0, 1, 2, 3])
    x, y = ds.next_batch(2, True)
    assert np.all(x == 1) and list(y) == [0, 0]
