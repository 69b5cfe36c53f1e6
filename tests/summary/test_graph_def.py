"""The graph in TensorBoard, and the seed-002 TensorBoard loop read back with EventAccumulator."""

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tensorfluxo as tf
from tensorfluxo.summary.graph_def import MAX_CONST_ELEMENTS, graph_to_graph_def


def load(logdir) -> EventAccumulator:
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    acc.Reload()
    return acc


def test_graph_def_nodes_inputs_and_attrs():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    big = tf.constant(np.zeros((10, 10), np.float32), name="big")
    with tf.name_scope("dnn"):
        with tf.name_scope("hidden1"):
            w = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2), name="weights")
            hidden1 = tf.nn.relu(tf.matmul(X, w), name="relu")
    with tf.control_dependencies([hidden1]):
        out = tf.identity(big, name="out")
    nodes = {n.name: n for n in graph_to_graph_def(tf.get_default_graph()).node}
    assert list(nodes) == [op.name for op in tf.get_default_graph().get_operations()]
    relu = nodes["dnn/hidden1/relu"]
    assert (relu.op, list(relu.input)) == ("Relu", ["dnn/hidden1/MatMul"])
    assert list(nodes["out"].input) == ["big", "^dnn/hidden1/relu"]
    assert [d.size for d in relu.attr["_output_shapes"].list.shape[0].dim] == [-1, 2]
    assert nodes["X"].attr["dtype"].type == 1  # DT_FLOAT
    weights = nodes["dnn/hidden1/weights"].attr["value"].tensor
    np.testing.assert_array_equal(
        np.frombuffer(weights.tensor_content, np.float32), np.arange(6, dtype=np.float32))
    big_value = nodes["big"].attr["value"].tensor  # too big: dtype and shape only
    assert 100 > MAX_CONST_ELEMENTS and big_value.tensor_content == b""
    assert [d.size for d in big_value.tensor_shape.dim] == [10, 10]
    assert out.op.name == "out"


def test_seed_002_tensorboard_loop(tmp_path):
    # The course's mini-batch linear regression with TensorBoard logging, on synthetic data.
    rng = np.random.RandomState(42)
    m, n = 1000, 8
    data = rng.randn(m, n) * rng.uniform(1, 5, n)
    target = data @ rng.randn(n) + 2.0 + 0.1 * rng.randn(m)
    scaled_data_plus_bias = np.c_[np.ones((m, 1)), (data - data.mean(0)) / data.std(0)]
    n_epochs, learning_rate, batch_size = 3, 0.01, 50
    n_batches = int(np.ceil(m / batch_size))

    def fetch_batch(epoch, batch_index, batch_size):
        np.random.seed(epoch * n_batches + batch_index)
        indices = np.random.randint(m, size=batch_size)
        return scaled_data_plus_bias[indices], target.reshape(-1, 1)[indices]

    logdir = tmp_path / "tf_logs" / "run-20240101000000"
    X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
    y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
    theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
    y_pred = tf.matmul(X, theta, name="predictions")
    with tf.name_scope("loss"):
        error = y_pred - y
        mse = tf.reduce_mean(tf.square(error), name="mse")
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate)
    training_op = optimizer.minimize(mse)
    init = tf.global_variables_initializer()
    mse_summary = tf.summary.scalar("MSE", mse)
    file_writer = tf.summary.FileWriter(logdir, tf.get_default_graph())

    expected = []
    with tf.Session() as sess:
        sess.run(init)
        for epoch in range(n_epochs):
            for batch_index in range(n_batches):
                X_batch, y_batch = fetch_batch(epoch, batch_index, batch_size)
                if batch_index % 10 == 0:
                    summary_str = mse_summary.eval(feed_dict={X: X_batch, y: y_batch})
                    step = epoch * n_batches + batch_index
                    file_writer.add_summary(summary_str, step)
                    expected.append((step, mse.eval(feed_dict={X: X_batch, y: y_batch})))
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
    file_writer.close()

    acc = load(logdir)
    assert acc.Tags()["scalars"] == ["MSE"]
    series = [(e.step, e.value) for e in acc.Scalars("MSE")]
    assert series == [(step, float(value)) for step, value in expected]
    assert [step for step, _ in series] == [0, 10, 20, 30, 40, 50]
    assert series[-1][1] < series[0][1] / 2  # it learns
    names = [node.name for node in acc.Graph().node]
    assert {"loss/mse", "loss/sub", "loss/Square", "X", "y", "theta", "MSE"} <= set(names)
    assert any(name.startswith("gradients/loss/") for name in names)
