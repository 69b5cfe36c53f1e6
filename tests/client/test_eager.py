"""Eager execution: ops run at once through the same registry (infer, kernel) as graphs."""

import numpy as np
import pytest

import tensorfluxo as tf

pytestmark = pytest.mark.usefixtures("eager")


def test_tensors_print_their_values_as_tf2():
    assert str(tf.constant(42)) == "tf.Tensor(42, shape=(), dtype=int32)"
    assert repr(tf.constant(1.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.5>"
    assert str(tf.constant([[1, 2], [3, 4]])) == \
        "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"
    assert repr(tf.constant([1.0, 2.0])) == \
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert repr(tf.constant("hi")) == "<tf.Tensor: shape=(), dtype=string, numpy=b'hi'>"


def test_tensors_convert_to_python_and_numpy():
    a = tf.constant([[1, 2], [3, 4]])
    assert isinstance(a, tf.Tensor)
    np.testing.assert_array_equal(np.asarray(a), [[1, 2], [3, 4]])
    assert a.numpy().dtype == np.int32 and a.shape == (2, 2) and a.ndim == 2
    assert a.dtype == tf.int32
    assert int(a[1, 0]) == 3 and float(tf.constant(2.5)) == 2.5
    assert bool(tf.constant(True)) and len(a) == 2
    assert [r.numpy().tolist() for r in a] == [[1, 2], [3, 4]]
    assert tf.constant(3.0).numpy() == 3.0 and np.ndim(tf.constant(3.0).numpy()) == 0
    assert f"{tf.constant(2.0):.2f}" == "2.00"
    assert list(range(10))[tf.constant(2)] == 2
    with pytest.raises(TypeError, match="Scalar tensor has no `len"):
        len(tf.constant(1))


def test_operators_and_comparisons_run_at_once():
    a = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_allclose((a * 2 + 1).numpy(), [3, 5, 7])
    np.testing.assert_allclose((1 - a).numpy(), [0, -1, -2])
    np.testing.assert_allclose((np.float32(2) * a).numpy(), [2, 4, 6])
    np.testing.assert_array_equal((a > 1.5).numpy(), [False, True, True])
    np.testing.assert_array_equal((a == tf.constant([1.0, 0.0, 3.0])).numpy(),
                                  [True, False, True])
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose((m @ m).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_allclose(tf.reduce_mean(m, axis=0).numpy(), [2, 3])
    np.testing.assert_allclose(tf.reshape(m, [4]).numpy(), [1, 2, 3, 4])
    np.testing.assert_allclose(tf.reshape(m, [1, 4]).numpy(), [[1, 2, 3, 4]])  # cached by value
    assert tf.nn.softmax(m).shape == (2, 2)


def test_shape_errors_are_raised_before_the_kernel_runs():
    with pytest.raises(ValueError, match=r"Dimensions must be equal.*\[Op:Add\].*\(2,\), \(3,\)"):
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="does not match type float32"):
        tf.add(tf.constant([1.0]), tf.constant([1], dtype=tf.int32))
    with pytest.raises(ValueError, match="Cannot reshape"):
        tf.reshape(tf.constant([1.0, 2.0, 3.0]), [2])


def test_random_ops_follow_the_global_seed():
    tf.random.set_seed(7)
    a = tf.random.normal([3]).numpy()
    b = tf.random.uniform([2]).numpy()
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.random.normal([3]).numpy(), a)
    np.testing.assert_array_equal(tf.random.uniform([2]).numpy(), b)
    assert not np.array_equal(tf.random.normal([3]).numpy(), a)  # a new call, new numbers


def test_set_seed_restarts_the_random_ops_of_traced_functions():
    tf.random.set_seed(1)

    @tf.function
    def f():
        return tf.random.normal([2])
    first, second = f().numpy(), f().numpy()
    assert not np.array_equal(first, second)  # a stateful op: new numbers at every call
    tf.random.set_seed(1)
    np.testing.assert_array_equal(f().numpy(), first)  # as TF2: the stream starts again
    tf.random.set_seed(1)
    h = tf.function(lambda: tf.random.normal([2]))
    np.testing.assert_array_equal(h().numpy(), first)  # same op seed, its own stream
    np.testing.assert_array_equal(f().numpy(), first)
    np.testing.assert_array_equal(f().numpy(), second)
    tf.random.set_seed(1)
    a = tf.random.normal([2], seed=5).numpy()
    assert not np.array_equal(tf.random.normal([2], seed=5).numpy(), a)
    tf.random.set_seed(1)
    np.testing.assert_array_equal(tf.random.normal([2], seed=5).numpy(), a)


def test_graph_inside_eager_builds_a_graph():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [2])
        y = x * 2
        assert y.graph is g
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(y, {x: [1, 2]}), [2, 4])


