"""tf.train optimizers: trajectories against NumPy references of TensorFlow's update formulas,
slot names, minimize/apply_gradients contracts and errors."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.framework.ops import apply_op
from tensorfluxo.train.optimizers import (
    AdadeltaOptimizer,
    AdagradOptimizer,
    AdamOptimizer,
    MomentumOptimizer,
    RMSPropOptimizer,
)

W0 = np.array([[1.0, -2.0], [0.5, 3.0]])
A = np.array([[2.0, 0.5], [1.0, 3.0]])


def grad_of(w):
    """Gradient of the quadratic loss sum(A * w**2) + sum(w) used by every trajectory test."""
    return 2 * A * w + 1


# ---- NumPy references (TF's formulas), one step each; state is a dict of arrays -------------
def ref_momentum(w, g, s, lr=0.1, mu=0.9, nesterov=False):
    s["a"] = s.get("a", np.zeros_like(w)) * mu + g
    return w - (lr * g + lr * mu * s["a"] if nesterov else lr * s["a"])


def ref_adagrad(w, g, s, lr=0.1, init=0.1):
    s["a"] = s.get("a", np.full_like(w, init)) + g * g
    return w - lr * g / np.sqrt(s["a"])


def ref_rmsprop(w, g, s, lr=0.01, rho=0.9, mu=0.0, eps=1e-10, centered=False):
    s["ms"] = rho * s.get("ms", np.ones_like(w)) + (1 - rho) * g * g
    denom = s["ms"] + eps
    if centered:
        s["mg"] = rho * s.get("mg", np.zeros_like(w)) + (1 - rho) * g
        denom = denom - s["mg"] ** 2
    s["mom"] = mu * s.get("mom", np.zeros_like(w)) + lr * g / np.sqrt(denom)
    return w - s["mom"]


def ref_adam(w, g, s, lr=0.1, b1=0.9, b2=0.999, eps=1e-8):
    s["t"] = s.get("t", 0) + 1
    lr_t = lr * np.sqrt(1 - b2 ** s["t"]) / (1 - b1 ** s["t"])
    s["m"] = b1 * s.get("m", np.zeros_like(w)) + (1 - b1) * g
    s["v"] = b2 * s.get("v", np.zeros_like(w)) + (1 - b2) * g * g
    return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)


def ref_adadelta(w, g, s, lr=1.0, rho=0.95, eps=1e-8):
    s["a"] = rho * s.get("a", np.zeros_like(w)) + (1 - rho) * g * g
    upd = np.sqrt(s.get("u", np.zeros_like(w)) + eps) / np.sqrt(s["a"] + eps) * g
    s["u"] = rho * s.get("u", np.zeros_like(w)) + (1 - rho) * upd * upd
    return w - lr * upd


CASES = {
    "momentum": (lambda: MomentumOptimizer(0.1, 0.9), ref_momentum),
    "nesterov": (lambda: MomentumOptimizer(0.1, 0.9, use_nesterov=True),
                 lambda w, g, s: ref_momentum(w, g, s, nesterov=True)),
    "adagrad": (lambda: AdagradOptimizer(0.1), ref_adagrad),
    "rmsprop": (lambda: RMSPropOptimizer(0.01), ref_rmsprop),
    "rmsprop_momentum": (lambda: RMSPropOptimizer(0.01, momentum=0.5),
                         lambda w, g, s: ref_rmsprop(w, g, s, mu=0.5)),
    "rmsprop_centered": (lambda: RMSPropOptimizer(0.01, momentum=0.5, centered=True),
                         lambda w, g, s: ref_rmsprop(w, g, s, mu=0.5, centered=True)),
    "adam": (lambda: AdamOptimizer(0.1), ref_adam),
    "adadelta": (lambda: AdadeltaOptimizer(1.0), ref_adadelta),
    "gd": (lambda: tf.train.GradientDescentOptimizer(0.05),
           lambda w, g, s: w - 0.05 * g),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_reference(case, dtype):
    make, ref = CASES[case]
    w = tf.Variable(W0.astype(dtype), name="w")
    loss = tf.reduce_sum(tf.constant(A, dtype=dtype) * w * w) + tf.reduce_sum(w)
    train = make().minimize(loss)
    expected, state = W0.astype(np.float64), {}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(5):
            sess.run(train)
            expected = ref(expected, grad_of(expected), state)
            got = sess.run(w)
            assert got.dtype == dtype
            np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("make, slots", [
    (lambda: MomentumOptimizer(0.1, 0.9), {"momentum": "w/Momentum"}),
    (lambda: AdagradOptimizer(0.1), {"accumulator": "w/Adagrad"}),
    (lambda: RMSPropOptimizer(0.1), {"rms": "w/RMSProp", "momentum": "w/RMSProp_1"}),
    (lambda: RMSPropOptimizer(0.1, centered=True),
     {"rms": "w/RMSProp", "mg": "w/RMSProp_1", "momentum": "w/RMSProp_2"}),
    (lambda: AdamOptimizer(), {"m": "w/Adam", "v": "w/Adam_1"}),
    (lambda: AdadeltaOptimizer(), {"accum": "w/Adadelta", "accum_update": "w/Adadelta_1"}),
])
def test_slots_named_as_tensorflow(make, slots):
    w = tf.Variable(W0, name="w")
    opt = make()
    opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot_names() == sorted(slots)
    for slot, var_name in slots.items():
        s = opt.get_slot(w, slot)
        assert s.op.name == var_name
        assert s.dtype == w.dtype and s.shape.as_list() == [2, 2]
        assert s not in tf.trainable_variables() and s in tf.global_variables()


def test_slot_initial_values():
    w = tf.Variable(W0, name="w")
    ada, rms = AdagradOptimizer(0.1, initial_accumulator_value=0.3), RMSPropOptimizer(0.1)
    ada.minimize(tf.reduce_sum(w * w))
    rms.minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(ada.get_slot(w, "accumulator")), np.full((2, 2), .3))
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "rms")), np.ones((2, 2)))
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "momentum")), np.zeros((2, 2)))


def test_adam_beta_powers_are_non_slot_variables_updated_each_step():
    w = tf.Variable(W0.astype(np.float32), name="w")
    opt = AdamOptimizer(0.01, beta1=0.8, beta2=0.9)
    train = opt.minimize(tf.reduce_sum(w * w))
    names = sorted(v.op.name for v in opt.variables())
    assert names == ["beta1_power", "beta2_power", "w/Adam", "w/Adam_1"]
    b1p = tf.get_default_graph().get_tensor_by_name("beta1_power:0")
    b2p = tf.get_default_graph().get_tensor_by_name("beta2_power:0")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run([b1p, b2p]), [0.8, 0.9], rtol=1e-6)
        for _ in range(3):
            sess.run(train)
        np.testing.assert_allclose(sess.run([b1p, b2p]), [0.8 ** 4, 0.9 ** 4], rtol=1e-6)


def test_minimize_increments_global_step():
    w = tf.Variable(W0, name="w")
    step = tf.train.get_or_create_global_step()
    train = AdamOptimizer(0.1).minimize(tf.reduce_sum(w * w), global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            sess.run(train)
        assert sess.run(step) == 4


def test_var_list_restricts_updates():
    a = tf.Variable(W0, name="a")
    b = tf.Variable(W0, name="b")
    opt = MomentumOptimizer(0.1, 0.9)
    train = opt.minimize(tf.reduce_sum(a * b), var_list=[a])
    assert opt.get_slot(b, "momentum") is None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert not np.array_equal(sess.run(a), W0)
        np.testing.assert_array_equal(sess.run(b), W0)


def test_compute_then_apply_gradients_with_clipping():
    w = tf.Variable(W0, name="w")
    opt = AdagradOptimizer(0.5)
    grads_and_vars = opt.compute_gradients(tf.reduce_sum(tf.constant(A) * w * w) + tf.reduce_sum(w))
    assert [v for _, v in grads_and_vars] == [w]
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in grads_and_vars]
    train = opt.apply_gradients(clipped)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        g = np.clip(grad_of(W0), -1, 1)
        np.testing.assert_allclose(sess.run(w), W0 - 0.5 * g / np.sqrt(0.1 + g * g))


def test_tensor_learning_rate_from_placeholder():
    w = tf.Variable(W0.astype(np.float32), name="w")
    lr = tf.placeholder(tf.float32, [])
    train = MomentumOptimizer(lr, 0.0).minimize(tf.reduce_sum(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.25})
        np.testing.assert_allclose(sess.run(w), W0 - 0.25)


def test_no_gradients_error_names_variables():
    w = tf.Variable(W0, name="weights")
    loss = tf.reduce_sum(tf.stop_gradient(w))
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*weights:0"):
        AdamOptimizer().minimize(loss)


def test_adagrad_rejects_nonpositive_initial_accumulator():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive: 0.0"):
        AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_apply_op_rejects_mismatched_dtypes():
    w = tf.Variable(W0, name="w")  # float64
    accum = tf.Variable(W0, name="accum")
    # The op is built directly, as a Keras optimizer would.
    with pytest.raises(TypeError, match="expected float64 like variable 'w'"):
        apply_op("ApplyAdagrad", [w, accum, tf.constant(0.1, tf.float32),
                                  tf.constant(0.0, tf.float64), tf.ones([2, 2], tf.float64)])
    with pytest.raises(ValueError, match=r"ApplyAdagrad takes 5 inputs \(var, accum, lr, "
                                         r"epsilon, grad\), got 4"):
        apply_op("ApplyAdagrad", [w, accum, tf.constant(0.1, tf.float64),
                                  tf.ones([2, 2], tf.float64)])


def test_uninitialized_slot_raises_failed_precondition():
    w = tf.Variable(W0, name="w")
    train = MomentumOptimizer(0.1, 0.9).minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="w/Momentum"):
            sess.run(train)


def test_update_is_in_place_and_fetched_values_are_not_changed_later():
    w = tf.Variable(W0.astype(np.float32), name="w")
    train = AdamOptimizer(0.1).minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(w)
        sess.run(train)
        np.testing.assert_array_equal(before, W0.astype(np.float32))


def test_apply_adam_nesterov_op():
    """The op Keras-style optimizers build directly, with TF's use_nesterov attribute."""
    w, m, v = (tf.Variable(x, name=n) for x, n in [(W0, "w"), (W0 * 0.1, "m"), (W0 ** 2, "v")])
    c = [tf.constant(x, tf.float64) for x in (0.9 ** 2, 0.999 ** 2, 0.1, 0.9, 0.999, 1e-8)]
    op = apply_op("ApplyAdam", [w, m, v, *c, tf.constant(A)], {"use_nesterov": True})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        got = sess.run([w, m, v])
    m1 = 0.9 * W0 * 0.1 + 0.1 * A
    v1 = 0.999 * W0 ** 2 + 0.001 * A * A
    lr_t = 0.1 * np.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    w1 = W0 - lr_t * (0.9 * m1 + 0.1 * A) / (np.sqrt(v1) + 1e-8)
    for g, r in zip(got, [w1, m1, v1]):
        np.testing.assert_allclose(g, r, rtol=1e-12)


