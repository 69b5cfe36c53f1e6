"""tf.contrib.learn estimators: scikit-learn-style fit / predict / evaluate on arrays.

    feature_columns = tf.contrib.learn.infer_real_valued_columns_from_input(X_train)
    dnn_clf = tf.contrib.learn.DNNClassifier(hidden_units=[300, 100], n_classes=10,
                                             feature_columns=feature_columns)
    dnn_clf.fit(x=X_train, y=y_train, batch_size=50, steps=40000)
    y_pred = list(dnn_clf.predict(X_test))

They are the tf.estimator canned models with contrib's conventions: batch-mean loss,
``weights``/``biases`` variable names, ``predict`` yielding class ids, and batches drawn from
the arrays in a new random order each epoch (seed 42 unless RunConfig.tf_random_seed).
"""

from __future__ import annotations

import inspect
import os

import numpy as np

from ...estimator import canned
from ...estimator.estimator import ArrayBatches, ModeKeys, RunConfig, batches_of
from ...feature_column import real_valued_column

_PREDICT_BATCH = 4096


def infer_real_valued_columns_from_input(x) -> list:
    """One real-valued column per feature of ``x``: an array gives a column named "" of
    dimension prod(x.shape[1:]); a dict gives a column per key."""
    if isinstance(x, dict):
        return [real_valued_column(k, _width(np.asarray(v), f"x[{k!r}]"), dtype=_dtype(v))
                for k, v in sorted(x.items())]
    a = np.asarray(x)
    return [real_valued_column("", _width(a, "x"), dtype=_dtype(a))]


def _width(a, what) -> int:
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric to infer real-valued columns, got dtype "
                         f"{a.dtype} (shape {a.shape})")
    return int(np.prod(a.shape[1:], dtype=np.int64)) if a.ndim > 1 else 1


def _dtype(a):
    from ...framework import dtypes
    a = np.asarray(a)
    return dtypes.as_dtype(a.dtype) if a.dtype.kind == "f" else dtypes.as_dtype(a.dtype)


def _features(x):
    """x as the model's features: float32 arrays (the model casts to float32 anyway)."""
    def conv(a, what):
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{what} must be numeric, got an array of dtype {a.dtype} (shape "
                             f"{a.shape})")
        a = a.astype(np.float32, copy=False)
        return a.reshape(-1, 1) if a.ndim == 1 else a
    if isinstance(x, dict):
        return {k: conv(v, f"x[{k!r}]") for k, v in x.items()}
    return conv(x, "x")


def _labels(y, classifier):
    if y is None:
        return None
    y = np.asarray(y)
    if classifier and y.dtype.kind in "biu":
        y = y.astype(np.int64, copy=False)
    elif y.dtype.kind in "biuf":
        y = y.astype(np.float32, copy=False) if not classifier else y
    return y


