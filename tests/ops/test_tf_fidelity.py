"""Values and errors checked against TensorFlow 2.21 (tf.compat.v1 in graph mode).

Every expected value here was printed by TensorFlow itself (float32, bit for bit where the test
uses assert_array_equal); every error is raised when the graph is built, naming the op or tensor.
"""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


# ---- tf.where: TF1 picks rows with a vector condition; where_v2 broadcasts -----------------
def test_where_with_a_vector_condition_picks_rows_as_tf1():
    x = tf.reshape(tf.range(6.0), [3, 2])
    np.testing.assert_array_equal(run(tf.where([True, False, True], x, -x)),
                                  [[0, 1], [-2, -3], [4, 5]])  # tf.compat.v1.where
    sq = np.arange(9, dtype=np.float32).reshape(3, 3)
    np.testing.assert_array_equal(run(tf.where([True, False, True], sq, -sq)),
                                  [[0, 1, 2], [-3, -4, -5], [6, 7, 8]])
    # where_v2 broadcasts the vector over the last axis (TF2's tf.where)
    np.testing.assert_array_equal(run(tf.where_v2([True, False, True], sq, -sq)),
                                  [[0, -1, 2], [3, -4, 5], [6, -7, 8]])


def test_where_rows_with_unknown_rank_and_gradient():
    x = tf.placeholder(tf.float32)
    y = tf.where(tf.constant([False, True]), x, tf.zeros_like(x))
    np.testing.assert_array_equal(run(y, {x: [[1, 2], [3, 4]]}), [[0, 0], [3, 4]])
    c = np.array([True, False, True])
    check_gradients(lambda a, b: tf.where(c, a, b), [np.ones((3, 2)), np.ones((3, 2))])


def test_where_shapes_tf1_refuses_broadcast_as_tf2():
    # TF1 raises for these; tensorfluxo gives where_v2's values (never a different value)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(run(tf.where(x > 2, x, 0.0)), np.where(x > 2, x, 0))
    with pytest.raises(ValueError, match=r"do not broadcast"):
        tf.where(tf.zeros([3], tf.bool), tf.zeros([2, 2]), tf.zeros([2, 2]))


# ---- softmax cross-entropy and softmax along an axis ---------------------------------------
LOGITS = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
LABELS = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0.5, 0.5]], np.float32)
XENT_TF = np.array([1.5500164, 1.8000164, 1.1750164], np.float32)


def test_softmax_cross_entropy_honours_axis_and_dim():
    nn = tf.nn
    lt, yt = LOGITS.T.copy(), LABELS.T.copy()
    np.testing.assert_allclose(run(nn.softmax_cross_entropy_with_logits_v2(
        labels=yt, logits=lt, axis=0)), XENT_TF, rtol=1e-6)
    np.testing.assert_allclose(run(nn.softmax_cross_entropy_with_logits(
        labels=yt, logits=lt, dim=0)), XENT_TF, rtol=1e-6)
    np.testing.assert_allclose(run(nn.softmax_cross_entropy_with_logits_v2(
        labels=LABELS, logits=LOGITS)), XENT_TF, rtol=1e-6)
    check_gradients(lambda a: nn.softmax_cross_entropy_with_logits_v2(
        labels=yt.astype(np.float64), logits=a, axis=0), [lt])


def test_softmax_axis_errors_at_construction():
    np.testing.assert_allclose(run(tf.nn.softmax(LOGITS, axis=0))[:, 0],
                               [0.09003057, 0.24472848, 0.66524094], rtol=1e-6)
    with pytest.raises(ValueError, match=r"softmax: logits Const_1:0 must have rank >= 1"):
        tf.nn.softmax(tf.constant(3.0))
    with pytest.raises(ValueError, match=r"softmax: logits Const_2:0 must have rank >= 1"):
        tf.nn.softmax(tf.constant(3.0), axis=0)
    with pytest.raises(ValueError, match=r"axis 5 is out of range for logits ones:0 of shape "
                                         r"\(2, 3\)"):
        tf.nn.softmax(tf.ones([2, 3]), axis=5)
    with pytest.raises(ValueError, match=r"softmax_cross_entropy_with_logits: axis 2 is out of "
                                         r"range"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=LOGITS, axis=2)


