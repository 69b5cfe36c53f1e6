"""Array ops beyond the op table (tests/ops/test_op_table.py checks each op forward against
NumPy with static and unknown shapes, and its gradients): static shape inference with partly
known inputs, run-time and construction-time errors."""

import numpy as np
import pytest

import tensorfluxo as tf

RNG = np.random.default_rng(1)


def arr(shape, dtype=np.float32):
    return RNG.uniform(-2, 2, shape).astype(dtype)


X = arr((2, 3, 4))


# ---- existing shape ops -------------------------------------------------------------------
def test_constant_and_placeholder_with_default():
    c = tf.constant([[1, 2]], dtype=tf.float32)
    assert c.dtype == tf.float32 and c.shape.as_list() == [1, 2]
    assert tf.constant(1.5).dtype == tf.float32 and tf.constant(2).dtype == tf.int32
    assert tf.constant(2 ** 40).dtype == tf.int64
    f = tf.constant(0.0, shape=[2, 3])
    p = tf.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[None])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(f), np.zeros((2, 3), np.float32))
        np.testing.assert_array_equal(sess.run(p), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(p, {p: [3.0]}), [3.0])
    with pytest.raises(TypeError, match=r"Expected Tensor's shape: \(3,\), got \(2,\)"):
        tf.constant([1, 2], shape=[3])
    with pytest.raises(ValueError, match="not compatible with the placeholder shape"):
        tf.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[3])


def test_reshape_with_tensor_dims():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    assert tf.reshape(x, [-1, 12]).shape.as_list() == [None, 12]


def test_cast_to_the_same_dtype_adds_no_op():
    assert tf.cast(tf.zeros([2]), tf.float32).op.type != "Cast"  # a no-op cast adds no op


def test_zeros_and_ones_of_a_static_shape_are_constants():
    assert tf.zeros([2, 3]).op.type == "Const" and tf.ones([2], tf.int64).dtype == tf.int64


def test_iterating_a_graph_tensor_raises_type_error_as_tf():
    with pytest.raises(TypeError, match=r"Iterating over a symbolic Tensor \(Const:0\) is not "
                                        r"allowed.*tf.unstack"):
        a, b = tf.constant([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="Iterating over a symbolic Tensor"):
        iter(tf.placeholder(tf.float32, [None, 2]))


# ---- getitem (StridedSlice) ----------------------------------------------------------------
def test_getitem_with_tensor_indices():
    i = tf.placeholder(tf.int32, [])
    x = tf.constant(X)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x[i], {i: 1}), X[1])
        np.testing.assert_array_equal(sess.run(x[:, i:], {i: 1}), X[:, 1:])
        np.testing.assert_array_equal(sess.run(x[tf.constant(1)]), X[1])
    assert x[tf.constant(1)].shape.as_list() == [3, 4]
    assert x[0, i:].shape.ndims == 2 and x[i, tf.newaxis].shape.ndims == 3
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x[0, i:, ..., 1], {i: 2}), X[0, 2:, ..., 1])


def test_getitem_unknown_dims_keep_what_is_known():
    x = tf.placeholder(tf.float32, [None, 3])
    assert x[0].shape.as_list() == [3]
    assert x[:, 1].shape.as_list() == [None]
    assert x[1:3].shape.as_list() == [None, 3]  # TF too: x may have fewer than 3 rows
    assert x[::-1, ::2].shape.as_list() == [None, 2]
    assert x[tf.newaxis, ..., 1:].shape.as_list() == [1, None, 2]


def test_getitem_errors():
    x = tf.zeros([2, 3])
    with pytest.raises(ValueError, match="index 5 is out of bounds for axis 0 with size 2"):
        x[5]
    with pytest.raises(ValueError, match="invalid for shape .*too many indices"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="more than one Ellipsis"):
        x[..., 0, ...]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(TypeError, match="Only integers, slices, ellipsis"):
        x[0.5]
    with pytest.raises(TypeError, match="Only integers, slices, ellipsis"):
        x[True]


# ---- concat / split -----------------------------------------------------------------------
def test_concat_mixed_shapes_and_single_value():
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.concat([x, tf.zeros([2, 3])], 0).shape.as_list() == [None, 3]
    assert tf.concat([x, tf.zeros([2, 2])], 1).shape.as_list() == [2, 5]
    assert tf.concat([x], 0).op.type == "Identity"


