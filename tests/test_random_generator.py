"""tf.random.Generator: Philox streams in a state variable, as TensorFlow 2.21 draws them."""

import numpy as np
import pytest

import tensorfluxo as tf

# TF 2.21's numbers for Generator.from_seed(1) (tf.random.Generator.from_seed(1).normal([3]),
# ... printed by /tmp/tfvenv when these tests were written).
TF_NORMAL = [0.43842274, -0.53439844, -0.07710262]
TF_UNIFORM = [0.78749514, 0.3906511, 0.29263055, 0.99216926, 0.95810425, 0.55623317]


def test_seeded_streams_and_state_match_tensorflow(eager):
    g = tf.random.Generator.from_seed(1)
    assert g.algorithm == 1 and g.state.dtype == tf.int64 and not g.state.trainable
    np.testing.assert_array_equal(g.state.numpy(), [1, 0, 0])
    np.testing.assert_allclose(g.normal([3]).numpy(), TF_NORMAL, atol=1e-6)
    np.testing.assert_array_equal(g.state.numpy(), [769, 0, 0])  # 256 counters per element
    np.testing.assert_allclose(g.uniform([2]).numpy(), [0.6941341, 0.7800473], rtol=1e-7)
    np.testing.assert_array_equal(g.uniform([5], 0, 10, dtype=tf.int32).numpy(), [0, 5, 6, 8, 7])
    assert g.uniform([5], -3, 10, dtype=tf.int64).numpy().tolist() == [2, -2, 1, -1, 1]
    np.testing.assert_allclose(g.truncated_normal([3]).numpy(),
                               [-0.27853063, -0.14030406, 0.2546973], atol=1e-6)
    np.testing.assert_array_equal(g.make_seeds(2).numpy(),
                                  [[-4186614046594850019, 5487803088906590464], [0, 0]])
    np.testing.assert_array_equal(g.state.numpy(), [5121, 0, 0])
    g.reset_from_seed(1)
    np.testing.assert_allclose(g.uniform([6]).numpy(), TF_UNIFORM, rtol=1e-7)
    g.reset_from_seed(1)
    np.testing.assert_array_equal(g.uniform_full_int([2], dtype=tf.int64).numpy(),
                                  [6679402142117448868, 684265014234019051])
    g.reset_from_seed(1)
    np.testing.assert_allclose(g.uniform([3], dtype=tf.float64).numpy(),
                               [0.29996144, 0.34104446, 0.66483433], rtol=1e-7)
    np.testing.assert_array_equal(tf.random.Generator.from_seed(-5).state.numpy(), [-5, -1, -1])
    np.testing.assert_array_equal(tf.random.Generator.from_seed(2**64 + 5).state.numpy(),
                                  [5, 1, 0])


def test_split_skip_and_parameters(eager):
    g = tf.random.Generator.from_seed(5)
    a, b = g.split(2)
    np.testing.assert_array_equal(a.state.numpy(), [0, 0, 511886651086640123])  # as TF
    np.testing.assert_array_equal(b.state.numpy(), [0, 0, 6557199171514225562])
    np.testing.assert_array_equal(g.state.numpy(), [517, 0, 0])
    assert not np.array_equal(a.normal([4]).numpy(), b.normal([4]).numpy())
    g = tf.random.Generator.from_seed(1)
    np.testing.assert_array_equal(g.skip(10).numpy(), [1, 0, 0])  # the old state
    np.testing.assert_array_equal(g.state.numpy(), [2561, 0, 0])
    u = tf.random.Generator.from_seed(1).uniform([2], minval=[0.0, 10.0], maxval=[1.0, 20.0])
    np.testing.assert_allclose(u.numpy(), [0.78749514, 13.906511], atol=1e-6)
    z = tf.random.Generator.from_seed(1).normal([2], mean=1.0, stddev=2.0, dtype=tf.float64)
    assert z.dtype == tf.float64
    big = tf.random.Generator.from_seed(7)
    x = big.normal([20000]).numpy()
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05
    t = big.truncated_normal([20000], mean=3.0).numpy()
    assert t.min() >= 1.0 and t.max() <= 5.0 and abs(t.mean() - 3) < 0.05
    n = big.binomial([20000], counts=10.0, probs=0.3).numpy()
    assert n.dtype == np.int32 and abs(n.mean() - 3) < 0.1 and n.min() >= 0 and n.max() <= 10
    h = tf.random.Generator(copy_from=big)
    np.testing.assert_array_equal(h.normal([3]).numpy(), big.normal([3]).numpy())