# ---- reduce_mean divides by n as TF does ---------------------------------------------------
def test_reduce_mean_is_sum_divided_by_n_bit_for_bit():
    acc = np.array([1] * 9782 + [0] * 218, np.float32)
    assert run(tf.reduce_mean(acc)) == np.float32(0.9782)  # sum * (1/n) gives 0.97819996
    assert run(tf.reduce_mean(np.array([1] * 97 + [0] * 3, np.float32), axis=0)) == \
        np.float32(0.97)
    v = tf.constant(np.full(7, 0.3, np.float32))
    np.testing.assert_array_equal(run(tf.gradients(tf.reduce_mean(v), v)[0]),
                                  np.full(7, 0.14285715, np.float32))


# ---- dtypes that would lie about the value -------------------------------------------------
def test_matmul_refuses_mixed_dtypes_at_any_rank():
    with pytest.raises(TypeError, match=r"Input 'b' of 'MatMul' Op has type float64 that does "
                                        r"not match type float32"):
        tf.matmul(tf.ones([2, 2, 2]), tf.ones([2, 2, 2], tf.float64))
    with pytest.raises(TypeError, match=r"has type int32 that does not match type float32"):
        tf.matmul(tf.placeholder(tf.float32), tf.placeholder(tf.int32))


@pytest.mark.parametrize("fn", [tf.square, tf.abs, tf.negative, tf.sign, tf.cumsum,
                                lambda t: tf.add_n([t, t])])
def test_number_ops_refuse_bool(fn):
    with pytest.raises(TypeError, match=r"has DataType bool, which is not a number type "
                                        r"\(tensor Const:0\). Cast it first with tf.cast"):
        fn(tf.constant([True, False]))