def test_split_of_unknown_dimension_at_run_time():
    x = tf.placeholder(tf.float32, [None])
    a, b = tf.split(x, 2)
    assert a.shape.as_list() == [None]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(b, {x: [1, 2, 3, 4]}), [3, 4])
        with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divisible by 2"):
            sess.run(b, {x: [1, 2, 3]})


# ---- tile / pad ----------------------------------------------------------------------------
def test_tile_with_tensor_multiples():
    x = tf.constant(arr((2, 3)))
    m = tf.placeholder(tf.int32, [2])
    t = tf.tile(x, m)
    assert t.shape.as_list() == [None, None]
    with tf.Session() as sess:
        assert sess.run(t, {m: [2, 2]}).shape == (4, 6)


# ---- gather / gather_nd / one_hot ----------------------------------------------------------
def test_gather_out_of_range_fails_at_run_time():
    x = tf.constant([1.0, 2.0, 3.0])
    i = tf.placeholder(tf.int32, [None])
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match=r"indices\[1\] = 3 is not in \[0, 3\)"):
        sess.run(tf.gather(x, i), {i: [0, 3]})
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match=r"indices\[0\] = -1 is not in"):
        sess.run(tf.gather(x, i), {i: [-1]})


def test_gather_nd_out_of_range():
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match="is not in"):
        sess.run(tf.gather_nd(tf.zeros([2, 2]), [[0, 2]]))


# ---- slice / boolean_mask / sequence_mask --------------------------------------------------
def test_slice_with_tensor_begin():
    b = tf.placeholder(tf.int32, [2])
    x = tf.constant(arr((3, 4)))
    y = tf.slice(x, b, [2, 2])
    assert y.shape.as_list() == [2, 2]
    with tf.Session() as sess:
        got = sess.run(y, {b: [1, 1]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
            sess.run(y, {b: [2, 0]})
    np.testing.assert_array_equal(got, sess_free_value(x)[1:3, 1:3])


def sess_free_value(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_boolean_mask_static_shape():
    x = tf.placeholder(tf.float32, [None, 3])
    m = tf.placeholder(tf.bool, [None])
    assert tf.boolean_mask(x, m).shape.as_list() == [None, 3]
    assert tf.boolean_mask(tf.zeros([2, 3, 4]), tf.zeros([2, 3], tf.bool)).shape.as_list() \
        == [None, 4]


# ---- range / linspace / eye ----------------------------------------------------------------
@pytest.mark.parametrize("args,want", [
    ((5,), np.arange(5, dtype=np.int32)),
    ((2, 7, 2), np.arange(2, 7, 2, dtype=np.int32)),
    ((5, 0, -2), np.array([5, 3, 1], np.int32)),
    ((0, 1.0, 0.25), np.arange(0, 1, 0.25, dtype=np.float32)),
    ((3, 3), np.zeros(0, np.int32)),
])
def test_range(args, want):
    r = tf.range(*args)
    assert r.shape.as_list() == [len(want)] and r.dtype == tf.as_dtype(want.dtype)
    with tf.Session() as sess:
        got = sess.run(r)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want)


def test_range_dtypes_and_tensor_limit():
    assert tf.range(3, dtype=tf.float32).dtype == tf.float32
    assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64
    n = tf.placeholder(tf.int32, [])
    r = tf.range(n)
    assert r.shape.as_list() == [None]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r, {n: 3}), [0, 1, 2])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Requires start <= limit"):
            sess.run(r, {n: -1})


def test_eye():
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.eye(3)), np.eye(3, dtype=np.float32))
        np.testing.assert_array_equal(sess.run(tf.eye(2, 3, dtype=tf.int32)),
                                      np.eye(2, 3, dtype=np.int32))
        b = sess.run(tf.eye(2, batch_shape=[3]))
    assert b.shape == (3, 2, 2) and (b == np.eye(2)).all()


# ---- reverse / broadcast_to / unique / meshgrid --------------------------------------------
def test_unique_static_shape_and_index_dtype():
    x = np.array([4, 1, 4, 2, 1, 7], np.int32)
    y, idx = tf.unique(tf.constant(x), out_idx=tf.int64)
    assert y.shape.as_list() == [None] and idx.dtype == tf.int64


