"""tf.nn ops: forward against NumPy, gradients against finite differences (float64, and second
order where the gradient is its own op), dtypes kept, and every user-visible error."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients

X = np.array([[-3.0, -0.5, 0.3, 2.0], [1.7, 5.0, 7.0, -1.2]])
Z = np.array([[0.0, 1.0, 0.3, 1.0], [1.0, 0.0, 0.0, 0.5]])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


def test_softplus_does_not_overflow():
    got = run(tf.nn.softplus(tf.constant([-1000.0, 0.0, 1000.0])))
    np.testing.assert_allclose(got, [0.0, np.log(2), 1000.0])
    np.testing.assert_allclose(run(tf.nn.log_sigmoid(tf.constant([-1000.0, 1000.0]))),
                               [-1000.0, 0.0])


def test_leaky_relu_of_integers_is_float32():
    out = tf.nn.leaky_relu(tf.constant([-10, 10]))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(run(out), [-2.0, 10.0])


def test_activation_rejects_integer_input():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.nn.elu(tf.constant([1, 2]))


# ---- cross-entropies and norms -------------------------------------------------------------
def ref_sigmoid_xent(x, z):
    return -(z * np.log(_sigmoid(x)) + (1 - z) * np.log(1 - _sigmoid(x)))


def test_sigmoid_cross_entropy_with_logits():
    got = run(tf.nn.sigmoid_cross_entropy_with_logits(labels=Z, logits=X))
    np.testing.assert_allclose(got, ref_sigmoid_xent(X, Z), rtol=1e-12)
    big = run(tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[-800.0, -800.0]))
    np.testing.assert_allclose(big, [800.0, 0.0])
    check_gradients(lambda x, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                    [X, Z])


def test_weighted_cross_entropy_with_logits():
    got = run(tf.nn.weighted_cross_entropy_with_logits(labels=Z, logits=X, pos_weight=3.0))
    ref = -(3.0 * Z * np.log(_sigmoid(X)) + (1 - Z) * np.log(1 - _sigmoid(X)))
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    check_gradients(lambda x, z: tf.nn.weighted_cross_entropy_with_logits(
        labels=z, logits=x, pos_weight=3.0), [X, Z])
    legacy = tf.nn.weighted_cross_entropy_with_logits(targets=Z, logits=X, pos_weight=3.0)
    np.testing.assert_allclose(run(legacy), ref, rtol=1e-12)


def test_sigmoid_xent_errors():
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.sigmoid_cross_entropy_with_logits(Z, X)
    with pytest.raises(ValueError, match="Both labels= and logits= must be given"):
        tf.nn.sigmoid_cross_entropy_with_logits(logits=X)
    with pytest.raises(ValueError, match=r"must have the same shape \(\(2, 4\) vs \(4,\)\)"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=Z[0], logits=X)
    with pytest.raises(TypeError, match="must have the same dtype"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(Z, tf.float32),
                                                logits=tf.constant(X))
    with pytest.raises(ValueError, match="needs pos_weight"):
        tf.nn.weighted_cross_entropy_with_logits(labels=Z, logits=X)


def test_l2_normalize_of_zeros_is_zeros():
    np.testing.assert_array_equal(run(tf.nn.l2_normalize(np.zeros(3), 0)), np.zeros(3))


def test_zero_fraction():
    assert run(tf.nn.zero_fraction(tf.constant([[0, 1], [0, 0]]))) == 0.75
    assert tf.nn.zero_fraction(tf.constant(X)).dtype == tf.float32


def test_relu_layer_and_xw_plus_b():
    w, b = np.arange(12.0).reshape(4, 3) / 10 - 0.5, np.array([0.1, -0.2, 0.3])
    np.testing.assert_allclose(run(tf.nn.xw_plus_b(X, w, b)), X @ w + b, rtol=1e-12)
    np.testing.assert_allclose(run(tf.nn.relu_layer(X, w, b)), np.maximum(X @ w + b, 0),
                               rtol=1e-12)
    check_gradients(tf.nn.xw_plus_b, [X, w, b])


# ---- dropout -------------------------------------------------------------------------------
def test_dropout_keeps_scaled_units_and_zeroes_the_rest():
    x = tf.ones([200, 50])
    y = tf.nn.dropout(x, 0.8, seed=1)
    out = run(y)
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.8)}
    assert 0.75 < (out != 0).mean() < 0.85


def test_dropout_rate_keyword_and_keep_prob_placeholder():
    x = tf.ones([100, 100], dtype=tf.float64)
    kp = tf.placeholder(tf.float32)
    y1, y2 = tf.nn.dropout(x, kp), tf.nn.dropout(x, rate=0.75)
    with tf.Session() as sess:
        assert (sess.run(y1, {kp: 1.0}) == 1).all()  # evaluation: keep everything
        a = sess.run(y1, {kp: 0.5})
        assert set(np.unique(a)) == {0.0, 2.0}
        b = sess.run(y2)
        assert set(np.unique(b)) == {0.0, 4.0} and 0.2 < (b != 0).mean() < 0.3


def test_dropout_static_keep_prob_one_is_identity():
    x = tf.constant(X)
    assert tf.nn.dropout(x, 1.0) is x
    assert tf.nn.dropout(x, rate=0.0) is x


def test_dropout_gradient_is_the_mask():
    x = tf.constant(X)
    y = tf.nn.dropout(x, 0.5, seed=3)
    (g,) = tf.gradients(tf.reduce_sum(y * 3.0), [x])
    yv, gv = run([y, g])
    np.testing.assert_allclose(gv, np.where(yv != 0, 6.0, 0.0))


def test_dropout_is_reproducible_with_seeds():
    def draw():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        y = tf.nn.dropout(tf.ones([10, 10]), 0.5)
        with tf.Session() as sess:
            return sess.run(y), sess.run(y)

    (a1, a2), (b1, b2) = draw(), draw()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # a new mask every run


def test_dropout_noise_shape_shares_the_mask():
    y = tf.nn.dropout(tf.ones([6, 40]), 0.5, noise_shape=[1, 40], seed=0)
    out = run(y)
    assert (out == out[0]).all()
    y = tf.nn.dropout(tf.ones([6, 40]), 0.5, noise_shape=[None, 1], seed=0)
    out = run(y)
    assert (out == out[:, :1]).all()


def test_dropout_errors():
    x = tf.ones([3, 4])
    with pytest.raises(ValueError, match=r"keep_prob must be a scalar tensor or a float in the "
                                         r"range \(0, 1\], got 0"):
        tf.nn.dropout(x, 0.0)
    with pytest.raises(ValueError, match=r"rate must be .* in the range \[0, 1\), got 1"):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError, match="Cannot specify both 'rate' and 'keep_prob'"):
        tf.nn.dropout(x, 0.5, rate=0.5)
    with pytest.raises(ValueError, match="You must provide a rate"):
        tf.nn.dropout(x)
    with pytest.raises(ValueError, match="x has to be a floating point tensor.*int32"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)
    with pytest.raises(ValueError, match=r"noise_shape \[2, 4\] is not broadcastable"):
        tf.nn.dropout(x, 0.5, noise_shape=[2, 4])
    with pytest.raises(ValueError, match=r"keep_prob must be a scalar tensor, got shape \(2,\)"):
        tf.nn.dropout(x, tf.constant([0.5, 0.5]))
    kp = tf.placeholder(tf.float32)
    y = tf.nn.dropout(x, kp)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"dropout rate must be in \[0, 1\).*keep_prob=0"):
            sess.run(y, {kp: 0.0})


# ---- moments and batch normalization -------------------------------------------------------
def test_moments():
    x = np.random.default_rng(0).standard_normal((5, 3, 2))
    mean, var = tf.nn.moments(tf.constant(x), axes=[0, 1])
    assert mean.shape.as_list() == [2] and var.shape.as_list() == [2]
    m, v = run([mean, var])
    np.testing.assert_allclose(m, x.mean((0, 1)), rtol=1e-12)
    np.testing.assert_allclose(v, x.var((0, 1)), rtol=1e-12)
    mk, vk = tf.nn.moments(tf.constant(x), [0], keep_dims=True)
    assert mk.shape.as_list() == [1, 3, 2] and vk.shape.as_list() == [1, 3, 2]
    check_gradients(lambda t: tf.add_n(list(tf.nn.moments(t, [0]))), [x[:, :, 0]])


def test_moments_float16_computed_in_float32():
    x = np.array([[1000.0, 1001.0], [1002.0, 1003.0]], dtype=np.float16)
    mean, var = tf.nn.moments(tf.constant(x), [0])
    assert mean.dtype == tf.float16
    np.testing.assert_allclose(run(var), [1.0, 1.0])


def test_batch_normalization():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3))
    offset, scale = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = x.mean(0), x.var(0)
    ref = (x - mean) / np.sqrt(var + 1e-3) * scale + offset
    got = run(tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3))
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    bare = run(tf.nn.batch_normalization(x, mean, var, None, None, 1e-3))
    np.testing.assert_allclose(bare, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-10)

    def train_mode(x, offset, scale):
        m, v = tf.nn.moments(x, [0])
        return tf.nn.batch_normalization(x, m, v, offset, scale, 1e-3)
    check_gradients(train_mode, [x, offset, scale], second_order=True)
    check_gradients(lambda x, m, v: tf.nn.batch_normalization(x, m, v, None, None, 1e-3),
                    [x, mean, var + 0.5])


def test_batch_normalization_float32_keeps_dtype():
    x = tf.placeholder(tf.float32, [None, 3])
    m, v = tf.nn.moments(x, [0])
    y = tf.nn.batch_normalization(x, m, v, tf.zeros([3]), tf.ones([3]), 1e-3)
    assert y.dtype == tf.float32 and y.shape.as_list() == [None, 3]
    assert run(y, {x: np.ones((2, 3))}).dtype == np.float32


@pytest.mark.parametrize("data_format, shape", [("NHWC", (4, 3, 2, 5)), ("NCHW", (4, 5, 3, 2)),
                                                ("NHWC", (6, 5))])
def test_fused_batch_norm_training_matches_moments_and_batch_normalization(data_format, shape):
    rng = np.random.default_rng(2)
    x, s, o = rng.standard_normal(shape), rng.standard_normal(5), rng.standard_normal(5)
    u = rng.standard_normal(shape)
    axes = [i for i in range(len(shape)) if i != (1 if data_format == "NCHW" else len(shape) - 1)]
    bshape = [5 if i not in axes else 1 for i in range(len(shape))]
    xt, st, ot = tf.constant(x), tf.constant(s), tf.constant(o)
    y, bm, bv = tf.nn.fused_batch_norm(xt, st, ot, epsilon=1e-3, data_format=data_format)
    m, v = tf.nn.moments(xt, axes, keep_dims=True)
    ref = tf.nn.batch_normalization(xt, m, v, tf.reshape(ot, bshape), tf.reshape(st, bshape),
                                    1e-3)
    grads = tf.gradients(tf.reduce_sum(u * y), [xt, st, ot])
    ref_grads = tf.gradients(tf.reduce_sum(u * ref), [xt, st, ot])
    out, want = run([[y, bm, bv], grads]), run([[ref, m, v], ref_grads])
    np.testing.assert_allclose(out[0][0], want[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out[0][1], want[0][1].ravel(), rtol=1e-12)
    n = x.size // 5  # the variance output is the unbiased one, as TF's
    np.testing.assert_allclose(out[0][2], want[0][2].ravel() * n / (n - 1), rtol=1e-12)
    for g, r in zip(out[1], want[1]):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)


def test_fused_batch_norm_inference_and_gradient():
    rng = np.random.default_rng(3)
    x, s, o = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3)
    m, v = rng.standard_normal(3), rng.random(3) + 0.5
    y, bm, bv = tf.nn.fused_batch_norm(x.astype(np.float32), s, o, m, v, is_training=False)
    assert y.dtype == tf.float32 and y.shape.as_list() == [6, 3]
    out = run([y, bm, bv])
    np.testing.assert_allclose(out[0], (x - m) / np.sqrt(v + 1e-3) * s + o, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(out[1], m, rtol=1e-6)
    np.testing.assert_allclose(out[2], v, rtol=1e-6)


def test_fused_batch_norm_errors():
    x = tf.ones([2, 3])
    with pytest.raises(ValueError, match="data_format must be 'NHWC' or 'NCHW', got 'NDHWC'"):
        tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]), data_format="NDHWC")
    with pytest.raises(ValueError, match="'mean' and 'variance' must be given"):
        tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]), is_training=False)
    with pytest.raises(TypeError, match="supports float32 and float64, got float16"):
        tf.nn.fused_batch_norm(tf.ones([2, 3], tf.float16), [1.0] * 3, [0.0] * 3)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        tf.nn.fused_batch_norm(tf.ones([3]), tf.ones([3]), tf.zeros([3]))
    # second derivatives (the op table checks their values) need to know the reduced axes
    p = tf.placeholder(tf.float32, None)
    y = tf.nn.fused_batch_norm(p, tf.ones([3]), tf.zeros([3]))[0]
    (g,) = tf.gradients(tf.reduce_sum(y * y), [p])
    with pytest.raises(LookupError, match="Second derivatives of fused_batch_norm need inputs "
                                          "of known rank"):
        tf.gradients(tf.reduce_sum(g * g), [p])


# ---- top_k ---------------------------------------------------------------------------------
def test_top_k_values_indices_and_ties():
    values, indices = tf.nn.top_k(tf.constant([[1, 3, 3, 2], [5, 5, 5, 5]]), k=3)
    assert values.shape.as_list() == [2, 3] and indices.dtype == tf.int32
    v, i = run([values, indices])
    np.testing.assert_array_equal(v, [[3, 3, 2], [5, 5, 5]])
    np.testing.assert_array_equal(i, [[1, 2, 3], [0, 1, 2]])
    res = tf.nn.top_k(X)
    assert run(res.values).tolist() == [[2.0], [7.0]] and run(res.indices).tolist() == [[3], [2]]


def test_top_k_errors():
    with pytest.raises(ValueError, match="input must have at least k columns. Had 4, needed 5"):
        tf.nn.top_k(tf.constant(X), 5)
    with pytest.raises(ValueError, match="Need k >= 0, got -1"):
        tf.nn.top_k(tf.constant(X), -1)
    x = tf.placeholder(tf.float32, [None, None])
    t = tf.nn.top_k(x, 3)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Had 2, needed 3"):
            sess.run(t, {x: np.ones((2, 2))})


# ---- embedding_lookup ----------------------------------------------------------------------
def test_embedding_lookup_single_table_and_gradient():
    params = np.arange(15.0).reshape(5, 3)
    ids = np.array([[4, 0], [2, 2]])
    out = tf.nn.embedding_lookup(tf.constant(params), tf.constant(ids))
    assert out.shape.as_list() == [2, 2, 3]
    np.testing.assert_array_equal(run(out), params[ids])
    p = tf.Variable(params)
    (g,) = tf.gradients(tf.reduce_sum(tf.nn.embedding_lookup(p, ids)), [p])
    with tf.Session() as sess:
        sess.run(p.initializer)
        dense = sess.run(tf.convert_to_tensor(g))
    np.testing.assert_array_equal(dense.sum(1), [3.0, 0.0, 6.0, 0.0, 3.0])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_sharded(strategy):
    table = np.arange(7.0)[:, None] * np.ones((1, 2))
    if strategy == "mod":  # id i lives in shard i % 3 at row i // 3
        shards = [table[s::3] for s in range(3)]
    else:  # contiguous blocks
        shards = [table[:3], table[3:5], table[5:]]
    ids = [6, 0, 5, 1, 3]
    out = tf.nn.embedding_lookup([tf.constant(s) for s in shards], ids,
                                 partition_strategy=strategy)
    np.testing.assert_array_equal(run(out), table[ids])


def test_embedding_lookup_max_norm():
    params = np.array([[3.0, 4.0], [0.3, 0.4]])
    out = run(tf.nn.embedding_lookup(params, [0, 1], max_norm=1.0))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.3, 0.4]])


def test_embedding_lookup_errors():
    with pytest.raises(ValueError, match="Need at least one param"):
        tf.nn.embedding_lookup([], [0])
    with pytest.raises(ValueError, match="Unrecognized partition strategy: foo"):
        tf.nn.embedding_lookup(np.ones((2, 2)), [0], partition_strategy="foo")
    with pytest.raises(TypeError, match="ids must be int32 or int64, got float32"):
        tf.nn.embedding_lookup(np.ones((2, 2)), tf.constant([0.0]))


def test_public_names():
    for name in ["relu6", "elu", "selu", "leaky_relu", "softplus", "softsign", "sigmoid", "tanh",
                 "log_sigmoid", "swish", "gelu", "dropout", "sigmoid_cross_entropy_with_logits",
                 "weighted_cross_entropy_with_logits", "l2_loss", "l2_normalize", "moments",
                 "batch_normalization", "fused_batch_norm", "top_k", "embedding_lookup",
                 "zero_fraction",
                 "softmax_cross_entropy_with_logits_v2", "relu_layer", "xw_plus_b"]:
        assert callable(getattr(tf.nn, name)), name
