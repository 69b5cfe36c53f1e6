"""tf.estimator.inputs: input functions over in-memory arrays (numpy_input_fn)."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import apply_op
from ..framework.registry import defop
from .estimator import ArrayBatches


def _as_arrays(value, what):
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"{what} cannot be an empty dict")
        return {k: np.asarray(v) for k, v in value.items()}
    return np.asarray(value)


def _lengths(value, what) -> dict:
    if isinstance(value, dict):
        return {f"{what}['{k}']": (len(v) if v.ndim else None) for k, v in value.items()}
    return {what: len(value) if value.ndim else None}


class _NumpyInputFn:
    """The function numpy_input_fn returns. Called in a graph it gives (features, labels)
    tensors that yield the next batch on each run (OutOfRangeError after the last epoch);
    the Estimator reads its batches from the arrays directly."""

    def __init__(self, x, y, batch_size, num_epochs, shuffle):
        self.x, self.y = x, y
        self.batch_size, self.num_epochs, self.shuffle = batch_size, num_epochs, shuffle
        self._tensorfluxo_arrays = (x, y)

    def _tensorfluxo_batches(self, seed):
        return ArrayBatches(self.x, self.y, self.batch_size, self.num_epochs, self.shuffle, seed)

    def _parts(self):
        parts = list(self.x.items()) if isinstance(self.x, dict) else [(None, self.x)]
        if isinstance(self.y, dict):
            parts += [(("y", k), v) for k, v in self.y.items()]
        elif self.y is not None:
            parts.append((("y", None), self.y))
        return parts

    def __call__(self):
        from ..ops.random_ops import get_seed
        parts = self._parts()
        s1, s2 = get_seed(None)
        outs = apply_op("NumpyInputBatches", [], {
            "source": self, "seed": s1, "seed2": s2,
            "specs": tuple((dtypes.as_dtype(v.dtype) if v.dtype.kind not in "US"
                            else dtypes.string, (None,) + v.shape[1:]) for _, v in parts)},
            name="numpy_input_fn")
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        features, labels = {}, {}
        for (key, _), t in zip(parts, outs):
            if isinstance(key, tuple):
                labels[key[1]] = t
            else:
                features[key] = t
        features = features[None] if None in features else features
        if self.y is None:
            return features
        return features, labels[None] if None in labels else labels


def _input_bind(op, session):
    iters = session.resources.setdefault("numpy_input_iters", {})

    def run():
        it = iters.get(op)
        if it is None:
            source = op.attrs["source"]
            seed = None if op.attrs["seed"] is None else [op.attrs["seed"], op.attrs["seed2"]]
            it = iters[op] = iter(source._tensorfluxo_batches(seed))
        batch = next(it, None)
        if batch is None:
            raise errors.OutOfRangeError(None, op, f"numpy_input_fn '{op.name}' is exhausted "
                                         f"(num_epochs={op.attrs['source'].num_epochs})")
        features, labels = batch
        values = list(features.values()) if isinstance(features, dict) else [features]
        if isinstance(labels, dict):
            values += list(labels.values())
        elif labels is not None:
            values.append(labels)
        return tuple(values) if len(values) > 1 else values[0]
    return run


defop("NumpyInputBatches", infer=lambda op: list(op.attrs["specs"]), bind=_input_bind,
      stateful=True, aliases=True, not_differentiable=True)


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000,
                   num_threads=1):
    """An input_fn over arrays: ``numpy_input_fn(x={"x": X_train}, y=y_train, batch_size=50,
    num_epochs=None, shuffle=True)``. ``num_epochs=None`` repeats forever."""
    if shuffle is None:
        raise ValueError("shuffle must be provided explicitly as a bool (True or False)")
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if num_epochs is not None and (not isinstance(num_epochs, (int, np.integer)) or
                                   num_epochs <= 0):
        raise ValueError(f"num_epochs must be None or a positive int, got {num_epochs!r}")
    x = _as_arrays(x, "x")
    y = None if y is None else _as_arrays(y, "y")
    if isinstance(x, dict) and isinstance(y, dict):
        dup = set(x) & set(y)
        if dup:
            raise ValueError(f"{sorted(dup)} duplicate keys are found in both x and y")
    lengths = _lengths(x, "x")
    if y is not None:
        lengths.update(_lengths(y, "y"))
    if None in lengths.values():
        raise ValueError(f"numpy_input_fn needs arrays with a first (batch) dimension: "
                         f"{[k for k, n in lengths.items() if n is None]} are scalars")
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Length of tensors in x and y is mismatched. All elements in x and y "
                         f"must have the same length: {lengths}")
    return _NumpyInputFn(x, y, int(batch_size), num_epochs, bool(shuffle))


__all__ = ["numpy_input_fn"]