# ---- construction-time errors -------------------------------------------------------------
def test_shape_op_errors():
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4, 2\] \(8 elements\) for 'Reshape'"):
        tf.reshape(tf.zeros([2, 3]), [4, 2])
    with pytest.raises(ValueError, match="Cannot reshape a tensor with 6 elements to shape "
                                         r"\[4, -1\]"):
        tf.reshape(tf.zeros([2, 3]), [4, -1])
    with pytest.raises(ValueError, match="only one dimension can be -1"):
        tf.reshape(tf.zeros([2, 3]), [-1, -1])
    with pytest.raises(ValueError, match=r"perm \[0, 0\] is not a permutation"):
        tf.transpose(tf.zeros([2, 3]), [0, 0])
    with pytest.raises(ValueError, match="axis 3 is out of range for a tensor of rank 1"):
        tf.expand_dims(tf.zeros([2]), 3)
    with pytest.raises(ValueError, match=r"Can not squeeze dim\[0\], expected a dimension of "
                                         r"1, got 2"):
        tf.squeeze(tf.zeros([2, 3]), [0])
    with pytest.raises(ValueError, match="Shapes of all inputs must match"):
        tf.stack([tf.zeros([2]), tf.zeros([3])])
    with pytest.raises(TypeError, match="All values must have the same dtype"):
        tf.stack([tf.zeros([2]), tf.zeros([2], tf.int32)])
    with pytest.raises(ValueError, match="Cannot infer num"):
        tf.unstack(tf.placeholder(tf.float32, [None, 2]))
    with pytest.raises(ValueError, match=r"value of fill must be a scalar, got shape \(2,\)"):
        tf.fill([2], [1.0, 2.0])


def test_concat_split_errors():
    with pytest.raises(ValueError, match=r"Dimension 1 in both shapes must be equal, but are 3 "
                                         r"and 4.*for 'concat' \(op: 'ConcatV2'\)"):
        tf.concat([tf.zeros([2, 3]), tf.zeros([3, 4])], 0)
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1"):
        tf.concat([tf.zeros([2, 3]), tf.zeros([3])], 0)
    with pytest.raises(ValueError, match=r"Invalid axis of concat 2: must be in the range "
                                         r"\[-2, 2\)"):
        tf.concat([tf.zeros([2, 3]), tf.zeros([2, 3])], 2)
    with pytest.raises(TypeError, match="values\\[1\\] has dtype int32, which does not match"):
        tf.concat([tf.zeros([2]), tf.zeros([2], tf.int32)], 0)
    with pytest.raises(ValueError, match="Can't concatenate scalars"):
        tf.concat([tf.zeros([]), tf.zeros([])], 0)
    with pytest.raises(TypeError, match="axis of concat must be known"):
        tf.concat([tf.zeros([2])], tf.placeholder(tf.int32, []))
    with pytest.raises(ValueError, match="Dimension size must be evenly divisible by 3 but is 4 "
                                         "for 'split'"):
        tf.split(tf.zeros([4, 3]), 3, 0)
    with pytest.raises(ValueError, match=r"can't split axis of size 4 into pieces of size "
                                         r"\[1, 2\]"):
        tf.split(tf.zeros([4, 3]), [1, 2], 0)
    with pytest.raises(ValueError, match="at most one -1"):
        tf.split(tf.zeros([4, 3]), [-1, -1], 0)
    with pytest.raises(ValueError, match="num=3 does not match"):
        tf.split(tf.zeros([4, 3]), [1, 3], 0, num=3)
    with pytest.raises(ValueError, match="must be >= 1"):
        tf.split(tf.zeros([4, 3]), 0)


