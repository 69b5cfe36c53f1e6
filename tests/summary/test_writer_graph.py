"""The graph in TensorBoard, and the seed-002 TensorBoard loop read back with EventAccumulator."""

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tensorfluxo as tf


def load(logdir) -> EventAccumulator:
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    acc.Reload()
    return acc


def test_graph_nodes_keep_their_name_scopes(tmp_path):
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    with tf.name_scope("dnn"):
        with tf.name_scope("hidden1"):
            w = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2), name="weights")
            hidden1 = tf.nn.relu(tf.matmul(X, w), name="relu")
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(hidden1, name="mse")
    with tf.control_dependencies([loss]):
        tf.identity(hidden1, name="out")
    with tf.summary.FileWriter(tmp_path, tf.get_default_graph()):
        pass
    nodes = {n.name: n for n in load(tmp_path).Graph().node}
    ops = [op.name for op in tf.get_default_graph().get_operations()]
    assert [n for n in nodes if n in ops] == ops
    # TF's vocabulary: the reduction axes are a Const input of the Mean node.
    assert set(nodes) - set(ops) == {"loss/mse/reduction_indices"}
    assert list(nodes["loss/mse"].input) == ["dnn/hidden1/relu", "loss/mse/reduction_indices"]
    assert {"dnn/hidden1/weights", "dnn/hidden1/MatMul", "dnn/hidden1/relu", "loss/mse"} <= set(
        nodes)
    relu = nodes["dnn/hidden1/relu"]
    assert (relu.op, list(relu.input)) == ("Relu", ["dnn/hidden1/MatMul"])
    assert list(nodes["out"].input) == ["dnn/hidden1/relu", "^loss/mse"]
    # add_shapes=True: TensorBoard labels the edges with these.
    assert [d.size for d in relu.attr["_output_shapes"].list.shape[0].dim] == [-1, 2]


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
