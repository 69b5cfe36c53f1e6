"""Seed 000's low-level MLP (neuron_layer, name scopes, sparse softmax cross-entropy, in_top_k,
GradientDescent, Saver), trained briefly on real MNIST."""

import numpy as np

import tensorfluxo as tf
from tensorfluxo.keras.datasets import mnist


def neuron_layer(X, n_neurons, name, activation=None):
    with tf.name_scope(name):
        n_inputs = int(X.get_shape()[1])
        stddev = 2 / np.sqrt(n_inputs)
        init = tf.truncated_normal([n_inputs, n_neurons], stddev=stddev)
        W = tf.Variable(init, name="weights")
        b = tf.Variable(tf.zeros([n_neurons]), name="biases")
        z = tf.matmul(X, W) + b
        if activation == "relu":
            return tf.nn.relu(z)
        else:
            return z


def shuffle_batch(X, y, batch_size):
    rnd_idx = np.random.permutation(len(X))
    n_batches = len(X) // batch_size
    for batch_idx in np.array_split(rnd_idx, n_batches):
        yield X[batch_idx], y[batch_idx]


def test_seed_000_low_level_mlp(tmp_path):
    tf.set_random_seed(42)
    np.random.seed(42)
    n_inputs, n_hidden1, n_hidden2, n_outputs = 28 * 28, 300, 100, 10
    learning_rate = 0.01
    X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
    y = tf.placeholder(tf.int64, shape=(None), name="y")
    with tf.name_scope("dnn"):
        hidden1 = neuron_layer(X, n_hidden1, "hidden1", activation="relu")
        hidden2 = neuron_layer(hidden1, n_hidden2, "hidden2", activation="relu")
        logits = neuron_layer(hidden2, n_outputs, "outputs")
    with tf.name_scope("loss"):
        xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xentropy, name="loss")
    with tf.name_scope("train"):
        optimizer = tf.train.GradientDescentOptimizer(learning_rate)
        training_op = optimizer.minimize(loss)
    with tf.name_scope("eval"):
        correct = tf.nn.in_top_k(logits, y, 1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    assert logits.op.name == "dnn/outputs/add"
    assert [v.op.name for v in tf.trainable_variables()][:2] == ["dnn/hidden1/weights",
                                                                 "dnn/hidden1/biases"]

    (X_train, y_train), (X_test, y_test) = mnist.load_data()
    X_train = X_train.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    X_test = X_test.astype(np.float32).reshape(-1, 28 * 28) / 255.0
    y_train = y_train.astype(np.int32)
    y_test = y_test.astype(np.int32)
    X_valid, X_train = X_train[:5000], X_train[5000:15000]
    y_valid, y_train = y_train[:5000], y_train[5000:15000]

    with tf.Session() as sess:
        init.run()
        for epoch in range(2):
            for X_batch, y_batch in shuffle_batch(X_train, y_train, 50):
                sess.run(training_op, feed_dict={X: X_batch, y: y_batch})
            acc_valid = accuracy.eval(feed_dict={X: X_valid, y: y_valid})
        Z_before = logits.eval(feed_dict={X: X_test[:1000]})
        save_path = saver.save(sess, str(tmp_path / "my_model_final.ckpt"))
    assert acc_valid > 0.85  # 2 epochs on 10,000 images (a broken gradient gives ~0.1)

    with tf.Session() as sess:
        saver.restore(sess, save_path)
        Z = logits.eval(feed_dict={X: X_test[:1000]})
        y_pred = np.argmax(Z, axis=1)
    np.testing.assert_array_equal(Z, Z_before)  # the restored model is the saved one
    assert (y_pred == y_test[:1000]).mean() > 0.8
