"""scikit-learn searches over the Keras wrapper on a Dask cluster (joblib's 'dask' backend), with
the results n_jobs=1 gives. The cluster is a dask.distributed LocalCluster of 2 worker processes
on loopback; on a real cluster, pass Client('scheduler-address:8786') instead. Ray's joblib
backend (`ray.util.joblib.register_ray()`, then parallel_backend('ray')) works the same way."""

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster  # noqa: E402
from joblib import parallel_backend  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score

from tensorfluxo.keras.wrappers.scikit_learn import KerasClassifier

from .test_wrappers import create_model  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def test_searches_on_a_dask_cluster_match_a_single_process(circles, client):
    X, y = circles
    clf = KerasClassifier(build_fn=create_model, epochs=3, verbose=0)
    grid = {"batch_size": [32, 64], "learning_rate": [0.05, 0.01]}
    local = GridSearchCV(clf, grid, cv=2, n_jobs=1).fit(X, y)
    scores_local = cross_val_score(clf, X, y, cv=3, n_jobs=1)
    with parallel_backend("dask"):
        remote = GridSearchCV(clf, grid, cv=2, n_jobs=-1).fit(X, y)
        scores_remote = cross_val_score(clf, X, y, cv=3, n_jobs=-1)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(scores_remote, scores_local)
    assert sum(client.run(lambda: 1).values()) == 2  # the work went to the two workers


def test_searches_over_the_seed_dnn_classifier_on_a_dask_cluster(circles, client):
    import tensorfluxo as tf
    X, y = circles
    X = X.astype(np.float32)
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(X)
    clf = tf.contrib.learn.DNNClassifier(hidden_units=[8], n_classes=2, feature_columns=cols,
                                         config=tf.contrib.learn.RunConfig(tf_random_seed=5))
    grid = {"hidden_units": [[4], [16, 16]], "dropout": [None, 0.1]}
    fit = {"batch_size": 32, "steps": 60}
    local = GridSearchCV(clf, grid, cv=2, n_jobs=1).fit(X, y, **fit)
    scores_local = cross_val_score(clf, X, y, cv=3, n_jobs=1, params=fit)
    rand = RandomizedSearchCV(clf, grid, n_iter=2, cv=2, random_state=0)
    rand_local = rand.fit(X, y, **fit).cv_results_["mean_test_score"]
    with parallel_backend("dask"):
        remote = GridSearchCV(clf, grid, cv=2, n_jobs=-1).fit(X, y, **fit)
        scores_remote = cross_val_score(clf, X, y, cv=3, n_jobs=-1, params=fit)
        rand_remote = rand.set_params(n_jobs=-1).fit(X, y, **fit).cv_results_["mean_test_score"]
    np.testing.assert_allclose(rand_remote, rand_local)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(scores_remote, scores_local)
    assert local.cv_results_["mean_test_score"].max() > 0.6