class _ContribMixin:
    """fit / evaluate / predict with ``x``, ``y`` arrays or an ``input_fn``, and scikit-learn's
    estimator protocol (get_params / set_params / score), so ``GridSearchCV(dnn_clf, grid)
    .fit(X, y, steps=1000)`` and ``cross_val_score`` clone and fit it like any estimator."""

    _classifier = True

    def __new__(cls, *args, **kwargs):
        # The constructor's arguments, exactly as passed (scikit-learn's clone checks identity).
        self = super().__new__(cls)
        if args or kwargs:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            bound.apply_defaults()
            self._ctor_params = dict(list(bound.arguments.items())[1:])
        return self

    @property
    def _estimator_type(self) -> str:
        return "classifier" if self._classifier else "regressor"

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments (scikit-learn's protocol)."""
        return dict(self._ctor_params)

    def set_params(self, **params):
        """New constructor arguments; the estimator starts afresh (a new model), as a
        scikit-learn clone would."""
        unknown = sorted(set(params) - set(self._ctor_params))
        if unknown:
            raise ValueError(f"Invalid parameter(s) {unknown} for {type(self).__name__}; valid "
                             f"parameters: {sorted(self._ctor_params)}")
        ctor = {**self._ctor_params, **params}
        self.__dict__.clear()
        self._ctor_params = ctor
        type(self).__init__(self, **ctor)
        return self

    def __sklearn_tags__(self):
        from ...keras.wrappers.scikit_learn import sklearn_tags
        return sklearn_tags(self._estimator_type)

    def __setstate__(self, state):
        # A copy sent to another process (joblib, Dask) needs its model directory there too.
        self.__dict__.update(state)
        os.makedirs(self._model_dir, exist_ok=True)

    def score(self, x, y) -> float:
        """Mean accuracy (classifiers) or R^2 (regressors) on ``x``, ``y``, as scikit-learn's
        default scorer expects."""
        pred = np.asarray(self.predict(x=x, as_iterable=False))
        y = np.asarray(y)
        if self._classifier:
            return float(np.mean(pred.reshape(-1) == y.reshape(-1)))
        y = y.reshape(pred.shape).astype(np.float64)
        total = np.sum((y - y.mean(axis=0)) ** 2)
        return float(1.0 - np.sum((y - pred) ** 2) / total) if total else 0.0

    def _batches_rng(self):
        rng = getattr(self, "_rng", None)
        if rng is None:
            seed = self.config.tf_random_seed
            rng = self._rng = np.random.default_rng(42 if seed is None else seed)
        return rng

    @staticmethod
    def _check_args(x, y, input_fn):
        if x is None and input_fn is None:
            raise ValueError("Either x or input_fn must be provided.")
        if input_fn is not None and (x is not None or y is not None):
            raise ValueError("Can not provide both input_fn and x or y.")

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None,
            max_steps=None):
        """Trains ``steps`` more steps on batches of ``batch_size`` (default 128) rows."""
        self._check_args(x, y, input_fn)
        if self._classifier:
            self.classes_ = np.arange(self._head.n_classes)  # scikit-learn's scorers read it
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or
                                       batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if input_fn is not None:
            self.train(input_fn, steps=steps, max_steps=max_steps)
            return self
        xs, ys = _features(x), _labels(y, self._classifier)
        self._check_batch(xs, ys, ModeKeys.TRAIN)
        batches = ArrayBatches(xs, ys, batch_size or 128, None, True, self._batches_rng())
        self._train(lambda: iter(batches), steps, max_steps, lambda: True)
        return self

    def partial_fit(self, x=None, y=None, input_fn=None, steps=1, batch_size=None,
                    monitors=None):
        return self.fit(x, y, input_fn, steps, batch_size, monitors)

    def evaluate(self, x=None, y=None, input_fn=None, feed_fn=None, batch_size=None,
                 steps=None, metrics=None, name=None, checkpoint_path=None, hooks=None):
        """{'accuracy', 'loss', 'global_step'} (regressors: 'loss', 'global_step') over x, y
        (one batch unless ``batch_size``)."""
        self._check_args(x, y, input_fn)
        if metrics:
            raise NotImplementedError("evaluate(metrics=...) is not supported; the canned "
                                      "metrics are always computed")
        if input_fn is not None:
            return super().evaluate(input_fn, steps=steps, checkpoint_path=checkpoint_path)
        xs, ys = _features(x), _labels(y, self._classifier)
        self._check_batch(xs, ys, ModeKeys.EVAL)
        n = len(ys) if ys is not None else 0
        batches = ArrayBatches(xs, ys, batch_size or max(n, 1), 1, False)
        return self._evaluate(lambda: iter(batches), steps, lambda: True, checkpoint_path)

    def _predictions(self, x, input_fn, batch_size, outputs):
        self._check_args(x, None, input_fn)
        if input_fn is not None:
            batches = batches_of(input_fn, None)
        else:
            xs = _features(x)
            self._check_batch(xs, None, ModeKeys.PREDICT)
            batches = iter(ArrayBatches(xs, None, batch_size or _PREDICT_BATCH, 1, False))
        return self._predict(batches, outputs, yield_single_examples=False)

    def _iterate(self, x, input_fn, batch_size, key, as_iterable):
        chunks = (out[key] for out in self._predictions(x, input_fn, batch_size, [key]))
        if as_iterable and input_fn is not None:  # possibly endless: stays lazy
            return (row for chunk in chunks for row in chunk)
        out = np.concatenate(list(chunks))
        return _Predictions(out) if as_iterable else out


