"""tf.keras.callbacks: hooks called by fit / evaluate / predict.

A callback overrides any of the no-op hooks of ``Callback``; ``self.model`` is the model being
trained and ``logs`` a dict of Python floats ("loss", "accuracy", "val_loss", ...).
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time

import numpy as np

from . import backend as K

_ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy",
            "accuracy": "acc", "val_accuracy": "val_acc"}


class HistoryDict(dict):
    """A plain dict of lists whose lookups also accept 'acc' for 'accuracy' (and back)."""

    def __missing__(self, key):
        alias = _ALIASES.get(key)
        if alias is not None and dict.__contains__(self, alias):
            return dict.__getitem__(self, alias)
        raise KeyError(key)

    def __contains__(self, key):
        return dict.__contains__(self, key) or dict.__contains__(self, _ALIASES.get(key, key))

    def get(self, key, default=None):
        return self[key] if key in self else default


def _lookup(logs: dict, key: str):
    if key in logs:
        return logs[key]
    return logs.get(_ALIASES.get(key, key))


class Callback:
    """Base class: every hook does nothing."""

    def __init__(self):
        self.model = None
        self.params: dict = {}
        self.validation_data = None

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self.model = model

    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs)
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass
    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass


class CallbackList:
    """Calls a hook on every callback in order."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback) and not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got "
                                f"{cb!r}")
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)
        self._active = {}

    def _hook(self, name):
        cbs = self._active.get(name)
        if cbs is None:
            alias = {"on_train_batch_begin": "on_batch_begin",
                     "on_train_batch_end": "on_batch_end"}.get(name)
            cbs = [getattr(cb, name) for cb in self.callbacks
                   if _overrides(cb, name) or (alias and _overrides(cb, alias))]
            self._active[name] = cbs
        return cbs

    def call(self, name, *args):
        for fn in self._hook(name):
            fn(*args)

    def wants(self, name) -> bool:
        return bool(self._hook(name))


def _overrides(cb, name: str) -> bool:
    """Whether ``cb`` does something in hook ``name`` (skipped hooks keep the loop cheap)."""
    fn = getattr(cb, name, None)
    return fn is not None and getattr(fn, "__func__", None) is not getattr(Callback, name, None)


class History(Callback):
    """Records the logs of every epoch in ``history`` (a dict of lists of floats)."""

    def __init__(self):
        super().__init__()
        self.history = HistoryDict()
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self) -> str:
        return f"<keras.callbacks.History at {hex(id(self))}>"


class BaseLogger(Callback):
    pass


# ---- progress output -----------------------------------------------------------------------
def _fmt_value(v) -> str:
    v = float(v)
    return f" {v:.4f}" if abs(v) > 1e-3 or v == 0 else f" {v:.4e}"


def _fmt_logs(logs: dict, keys) -> str:
    return "".join(f" - {k}:{_fmt_value(logs[k])}" for k in keys if k in logs)


