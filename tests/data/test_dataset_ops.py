"""tf.data in graph mode: sources, transformations, iterators, and their errors."""

import collections

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.data import Dataset


def drain(t, sess=None, feed=None, init=None):
    """Every value ``t`` yields until OutOfRangeError."""
    own = sess is None
    sess = sess or tf.Session()
    if init is not None:
        sess.run(init, feed)
    out = []
    try:
        while True:
            out.append(sess.run(t))
    except tf.errors.OutOfRangeError:
        pass
    if own:
        sess.close()
    return out


def test_from_tensor_slices_batches_with_static_shapes():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ds = Dataset.from_tensor_slices((X, y)).batch(4)
    assert ds.output_types == (tf.float32, tf.int64)
    assert [s.as_list() for s in ds.output_shapes] == [[None, 2], [None]]
    xb, yb = ds.make_one_shot_iterator().get_next()
    got = drain([xb, yb])
    assert [len(b[1]) for b in got] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in got]), X)
    assert got[0][0].dtype == np.float32


def test_drop_remainder_makes_the_batch_dimension_static():
    ds = Dataset.range(10).batch(4, drop_remainder=True)
    assert ds.output_shapes.as_list() == [4]
    assert [list(v) for v in drain(ds.make_one_shot_iterator().get_next())] == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_nested_dict_elements_and_zip():
    a = Dataset.from_tensor_slices({"x": np.arange(3.0), "y": np.array([b"a", b"b", b"c"])})
    b = Dataset.range(3)
    el = Dataset.zip((a, b)).make_one_shot_iterator().get_next()
    assert set(el[0]) == {"x", "y"} and el[0]["y"].dtype == tf.string
    got = drain(el)
    assert got[2][0]["y"] == b"c" and got[1][1] == 1 and got[0][0]["x"] == 0.0


def test_map_filter_and_a_captured_placeholder_fed_at_initialization():
    data = tf.placeholder(tf.float32, (None,))
    scale = tf.placeholder(tf.float32, ())
    ds = Dataset.from_tensor_slices(data).map(lambda v: v * scale).filter(lambda v: v > 2.0)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        assert drain(nxt, sess, {data: [1.0, 2.0, 3.0], scale: 2.0}, it.initializer) == \
            [4.0, 6.0]
        # re-initializing with other feeds restarts the pipeline on the new values
        assert drain(nxt, sess, {data: [5.0], scale: 1.0}, it.initializer) == [5.0]


def test_map_reads_variables_live():
    v = tf.Variable(1.0)
    ds = Dataset.range(3).map(lambda i: tf.cast(i, tf.float32) + v)
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(v.initializer)
        first = sess.run(nxt)
        sess.run(v.assign(10.0))
        assert (first, sess.run(nxt)) == (1.0, 11.0)


def test_map_returning_a_tuple_and_a_namedtuple():
    Pair = collections.namedtuple("Pair", "a b")
    ds = Dataset.range(2).map(lambda i: Pair(i, i * 2))
    el = ds.make_one_shot_iterator().get_next()
    assert isinstance(el, Pair)
    assert [tuple(p) for p in drain(el)] == [(0, 0), (1, 2)]
    # tuple elements are unpacked into positional arguments, as TF does
    el = Dataset.zip((Dataset.range(2), Dataset.range(2))).map(lambda a, b: a + b)
    assert drain(el.make_one_shot_iterator().get_next()) == [0, 2]


def test_shuffle_is_a_seeded_permutation_that_reshuffles_each_epoch():
    ds = Dataset.range(50).shuffle(10, seed=3).repeat(2)
    got = drain(ds.make_one_shot_iterator().get_next())
    e1, e2 = got[:50], got[50:]
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != list(range(50)) and e1 != e2
    tf.reset_default_graph()
    again = drain(Dataset.range(50).shuffle(10, seed=3).repeat(2).make_one_shot_iterator()
                  .get_next())
    assert again == got
    # a buffer of 10 moves an element at most ~10 places early
    assert all(v <= i + 10 for i, v in enumerate(e1))


def test_shuffle_without_reshuffling_repeats_the_same_order():
    ds = Dataset.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False).repeat(2)
    got = drain(ds.make_one_shot_iterator().get_next())
    assert got[:20] == got[20:]