def test_apply_adagrad_op_has_epsilon_inside_the_root():
    """As Keras 3 (TF 2.21) places it; tf.train's Adagrad passes epsilon 0."""
    w, acc = tf.Variable(W0, name="w"), tf.Variable(np.full((2, 2), 0.1), name="acc")
    lr, eps = tf.constant(0.5, tf.float64), tf.constant(0.01, tf.float64)
    op = apply_op("ApplyAdagrad", [w, acc, lr, eps, tf.constant(A)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        np.testing.assert_allclose(sess.run(w), W0 - 0.5 * A / np.sqrt(0.1 + A * A + 0.01))


# ---- the fused Adam over many small variables ----------------------------------------------
def _two_layer_adam(fuse, monkeypatch):
    from tensorfluxo.train import rules
    monkeypatch.setattr(rules, "FUSE_LIMIT", 1 << 16 if fuse else 0)
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32))
    w1 = tf.Variable(tf.random_normal([3, 4]), name="w1")
    b1 = tf.Variable(tf.zeros([4]), name="b1")
    w2 = tf.Variable(tf.random_normal([4, 1]), name="w2")
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) - 1.0))
    opt = tf.train.AdamOptimizer(0.05)
    train = opt.minimize(loss)
    return train, [w1, b1, w2], opt


