"""Seed 002 (TensorFlow v1.x basics), program by program, as users type them. The California
housing data (a download) is replaced by a synthetic regression set of the same form."""

import glob
import os

import numpy as np
import pytest

import tensorfluxo as tf

m, n = 500, 8
_rng = np.random.default_rng(0)
housing_data = _rng.normal(size=(m, n))
housing_target = housing_data @ _rng.normal(size=n) + 2.0 + 0.1 * _rng.normal(size=m)
housing_data_plus_bias = np.c_[np.ones((m, 1)), housing_data]
scaled_housing_data_plus_bias = housing_data_plus_bias  # already standard-normal


def test_first_graph():
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    sess = tf.Session()
    sess.run(x.initializer)
    sess.run(y.initializer)
    result = sess.run(f)
    sess.close()
    assert result == 42
    with tf.Session() as sess:
        x.initializer.run()
        y.initializer.run()
        assert f.eval() == 42
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        init.run()
        assert f.eval() == 42


def test_node_value_lifecycle():
    w = tf.constant(3)
    x = w + 2
    y = x + 5
    z = x * 3
    with tf.Session() as sess:
        assert y.eval() == 10
        assert z.eval() == 15
        y_val, z_val = sess.run([y, z])
    assert (y_val, z_val) == (10, 15)


def test_normal_equation():
    X = tf.constant(housing_data_plus_bias, dtype=tf.float32, name="X")
    y = tf.constant(housing_target.reshape(-1, 1), dtype=tf.float32, name="y")
    XT = tf.transpose(X)
    theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)
    with tf.Session() as sess:
        theta_value = theta.eval()
    expected = np.linalg.lstsq(housing_data_plus_bias, housing_target, rcond=None)[0]
    np.testing.assert_allclose(theta_value.ravel(), expected, atol=1e-3)