def test_lazy_slices_and_materialized_elements_agree():
    X = np.random.default_rng(0).standard_normal((30, 3)).astype(np.float32)
    lazy = Dataset.from_tensor_slices(X).shuffle(8, seed=5).batch(7)
    a = drain(lazy.make_one_shot_iterator().get_next())
    tf.reset_default_graph()
    forced = Dataset.from_tensor_slices(X).map(lambda r: r).shuffle(8, seed=5).batch(7)
    b = drain(forced.make_one_shot_iterator().get_next())
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_take_skip_repeat_concatenate_cache_unbatch():
    r = Dataset.range(5)
    assert drain(r.skip(1).take(3).make_one_shot_iterator().get_next()) == [1, 2, 3]
    assert drain(r.take(2).repeat(3).make_one_shot_iterator().get_next()) == [0, 1] * 3
    assert drain(r.take(2).concatenate(r.skip(4)).make_one_shot_iterator().get_next()) == \
        [0, 1, 4]
    assert drain(r.batch(2).unbatch().make_one_shot_iterator().get_next()) == [0, 1, 2, 3, 4]
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    cached = Dataset.from_generator(gen, tf.int64).cache().repeat(3)
    assert drain(cached.make_one_shot_iterator().get_next()) == [0, 1, 2] * 3
    assert len(calls) == 1


def test_from_generator_checks_dtypes_and_shapes():
    def gen():
        yield np.zeros(2), 1
        yield np.zeros(3), 2
    ds = Dataset.from_generator(gen, (tf.float32, tf.int32), ((2,), ()))
    x, y = ds.make_one_shot_iterator().get_next()
    assert x.shape.as_list() == [2] and x.dtype == tf.float32
    with tf.Session() as sess:
        a, b = sess.run([x, y])
        assert a.dtype == np.float32 and b == 1
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"element 1 has shape \(3,\), which is not compatible with the "
                                 r"declared shape \(2,\)"):
            sess.run(x)


def test_flat_map_and_interleave():
    ds = Dataset.range(3).flat_map(lambda i: Dataset.range(i))
    assert drain(ds.make_one_shot_iterator().get_next()) == [0, 0, 1]
    ds = Dataset.range(1, 3).interleave(
        lambda i: Dataset.from_tensors(i).repeat(3), cycle_length=2, block_length=1)
    assert drain(ds.make_one_shot_iterator().get_next()) == [1, 2, 1, 2, 1, 2]


def test_padded_batch_pads_to_the_longest_element():
    ds = Dataset.range(1, 4).map(lambda n: tf.fill([n], n)).padded_batch(3, padded_shapes=[None])
    (b,) = drain(ds.make_one_shot_iterator().get_next())
    np.testing.assert_array_equal(b, [[1, 0, 0], [2, 2, 0], [3, 3, 3]])


def test_from_structure_switches_between_datasets():
    train = Dataset.range(3)
    valid = Dataset.range(10, 12)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    with tf.Session() as sess:
        assert drain(nxt, sess, init=it.make_initializer(train)) == [0, 1, 2]
        assert drain(nxt, sess, init=it.make_initializer(valid)) == [10, 11]


# ---- errors ------------------------------------------------------------------------------------
def test_batching_elements_of_different_shapes_names_both_shapes():
    ds = Dataset.range(1, 3).map(lambda n: tf.fill([n], 1.0)).batch(2)
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess, pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"Cannot batch tensors with different shapes in component 0. First element had "
                  r"shape \[1\] and element 1 had shape \[2\][\s\S]*IteratorGetNext"):
        sess.run(nxt)


def test_get_next_before_initialization_and_a_wrong_initializer():
    it = Dataset.range(3).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError,
                                             match="has not been initialized"):
        sess.run(nxt)
    with pytest.raises(TypeError, match=r"Expected output types/shapes .*int64.* but got dataset "
                                        r"with output types/shapes .*float32"):
        it.make_initializer(Dataset.from_tensors(1.0))


def test_construction_errors():
    with pytest.raises(ValueError, match="same size in their first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="is a scalar"):
        Dataset.from_tensor_slices(1.0)
    with pytest.raises(ValueError, match="predicate must return a scalar bool"):
        Dataset.range(3).filter(lambda i: i)
    with pytest.raises(TypeError, match="must return a Dataset"):
        Dataset.range(3).flat_map(lambda i: i)
    with pytest.raises(RuntimeError, match="only supported inside of tf.function or when eager"):
        iter(Dataset.range(3))


def test_each_session_iterates_on_its_own():
    nxt = Dataset.range(3).make_one_shot_iterator().get_next()
    with tf.Session() as a, tf.Session() as b:
        assert [a.run(nxt), a.run(nxt), b.run(nxt)] == [0, 1, 0]