def test_tile_pad_errors():
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 3: tile needs one "
                                         "multiple per dimension.*'Tile'"):
        tf.tile(tf.zeros([4, 3]), [1, 2, 3])
    with pytest.raises(TypeError, match="multiples of tile must be int32 or int64"):
        tf.tile(tf.zeros([4, 3]), tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"The first dimension of paddings must be the rank of "
                                         r"inputs \(2\)"):
        tf.pad(tf.zeros([4, 3]), [[1, 2]])
    with pytest.raises(ValueError, match="paddings must be less than the dimension size in "
                                         "REFLECT mode: dimension 0 has size 4"):
        tf.pad(tf.zeros([4, 3]), [[4, 0], [0, 0]], "REFLECT")
    with pytest.raises(ValueError, match="no more than the dimension size in SYMMETRIC"):
        tf.pad(tf.zeros([4, 3]), [[0, 0], [0, 4]], "SYMMETRIC")
    with pytest.raises(ValueError, match="paddings must be non-negative"):
        tf.pad(tf.zeros([4, 3]), [[-1, 0], [0, 0]])
    with pytest.raises(ValueError, match="Unknown padding mode: WRAP"):
        tf.pad(tf.zeros([4, 3]), [[0, 0], [0, 0]], "WRAP")
    with pytest.raises(ValueError, match="paddings must be a matrix with 2 columns"):
        tf.pad(tf.zeros([4, 3]), [[0, 0, 0], [0, 0, 0]])


def test_gather_one_hot_errors():
    with pytest.raises(TypeError, match="parameter 'indices' has DataType float32 not in list "
                                        "of allowed values: int32, int64"):
        tf.gather(tf.zeros([4, 3]), tf.zeros([2]))
    with pytest.raises(ValueError, match=r"Invalid axis of gather 2: must be in the range"):
        tf.gather(tf.zeros([4, 3]), [0], axis=2)
    with pytest.raises(NotImplementedError, match="batch_dims=0"):
        tf.gather(tf.zeros([4, 3]), [[0]], batch_dims=1)
    with pytest.raises(ValueError, match=r"indices.shape\[-1\] must be in \[1, params.rank\], "
                                         r"but saw indices shape: \[1, 3\] and params shape: "
                                         r"\[2, 2\]"):
        tf.gather_nd(tf.zeros([2, 2]), [[1, 1, 1]])
    with pytest.raises(TypeError, match="dtype int32 of on_value does not match dtype float32 "
                                        "of off_value"):
        tf.one_hot([1, 2], 3, on_value=1, off_value=0.0)
    with pytest.raises(ValueError, match=r"axis of one_hot must be in \[-1, 1\], got 2"):
        tf.one_hot([1, 2], 3, axis=2)
    with pytest.raises(ValueError, match="depth of one_hot must be a non-negative int known"):
        tf.one_hot([1, 2], tf.placeholder(tf.int32, []))
    with pytest.raises(TypeError, match="parameter 'indices' has DataType float32"):
        tf.one_hot([1.0, 2.0], 3)


def test_slice_mask_errors():
    x = tf.zeros([4, 3])
    with pytest.raises(ValueError, match=r"Expected size\[0\] in \[0, 3\], but got 4 for "
                                         r"'Slice'"):
        tf.slice(x, [1, 1], [4, 1])
    with pytest.raises(ValueError, match="Expected begin argument to be a vector of length 2 "
                                         "but got length 1"):
        tf.slice(x, [1], [1, 1])
    with pytest.raises(ValueError, match=r"Expected begin\[0\] >= 0, but got -1"):
        tf.slice(x, [-1, 0], [1, 1])
    with pytest.raises(ValueError, match=r"Expected size\[1\] >= -1, but got -2"):
        tf.slice(x, [0, 0], [1, -2])
    with pytest.raises(ValueError, match=r"Shapes \(4,\) and \(5,\) are incompatible"):
        tf.boolean_mask(x, tf.zeros([5], tf.bool))
    with pytest.raises(TypeError, match="mask of boolean_mask must be a bool tensor"):
        tf.boolean_mask(x, [1, 0, 1, 1])
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        tf.boolean_mask(x, True)
    with pytest.raises(ValueError, match="Number of mask dimensions must be specified"):
        tf.boolean_mask(x, tf.placeholder(tf.bool))
    with pytest.raises(TypeError, match="lengths of sequence_mask must be integers"):
        tf.sequence_mask([1.0, 2.0])
    with pytest.raises(ValueError, match="maxlen must be a scalar"):
        tf.sequence_mask([1, 2], [3, 4])


