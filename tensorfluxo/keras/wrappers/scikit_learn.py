"""scikit-learn estimators around Keras models: KerasClassifier and KerasRegressor.

``build_fn`` returns a compiled model; the other keyword arguments are split between
``build_fn`` (by its signature) and fit / predict / evaluate (epochs, batch_size, verbose...).
Each ``fit`` builds a new model in a graph of its own, so clones, cross-validation folds and
worker processes never share state.

>>> clf = KerasClassifier(build_fn=create_model, epochs=10, batch_size=32, verbose=0)
>>> cross_val_score(clf, X, y, cv=3)
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from ...framework.ops import Graph, get_default_graph
from ..training import Model

_FIT_ARGS = ("batch_size", "epochs", "verbose", "callbacks", "validation_split",
             "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch")
_PREDICT_ARGS = ("batch_size", "verbose")


def _arg_names(fn) -> set:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return set()
    return {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def sklearn_tags(estimator_type: str):
    """The tags scikit-learn >= 1.6 asks estimators for (classifier or regressor)."""
    from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags
    clf = estimator_type == "classifier"
    return Tags(estimator_type=estimator_type, target_tags=TargetTags(required=True),
                classifier_tags=ClassifierTags() if clf else None,
                regressor_tags=None if clf else RegressorTags(), non_deterministic=True)


class BaseWrapper:
    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    # ---- scikit-learn's estimator protocol ---------------------------------------------------
    def _legal(self) -> set:
        legal = set(_FIT_ARGS) | {"batch_size", "verbose"}
        fn = self.build_fn if self.build_fn is not None else type(self).__dict__.get("__call__")
        if fn is not None and not isinstance(fn, Model):
            legal |= _arg_names(fn)
        return legal

    def check_params(self, params: dict) -> None:
        legal = self._legal()
        for name in params:
            if name not in legal:
                raise ValueError(f"{name!r} is not a legal parameter of {type(self).__name__}: "
                                 f"it is neither an argument of build_fn nor of fit/predict "
                                 f"(legal: {sorted(legal)})")

    def get_params(self, deep: bool = True) -> dict:
        out = copy.copy(self.sk_params)
        out["build_fn"] = self.build_fn
        return out

    def set_params(self, **params):
        build_fn = params.pop("build_fn", self.build_fn)
        self.build_fn = build_fn
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def __sklearn_clone__(self):
        return type(self)(build_fn=self.build_fn, **copy.copy(self.sk_params))

    def __sklearn_tags__(self):
        return sklearn_tags(self._estimator_type)

    def __getstate__(self):
        if getattr(self, "model", None) is not None:
            raise TypeError(f"A fitted {type(self).__name__} cannot be pickled (its model lives "
                            "in a session); save the model with model.save(...) instead")
        return self.__dict__.copy()

    def __deepcopy__(self, memo):
        return self.__sklearn_clone__()

    # ---- building and fitting --------------------------------------------------------------------
    def filter_sk_params(self, fn, override=None) -> dict:
        names = _arg_names(fn)
        out = {k: v for k, v in self.sk_params.items() if k in names}
        out.update({k: v for k, v in (override or {}).items() if k in names})
        return out

    def _build(self):
        fn = self.build_fn
        if fn is None:
            return self.__call__(**self.filter_sk_params(self.__call__))
        if isinstance(fn, Model):
            return _recompiled_clone(fn)
        model = fn(**self.filter_sk_params(fn))
        if not isinstance(model, Model):
            raise TypeError(f"build_fn must return a compiled Keras model, got {model!r}")
        return model

    def _fit_kwargs(self, kwargs) -> dict:
        out = {k: v for k, v in self.sk_params.items() if k in _FIT_ARGS}
        out.update(kwargs)
        return out

    def fit(self, x, y, **kwargs):
        graph = Graph()
        graph.seed = get_default_graph().seed
        with graph.as_default():
            self.model = self._build()
        self.history_ = self.model.fit(np.asarray(x), self._encode_y(y),
                                       **self._fit_kwargs(kwargs))
        return self.history_

    def _encode_y(self, y):
        return np.asarray(y)

    def _predict_kwargs(self, kwargs) -> dict:
        out = {k: v for k, v in self.sk_params.items() if k in _PREDICT_ARGS}
        out.update(kwargs)
        return out

    def _check_fitted(self):
        if getattr(self, "model", None) is None:
            raise RuntimeError(f"This {type(self).__name__} instance is not fitted yet. Call "
                               "'fit' with appropriate arguments before using this estimator.")


def _recompiled_clone(model):
    """A fresh copy of a compiled model (build_fn given as a model instead of a function)."""
    from .. import optimizers
    from ..models import clone_model
    if not model._compiled:
        raise TypeError("build_fn is a model that was not compiled; pass a function that "
                        "builds and compiles the model")
    clone = clone_model(model)
    clone.compile(optimizer=optimizers.deserialize(optimizers.serialize(model.optimizer)),
                  loss=model.loss, metrics=model._metric_spec,
                  loss_weights=model.loss_weights)
    return clone


class KerasClassifier(BaseWrapper):
    """A scikit-learn classifier: ``classes_``, predict, predict_proba, score (accuracy)."""

    _estimator_type = "classifier"

    def _encode_y(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
            return y
        y = y.reshape(len(y), -1)[:, 0] if y.ndim == 2 else y
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        loss = getattr(self.model, "loss", None) if hasattr(self, "model") else None
        from .. import losses as L
        fn = L.base_function(L.get(loss)) if loss is not None and not isinstance(
            loss, (list, dict)) else None
        if fn is L.categorical_crossentropy:
            from ..utils import to_categorical
            return to_categorical(encoded, len(self.classes_))
        return encoded

    def predict_proba(self, x, **kwargs):
        self._check_fitted()
        probs = self.model.predict(np.asarray(x), **self._predict_kwargs(kwargs))
        if probs.ndim == 1 or probs.shape[1] == 1:
            p = probs.reshape(len(probs), -1)[:, :1]
            probs = np.hstack([1 - p, p])
        return probs

    def predict(self, x, **kwargs):
        self._check_fitted()
        out = self.model.predict(np.asarray(x), **self._predict_kwargs(kwargs))
        if out.ndim > 1 and out.shape[-1] > 1:
            idx = out.argmax(axis=-1)
        else:
            idx = (out.reshape(len(out), -1)[:, 0] > 0.5).astype(np.int64)
        return self.classes_[idx]

    def score(self, x, y, sample_weight=None, **kwargs) -> float:
        """Mean accuracy of ``predict(x)`` against ``y``."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            y = self.classes_[y.argmax(axis=1)]
        pred = self.predict(x, **kwargs)
        hit = (pred == y.reshape(pred.shape)).astype(np.float64)
        if sample_weight is not None:
            return float(np.average(hit, weights=sample_weight))
        return float(hit.mean())


class KerasRegressor(BaseWrapper):
    """A scikit-learn regressor: predict, and score = minus the model's loss."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        self._check_fitted()
        out = self.model.predict(np.asarray(x), **self._predict_kwargs(kwargs))
        return np.squeeze(out, axis=-1) if out.ndim > 1 and out.shape[-1] == 1 else out

    def score(self, x, y, **kwargs) -> float:
        self._check_fitted()
        kw = {k: v for k, v in self._predict_kwargs(kwargs).items()}
        kw.setdefault("verbose", 0)
        loss = self.model.evaluate(np.asarray(x), np.asarray(y), **kw)
        return -float(loss[0] if isinstance(loss, list) else loss)
