"""Model: compile, fit, evaluate, predict, summary, weights.

compile records the loss, metrics and optimizer; the first fit (or evaluate) builds, once per
kind of target data, a "function": target and sample-weight placeholders, the loss, the metric
sums and (for training) the optimizer's update ops. Every batch is then one ``Session.run`` of
that cached fetch list, as Keras 2 did in graph mode.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, convert_to_tensor, executing_eagerly
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops.control_flow_ops import group
from . import backend as K
from . import callbacks as cbks
from . import losses as L
from . import metrics as metrics_mod
from . import optimizers
from .data_adapter import BatchSource, is_batch_source
from .engine import InputLayer, Network, _initialize, _to_list, get_mask, shape_tuple

_FIT_KWARGS_HINT = {
    "metrics": "metrics are given to compile(): model.compile(..., metrics=['accuracy'])",
    "lr": "the learning rate is an optimizer argument: optimizer=Adam(learning_rate=...)",
}


def _shape_str(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _as_array(x, what: str) -> np.ndarray:
    if hasattr(x, "to_numpy"):  # pandas
        x = x.to_numpy()
    a = np.asarray(x)
    if a.dtype == object or a.dtype.kind in "USM":
        raise ValueError(f"Failed to convert {what} to a float tensor: unsupported dtype "
                         f"{a.dtype} (shape {a.shape}). Convert it to numbers first.")
    return a


def _check_finite(a: np.ndarray, what: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        kind = "NaN" if np.isnan(a[tuple(bad)]) else "infinite"
        raise ValueError(f"{what} contains {kind} values (first at index {tuple(bad.tolist())}, "
                         f"shape {a.shape}); clean or impute the data before training.")


_TRAINING = np.array(True)


def _masked_weights(sw, mask):
    """tf.keras 2: a masked output's loss and metrics are weighted by its mask (times the
    sample weights); the loss is then a mean over the unmasked elements."""
    m = A.cast(mask, dtypes.float32)
    if sw is None:
        return m
    while sw.shape.ndims < m.shape.ndims:
        sw = A.expand_dims(sw, -1)
    return m * sw


class Model(Network):
    """A model: layers from ``inputs`` to ``outputs`` plus training.

    >>> inputs = Input(shape=(2,)); outputs = Dense(1, activation="sigmoid")(inputs)
    >>> model = Model(inputs, outputs); model.compile("adam", "binary_crossentropy")
    """

    _optimizers = optimizers  # names given to compile(): keras_standalone has Keras 2.2's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.optimizer = None
        self.loss = None
        self.compiled_metrics = None
        self._compiled = False
        self.stop_training = False
        self.history = None
        self._functions: dict = {}
        self._metric_objs = None
        self._fit_count = 0
        self._target_tensors: list = []

    # ---- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None,
                run_eagerly=None, steps_per_execution=None, jit_compile=None, **kwargs):
        """Sets the optimizer, loss and metrics; the training graph is built at the first fit."""
        if kwargs:
            name = sorted(kwargs)[0]
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {name!r}. Valid "
                            "ones: optimizer, loss, metrics, loss_weights, weighted_metrics")
        self._target_tensors = self._check_target_tensors(target_tensors)
        self.optimizer = self._optimizers.get(optimizer)
        for spec in (loss.values() if isinstance(loss, dict) else _to_list(loss)):
            L.get(spec)  # unknown names fail here, not at the first fit
        for spec in self._metric_specs_flat(metrics) + self._metric_specs_flat(weighted_metrics):
            metrics_mod.check_name(spec)
        self.loss, self.loss_weights = loss, loss_weights
        self._metric_spec, self._weighted_metric_spec = metrics, weighted_metrics
        self._functions, self._metric_objs = {}, None
        self._compiled = True

    def _check_target_tensors(self, target_tensors) -> list:
        """compile(target_tensors=...): the targets are these tensors, not fed arrays."""
        if target_tensors is None:
            return []
        if isinstance(target_tensors, dict):
            target_tensors = [target_tensors[n] for n in self.output_names]
        ts = [convert_to_tensor(t) for t in _to_list(target_tensors)]
        if len(ts) != len(self.outputs):
            raise ValueError(f"When passing a list as `target_tensors`, it should have one "
                             f"entry per model output. The model has {len(self.outputs)} "
                             f"outputs, but you passed target_tensors={ts}")
        return ts

    def _fed_by_tensors(self) -> bool:
        """Inputs made by Input(tensor=...): nothing to feed, steps say how long to run."""
        return bool(self.inputs) and all(
            t.op.type not in ("Placeholder", "PlaceholderWithDefault") for t in self.inputs)

    def _tensor_batch_size(self) -> int:
        return shape_tuple(self.inputs[0])[0] or 1

    @staticmethod
    def _metric_specs_flat(spec) -> list:
        if spec is None:
            return []
        if isinstance(spec, dict):
            return [m for v in spec.values() for m in _to_list(v)]
        return [m for v in _to_list(spec) for m in (v if isinstance(v, (list, tuple)) else [v])]

    def _per_output(self, spec, what: str) -> list:
        """``spec`` (one value, a list, or a dict by output name) as one entry per output."""
        names = self.output_names
        if isinstance(spec, dict):
            unknown = set(spec) - set(names)
            if unknown:
                raise ValueError(f"Unknown entries in {what} dictionary: {sorted(unknown)}. "
                                 f"Only expected the output names {names}")
            return [spec.get(n) for n in names]
        if isinstance(spec, (list, tuple)) and what in ("loss", "loss_weights") and \
                len(names) > 1:
            if len(spec) != len(names):
                raise ValueError(f"When passing a list as loss, it should have one entry per "
                                 f"model output. The model has {len(names)} outputs, but you "
                                 f"passed loss={spec}")
            return list(spec)
        return [spec] * len(names)

    def _require_compiled(self, what: str) -> None:
        if not self._compiled:
            raise RuntimeError(f"You must compile your model before {what}. Call "
                               "`model.compile(optimizer, loss)`.")


    @property
    def metrics_names(self) -> list:
        names = ["loss"]
        for objs in (self._metric_objs or []):
            names += [name for name, _, _ in objs]
        return names

    # ---- data --------------------------------------------------------------------------------
    def _build_for_data(self, xs: list) -> None:
        """Deferred build (Sequential without input shape, subclassed models): from the first
        data seen."""
        if self._subclassed:
            self._build_subclassed(
                [(None,) + a.shape[1:] for a in xs],
                [str(a.dtype) if a.dtype.kind in "iub" else self.dtype for a in xs],
                len(xs) > 1)

    def _standardize_x(self, x) -> list:
        if x is None:
            raise ValueError("No input data: pass x (a NumPy array, or a list/dict of arrays "
                             "for several inputs)")
        if isinstance(x, dict):
            if not self.built:
                raise ValueError("Pass a list of arrays (not a dict) to an unbuilt model")
            missing = [n for n in self.input_names if n not in x]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}; the dict has keys "
                                 f"{sorted(x)}")
            xs = [x[n] for n in self.input_names]
        elif isinstance(x, (list, tuple)) and x and all(
                hasattr(v, "shape") and getattr(v, "ndim", 0) >= 1 for v in x) and \
                (not self.built or len(self.inputs) > 1 or len(x) == 1):
            xs = list(x)
        else:
            xs = [x]
        xs = [_as_array(v, f"input {i}") for i, v in enumerate(xs)]
        if not self.built:
            self._build_for_data(xs)
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s), but "
                             f"it received {len(xs)} input arrays.")
        out = []
        for i, (a, ph) in enumerate(zip(xs, self.inputs)):
            exp = shape_tuple(ph)
            if a.ndim == len(exp) - 1 and exp[-1] == 1:
                a = a[..., None]  # as tf.keras: (n, 2) into (None, None, 1) is (n, 2, 1)
            elif a.ndim == len(exp) + 1 and a.shape[-1] == 1:
                a = a[..., 0]
            ok = a.ndim == len(exp) and all(e is None or e == d for e, d in zip(exp[1:],
                                                                              a.shape[1:]))
            if not ok:
                first = self._first_layer_name()
                raise ValueError(
                    f"Input {i} of layer {first!r} is incompatible with the layer: expected "
                    f"shape={_shape_str(exp)}, found shape={_shape_str((None,) + a.shape[1:])}"
                    f" (model {self.name!r}; the data has shape {a.shape})")
            _check_finite(a, f"Input data (x, input {i})")
            out.append(a.astype(ph.dtype.as_numpy_dtype, copy=False))
        return out

    def _first_layer_name(self) -> str:
        for layer in self.layers:
            if not isinstance(layer, InputLayer):
                return layer.name
        return self.name

    def _standardize_y(self, y, n: int) -> list:
        if y is None and (self.loss is None or self._target_tensors):
            return []  # the model adds its own losses (add_loss), or targets are tensors
        if y is None:
            raise ValueError("No target data: fit/evaluate need y (the labels)")
        if isinstance(y, dict):
            ys = [y[name] for name in self.output_names]
        elif isinstance(y, (list, tuple)) and len(self.outputs) > 1:
            ys = list(y)
        else:
            ys = [y]
        if len(ys) != len(self.outputs):
            raise ValueError(f"The model has {len(self.outputs)} outputs but {len(ys)} target "
                             "arrays were given")
        out = []
        for i, (a, t) in enumerate(zip(ys, self.outputs)):
            a = _as_array(a, f"target {i}")
            if a.ndim == 0:
                raise ValueError("Target data must have a batch dimension, got a scalar")
            if a.shape[0] != n:
                raise ValueError(f"Data cardinality is ambiguous: x sizes: {n}, y sizes: "
                                 f"{a.shape[0]}. Make sure all arrays contain the same number "
                                 "of samples.")
            if a.ndim == 1 and t.shape.ndims == 2:
                a = a[:, None]
            _check_finite(a, f"Target data (y, output {i})")
            out.append(a.astype(np.float32, copy=False))
        return out

    def _check_targets(self, ys: list) -> None:
        """Labels that cannot fit the loss: fail before training, naming both shapes."""
        for loss, a, t in zip(self._per_output(self.loss, "loss"), ys, self.outputs):
            fn = L.base_function(L.get(loss))
            pshape = shape_tuple(t)
            if fn is L.categorical_crossentropy and pshape and a.ndim == len(pshape) and \
                    pshape[-1] is not None and a.shape[-1] != pshape[-1]:
                raise ValueError(
                    f"categorical_crossentropy needs one-hot targets shaped like the output "
                    f"{_shape_str(pshape)}, but the targets have shape {a.shape}. For integer "
                    "class labels use loss='sparse_categorical_crossentropy' (or convert them "
                    "with keras.utils.to_categorical).")
            if fn is L.sparse_categorical_crossentropy and pshape and pshape[-1]:
                k = pshape[-1]
                if a.size and (a.min() < 0 or a.max() >= k or np.any(a != np.round(a))):
                    raise ValueError(
                        f"sparse_categorical_crossentropy needs integer class labels in "
                        f"[0, {k}) for an output of shape {_shape_str(pshape)}, but the "
                        f"targets range over [{a.min():g}, {a.max():g}]"
                        + (" (they look one-hot: use categorical_crossentropy)"
                           if a.ndim == 2 and a.shape[-1] == k and k > 1 else ""))

    def _sample_weights(self, ys, sample_weight, class_weight):
        if sample_weight is None and class_weight is None:
            return None
        n = ys[0].shape[0]
        sw = np.ones(n, dtype=np.float32) if sample_weight is None else \
            _as_array(sample_weight, "sample_weight").astype(np.float32)
        if sw.shape[0] != n:
            raise ValueError(f"sample_weight has {sw.shape[0]} entries but there are {n} "
                             "samples")
        if class_weight is not None:
            y = ys[0]
            cls = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else \
                y.reshape(n, -1)[:, 0].round().astype(np.int64)
            table = {int(k): float(v) for k, v in dict(class_weight).items()}
            missing = set(np.unique(cls).tolist()) - set(table)
            if missing:
                raise ValueError(f"`class_weight` must contain all classes in the data. The "
                                 f"classes {sorted(missing)} exist in the data but not in "
                                 "`class_weight`.")
            sw = sw * np.array([table[int(c)] for c in cls], dtype=np.float32)
        return [sw] * len(ys)

    # ---- graph functions ---------------------------------------------------------------------
    def _resolve_metrics(self, ys) -> None:
        if self._metric_objs is not None:
            return
        losses_ = self._per_output(self.loss, "loss") if self.loss is not None else \
            [None] * len(self.outputs)
        specs = self._per_output(self._metric_spec, "metrics")
        wspecs = self._per_output(self._weighted_metric_spec, "weighted_metrics")
        multi = len(self.outputs) > 1
        # First the loss of each output (several outputs only: "a_loss", as Keras logs them,
        # before loss_weights), then each output's metrics, then add_metric's.
        targets = bool(ys) or bool(self._target_tensors)
        objs = [[(f"{name}_loss", metrics_mod.Mean(f"{name}_loss"), True)
                 for name, spec in zip(self.output_names, losses_)
                 if multi and targets and spec is not None]]
        for i, t in enumerate(self.outputs):
            tshape = (None,) + ys[i].shape[1:] if ys else shape_tuple(
                self._target_tensors[i] if self._target_tensors else t)
            entries = []
            for weighted, spec in ((False, specs[i]), (True, wspecs[i])):
                for m in _to_list(spec):
                    obj = metrics_mod.get(m, loss=L.get(losses_[i]), true_shape=tshape,
                                          pred_shape=shape_tuple(t))
                    name = m if isinstance(m, str) else obj.name
                    if weighted:
                        name = "weighted_" + name
                    if multi:
                        name = f"{self.output_names[i]}_{name}"
                    entries.append((name, obj, weighted))
            objs.append(entries if targets else [])
        objs.append([(name, metrics_mod.Mean(name), False) for name, _ in
                     self._added_metrics()])
        self._metric_objs = objs

    def _function(self, kind: str, ys=None, weighted: bool = False):
        """The fetches and placeholders of one train/test step, built once per signature."""
        sig = None if ys is None else tuple((a.ndim,) + a.shape[1:] for a in ys)
        key = (kind, sig, weighted)
        fn = self._functions.get(key)
        if fn is not None:
            return fn
        graph = self._graph
        if kind == "predict":
            fn = {"fetches": list(self.outputs), "targets": [], "weights": []}
            self._functions[key] = fn
            return fn
        self._resolve_metrics(ys)
        with graph.as_default(), graph.name_scope(None):
            targets, sws, total = [], [], None
            loss_specs = self._per_output(self.loss, "loss")
            lw = self.loss_weights
            lws = self._per_output(lw, "loss_weights") if lw is not None else \
                [1.0] * len(self.outputs)
            loss_fetches, metric_fetches = [], []
            for i, out in enumerate(self.outputs):
                if not ys and not self._target_tensors:
                    break
                name = self.output_names[i]
                y = self._target_tensors[i] if self._target_tensors else \
                    A.placeholder(dtypes.float32, (None,) + ys[i].shape[1:],
                                  name=f"{name}_target")
                sw = A.placeholder(dtypes.float32, (None,), name=f"{name}_sample_weights") \
                    if weighted else None
                if not self._target_tensors:
                    targets.append(y)
                sws.append(sw)
                mask = get_mask(out)
                msw = sw if mask is None else _masked_weights(sw, mask)
                if loss_specs[i] is not None:
                    with graph.name_scope("loss"):
                        loss_fn = L.get(loss_specs[i])
                        if isinstance(loss_fn, L.Loss):
                            values = loss_fn.call(y, out)
                        else:
                            values = loss_fn(y, out)
                        if values.shape.ndims == 0:
                            values = A.reshape(values, [1])
                        term = L.reduce_weighted(values, msw, mask)
                        if len(self._metric_objs[0]) > len(loss_fetches):
                            loss_fetches.append(metrics_mod._weighted_sums(values, msw))
                        if lws[i] != 1.0:
                            term = term * float(lws[i])
                        total = term if total is None else total + term
                with graph.name_scope("metrics"):
                    for _name, obj, w in self._metric_objs[i + 1]:
                        metric_fetches.append(obj._stats(
                            y, out, msw if w else (None if mask is None else
                                                   A.cast(mask, out.dtype))))
            metric_fetches = loss_fetches + metric_fetches
            with graph.name_scope("metrics"):
                for _name, value in self._added_metrics():
                    metric_fetches.append(metrics_mod._weighted_sums(
                        A.cast(value, dtypes.float32), None))
            reg = [M.reduce_sum(A.cast(r, dtypes.float32)) for r in self.losses]
            if reg:
                total = M.add_n(reg) if total is None else total + M.add_n(reg)
            if total is None:
                raise ValueError("The model has no loss to optimize: pass loss=... to compile()"
                                 ", or add the losses in the model with add_loss().")
            fetches = [total] + [t for stats in metric_fetches for t in stats]
            if kind == "train":
                with graph.name_scope("training"):
                    updates = self.optimizer.get_updates(total, self.trainable_weights)
                fetches.append(group(*updates, *self.updates))
        sizes = [len(s) for s in metric_fetches]
        fn = {"fetches": fetches, "targets": targets, "weights": sws, "sizes": sizes}
        self._functions[key] = fn
        self._initialize_all()
        return fn

    def _initialize_all(self) -> None:
        sess = K.get_session(self._graph)
        ws = list(self.weights) + self._state_variables()
        if self.optimizer is not None:
            ws += [w for w in self.optimizer.weights if w.graph is self._graph]
            if self.optimizer._lr_var is not None and self.optimizer._graph is self._graph:
                ws.append(self.optimizer._lr_var)
        _initialize(sess, ws)
        if self.optimizer is not None:
            self.optimizer._restore_pending()

    def _feed(self, fn, xs, ys, sws, training: bool) -> dict:
        feed = dict(zip(self.inputs, xs))
        feed.update(zip(fn["targets"], ys))
        if sws is not None:
            feed.update(zip(fn["weights"], sws))
        if training:
            feed[K.learning_phase_tensor(self._graph)] = _TRAINING
        return feed

    def _fold_metrics(self, fn, values) -> None:
        pos = 1
        flat = [obj for objs in self._metric_objs for _, obj, _ in objs]
        for obj, size in zip(flat, fn["sizes"]):
            obj._accumulate(values[pos:pos + size])
            pos += size

    def _metric_logs(self, prefix: str = "") -> dict:
        logs = {}
        for objs in self._metric_objs:
            for name, obj, _ in objs:
                r = obj.result()
                logs[prefix + name] = float(r) if np.ndim(r) == 0 else np.asarray(r).tolist()
        return logs

    def _reset_metrics(self) -> None:
        for objs in self._metric_objs or []:
            for _, obj, _ in objs:
                obj.reset_state()

    def reset_metrics(self) -> None:
        self._reset_metrics()

    # ---- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto",
            callbacks=None, validation_split: float = 0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq: int = 1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs) -> cbks.History:
        """Trains for ``epochs`` passes over (x, y) in batches of ``batch_size`` (32); returns
        a History whose ``history`` holds each epoch's loss and metrics (and val_*)."""
        if "nb_epoch" in kwargs:  # Keras 1's name, still accepted by Keras 2.2
            import warnings
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            name = sorted(kwargs)[0]
            hint = _FIT_KWARGS_HINT.get(name, "")
            raise TypeError(f"fit() got an unexpected keyword argument {name!r}"
                            + (f": {hint}" if hint else ""))
        self._require_compiled("training/testing the model")
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = 32 if batch_size is None else int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        source = None
        if is_batch_source(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using a dataset, generator"
                                 " or Sequence as input: it yields (x, y) pairs itself")
            source = BatchSource(x, steps_per_epoch, "fit's input", K.get_session(self._graph),
                                 shuffle=bool(shuffle))
            bx, by, bsw = source.peek()
            xs = self._standardize_x(bx)
            ys = self._standardize_y(by, xs[0].shape[0])
            self._check_targets(ys)
            sws = self._sample_weights(ys, bsw, class_weight)
            n = None
        elif x is None and self._fed_by_tensors():
            if steps_per_epoch is None:
                raise ValueError("When the model's inputs are tensors (Input(tensor=...)), fit "
                                 "needs steps_per_epoch")
            xs, ys, sws, n = [], self._standardize_y(y, self._tensor_batch_size()), None, None
        else:
            if steps_per_epoch is not None:
                raise ValueError("steps_per_epoch is for datasets, generators and Sequences; "
                                 "with arrays, an epoch is one pass over the samples")
            xs = self._standardize_x(x)
            n = xs[0].shape[0]
            ys = self._standardize_y(y, n)
            self._check_targets(ys)
            sws = self._sample_weights(ys, sample_weight, class_weight)
        val = None
        if validation_data is not None and is_batch_source(validation_data):
            val = BatchSource(validation_data, validation_steps, "validation_data",
                              K.get_session(self._graph))
        elif validation_data is not None:
            vd = list(validation_data)
            if len(vd) not in (2, 3):
                raise ValueError("validation_data must be (x_val, y_val) or "
                                 f"(x_val, y_val, val_sample_weights); got {len(vd)} items")
            vx = self._standardize_x(vd[0])
            vy = self._standardize_y(vd[1], vx[0].shape[0])
            vsw = self._sample_weights(vy, vd[2], None) if len(vd) == 3 else None
            val = (vx, vy, vsw)
        elif validation_split:
            if source is not None:
                raise ValueError("validation_split is only supported for arrays; pass "
                                 "validation_data for datasets and generators")
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
            cut = int(n * (1.0 - validation_split))
            if cut == 0 or cut == n:
                raise ValueError(f"validation_split={validation_split} leaves no training or "
                                 f"no validation samples out of {n}")
            val = ([a[cut:] for a in xs], [a[cut:] for a in ys],
                   None if sws is None else [a[cut:] for a in sws])
            xs, ys = [a[:cut] for a in xs], [a[:cut] for a in ys]
            sws = None if sws is None else [a[:cut] for a in sws]
            n = cut
        fn = self._function("train", ys, sws is not None)
        sess = K.get_session(self._graph)
        steps = source.steps if source is not None else steps_per_epoch if n is None else \
            max(1, math.ceil(n / batch_size))
        history = cbks.History()
        # User callbacks first, so what they add to the logs (LearningRateScheduler's "lr")
        # is printed and recorded.
        cb_list = _to_list(callbacks)
        if verbose:
            cb_list.append(cbks.ProgbarLogger(verbose=verbose))
        cb_list.append(history)
        params = {"batch_size": batch_size, "epochs": epochs, "steps": steps,
                  "samples": n, "verbose": verbose, "do_validation": val is not None,
                  "metrics": self.metrics_names}
        cl = cbks.CallbackList(cb_list, model=self, params=params)
        self.history = history
        self.stop_training = False
        rng = self._shuffle_rng()
        batch_hooks = cl.wants("on_train_batch_end") or cl.wants("on_train_batch_begin")
        fetches = fn["fetches"]
        lp = K.learning_phase_tensor(self._graph)
        feed_keys = list(self.inputs) + fn["targets"] + \
            (fn["weights"] if sws is not None else []) + [lp]

        def array_batches():
            arrays = xs + ys + (sws or [])
            if shuffle:
                perm = rng.permutation(n)
                arrays = [a[perm] for a in arrays]
            for step in range(steps):
                lo, hi = step * batch_size, min(n, (step + 1) * batch_size)
                yield [a[lo:hi] for a in arrays], hi - lo

        def tensor_batches():
            for _ in range(steps):
                yield [], self._tensor_batch_size()

        def source_batches():
            for bx, by, bsw in source.epoch():
                bxs = self._standardize_x(bx)
                bys = self._standardize_y(by, bxs[0].shape[0])
                bsws = self._sample_weights(bys, bsw, class_weight) if sws is not None else []
                yield bxs + bys + bsws, bxs[0].shape[0]

        cl.call("on_train_begin", {})
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            cl.call("on_epoch_begin", epoch, {})
            loss_sum, seen = 0.0, 0
            batches = source_batches() if source is not None else \
                tensor_batches() if n is None else array_batches()
            for step, (arrays, size) in enumerate(batches):
                if batch_hooks:
                    cl.call("on_train_batch_begin", step, {"batch": step, "size": size})
                feed = dict(zip(feed_keys, arrays))
                feed[lp] = _TRAINING  # an array: no conversion per batch
                values = sess.run(fetches, feed)
                seen += size
                loss_sum += float(values[0]) * size
                self._fold_metrics(fn, values)
                if batch_hooks:
                    blogs = {"loss": loss_sum / seen}
                    blogs.update(self._metric_logs())
                    cl.call("on_train_batch_end", step, blogs)
                if self.stop_training:
                    break
            logs = {"loss": loss_sum / max(seen, 1)}
            logs.update(self._metric_logs())
            if steps is None:  # a dataset of unknown length: now its length is known
                params["steps"] = step + 1
            if val is not None and (epoch + 1) % validation_freq == 0:
                vlogs = self._evaluate_source(val) if isinstance(val, BatchSource) else \
                    self._evaluate_arrays(*val, validation_batch_size or batch_size)
                logs.update({"val_" + k: v for k, v in vlogs.items()})
            cl.call("on_epoch_end", epoch, logs)
            if self.stop_training or (source is not None and source.exhausted):
                break
        cl.call("on_train_end", logs)
        return history

    def _shuffle_rng(self) -> np.random.Generator:
        """Per-fit shuffling seeded by the graph seed when one is set (reproducible runs)."""
        self._fit_count += 1
        seed = self._graph.seed
        if seed is None:
            return np.random.default_rng()
        return np.random.default_rng([int(seed), self._fit_count])

    # ---- evaluate / predict ---------------------------------------------------------------
    def _evaluate_source(self, source: BatchSource, bar=None, cl=None) -> dict:
        """Loss and metrics over the batches of a dataset, generator or Sequence."""
        bx, by, bsw = source.peek()
        xs = self._standardize_x(bx)
        ys = self._standardize_y(by, xs[0].shape[0])
        self._check_targets(ys)
        weighted = bsw is not None
        fn = self._function("test", ys, weighted)
        sess = K.get_session(self._graph)
        self._reset_metrics()
        feed_keys = list(self.inputs) + fn["targets"] + (fn["weights"] if weighted else [])
        loss_sum, seen = 0.0, 0
        logs: dict = {}
        for step, (bx, by, bsw) in enumerate(source.epoch()):
            bxs = self._standardize_x(bx)
            bys = self._standardize_y(by, bxs[0].shape[0])
            bsws = self._sample_weights(bys, bsw, None) if weighted else []
            if cl is not None:
                cl.call("on_test_batch_begin", step, {})
            values = sess.run(fn["fetches"], dict(zip(feed_keys, bxs + bys + bsws)))
            seen += bxs[0].shape[0]
            loss_sum += float(values[0]) * bxs[0].shape[0]
            self._fold_metrics(fn, values)
            logs = {"loss": loss_sum / seen}
            logs.update(self._metric_logs())
            if cl is not None:
                cl.call("on_test_batch_end", step, logs)
            if bar is not None:
                bar.update(step + 1, logs, list(logs), finalize=step + 1 == source.steps)
        logs = {"loss": loss_sum / max(seen, 1)}
        logs.update(self._metric_logs())
        return logs

    def _evaluate_arrays(self, xs, ys, sws, batch_size, bar=None, cl=None) -> dict:
        fn = self._function("test", ys, sws is not None)
        sess = K.get_session(self._graph)
        self._reset_metrics()
        n = xs[0].shape[0]
        steps = max(1, math.ceil(n / batch_size))
        feed_keys = list(self.inputs) + fn["targets"] + (fn["weights"] if sws else [])
        arrays = xs + ys + (sws or [])
        loss_sum = 0.0
        logs = {}
        for step in range(steps):
            lo, hi = step * batch_size, min(n, (step + 1) * batch_size)
            if cl is not None:
                cl.call("on_test_batch_begin", step, {})
            values = sess.run(fn["fetches"], {k: a[lo:hi] for k, a in zip(feed_keys, arrays)})
            loss_sum += float(values[0]) * (hi - lo)
            self._fold_metrics(fn, values)
            if bar is not None or cl is not None:
                logs = {"loss": loss_sum / hi}
                logs.update(self._metric_logs())
                if cl is not None:
                    cl.call("on_test_batch_end", step, logs)
                if bar is not None:
                    bar.update(step + 1, logs, list(logs), finalize=step == steps - 1)
        logs = {"loss": loss_sum / max(n, 1)}
        logs.update(self._metric_logs())
        return logs

    def _evaluate_tensors(self, y, steps) -> dict:
        """evaluate() of a model whose inputs are tensors: ``steps`` runs, nothing fed."""
        if steps is None:
            raise ValueError("When the model's inputs are tensors (Input(tensor=...)), "
                             "evaluate needs steps")
        fn = self._function("test", self._standardize_y(y, self._tensor_batch_size()))
        sess = K.get_session(self._graph)
        self._reset_metrics()
        loss_sum = 0.0
        for _ in range(steps):
            values = sess.run(fn["fetches"])
            loss_sum += float(values[0])
            self._fold_metrics(fn, values)
        logs = {"loss": loss_sum / steps}
        logs.update(self._metric_logs())
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict: bool = False, **kwargs):
        """The loss (and metrics) on (x, y): a float, or [loss, metric1, ...]."""
        if kwargs:
            raise TypeError(f"evaluate() got an unexpected keyword argument "
                            f"{sorted(kwargs)[0]!r}")
        self._require_compiled("training/testing the model")
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = 32 if batch_size is None else int(batch_size)
        if x is None and self._fed_by_tensors():
            return self._batch_result(self._evaluate_tensors(y, steps), return_dict)
        if is_batch_source(x):
            source = BatchSource(x, steps, "evaluate's input", K.get_session(self._graph))
            source.peek()
            steps_n = source.steps or 1
        else:
            xs = self._standardize_x(x)
            ys = self._standardize_y(y, xs[0].shape[0])
            self._check_targets(ys)
            sws = self._sample_weights(ys, sample_weight, None)
            n = xs[0].shape[0]
            steps_n = max(1, math.ceil(n / batch_size))
            self._function("test", ys, sws is not None)
        bar = cbks.Progbar(steps_n, verbose=verbose) if verbose == 1 else None
        cl = cbks.CallbackList(_to_list(callbacks), model=self,
                               params={"steps": steps_n, "verbose": verbose})
        cl.call("on_test_begin", {})
        if is_batch_source(x):
            logs = self._evaluate_source(source, bar, cl)
        else:
            logs = self._evaluate_arrays(xs, ys, sws, batch_size, bar, cl)
        if verbose == 2:
            cbks.Progbar(steps_n, verbose=2).update(steps_n, logs, list(logs), finalize=True)
        cl.call("on_test_end", logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x=None, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """The model's outputs for ``x`` (NumPy arrays), computed in batches of 32."""
        verbose = 0 if verbose == "auto" else int(verbose)
        batch_size = 32 if batch_size is None else int(batch_size)
        if x is None and self._fed_by_tensors():
            if steps is None:
                raise ValueError("When the model's inputs are tensors (Input(tensor=...)), "
                                 "predict needs steps")
            self._initialize_all()
            runs = [K.get_session(self._graph).run(list(self.outputs)) for _ in range(steps)]
            results = [np.concatenate(p, axis=0) for p in zip(*runs)]
            return results[0] if len(results) == 1 else results
        if is_batch_source(x):
            source = BatchSource(x, steps, "predict's input", K.get_session(self._graph))
            parts = [self.predict_on_batch(bx) for bx, _, _ in source.epoch()]
            if not parts:
                raise ValueError("predict's input yielded no batches")
            if isinstance(parts[0], list):
                return [np.concatenate(p, axis=0) for p in zip(*parts)]
            return np.concatenate(parts, axis=0)
        xs = self._standardize_x(x)
        fn = self._function("predict")
        self._initialize_all()
        sess = K.get_session(self._graph)
        n = xs[0].shape[0]
        steps_n = max(1, math.ceil(n / batch_size))
        bar = cbks.Progbar(steps_n, verbose=verbose) if verbose == 1 else None
        parts = [[] for _ in self.outputs]
        for step in range(steps_n):
            lo, hi = step * batch_size, min(n, (step + 1) * batch_size)
            outs = sess.run(fn["fetches"], {k: a[lo:hi] for k, a in zip(self.inputs, xs)})
            for p, o in zip(parts, outs):
                p.append(o)
            if bar is not None:
                bar.update(step + 1, {}, [], finalize=step == steps_n - 1)
        results = [np.concatenate(p, axis=0) for p in parts]
        return results[0] if len(results) == 1 else results

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (Tensor, list, tuple, dict)) and hasattr(inputs, "shape") \
                and not executing_eagerly():
            return self.predict(inputs)  # model(numpy_array): predictions, as eager Keras
        return super().__call__(inputs, *args, **kwargs)

    # ---- Keras 2's generator spellings -----------------------------------------------------
    def fit_generator(self, generator, steps_per_epoch=None, epochs: int = 1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """``fit`` on a generator or Sequence (Keras 2's name)."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        return self.predict(generator, steps=steps, verbose=verbose)

    # ---- single batches --------------------------------------------------------------------------
    def _batch_result(self, logs: dict, return_dict: bool):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics: bool = True, return_dict: bool = False):
        """One gradient step on one batch; returns its loss (and metrics)."""
        self._require_compiled("training/testing the model")
        xs = self._standardize_x(x)
        ys = self._standardize_y(y, xs[0].shape[0])
        self._check_targets(ys)
        sws = self._sample_weights(ys, sample_weight, class_weight)
        fn = self._function("train", ys, sws is not None)
        if reset_metrics:
            self._reset_metrics()
        values = K.get_session(self._graph).run(fn["fetches"],
                                                self._feed(fn, xs, ys, sws, True))
        self._fold_metrics(fn, values)
        logs = {"loss": float(values[0])}
        logs.update(self._metric_logs())
        return self._batch_result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics: bool = True,
                      return_dict: bool = False):
        self._require_compiled("training/testing the model")
        xs = self._standardize_x(x)
        ys = self._standardize_y(y, xs[0].shape[0])
        sws = self._sample_weights(ys, sample_weight, None)
        fn = self._function("test", ys, sws is not None)
        if reset_metrics:
            self._reset_metrics()
        values = K.get_session(self._graph).run(fn["fetches"],
                                                self._feed(fn, xs, ys, sws, False))
        self._fold_metrics(fn, values)
        logs = {"loss": float(values[0])}
        logs.update(self._metric_logs())
        return self._batch_result(logs, return_dict)

    def predict_on_batch(self, x):
        xs = self._standardize_x(x)
        self._function("predict")
        self._initialize_all()
        outs = K.get_session(self._graph).run(list(self.outputs), dict(zip(self.inputs, xs)))
        return outs[0] if len(outs) == 1 else outs

    # ---- weights -------------------------------------------------------------------------------
    def get_weights(self) -> list:
        self._require_built("get_weights")
        return super().get_weights()

    def set_weights(self, weights) -> None:
        self._require_built("set_weights")
        ws = self.weights
        weights = list(weights)
        if len(weights) != len(ws):
            raise ValueError(f"You called `set_weights(weights)` on model {self.name!r} with a "
                             f"weight list of length {len(weights)}, but the model expects "
                             f"{len(ws)} weights: {[tuple(w.shape.as_list()) for w in ws]}")
        super().set_weights(weights)

    def _session(self):
        return K.get_session(self._graph)

    # ---- summary -------------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False) -> None:
        """Prints Keras' table of layers, output shapes and parameter counts."""
        self._require_built("summary")
        print_fn = print_fn or print
        if self._subclassed:
            return self._summary_subclassed(print_fn, line_length or 65,
                                            positions or [0.45, 0.85, 1.0])
        layers = [la for la in self.layers
                  if not (isinstance(la, InputLayer) and self._hides_input_layer())]
        sequential_like = self._is_sequential_like()
        if sequential_like:
            line_length = line_length or 65
            positions = positions or [0.45, 0.85, 1.0]
            header = ["Layer (type)", "Output Shape", "Param #"]
        else:
            line_length = line_length or 98
            positions = positions or [0.33, 0.55, 0.67, 1.0]
            header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        if positions[-1] <= 1:
            positions = [int(line_length * p) for p in positions]

        def row(fields):
            line = ""
            for i, f in enumerate(fields):
                if i > 0:
                    line = line[:-1] + " "
                line += str(f)
                line = line[:positions[i]]
                line += " " * (positions[i] - len(line))
            print_fn(line)

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        row(header)
        print_fn("=" * line_length)
        for i, layer in enumerate(layers):
            nodes = [n for n in layer._inbound_nodes if self._owns(n)]
            if len(nodes) == 1:
                shapes = [shape_tuple(t) for t in nodes[0].outputs]
                out = str(shapes[0]) if len(shapes) == 1 else str(shapes)
                out = out.replace("None,)", "None,)")
            else:
                out = "multiple"
            fields = [f"{layer.name} ({type(layer).__name__})", out, layer.count_params()]
            if not sequential_like:
                conns = []
                for n in nodes:
                    for h in n.inbound:
                        if h is not None:
                            conns.append(f"{h[0].name}[{h[1]}][{h[2]}]")
                fields.append(conns[0] if conns else "")
                row(fields)
                for c in conns[1:]:
                    row(["", "", "", c])
            else:
                row(fields)
            print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
        self._print_param_counts(print_fn, line_length)

    def _summary_subclassed(self, print_fn, line_length: int, positions) -> None:
        """A subclassed model's table: its layers, their output shapes "multiple" (the model's
        ``call`` connects them, not a layer graph)."""
        positions = [int(line_length * p) for p in positions]

        def row(fields):
            line = ""
            for i, f in enumerate(fields):
                line = (line[:-1] + " " if i else line) + str(f)
                line = line[:positions[i]].ljust(positions[i])
            print_fn(line)

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        row(["Layer (type)", "Output Shape", "Param #"])
        print_fn("=" * line_length)
        for i, layer in enumerate(self.layers):
            row([f"{layer.name} ({type(layer).__name__})", "multiple", layer.count_params()])
            print_fn("=" * line_length if i == len(self.layers) - 1 else "_" * line_length)
        self._print_param_counts(print_fn, line_length)

    def _print_param_counts(self, print_fn, line_length: int) -> None:
        trainable = sum(int(np.prod(w.shape.as_list(), dtype=np.int64))
                        for w in self.trainable_weights)
        non_trainable = sum(int(np.prod(w.shape.as_list(), dtype=np.int64))
                            for w in self.non_trainable_weights)
        print_fn(f"Total params: {trainable + non_trainable:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {non_trainable:,}")
        print_fn("_" * line_length)

    def _hides_input_layer(self) -> bool:
        return False

    def _owns(self, node) -> bool:
        return any(node is n for n in self._nodes)

    def _is_sequential_like(self) -> bool:
        for node in self._nodes:
            if len(node.inputs) > 1 or len(node.outputs) > 1:
                return False
            if isinstance(node.layer, Network):
                continue
        counts = {}
        for node in self._nodes:
            for h in node.inbound:
                if h is not None:
                    counts[id(h[0])] = counts.get(id(h[0]), 0) + 1
        return all(c <= 1 for c in counts.values()) and len(self.inputs) == 1 and \
            len(self.outputs) == 1

    # ---- config --------------------------------------------------------------------------------
    def _require_graph_network(self, what: str) -> None:
        if self._subclassed:
            raise NotImplementedError(
                f"{what} requires the model to be a Functional model or a Sequential model. "
                "It does not work for subclassed models, because such models are defined via "
                "the body of a Python method, which isn't safely serializable. Consider using "
                "`save_weights` / `load_weights` instead.")

    def get_config(self) -> dict:
        from .saving import functional_config
        self._require_graph_network("get_config")
        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
        from .saving import functional_from_config
        return functional_from_config(config, custom_objects, safe_mode)

    def to_json(self, **kwargs) -> str:
        from .saving import model_to_json
        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True,
             save_format=None, **kwargs) -> None:
        from .saving import save_model
        self._require_graph_network("Saving the model to a file")
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                   save_format=save_format)

    def save_weights(self, filepath, overwrite: bool = True, save_format=None) -> None:
        from .saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name: bool = False, skip_mismatch: bool = False):
        from .saving import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def _now() -> float:
    return time.perf_counter()
