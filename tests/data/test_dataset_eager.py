"""Datasets in eager mode: ``for x, y in dataset`` gives eager tensors; map functions are traced
as tf.function traces them."""

import numpy as np

import tensorfluxo as tf


def test_iterating_a_pipeline_in_eager_mode(eager):
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    scale = tf.constant(2.0)
    ds = tf.data.Dataset.from_tensor_slices((X, y)).map(lambda a, b: (a * scale, b)) \
        .filter(lambda a, b: tf.equal(b % 2, 0)).batch(2)
    batches = list(ds)
    assert len(batches) == 2
    xb, yb = batches[0]
    assert isinstance(xb, tf.Tensor) and xb.numpy().tolist() == [[0.0, 2.0], [8.0, 10.0]]
    assert yb.numpy().tolist() == [0, 2]
    assert [b.tolist() for _, b in ds.as_numpy_iterator()] == [[0, 2], [4]]


def test_a_map_function_reads_an_eager_variable_live(eager):
    v = tf.Variable(1.0)
    ds = tf.data.Dataset.range(3).map(lambda i: tf.cast(i, tf.float32) + v)
    it = iter(ds)
    first = float(next(it))
    v.assign(10.0)
    assert (first, float(next(it))) == (1.0, 11.0)