def test_placeholder_and_session_are_refused_in_eager_mode():
    with pytest.raises(RuntimeError, match=r"tf.placeholder\(\) is not compatible with eager"):
        tf.placeholder(tf.float32)
    with pytest.raises(RuntimeError, match=r"tf.Session\(\) is not compatible with eager"):
        tf.Session()
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager"):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))


# ---- variables -------------------------------------------------------------------------------
def test_variables_are_initialized_on_creation():
    v = tf.Variable([1.0, 2.0], name="v")
    assert repr(v) == \
        "<tf.Variable 'v:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert v.trainable and v.name == "v:0" and isinstance(v, tf.Variable)
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    np.testing.assert_allclose((v * 2).numpy(), [7, 9])
    snap = v.read_value()
    v.assign([0.0, 0.0])
    np.testing.assert_allclose(snap.numpy(), [3.5, 4.5])  # a read is a snapshot
    assert float(tf.Variable(2.5)) == 2.5
    np.testing.assert_allclose(np.asarray(v), [0, 0])
    with tf.name_scope("layer"):
        assert tf.Variable(1, name="w").name == "layer/w:0"
    w = tf.Variable(lambda: tf.ones([2, 2]), trainable=False)
    assert not w.trainable and w.shape == (2, 2)


def test_variable_bad_assign_is_refused():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="incompatible"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        v.assign(tf.constant([1, 2]))


# ---- GradientTape ----------------------------------------------------------------------------
def test_tape_gradient_of_watched_constant_and_unwatched_none():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        tape.gradient(y, x)


def test_tape_watches_trainable_variables_and_nested_sources():
    w = tf.Variable([[1.0], [2.0]])
    b = tf.Variable(0.5)
    frozen = tf.Variable(1.0, trainable=False)
    x = tf.constant([[1.0, 1.0], [2.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, w) + b) * frozen
    grads = tape.gradient(loss, {"w": w, "rest": [b, frozen]})
    np.testing.assert_allclose(grads["w"].numpy(), [[3.0], [1.0]])
    assert float(grads["rest"][0]) == 2.0 and grads["rest"][1] is None
    assert tape.watched_variables() == (w, b)


def test_tape_sources_and_targets_may_be_namedtuples():
    import collections
    Pair = collections.namedtuple("Pair", "h c")
    src = Pair(tf.Variable(2.0), tf.Variable(3.0))
    with tf.GradientTape() as tape:
        out = Pair(src.h * src.c, src.c * src.c)
    grads = tape.gradient(out, src)  # d(hc + c^2)/dh = c, /dc = h + 2c
    assert isinstance(grads, Pair) and (float(grads.h), float(grads.c)) == (3.0, 8.0)


def test_tape_unconnected_gradients_and_output_gradients():
    x, z = tf.Variable(2.0), tf.Variable([1.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 3.0
    assert tape.gradient(y, z) is None
    np.testing.assert_array_equal(
        tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy(), [0, 0])
    assert float(tape.gradient(y, x, output_gradients=tf.constant(2.0))) == 6.0


def test_persistent_tape_and_stop_recording():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 10.0  # not recorded
        w = y * 2.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2, 4])
    np.testing.assert_allclose(tape.gradient(w, x).numpy(), [4, 8])
    assert tape.gradient(z, x) is None


def test_nested_tapes_give_second_order():
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, x)) == 12.0


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    assert j.shape == (2, 2, 2, 2)
    expected = np.zeros((2, 2, 2, 2), np.float32)
    for i in range(2):
        for k in range(2):
            expected[i, k, i, k] = 2 * x.numpy()[i, k]
    np.testing.assert_allclose(j.numpy(), expected)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 2, 2)
    np.testing.assert_allclose(bj.numpy(), [[[2, 0], [0, 4]], [[6, 0], [0, 8]]])


def test_tape_gradient_matches_finite_differences_through_a_variable():
    w = tf.Variable(np.array([[0.3, -0.2], [0.1, 0.4]]))
    x = tf.constant(np.array([[1.0, 2.0], [0.5, -1.0]]))

    def loss():
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)

    with tf.GradientTape() as tape:
        value = loss()
    g = tape.gradient(value, w).numpy()
    base = w.numpy()
    num = np.zeros_like(base)
    for idx in np.ndindex(*base.shape):
        for sign in (1, -1):
            p = base.copy()
            p[idx] += sign * 1e-6
            w.assign(p)
            num[idx] += sign * float(loss()) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-5)


def test_cond_and_while_loop_run_as_python_in_eager_mode():
    x = tf.constant(3.0)
    assert float(tf.cond(x > 0, lambda: x * 2, lambda: -x)) == 6.0
    assert float(tf.cond(x < 0, lambda: x * 2, lambda: -x)) == -3.0
    i, s = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
    assert int(i) == 5 and int(s) == 10
    n = tf.while_loop(lambda n: n < 100, lambda n: n * 2, [tf.constant(1)],
                      maximum_iterations=3)
    assert int(n[0]) == 8