def test_range_linspace_eye_errors():
    with pytest.raises(ValueError, match="Requires start <= limit when delta > 0: 5/1 for "
                                         "'range'"):
        tf.range(5, 1)
    with pytest.raises(ValueError, match="Requires start >= limit when delta < 0"):
        tf.range(1, 5, -1)
    with pytest.raises(ValueError, match="Requires delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(TypeError, match="range arguments must be int32, int64, float32 or "
                                        "float64, got bool"):
        tf.range(tf.constant(True))
    with pytest.raises(ValueError, match="Requires num > 0: 0"):
        tf.linspace(0.0, 1.0, 0)
    with pytest.raises(TypeError, match="start and stop of linspace must be float32 or float64"):
        tf.linspace(0, 1, 3)
    with pytest.raises(TypeError, match="num must be an int32 or int64 tensor"):
        tf.linspace(0.0, 1.0, 3.0)
    with pytest.raises(ValueError, match="num_rows of eye must be a non-negative int known"):
        tf.eye(tf.placeholder(tf.int32, []))


def test_reverse_broadcast_unique_meshgrid_errors():
    with pytest.raises(ValueError, match=r"Invalid axis of reverse 2: must be in the range"):
        tf.reverse(tf.zeros([2, 2]), [2])
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4: cannot "
                                         r"broadcast shape \(3,\) to \[2, 4\]"):
        tf.broadcast_to(tf.zeros([3]), [2, 4])
    with pytest.raises(ValueError, match="Unable to broadcast a tensor of shape"):
        tf.broadcast_to(tf.zeros([2, 3]), [3])
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2: unique needs a "
                                         "vector"):
        tf.unique(tf.zeros([2, 2]))
    with pytest.raises(ValueError, match="indexing parameter must be either 'xy' or 'ij'"):
        tf.meshgrid(tf.zeros([2]), indexing="yx")
    with pytest.raises(TypeError, match="'sparse' is an invalid keyword argument"):
        tf.meshgrid(tf.zeros([2]), sparse=True)


def test_more_argument_errors():
    x = tf.zeros([2, 3])
    unknown = tf.placeholder(tf.float32)
    with pytest.raises(ValueError, match="expand_dims needs an axis"):
        tf.expand_dims(x)
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2 .*'Reshape'"):
        tf.reshape(x, tf.constant([[6]]))
    with pytest.raises(ValueError, match="stack needs at least one tensor"):
        tf.stack([])
    with pytest.raises(ValueError, match="concat needs at least one tensor"):
        tf.concat([], 0)
    with pytest.raises(ValueError, match="axis of concat must be a scalar"):
        tf.concat([x, x], [0, 1])
    with pytest.raises(TypeError, match="num_or_size_splits of split must be known"):
        tf.split(x, tf.placeholder(tf.int32, []))
    with pytest.raises(ValueError, match="indices of gather_nd must have rank >= 1"):
        tf.gather_nd(x, 0)
    with pytest.raises(NotImplementedError, match="gather_nd supports batch_dims=0 only"):
        tf.gather_nd(x, [[0]], batch_dims=1)
    with pytest.raises(ValueError, match="one_hot with an explicit axis needs indices of known "
                                         "rank"):
        tf.one_hot(tf.placeholder(tf.int32), 3, axis=0)
    with pytest.raises(TypeError, match="constant_values of pad must be known"):
        tf.pad(x, [[0, 0], [0, 0]], constant_values=tf.placeholder(tf.float32, []))
    with pytest.raises(ValueError, match="batch_shape of eye must be known"):
        tf.eye(2, batch_shape=tf.placeholder(tf.int32, [1]))
    with pytest.raises(TypeError, match="depth of one_hot must be integers"):
        tf.one_hot([0], 2.5)
    with pytest.raises(ValueError, match=r"negative axis of reverse \[-1\] needs a tensor of "
                                         "known rank"):
        tf.reverse(unknown, [-1])  # [0] works: the kernel reverses axis 0 of what it gets
    with pytest.raises(ValueError, match="boolean_mask needs a tensor of known rank"):
        tf.boolean_mask(unknown, [True])
    with pytest.raises(ValueError, match="mask of rank 2 does not fit tensor of shape"):
        tf.boolean_mask(x, [[True]], axis=1)


def test_linspace_num_checked_at_run_time():
    n = tf.placeholder(tf.int32, [])
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match="Requires num > 0: 0"):
        sess.run(tf.linspace(0.0, 1.0, n), {n: 0})