class Progbar:
    """Keras' progress bar: ``32/32 [==============================] - 0s 2ms/step - loss: ...``.

    On a terminal the line is redrawn as batches finish; elsewhere only the final line is
    printed (as Keras does when the output is not interactive).
    """

    def __init__(self, target: int, width: int = 30, verbose: int = 1, interval: float = 0.05,
                 unit_name: str = "step", stream=None):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", lambda: False)
        self._dynamic = bool(isatty()) or "ipykernel" in sys.modules
        self._start = time.time()
        self._last_update = 0.0
        self._prev_len = 0

    def _averages(self, current: int, pairs) -> dict:
        sums = self.__dict__.setdefault("_sums", {})
        seen = self.__dict__.get("_seen", 0)
        for name, v in pairs:
            total, count = sums.get(name, (0.0, 0))
            sums[name] = (total + float(v) * (current - seen), count + current - seen)
        self._seen = current
        return {k: t / max(c, 1) for k, (t, c) in sums.items()}

    def add(self, n: int, values=None) -> None:
        self.update(self.__dict__.get("_seen", 0) + n, values)

    def _bar(self, current: int) -> str:
        n = len(str(self.target))
        bar = f"{current:{n}d}/{self.target} ["
        prog = current / self.target if self.target else 1.0
        filled = int(self.width * prog)
        if filled > 0:
            bar += "=" * (filled - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - filled) + "]"

    def update(self, current: int, values=None, keys=None, finalize=None) -> None:
        """Draws step ``current``. ``values``: a dict of logs (with ``keys``, the ones to
        show), or Keras's list of (name, value) pairs, averaged over the steps so far."""
        if values is None or isinstance(values, (list, tuple)):
            values = self._averages(current, values or [])
            keys = list(values)
            if finalize is None:
                finalize = self.target is not None and current >= self.target
        logs, finalize = values, bool(finalize)
        now = time.time()
        if self.verbose != 1:
            if finalize and self.verbose == 2:
                line = f"{self.target}/{self.target} - {now - self._start:.0f}s"
                self.stream.write(line + _fmt_logs(logs, keys) + "\n")
                self.stream.flush()
            return
        if not finalize and (not self._dynamic or now - self._last_update < self.interval):
            return
        self._last_update = now
        elapsed = now - self._start
        line = self._bar(current)
        if finalize:
            line += f" - {elapsed:.0f}s {_per_unit(elapsed, current, self.unit_name)}"
        else:
            eta = elapsed / max(current, 1) * (self.target - current)
            line += f" - ETA: {_eta(eta)}"
        line += _fmt_logs(logs, keys)
        if self._dynamic:
            pad = max(self._prev_len - len(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self._prev_len = len(line)
        else:
            self.stream.write(line)
        if finalize:
            self.stream.write("\n")
        self.stream.flush()


def _per_unit(elapsed: float, count: int, unit: str, total: bool = False) -> str:
    t = elapsed if total else elapsed / max(count, 1)
    if t >= 1:
        return f"{t:.0f}s/{unit}"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/{unit}"
    return f"{t * 1e6:.0f}us/{unit}"


def _eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.0f}s"


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and the progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, count_mode: str = "steps", verbose: int = 1):
        super().__init__()
        self.verbose = verbose
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        print(f"Epoch {epoch + 1}/{epochs}", flush=True)
        self._bar = Progbar(self.params.get("steps") or 1, verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        self._bar.update(batch + 1, logs or {}, list((logs or {}).keys()))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self._bar.update(self.params.get("steps") or 1, logs, list(logs.keys()), finalize=True)


# ---- standard callbacks --------------------------------------------------------------------
def _monitor_op(mode: str, monitor: str):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure")
                         or "auc" in monitor or "precision" in monitor
                         or "recall" in monitor) else "min"
    return np.greater if mode == "max" else np.less


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved by ``min_delta`` for ``patience``
    epochs; ``restore_best_weights`` puts back the weights of the best epoch."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline=None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _monitor_op(mode, monitor)
        self.min_delta = abs(min_delta) * (1 if self.monitor_op is np.greater else -1)
        self.stopped_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = _lookup(logs or {}, self.monitor)
        if current is None:
            print(f"WARNING: Early stopping conditioned on metric `{self.monitor}` which is "
                  f"not available. Available metrics are: {','.join(logs or {})}",
                  file=sys.stderr)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self.monitor_op(current - self.min_delta, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.monitor_op(current - self.min_delta, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LearningRateScheduler(Callback):
    """Sets the learning rate to ``schedule(epoch)`` (or ``schedule(epoch, lr)``) before each
    epoch; the rate used is logged as "lr"."""

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        lr = float(K.get_value(opt.lr))
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        new = float(K.get_value(new))
        if not isinstance(new, float) or math.isnan(new):
            raise ValueError(f'The output of the "schedule" function should be a float, got '
                             f'{new!r}')
        opt.lr = new
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(K.get_value(self.model.optimizer.lr))


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without
    improvement of ``monitor``."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got {factor}")
        self.monitor, self.factor, self.patience = monitor, float(factor), patience
        self.verbose, self.min_delta, self.cooldown = verbose, min_delta, cooldown
        self.min_lr = min_lr
        self.monitor_op = _monitor_op(mode, monitor)
        self._reset()

    def _reset(self):
        self.wait = self.cooldown_counter = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        self._reset()

    def _improved(self, current):
        if self.monitor_op is np.less:
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = float(K.get_value(self.model.optimizer.lr))
        current = _lookup(logs, self.monitor)
        if current is None:
            print(f"WARNING: Learning rate reduction is conditioned on metric `{self.monitor}` "
                  f"which is not available. Available metrics are: {','.join(logs)}",
                  file=sys.stderr)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(K.get_value(self.model.optimizer.lr))
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.lr = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) after each epoch; ``filepath`` may hold
    "{epoch:02d}" and log keys ("{val_loss:.2f}")."""

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", period: int = 1, **kwargs):
        super().__init__()
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.monitor_op = _monitor_op(mode, monitor)
        self.period = period
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint saves once per epoch (save_freq='epoch')")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if (epoch + 1) % self.period:
            return
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = _lookup(logs, self.monitor)
            if current is None:
                print(f"WARNING: Can save best model only with {self.monitor} available, "
                      "skipping.", file=sys.stderr)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class CSVLogger(Callback):
    """Writes one CSV row per epoch: epoch, then the logs in sorted order."""

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = self._writer = None
        self._keys = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and \
            os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._header_done = exists
        self._keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self._keys,
                                          delimiter=self.sep)
            if not self._header_done:
                self._writer.writeheader()
        row = {"epoch": epoch}
        row.update({k: logs.get(k, "NA") for k in self._keys})
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stops training as soon as the loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
              "on_train_begin", "on_train_end", "on_train_batch_begin", "on_train_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in given.items():
            if name not in self._HOOKS:
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}")
            if fn is not None:
                setattr(self, name, fn)


class TensorBoard(Callback):
    """Writes the epoch logs as TensorBoard scalars ("epoch_loss", ...) under
    ``log_dir``/train and ``log_dir``/validation, and the graph once."""

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 update_freq="epoch", **kwargs):
        super().__init__()
        self.log_dir, self.write_graph = os.fspath(log_dir), write_graph
        self._writers: dict = {}

    def _writer(self, kind):
        w = self._writers.get(kind)
        if w is None:
            from ..summary import FileWriter
            graph = self.model._graph if (self.write_graph and kind == "train") else None
            w = self._writers[kind] = FileWriter(os.path.join(self.log_dir, kind), graph=graph)
        return w

    def on_epoch_end(self, epoch, logs=None):
        from ..summary import summary_proto
        train, val = {}, {}
        for k, v in (logs or {}).items():
            (val if k.startswith("val_") else train)[k[4:] if k.startswith("val_") else k] = v
        for kind, values in (("train", train), ("validation", val)):
            if not values:
                continue
            w = self._writer(kind)
            for k, v in values.items():
                w.add_summary(summary_proto.scalar_summary(f"epoch_{k}", float(v)), epoch)
            w.flush()

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}

