import itertools

import numpy as np
import pytest

import tensorfluxo as tf


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y


def _input(X, y=None, **kw):
    kw.setdefault("shuffle", False)
    return tf.estimator.inputs.numpy_input_fn({"x": X}, y, **kw)


def _dnn(model_dir, **kw):
    return tf.estimator.DNNClassifier(
        hidden_units=[16, 16], feature_columns=[tf.feature_column.numeric_column("x", [4])],
        n_classes=3, model_dir=str(model_dir),
        config=tf.estimator.RunConfig(tf_random_seed=2), **kw)


def test_dnn_classifier_train_evaluate_predict_resume(iris, tmp_path):
    X, y = iris
    est = _dnn(tmp_path)
    est.train(_input(X, y, batch_size=32, num_epochs=None, shuffle=True), steps=600)
    ev = est.evaluate(_input(X, y))
    assert set(ev) == {"accuracy", "average_loss", "loss", "global_step"}
    assert ev["accuracy"] > 0.9 and ev["global_step"] == 600
    # loss is the per-batch summed loss (TF 1.x default), average_loss the per-example mean
    assert ev["loss"] == pytest.approx(ev["average_loss"] * 150 / 2, rel=1e-4)
    preds = list(est.predict(_input(X[:5])))
    assert len(preds) == 5
    assert set(preds[0]) == {"logits", "probabilities", "class_ids", "classes"}
    assert preds[0]["class_ids"].shape == (1,) and preds[0]["classes"][0] == b"0"
    names = est.get_variable_names()
    assert "dnn/hiddenlayer_0/kernel" in names and "dnn/logits/bias" in names
    again = _dnn(tmp_path)
    assert again.evaluate(_input(X, y)) == pytest.approx(ev)
    again.train(_input(X, y, batch_size=32, num_epochs=1, shuffle=True))  # one epoch: 5 steps
    assert again.evaluate(_input(X, y))["global_step"] == 605
    assert _dnn(tmp_path).train(_input(X, y, num_epochs=None), max_steps=605) is not None


def test_restoring_a_different_model_fails_clearly(iris, tmp_path):
    X, y = iris
    _dnn(tmp_path).train(_input(X, y, num_epochs=None), steps=2)
    other = tf.estimator.DNNClassifier([5], [tf.feature_column.numeric_column("x", [4])],
                                       n_classes=3, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Cannot restore this model from checkpoint"):
        other.evaluate(_input(X, y))


def test_input_errors(iris, tmp_path):
    X, y = iris
    est = _dnn(tmp_path)
    with pytest.raises(ValueError, match=r"x\['x'\] has shape \(150, 3\): 3 values per example, "
                                         r"but feature column 'x' expects 4"):
        est.train(_input(X[:, :3], y), steps=1)
    with pytest.raises(ValueError, match=r"holds label 3, outside \[0, 3\)"):
        est.train(_input(X, y + 1), steps=1)
    with pytest.raises(ValueError, match="Feature 'x' .* is not in the features dictionary"):
        est.train(tf.estimator.inputs.numpy_input_fn({"z": X}, y, shuffle=False), steps=1)
    with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
        _input(X, y[:-1])
    with pytest.raises(ValueError, match="shuffle must be provided explicitly"):
        tf.estimator.inputs.numpy_input_fn({"x": X}, y)
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        est.train(_input(X, y), steps=1, max_steps=2)
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        est.train(_input(X, y), steps=0)
    with pytest.raises(ValueError, match="Could not find trained model"):
        est.evaluate(_input(X, y))
    with pytest.raises(ValueError, match="n_classes must be an int > 1"):
        tf.estimator.DNNClassifier([4], [tf.feature_column.numeric_column("x")], n_classes=1)
    with pytest.raises(ValueError, match="hidden_units must be a non-empty list"):
        tf.estimator.DNNClassifier([], [tf.feature_column.numeric_column("x")])


def test_numpy_input_fn_in_a_graph_ends_with_out_of_range():
    fn = tf.compat.v1.estimator.inputs.numpy_input_fn({"a": np.arange(5.0)}, np.arange(5),
                                                      batch_size=2, num_epochs=1, shuffle=False)
    features, labels = fn()
    with tf.Session() as sess:
        got = [sess.run([features["a"], labels]) for _ in range(3)]
        with pytest.raises(tf.errors.OutOfRangeError, match="exhausted"):
            sess.run(labels)
    np.testing.assert_array_equal(got[2][0], [4.0])
    np.testing.assert_array_equal(got[1][1], [2, 3])


def test_linear_models_and_regressor(iris, tmp_path):
    X, y = iris
    col = [tf.feature_column.numeric_column("x", [4])]
    lin = tf.estimator.LinearClassifier(col, n_classes=3, model_dir=str(tmp_path / "l"))
    lin.train(_input(X, y, batch_size=32, num_epochs=None, shuffle=True), steps=400)
    assert lin.evaluate(_input(X, y))["accuracy"] > 0.85
    assert "linear/linear_model/x/weights" in lin.get_variable_names()
    target = X @ np.array([0.5, -1.0, 2.0, 0.1], np.float32) + 1.0
    for est in (tf.estimator.LinearRegressor(col, model_dir=str(tmp_path / "lr"),
                                             optimizer="Adagrad"),
                tf.estimator.DNNRegressor([16], col, model_dir=str(tmp_path / "dr"))):
        est.train(_input(X, target, batch_size=16, num_epochs=None, shuffle=True), steps=800)
        ev = est.evaluate(_input(X, target))
        assert ev["average_loss"] < 0.3 * np.var(target)
        p = next(est.predict(_input(X[:1])))
        assert set(p) == {"predictions"} and p["predictions"].shape == (1,)


def test_custom_model_fn_with_tensor_input_fn(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    Y = X @ np.array([[2.0], [-1.0]], np.float32)

    def model_fn(features, labels, mode, params):
        pred = tf.layers.dense(features["x"], 1, name="lin")
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tf.losses.mean_squared_error(labels, pred)
        opt = tf.train.GradientDescentOptimizer(params["lr"])
        train_op = opt.minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops={
            "mae": tf.metrics.mean_absolute_error(labels, pred)})

    def input_fn():
        return {"x": tf.constant(X)}, tf.constant(Y)
    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path), params={"lr": 0.1})
    est.train(input_fn, steps=200)
    ev = est.evaluate(input_fn, steps=1)
    assert ev["loss"] < 1e-3 and ev["mae"] < 0.05 and ev["global_step"] == 200
    # constant tensors never run out (as in TF): take the first pass
    out = list(itertools.islice(est.predict(lambda: {"x": tf.constant(X[:3])}), 3))
    np.testing.assert_allclose(np.ravel(out), Y[:3, 0], atol=0.1)
    with pytest.raises(ValueError, match="Missing loss or train_op"):
        tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, loss=tf.constant(1.0))
