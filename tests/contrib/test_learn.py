import numpy as np
import pytest

import tensorfluxo as tf


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _clf(model_dir, **kw):
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(np.zeros((2, 64)))
    return tf.contrib.learn.DNNClassifier(hidden_units=[32], n_classes=10, feature_columns=cols,
                                          model_dir=str(model_dir),
                                          config=tf.contrib.learn.RunConfig(tf_random_seed=3),
                                          **kw)


def test_infer_real_valued_columns():
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(np.zeros((5, 28, 28)))
    assert len(cols) == 1 and cols[0].column_name == "" and cols[0].dimension == 784
    assert cols[0].dtype == tf.float64
    with pytest.raises(ValueError, match="x must be numeric"):
        tf.contrib.learn.infer_real_valued_columns_from_input(np.array([["a"]]))


def test_seed_style_fit_predict_evaluate_and_resume(digits, tmp_path):
    X, y = digits
    clf = _clf(tmp_path)
    clf.fit(x=X, y=y, batch_size=50, steps=300)
    y_pred = list(clf.predict(X))
    assert len(y_pred) == len(y) and isinstance(y_pred[0], np.integer)
    acc = np.mean(np.array(y_pred) == y)
    assert acc > 0.9
    ev = clf.evaluate(X, y)
    assert set(ev) == {"accuracy", "loss", "global_step"}
    assert ev["global_step"] == 300 and ev["accuracy"] == pytest.approx(acc)
    proba = clf.predict_proba(X[:3], as_iterable=False)
    assert proba.shape == (3, 10) and np.allclose(proba.sum(1), 1, atol=1e-5)
    clf.fit(x=X, y=y, batch_size=50, steps=20)  # continues
    assert clf.evaluate(X, y)["global_step"] == 320
    assert "dnn/hiddenlayer_0/weights" in clf.get_variable_names()
    assert clf.get_variable_value("dnn/logits/biases").shape == (10,)
    # a new estimator on the same model_dir picks the weights up from the checkpoint
    again = _clf(tmp_path)
    ev2 = again.evaluate(X, y)
    assert ev2["global_step"] == 320
    assert ev2["accuracy"] == pytest.approx(clf.evaluate(X, y)["accuracy"])
    again.fit(x=X, y=y, batch_size=50, max_steps=330)
    assert again.evaluate(X, y)["global_step"] == 330


def test_input_validation_happens_before_training(digits, tmp_path):
    X, y = digits
    clf = _clf(tmp_path)
    with pytest.raises(ValueError, match=r"x has shape \(1797, 63\): 63 values per example, "
                                         r"but feature column '' expects 64"):
        clf.fit(x=X[:, :63], y=y, steps=1)
    with pytest.raises(ValueError, match=r"y holds label 10, outside \[0, 10\)"):
        clf.fit(x=X, y=y + 1, steps=1)
    with pytest.raises(ValueError, match="x and y have different lengths: x has 1797 rows"):
        clf.fit(x=X, y=y[:-1], steps=1)
    with pytest.raises(ValueError, match="x must be numeric"):
        clf.fit(x=np.array([["a"] * 64]), y=[0], steps=1)
    with pytest.raises(ValueError, match="Either x or input_fn must be provided"):
        clf.fit(steps=1)
    with pytest.raises(ValueError, match="Could not find trained model"):
        clf.evaluate(X, y)
    assert clf.latest_checkpoint() is None


def test_binary_classifier_regressor_and_skcompat(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    yb = (X[:, 0] + X[:, 1] > 0).astype(int)
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(X)
    clf = tf.contrib.learn.DNNClassifier([8], cols, config=tf.contrib.learn.RunConfig(
        tf_random_seed=1), model_dir=str(tmp_path / "b"))
    sk = tf.contrib.learn.SKCompat(clf).fit(X, yb, batch_size=32, steps=300)
    out = sk.predict(X)
    assert set(out) >= {"classes", "probabilities", "logits"} and out["classes"].shape == (400,)
    ev = sk.score(X, yb)
    assert ev["accuracy"] > 0.9 and 0.9 < ev["auc"] <= 1.0
    reg = tf.contrib.learn.DNNRegressor([8], cols, model_dir=str(tmp_path / "r"))
    yr = X @ np.array([1.0, -2.0, 0.5], np.float32)
    reg.fit(x=X, y=yr, batch_size=32, steps=400)
    pred = np.array(list(reg.predict(X)))
    assert pred.shape == (400,) and np.mean((pred - yr) ** 2) < 0.5 * np.var(yr)
    assert set(reg.evaluate(X, yr)) == {"loss", "global_step"}


def _search_clf(**kw):
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(np.zeros((2, 64)))
    return tf.contrib.learn.DNNClassifier(hidden_units=[16], n_classes=10, feature_columns=cols,
                                          config=tf.contrib.learn.RunConfig(tf_random_seed=3),
                                          **kw)


def test_scikit_learn_protocol_clone_set_params_and_score(digits):
    from sklearn.base import clone, is_classifier
    X, y = digits
    clf = _search_clf()
    params = clf.get_params()
    assert params["hidden_units"] == [16] and params["n_classes"] == 10
    assert params["model_dir"] is None and params["dropout"] is None
    twin = clone(clf)
    assert type(twin) is type(clf) and twin.get_params()["hidden_units"] == [16]
    assert twin.model_dir != clf.model_dir  # each clone trains in a directory of its own
    assert is_classifier(clf)
    twin.set_params(hidden_units=[8, 8])
    assert twin.get_params()["hidden_units"] == [8, 8]
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['hiden_units'\] for "
                                         r"DNNClassifier"):
        twin.set_params(hiden_units=[8])
    twin.fit(X, y, batch_size=50, steps=200)
    pred = twin.predict(X)
    assert np.asarray(pred).shape == (len(y),)  # the iterator is also an array
    assert len(list(pred)) == len(y)
    assert twin.score(X, y) == pytest.approx(np.mean(np.asarray(twin.predict(X)) == y))
    assert twin.score(X, y) > 0.5  # chance is 0.1
    reg = tf.contrib.learn.DNNRegressor(hidden_units=[8], feature_columns=clf.get_params()[
        "feature_columns"], config=tf.contrib.learn.RunConfig(tf_random_seed=3))
    reg.fit(X, y.astype(np.float32), batch_size=50, steps=300)
    assert 0.0 < reg.score(X, y) <= 1.0


def test_grid_search_and_cross_val_score_over_dnn_classifier(digits):
    from sklearn.model_selection import GridSearchCV, cross_val_score
    X, y = digits
    X, y = X[:600], y[:600]
    grid = GridSearchCV(_search_clf(), {"hidden_units": [[4], [32]]}, cv=2, scoring="accuracy")
    grid.fit(X, y, batch_size=50, steps=150)
    scores = grid.cv_results_["mean_test_score"]
    assert grid.best_params_ == {"hidden_units": [32]} and scores[1] > scores[0] > 0.3
    assert grid.best_estimator_.score(X, y) > 0.85
    cv = cross_val_score(_search_clf(), X, y, cv=3, params={"batch_size": 50, "steps": 150})
    assert cv.shape == (3,) and cv.min() > 0.7