def _gd_program(gradient_mode, optimizer=None, n_epochs=300, learning_rate=0.01):
    X = tf.constant(scaled_housing_data_plus_bias, dtype=tf.float32, name="X")
    y = tf.constant(housing_target.reshape(-1, 1), dtype=tf.float32, name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    error = y_pred - y
    mse = tf.reduce_mean(tf.square(error), name="mse")
    if optimizer is not None:
        training_op = optimizer.minimize(mse)
    else:
        if gradient_mode == "manual":
            gradients = 2 / m * tf.matmul(tf.transpose(X), error)
        else:
            gradients = tf.gradients(mse, [theta])[0]
        training_op = tf.assign(theta, theta - learning_rate * gradients)
    init = tf.global_variables_initializer()
    history = []
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(n_epochs):
            if epoch % 100 == 0:
                history.append(mse.eval())
            sess.run(training_op)
        best_theta = theta.eval()
    return history, best_theta


def test_gradient_descent_manual_autodiff_and_optimizers_agree():
    h_manual, t_manual = _gd_program("manual")
    tf.reset_default_graph()
    h_auto, t_auto = _gd_program("autodiff")
    tf.reset_default_graph()
    h_opt, t_opt = _gd_program(None, tf.train.GradientDescentOptimizer(learning_rate=0.01))
    np.testing.assert_allclose(t_manual, t_auto, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(t_auto, t_opt, rtol=1e-4, atol=1e-5)
    assert h_manual[0] > h_manual[-1]


def test_momentum_optimizer_converges_faster():
    h_gd, _ = _gd_program(None, tf.train.GradientDescentOptimizer(learning_rate=0.01))
    tf.reset_default_graph()
    h_mom, _ = _gd_program(None, tf.train.MomentumOptimizer(learning_rate=0.01, momentum=0.9))
    assert h_mom[-1] < h_gd[-1]


def test_placeholders():
    A = tf.placeholder(tf.float32, shape=(None, 3))
    B = A + 5
    with tf.Session() as sess:
        B_val_1 = B.eval(feed_dict={A: [[1, 2, 3]]})
        B_val_2 = B.eval(feed_dict={A: [[4, 5, 6], [7, 8, 9]]})
    np.testing.assert_array_equal(B_val_1, [[6, 7, 8]])
    np.testing.assert_array_equal(B_val_2, [[9, 10, 11], [12, 13, 14]])


def _minibatch_graph():
    X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    with tf.name_scope("loss") as scope:
        error = y_pred - y
        mse = tf.reduce_mean(tf.square(error), name="mse")
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
    training_op = optimizer.minimize(mse)
    return X, y, theta, error, mse, training_op, scope


batch_size = 100
n_batches = int(np.ceil(m / batch_size))


def fetch_batch(epoch, batch_index, batch_size):
    np.random.seed(epoch * n_batches + batch_index)
    indices = np.random.randint(m, size=batch_size)
    X_batch = scaled_housing_data_plus_bias[indices]
    y_batch = housing_target.reshape(-1, 1)[indices]
    return X_batch, y_batch


def test_mini_batch_gradient_descent_with_name_scopes():
    X, y, theta, error, mse, training_op, scope = _minibatch_graph()
    assert scope == "loss/" and error.op.name == "loss/sub" and mse.op.name == "loss/mse"
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(20):
            for batch_index in range(n_batches):
                X_batch, y_batch = fetch_batch(epoch, batch_index, batch_size)
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        best_theta = theta.eval()
        final = mse.eval(feed_dict={X: scaled_housing_data_plus_bias,
                                    y: housing_target.reshape(-1, 1)})
    assert final < 0.5 and best_theta.shape == (n + 1, 1)


def test_saving_and_restoring(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y, theta, error, mse, training_op, _ = _minibatch_graph()
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(5):
            if epoch % 2 == 0:
                saver.save(sess, "./my_model.ckpt")
            for batch_index in range(n_batches):
                X_batch, y_batch = fetch_batch(epoch, batch_index, batch_size)
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
        best_theta = theta.eval()
        saver.save(sess, "./my_model_final.ckpt")
    with tf.Session() as sess:
        saver.restore(sess, "./my_model_final.ckpt")
        best_theta_restored = theta.eval()
    np.testing.assert_array_equal(best_theta, best_theta_restored)
    # Saver({"weights": theta}) saves theta under the name "weights"
    named = tf.train.Saver({"weights": theta})
    with tf.Session() as sess:
        saver.restore(sess, "./my_model_final.ckpt")
        named.save(sess, "./named.ckpt")
    assert [name for name, _ in tf.train.list_variables("./named.ckpt")] == ["weights"]
    # a new program restores from the meta graph
    tf.reset_default_graph()
    saver2 = tf.train.import_meta_graph("./my_model_final.ckpt.meta")
    theta2 = tf.get_default_graph().get_tensor_by_name("theta:0")
    with tf.Session() as sess:
        saver2.restore(sess, "./my_model_final.ckpt")
        np.testing.assert_array_equal(theta2.eval(), best_theta)


def test_tensorboard_logging(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    logdir = str(tmp_path / "run-1")
    X, y, theta, error, mse, training_op, _ = _minibatch_graph()
    init = tf.global_variables_initializer()
    mse_summary = tf.summary.scalar("MSE", mse)
    file_writer = tf.summary.FileWriter(logdir, tf.get_default_graph())
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(3):
            for batch_index in range(n_batches):
                X_batch, y_batch = fetch_batch(epoch, batch_index, batch_size)
                if batch_index % 10 == 0:
                    summary_str = mse_summary.eval(feed_dict={X: X_batch, y: y_batch})
                    step = epoch * n_batches + batch_index
                    file_writer.add_summary(summary_str, step)
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    file_writer.close()
    (event_file,) = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    acc = EventAccumulator(logdir)
    acc.Reload()
    assert [e.step for e in acc.Scalars("MSE")] == [0, 5, 10]
    names = {node.name for node in acc.Graph().node}
    assert {"loss/mse", "loss/sub", "theta"} <= names


def test_modularity_relu_with_name_scopes():
    def relu(X):
        with tf.name_scope("relu"):
            w_shape = (int(X.get_shape()[1]), 1)
            w = tf.Variable(tf.random_normal(w_shape), name="weights")
            b = tf.Variable(0.0, name="bias")
            z = tf.add(tf.matmul(X, w), b, name="z")
            return tf.maximum(z, 0., name="relu")

    n_features = 3
    X = tf.placeholder(tf.float32, shape=(None, n_features), name="X")
    relus = [relu(X) for i in range(5)]
    output = tf.add_n(relus, name="output")
    assert [r.op.name for r in relus] == ["relu/relu", "relu_1/relu", "relu_2/relu",
                                          "relu_3/relu", "relu_4/relu"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(output, {X: np.ones((2, 3))})
    assert out.shape == (2, 1) and (out >= 0).all()


def test_shared_threshold_variable_passed_as_argument():
    def relu(X, threshold):
        with tf.name_scope("relu"):
            w = tf.Variable(tf.random_normal((int(X.get_shape()[1]), 1)), name="weights")
            b = tf.Variable(0.0, name="bias")
            z = tf.add(tf.matmul(X, w), b, name="z")
            return tf.maximum(z, threshold, name="max")

    threshold = tf.Variable(0.0, name="threshold")
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    relus = [relu(X, threshold) for i in range(5)]
    output = tf.add_n(relus, name="output")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(output, {X: np.zeros((1, 3))}).item() == pytest.approx(0.0)