def test_tile_of_unknown_rank_checks_the_number_of_multiples_when_run():
    x = tf.placeholder(tf.float32)
    y = tf.tile(x, [2, 3])
    np.testing.assert_array_equal(run(y, {x: np.ones((1, 2))}), np.ones((2, 6)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Expected multiples argument to be a vector of length 1 but got "
                             r"length 2(.|\n)*in op 'Tile'"):
        run(y, {x: np.ones(3)})


# ---- rank-0 inputs and out-of-range axes ---------------------------------------------------
@pytest.mark.parametrize("fn, message", [
    (lambda s: tf.squeeze(s, axis=0), r"Invalid axis 0: must be in the range \[-0, 0\) for "
                                      r"'squeeze' of tensor Const:0 with shape \(\)"),
    (lambda s: tf.unstack(s, axis=0), r"Invalid axis of unstack 0"),
    (lambda s: tf.split(s, 1, axis=0), r"Invalid axis of split 0"),
    (lambda s: tf.nn.moments(s, axes=[0]), r"Invalid axis 0: .* for 'Mean' on tensor Const:0"),
    (lambda s: tf.argmax(s, axis=0), r"Invalid axis 0: .* for 'ArgMax' on tensor Const:0"),
    (lambda s: tf.reduce_sum(s, axis=0), r"Invalid axis 0: .* for 'Sum' on tensor Const:0"),
])
def test_axis_0_of_a_scalar_is_refused_at_construction(fn, message):
    with pytest.raises(ValueError, match=message):
        fn(tf.constant(3.0))


def test_unstack_refuses_an_axis_beyond_the_rank():
    with pytest.raises(ValueError, match=r"Invalid axis of unstack 5: must be in the range "
                                         r"\[-2, 2\)"):
        tf.unstack(tf.ones([2, 3]), axis=5)


def test_out_of_range_reduction_axis_fails_at_construction():
    with pytest.raises(ValueError, match=r"Invalid axis 3: .* for 'Sum' on tensor ones:0 with "
                                         r"shape \(2, 3\)"):
        tf.reduce_sum(tf.ones([2, 3]), axis=3)


# ---- NumPy on graph tensors ----------------------------------------------------------------
@pytest.mark.parametrize("fn", [np.asarray, np.sum, np.mean, np.array])
def test_numpy_on_a_symbolic_tensor_raises_tf_error(fn):
    x = tf.placeholder(tf.float32, [2], name="X")
    with pytest.raises(NotImplementedError, match=r"Cannot convert a symbolic Tensor \(X:0\) "
                                                  r"to a numpy array"):
        fn(x)


def test_tensor_ndim():
    assert tf.ones([2, 3]).ndim == 2
    assert tf.placeholder(tf.float32).ndim is None


# ---- strings, one_hot, random parameters ---------------------------------------------------
def test_string_fetches_are_bytes_as_in_tf():
    assert run(tf.constant("abc")) == b"abc"
    out = run(tf.constant(["abc", "é"]))
    assert out.dtype == object and list(out) == [b"abc", "é".encode()]
    p = tf.placeholder(tf.string, [None])
    assert list(run(tf.identity(p), {p: ["x", b"y"]})) == [b"x", b"y"]
    with pytest.raises(TypeError, match=r"Expected strings or bytes for a string tensor, got 1"):
        tf.constant([1, 2], dtype=tf.string)


def test_one_hot_accepts_uint8_and_int8_indices():
    for dt in (tf.uint8, tf.int8):
        np.testing.assert_array_equal(run(tf.one_hot(tf.constant([1, 2], dt), 3)),
                                      [[0, 1, 0], [0, 0, 1]])
    with pytest.raises(TypeError, match=r"'indices' has DataType float32 not in list of allowed "
                                        r"values: uint8, int8, int32, int64"):
        tf.one_hot(tf.constant([1.0]), 3)


def test_random_parameters_may_be_tensors():
    s = tf.placeholder(tf.float32, [])
    x = tf.random_normal([20000], mean=1.0, stddev=s, seed=1)
    u = tf.random_uniform([20000], minval=tf.constant(2.0) * 1.0, maxval=s, seed=2)
    t = tf.truncated_normal([20000], stddev=tf.constant(0.5) + 0.0, seed=3)
    a, b, c = run([x, u, t], {s: 3.0})
    assert x.dtype == tf.float32 and a.dtype == np.float32 and x.shape.as_list() == [20000]
    assert abs(a.mean() - 1.0) < 0.1 and abs(a.std() - 3.0) < 0.1
    assert 2.0 <= b.min() and b.max() < 3.0
    assert np.abs(c).max() <= 1.0 and abs(c.std() - 0.44) < 0.03
    # constant parameters stay attributes of the one random op
    assert tf.random_normal([2], stddev=tf.constant(2.0)).op.type == "RandomStandardNormal"


# ---- seeds ---------------------------------------------------------------------------------
def _dense_weights():
    m = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(3,)),
                             tf.keras.layers.Dense(1)])
    return m.get_weights()


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_tf2_set_seed_restarts_the_op_seeds():
    tf.random.set_seed(42)
    a = _dense_weights()
    tf.random.set_seed(42)
    assert _same(a, _dense_weights())  # TF2: the same initial weights after each set_seed
    assert not _same(a, _dense_weights())  # without set_seed the next ops get new seeds
    tf.keras.backend.clear_session()
    tf.random.set_seed(42)  # the global seed outlives the graph
    assert _same(a, _dense_weights())


def test_keras_set_random_seed_seeds_python_numpy_and_tensorfluxo():
    import random
    tf.keras.utils.set_random_seed(7)
    a = (random.random(), np.random.rand(), _dense_weights())
    tf.keras.utils.set_random_seed(7)
    b = (random.random(), np.random.rand(), _dense_weights())
    assert a[:2] == b[:2] and _same(a[2], b[2])


def test_tf1_set_random_seed_keeps_tf1_rule():
    def draws():
        tf.reset_default_graph()
        tf.set_random_seed(1)
        x, y = tf.random_normal([3]), tf.random_normal([3])
        return run([x, y])
    (a, b), (c, d) = draws(), draws()
    np.testing.assert_array_equal(a, c)  # the same program gives the same numbers
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b)  # two ops never share a stream


