import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, cross_val_score

import tensorfluxo as tf
from tensorfluxo.keras.layers import Dense
from tensorfluxo.keras.wrappers.scikit_learn import KerasClassifier, KerasRegressor


def create_model(learning_rate=0.05, activation="relu"):
    tf.random.set_seed(0)  # each fit builds its own graph: seed its weights
    np.random.seed(0)      # and fit's shuffling
    model = tf.keras.Sequential([Dense(8, input_shape=(2,), activation=activation),
                                 Dense(1, activation="sigmoid")])
    model.compile(tf.keras.optimizers.Adam(lr=learning_rate), "binary_crossentropy",
                  metrics=["accuracy"])
    return model


def create_regressor():
    tf.random.set_seed(0)
    np.random.seed(0)
    model = tf.keras.Sequential([Dense(1, input_shape=(2,))])
    model.compile(tf.keras.optimizers.SGD(0.1), "mse")
    return model


def test_classifier_protocol(circles):
    X, y = circles
    clf = KerasClassifier(build_fn=create_model, epochs=20, batch_size=32, verbose=0)
    assert clone(clf).get_params() == clf.get_params()
    clf.fit(X, y * 2 + 3)  # any labels: classes_ maps them
    np.testing.assert_array_equal(clf.classes_, [3, 5])
    assert set(np.unique(clf.predict(X))) <= {3, 5}
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(1), 1)
    assert clf.score(X, y * 2 + 3) > 0.7
    clf.set_params(epochs=1, activation="tanh")
    assert clf.get_params()["activation"] == "tanh"
    with pytest.raises(ValueError, match="'epoch' is not a legal parameter"):
        KerasClassifier(build_fn=create_model, epoch=3)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        KerasClassifier(build_fn=create_model).predict(X)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cross_val_and_searches(circles, n_jobs):
    X, y = circles
    clf = KerasClassifier(build_fn=create_model, epochs=3, verbose=0)
    scores = cross_val_score(clf, X, y, cv=3, n_jobs=n_jobs)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    gs = GridSearchCV(clf, {"batch_size": [32, 64]}, cv=2, n_jobs=n_jobs).fit(X, y)
    assert gs.best_params_["batch_size"] in (32, 64)
    rs = RandomizedSearchCV(clf, {"activation": ["relu", "tanh"], "learning_rate": [0.1, 0.01],
                                  "epochs": [1, 2]}, n_iter=2, cv=KFold(2), n_jobs=n_jobs,
                            random_state=0).fit(X, y)
    assert set(rs.best_params_) == {"activation", "learning_rate", "epochs"}


def test_regressor_and_model_instance_as_build_fn(circles):
    X, y = circles
    reg = KerasRegressor(build_fn=create_regressor, epochs=20, verbose=0)
    reg.fit(X, X[:, 0] * 2)
    assert reg.predict(X).shape == (200,) and reg.score(X, X[:, 0] * 2) > -0.01
    clf = KerasClassifier(build_fn=create_model(0.01), epochs=2, verbose=0)
    assert len(cross_val_score(clf, X, y, cv=2)) == 2