def test_fused_adam_follows_the_per_variable_trajectory(monkeypatch):
    results = []
    for fuse in (False, True):
        train, vars_, opt = _two_layer_adam(fuse, monkeypatch)
        types = {op.type for op in tf.get_default_graph().get_operations()}
        assert ("ApplyAdamMulti" in types) == fuse
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(5):
                sess.run(train)
            results.append(sess.run(vars_ + [opt.get_slot(vars_[0], "m")]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_fused_adam_sees_assigned_and_restored_values(monkeypatch, tmp_path):
    train, vars_, _ = _two_layer_adam(True, monkeypatch)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)                       # packs the variables into flat buffers
        path = saver.save(sess, str(tmp_path / "m.ckpt"))
        saved = sess.run(vars_)
        sess.run(train)
        saver.restore(sess, path)             # replaces the buffers
        np.testing.assert_array_equal(sess.run(vars_[0]), saved[0])
        sess.run(tf.assign(vars_[2], tf.zeros([4, 1])))
        sess.run(train)                       # must start from the assigned value
        w2 = sess.run(vars_[2])
    assert np.abs(w2).max() < 0.1  # one Adam step of lr 0.05 away from zero


# ---- FTRL and ProximalAdagrad arguments; the rule table's own checks ------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: tf.train.FtrlOptimizer(0.1, initial_accumulator_value=-1.0),
     "initial_accumulator_value -1.000000 needs to be positive or zero"),
    (lambda: tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5),
     "learning_rate_power 0.500000 needs to be negative or zero"),
    (lambda: tf.train.FtrlOptimizer(0.1, l2_regularization_strength=-1.0),
     "l2_regularization_strength -1.000000 needs to be positive or zero"),
    (lambda: tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0),
     "initial_accumulator_value must be positive: 0.0")])