# ---- bad input: TF's error classes with the names and shapes -------------------------------
@pytest.mark.parametrize("make, what", [
    (lambda: tf.constant(1.0, name="my var!"), "op name"),
    (lambda: tf.Variable(1.0, name="my var!"), "name scope"),
    (lambda: tf.placeholder(tf.float32, name="-x"), "op name"),
])
def test_invalid_names_raise_value_error(make, what):
    with pytest.raises(ValueError, match=rf"is not a valid {what}: names use letters, digits "
                                         r"and '_.-/>' only"):
        make()


def test_concat_axis_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"Invalid axis of concat 2: must be in the range "
                                         r"\[-2, 2\) for 'concat' of tensors with shapes "
                                         r"\[\(2, 3\), \(2, 3\)\]"):
        tf.concat([tf.ones([2, 3]), tf.ones([2, 3])], axis=2)


def test_feed_keyed_by_an_op_name_hints_the_tensor_name():
    x = tf.placeholder(tf.float32, name="X")
    with pytest.raises(TypeError, match=r"The name 'X' refers to an Operation, not a Tensor.*"
                                        r"'X:0' is the op's first output"):
        run(x * 2.0, {"X": 1.0})
    assert run(x * 2.0, {"X:0": 1.0}) == 2.0


def test_mixing_graphs_names_both_tensors():
    a = tf.constant(1.0, name="a")
    with tf.Graph().as_default():
        b = tf.constant(2.0, name="b")
    with pytest.raises(ValueError, match=r"Tensor b:0 must be from the same graph as Tensor a:0 "
                                         r"\(inputs of Add\)"):
        a + b


def test_a_numpy_error_in_a_kernel_names_the_op_and_the_shapes():
    x = tf.placeholder(tf.float32)  # unknown rank: the axis is only checked when run
    y = tf.reduce_sum(x, axis=3, name="total")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"axis 3 is out of bounds for array of dimension 2 \(input shapes: "
                             r"\(2, 3\)\)\n  in op 'total' \(Sum\)"):
        run(y, {x: np.ones((2, 3))})


# ---- found by the random-graph fuzz test (tests/test_fuzz_graphs.py) -----------------------
def test_reduce_logsumexp_is_stable_with_softmax_gradient():
    x = np.array([[1.0, 2.0], [1000.0, 1000.0]], np.float32)
    np.testing.assert_allclose(run(tf.reduce_logsumexp(x, axis=1)), [2.3132617, 1000.6931472],
                               rtol=1e-6)
    assert run(tf.math.reduce_logsumexp(x[:1], keepdims=True)).shape == (1, 1)
    check_gradients(lambda a: tf.reduce_logsumexp(a, axis=-1), [np.array([[0.5, -1.0, 2.0]])])


def test_unknown_rank_gradients_of_softmax_stack_and_reverse():
    x = tf.placeholder(tf.float64)  # unknown rank: negative axes are resolved when run
    y = tf.reduce_sum(tf.nn.softmax(x) * tf.constant([1.0, 2.0, 3.0], tf.float64))
    z = tf.reduce_sum(tf.stack([x, x * 2.0], axis=-1)) + tf.reduce_sum(tf.reverse(x, [0]))
    v = np.array([[0.1, 0.2, 0.3]])
    p = np.exp(v) / np.exp(v).sum()
    with tf.Session() as sess:
        a, b = sess.run([tf.gradients(y, x)[0], tf.gradients(z, x)[0]], {x: v})
    np.testing.assert_allclose(a, p * (np.array([1, 2, 3]) - (p * [1, 2, 3]).sum()), rtol=1e-9)
    np.testing.assert_array_equal(b, np.full((1, 3), 4.0))


def test_sigmoid_keeps_its_relative_precision_for_negative_inputs():
    x = np.array([-80.0, -30.0, -10.0, -1.0, 0.0, 3.0, 100.0], np.float32)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    got = run(tf.sigmoid(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, exact, rtol=3e-7)  # (1 + tanh(x/2)) / 2 was off by 3e-3
    assert run(tf.sigmoid(tf.constant(-200.0))) == 0.0