class _ContribClassifier(_ContribMixin):
    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True):
        """The predicted class ids (an iterator unless ``as_iterable=False``)."""
        if outputs is not None:
            gen = self._predictions(x, input_fn, batch_size, outputs)
            return _rows(gen) if as_iterable else _stack(gen)
        return self.predict_classes(x, input_fn, batch_size, as_iterable)

    def predict_classes(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        return self._iterate(x, input_fn, batch_size, "classes", as_iterable)

    def predict_proba(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        return self._iterate(x, input_fn, batch_size, "probabilities", as_iterable)


class _ContribRegressor(_ContribMixin):
    _classifier = False

    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True):
        """The predicted values (an iterator unless ``as_iterable=False``)."""
        if outputs is not None:
            gen = self._predictions(x, input_fn, batch_size, outputs)
            return _rows(gen) if as_iterable else _stack(gen)
        return self.predict_scores(x, input_fn, batch_size, as_iterable)

    def predict_scores(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        out = self._iterate(x, input_fn, batch_size, "scores", False)
        if self._head.label_dimension == 1:
            out = out.reshape(-1)
        return _Predictions(out) if as_iterable else out


class _Predictions:
    """The iterator contrib's ``predict(x)`` returns (``list(...)`` of it, as in TF), which
    NumPy and scikit-learn also take as the array it is (``np.asarray``, scorers)."""

    def __init__(self, values: np.ndarray):
        self._values, self._at = values, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._at >= len(self._values):
            raise StopIteration
        self._at += 1
        return self._values[self._at - 1]

    def __len__(self) -> int:
        return len(self._values)

    def __array__(self, dtype=None, copy=None):
        return self._values if dtype is None else self._values.astype(dtype)


def _rows(chunks):
    for out in chunks:
        n = len(next(iter(out.values())))
        for i in range(n):
            yield {k: v[i] for k, v in out.items()}


def _stack(chunks):
    parts = list(chunks)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}


class DNNClassifier(_ContribClassifier, canned.DNNClassifier):
    """contrib.learn's DNN classifier: ReLU hidden layers, softmax output, Adagrad(0.05)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column_name=None, optimizer=None, activation_fn=None, dropout=None,
                 gradient_clip_norm=None, enable_centered_bias=False, config=None,
                 feature_engineering_fn=None, embedding_lr_multipliers=None,
                 input_layer_min_slice_size=None, label_keys=None):
        from ...ops.math_ops import relu
        _unsupported(weight_column_name=weight_column_name, gradient_clip_norm=gradient_clip_norm,
                     feature_engineering_fn=feature_engineering_fn, label_keys=label_keys)
        canned.DNNClassifier.__init__(self, hidden_units, feature_columns, model_dir, n_classes,
                                      optimizer=optimizer, activation_fn=activation_fn or relu,
                                      dropout=dropout, config=config, _contrib=True)


class DNNRegressor(_ContribRegressor, canned.DNNRegressor):
    """contrib.learn's DNN regressor (mean squared error)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, weight_column_name=None,
                 optimizer=None, activation_fn=None, dropout=None, gradient_clip_norm=None,
                 enable_centered_bias=False, config=None, feature_engineering_fn=None,
                 label_dimension=1, embedding_lr_multipliers=None,
                 input_layer_min_slice_size=None):
        from ...ops.math_ops import relu
        _unsupported(weight_column_name=weight_column_name, gradient_clip_norm=gradient_clip_norm,
                     feature_engineering_fn=feature_engineering_fn)
        canned.DNNRegressor.__init__(self, hidden_units, feature_columns, model_dir,
                                     label_dimension, optimizer=optimizer,
                                     activation_fn=activation_fn or relu, dropout=dropout,
                                     config=config, _contrib=True)


class LinearClassifier(_ContribClassifier, canned.LinearClassifier):
    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column_name=None,
                 optimizer=None, gradient_clip_norm=None, enable_centered_bias=False,
                 _joint_weight=False, config=None, feature_engineering_fn=None, label_keys=None):
        _unsupported(weight_column_name=weight_column_name, gradient_clip_norm=gradient_clip_norm,
                     feature_engineering_fn=feature_engineering_fn, label_keys=label_keys)
        canned.LinearClassifier.__init__(self, feature_columns, model_dir, n_classes,
                                         optimizer=optimizer, config=config, _contrib=True)


class LinearRegressor(_ContribRegressor, canned.LinearRegressor):
    def __init__(self, feature_columns, model_dir=None, weight_column_name=None,
                 optimizer=None, gradient_clip_norm=None, enable_centered_bias=False,
                 label_dimension=1, _joint_weights=False, config=None,
                 feature_engineering_fn=None):
        _unsupported(weight_column_name=weight_column_name, gradient_clip_norm=gradient_clip_norm,
                     feature_engineering_fn=feature_engineering_fn)
        canned.LinearRegressor.__init__(self, feature_columns, model_dir, label_dimension,
                                        optimizer=optimizer, config=config, _contrib=True)


def _unsupported(**kwargs):
    for k, v in kwargs.items():
        if v is not None:
            raise NotImplementedError(f"contrib.learn argument {k} is not supported by "
                                      "tensorfluxo")


class SKCompat:
    """scikit-learn style wrapper: ``SKCompat(estimator).fit(x, y).predict(x)`` returns a dict
    of arrays (classes, probabilities, logits / scores)."""

    def __init__(self, estimator):
        self._estimator = estimator

    def fit(self, x, y, batch_size=128, steps=None, max_steps=None, monitors=None):
        self._estimator.fit(x=x, y=y, batch_size=batch_size, steps=steps, max_steps=max_steps)
        return self

    def score(self, x, y, batch_size=128, steps=None, metrics=None, name=None):
        return self._estimator.evaluate(x=x, y=y, batch_size=batch_size, steps=steps,
                                        metrics=metrics, name=name)

    def predict(self, x, batch_size=128, outputs=None):
        return self._estimator.predict(x=x, batch_size=batch_size,
                                       outputs=outputs or _default_outputs(self._estimator),
                                       as_iterable=False)


def _default_outputs(est):
    if isinstance(est, _ContribClassifier):
        keys = ["classes", "probabilities", "logits"]
        return keys + (["logistic"] if est._head.n_classes == 2 else [])
    return ["scores"]


__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "RunConfig",
           "SKCompat", "infer_real_valued_columns_from_input"]