def test_generator_in_tf_function_and_global_generator(eager):
    g = tf.random.Generator.from_seed(1)

    @tf.function
    def f():
        return g.normal([3])
    np.testing.assert_allclose(f().numpy(), TF_NORMAL, atol=1e-6)
    np.testing.assert_allclose(f().numpy(), [-0.8393225, 0.16036783, -0.8617846], atol=1e-6)
    np.testing.assert_array_equal(g.state.numpy(), [1537, 0, 0])  # the variable was captured
    glob = tf.random.get_global_generator()
    assert tf.random.get_global_generator() is glob
    mine = tf.random.Generator.from_seed(3)
    tf.random.set_global_generator(mine)
    assert tf.random.get_global_generator() is mine
    tf.random.set_global_generator(glob)
    assert tf.random.Generator.from_non_deterministic_state().state.shape == (3,)


def test_generator_in_a_graph_session():
    g = tf.random.Generator.from_seed(1)
    x = g.normal([2])
    assert x.shape == (2,) and x.dtype == tf.float32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(x), TF_NORMAL[:2], atol=1e-6)
        np.testing.assert_allclose(sess.run(x), [1.6307176, 0.00784778], atol=1e-6)
        lo = tf.placeholder(tf.int32, [])
        bad = g.uniform([2], lo, 3, dtype=tf.int32)  # bounds known at run time only
        with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval, got 5"):
            sess.run(bad, {lo: 5})


def test_generator_errors_name_the_problem(eager):
    g = tf.random.Generator.from_seed(1)
    with pytest.raises(ValueError, match="minval and maxval must be both `None` or both "
                                         "non-`None`; got minval=1 and maxval=None"):
        g.uniform([2], minval=1, dtype=tf.int32)
    with pytest.raises(ValueError, match="Need minval < maxval, got 5 >= 3"):
        g.uniform([2], 5, 3, dtype=tf.int32)
    with pytest.raises(ValueError, match="Argument `alg` got unsupported value bogus"):
        tf.random.Generator.from_seed(1, alg="bogus")
    with pytest.raises(NotImplementedError, match="Philox algorithm only"):
        tf.random.Generator.from_seed(1, alg="threefry")
    with pytest.raises(ValueError, match="Generator.normal needs a floating dtype, got int32"):
        g.normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match=r"a Philox state has 3 int64 words, got shape \(2,\)"):
        tf.random.Generator.from_state([1, 2], "philox")
    with pytest.raises(ValueError, match="uniform_full_int: dtype must be one of"):
        g.uniform_full_int([2], dtype=tf.float32)
    with pytest.raises(ValueError, match="needs `copy_from` or `state`"):
        tf.random.Generator()


def test_stateless_ops_are_functions_of_the_seed_as_in_tensorflow(eager):
    np.testing.assert_allclose(tf.random.stateless_uniform([6], seed=[1, 0]).numpy(),
                               [0.8784882, 0.45998025, 0.60029125, 0.39259768, 0.25319326,
                                0.44429922], rtol=1e-6)  # TF 2.21's numbers
    np.testing.assert_allclose(tf.random.stateless_normal([4], seed=[1, 2]).numpy(),
                               [0.5441101, 0.20738031, 0.07356432, 0.04643455], atol=1e-6)
    assert tf.random.stateless_uniform([4], seed=[1, 2], minval=0, maxval=10,
                                       dtype=tf.int32).numpy().tolist() == [0, 9, 4, 9]
    a = tf.random.stateless_truncated_normal([1000], seed=[3, 4], mean=1.0)
    np.testing.assert_array_equal(
        a.numpy(), tf.random.stateless_truncated_normal([1000], seed=[3, 4], mean=1.0).numpy())
    assert float(tf.reduce_max(tf.abs(a - 1.0))) <= 2.0
    seeds = tf.random.Generator.from_seed(1).make_seeds(2)
    x = tf.random.stateless_uniform([3], seed=seeds[:, 0])
    np.testing.assert_array_equal(x.numpy(), tf.random.stateless_uniform(
        [3], seed=tf.constant([6679402142117448868, 0], tf.int64)).numpy())

    @tf.function
    def f(seed):
        return tf.random.stateless_normal([2], seed=seed)
    np.testing.assert_array_equal(f(tf.constant([1, 2])).numpy(), f(tf.constant([1, 2])).numpy())
    with pytest.raises(ValueError, match=r"seed must be an integer tensor of shape \[2\], got "
                                         r"int32 \(3,\)"):
        tf.random.stateless_uniform([2], seed=tf.constant([1, 2, 3]))
    with pytest.raises(ValueError, match="Need minval < maxval, got 3 >= 3"):
        tf.random.stateless_uniform([2], seed=[1, 2], minval=3, maxval=3, dtype=tf.int32)


def test_stateless_ops_in_a_graph_session():
    seed = tf.placeholder(tf.int64, [2])
    x = tf.random.stateless_uniform([3], seed=seed)
    with tf.Session() as sess:
        a = sess.run(x, {seed: [1, 0]})
        np.testing.assert_allclose(a, [0.8784882, 0.45998025, 0.60029125], rtol=1e-6)
        np.testing.assert_array_equal(sess.run(x, {seed: [1, 0]}), a)
        assert not np.array_equal(sess.run(x, {seed: [1, 1]}), a)