def test_ftrl_and_proximal_adagrad_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_ftrl_slots_named_as_tensorflow():
    w = tf.Variable(W0, name="w")
    opt = tf.train.FtrlOptimizer(0.1)
    opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot(w, "accum").op.name == "w/Ftrl"
    assert opt.get_slot(w, "linear").op.name == "w/Ftrl_1"


def test_rule_declaration_and_attribute_errors():
    from tensorfluxo.train import rules
    with pytest.raises(ValueError, match="ApplyBad: inputs must be var, the slots, then the "
                                         "scalars and grad: lr var grad"):
        rules.rule("ApplyBad", "lr var grad", lambda tmp, w, lr, g: None)
    w = tf.Variable(W0, name="w")
    with pytest.raises(TypeError, match=r"ApplyGradientDescent: unknown attributes "
                                        r"\['nesterov'\]; it has \[\]"):
        rules.GRADIENT_DESCENT.apply(w, {}, {"lr": 0.1}, tf.constant(A), {"nesterov": True})


def test_sparse_updates_touch_only_looked_up_rows_and_save_as_dense_training(tmp_path):
    """Momentum on an embedding: rows not looked up keep their value and their slot (TF1's
    SparseApplyMomentum); the slot variables are TF's (E/Momentum) and a Saver round trip
    restores them."""
    table = tf.Variable(np.ones((4, 2), np.float32), name="E")
    ids = tf.placeholder(tf.int32, [None])
    loss = tf.reduce_sum(tf.square(tf.nn.embedding_lookup(table, ids)))
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    train = opt.minimize(loss)
    assert [op.type for op in tf.get_default_graph().get_operations()
            if "Apply" in op.type] == ["SparseApplyMomentum"]
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {ids: [0, 0, 2]})
        sess.run(train, {ids: [2]})
        e, m = sess.run([table, opt.get_slot(table, "momentum")])
        path = saver.save(sess, str(tmp_path / "model"))
    np.testing.assert_array_equal(e[[1, 3]], 1.0)
    np.testing.assert_array_equal(m[[1, 3]], 0.0)
    np.testing.assert_allclose(e[0], 1 - 0.1 * 4, rtol=1e-6)   # one step, duplicate summed
    assert {n for n, _ in tf.train.list_variables(path)} == {"E", "E/Momentum"}
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(opt.get_slot(table, "momentum")), m)


def test_sparse_apply_errors():
    table = tf.Variable(np.ones((4, 2), np.float32))
    accum = tf.Variable(np.zeros((4, 2), np.float32))
    lr, mom = tf.constant(0.1), tf.constant(0.9)
    with pytest.raises(ValueError, match=r"gradient rows of shape \(3, 5\) at indices of shape "
                                         r"\(3,\) do not fit variable"):
        apply_op("SparseApplyMomentum", [table, accum, lr, tf.zeros([3, 5]),
                                         tf.constant([0, 1, 2]), mom])
    with pytest.raises(TypeError, match="indices must be int32 or int64, got float32"):
        apply_op("SparseApplyMomentum", [table, accum, lr, tf.zeros([1, 2]),
                                         tf.constant([0.0]), mom])
    op = apply_op("SparseApplyMomentum", [table, accum, lr, tf.zeros([1, 2]),
                                          tf.constant([7]), mom])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"index 7 is not in \[0, 4\)"):
            sess.run(op)
