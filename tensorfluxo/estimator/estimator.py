"""tf.estimator.Estimator: a model_fn trained, evaluated and used for prediction, with its
weights kept in ``model_dir`` checkpoints.

How it runs: for each mode (train / eval / infer) and input signature the Estimator builds
one graph once — placeholders for the features and labels, ``model_fn`` on them — and keeps
it with its Session. Each step is a single ``Session.run`` of a cached plan fed with a batch.
The three sessions hold copies of the same weights: a session is brought up to date (copied
from the one that trained last, or restored from the newest checkpoint) before it is used.
Training ends by saving ``model_dir/model.ckpt-<global_step>``; a new Estimator on the same
``model_dir`` resumes from it.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import tempfile
import time

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Graph, GraphKeys, Tensor
from ..ops import array_ops

log = logging.getLogger("tensorfluxo.estimator")


class ModeKeys:
    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


class EstimatorSpec(collections.namedtuple("EstimatorSpec", [
        "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
        "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
        "prediction_hooks"])):
    """What a model_fn returns: the ops for its ``mode``."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        if mode == ModeKeys.TRAIN and (loss is None or train_op is None):
            raise ValueError("Missing loss or train_op: an EstimatorSpec for mode TRAIN needs "
                             "both.")
        if mode == ModeKeys.EVAL and loss is None:
            raise ValueError("Missing loss: an EstimatorSpec for mode EVAL needs a loss.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions: an EstimatorSpec for mode PREDICT needs "
                             "predictions.")
        if loss is not None and isinstance(loss, Tensor) and loss.shape.ndims not in (None, 0):
            raise ValueError(f"Loss must be scalar, given: {loss}")
        for k, v in (eval_metric_ops or {}).items():
            if not (isinstance(v, tuple) and len(v) == 2):
                raise TypeError(f"eval_metric_ops['{k}'] must be a (value, update_op) tuple "
                                f"such as tf.metrics.accuracy returns; got {v!r}")
        return super().__new__(cls, mode, predictions, loss, train_op, eval_metric_ops or {},
                               export_outputs, training_chief_hooks, training_hooks, scaffold,
                               evaluation_hooks, prediction_hooks)


class RunConfig:
    """Where and how often to save, the random seed."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=None, save_checkpoints_secs=600, session_config=None,
                 keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000,
                 log_step_count_steps=100, train_distribute=None, device_fn=None,
                 protocol=None, eval_distribute=None, experimental_distribute=None,
                 experimental_max_worker_delay_secs=None, session_creation_timeout_secs=7200):
        if save_checkpoints_steps is not None and save_checkpoints_secs not in (None, 600):
            raise ValueError("Can not provide both save_checkpoints_steps and "
                             "save_checkpoints_secs.")
        self.model_dir = model_dir
        self.tf_random_seed = tf_random_seed
        self.save_summary_steps = save_summary_steps
        self.save_checkpoints_steps = save_checkpoints_steps
        self.save_checkpoints_secs = None if save_checkpoints_steps else save_checkpoints_secs
        self.session_config = session_config
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.log_step_count_steps = log_step_count_steps
        self.is_chief, self.num_worker_replicas, self.task_type = True, 1, "worker"

    def replace(self, **kwargs) -> RunConfig:
        new = RunConfig()
        new.__dict__.update(self.__dict__)
        for k, v in kwargs.items():
            if not hasattr(new, k):
                raise ValueError(f"RunConfig has no property {k!r}")
            setattr(new, k, v)
        return new


# ---- batches ---------------------------------------------------------------------------------
class ArrayBatches:
    """Batches of in-memory arrays: ``features`` (an array or a dict of arrays, same length)
    and ``labels``; shuffled with a seeded generator, ``num_epochs`` passes (None: forever)."""

    def __init__(self, features, labels, batch_size, num_epochs=None, shuffle=True, seed=None):
        self.features, self.labels = features, labels
        self.batch_size, self.num_epochs, self.shuffle = int(batch_size), num_epochs, shuffle
        first = next(iter(features.values())) if isinstance(features, dict) else features
        self.n = len(first)
        self.rng = np.random.default_rng(seed)

    def _take(self, idx):
        f = self.features
        f = {k: v[idx] for k, v in f.items()} if isinstance(f, dict) else f[idx]
        return f, None if self.labels is None else self.labels[idx]

    def __iter__(self):
        epoch, bs = 0, self.batch_size
        while self.num_epochs is None or epoch < self.num_epochs:
            if self.shuffle:
                order = self.rng.permutation(self.n)
                for i in range(0, self.n, bs):
                    yield self._take(order[i:i + bs])
            else:
                for i in range(0, self.n, bs):
                    yield self._take(slice(i, i + bs))
            epoch += 1


def _graph_batches(input_fn, seed):
    """Batches from a general input_fn: its tensors are built in a graph of their own and
    evaluated once per step until they raise OutOfRangeError."""
    from ..client.session import Session
    g = Graph()
    g.seed = seed
    with g.as_default():
        out = input_fn()
    features, labels = out if isinstance(out, tuple) and len(out) == 2 else (out, None)
    if not _tensors_in(features) and not _tensors_in(labels):
        # an input_fn returning arrays: one batch holding everything
        yield features, labels
        return
    with Session(graph=g) as sess:
        while True:
            try:
                if labels is None:
                    yield sess.run(features), None
                else:
                    yield sess.run((features, labels))
            except errors.OutOfRangeError:
                return


def _tensors_in(x) -> bool:
    if isinstance(x, dict):
        return any(isinstance(v, Tensor) for v in x.values())
    return isinstance(x, Tensor)


def batches_of(input_fn, seed):
    """The numpy (features, labels) batches an input_fn describes."""
    if not callable(input_fn):
        raise TypeError(f"input_fn must be a function returning (features, labels), got "
                        f"{input_fn!r}")
    source = getattr(input_fn, "_tensorfluxo_batches", None)
    if source is not None:  # numpy_input_fn: batches straight from the arrays
        return iter(source(seed))
    return _graph_batches(input_fn, seed)


def _signature(features, labels):
    def sig(a):
        a = np.asarray(a)
        return a.dtype.str, a.shape[1:]
    f = tuple(sorted((k, sig(v)) for k, v in features.items())) if isinstance(features, dict) \
        else sig(features)
    return f, None if labels is None else sig(labels)


def _placeholder(name, array):
    a = np.asarray(array)
    if a.dtype.kind in "US":
        dt = dtypes.string
    else:
        dt = dtypes.as_dtype(a.dtype)
    return array_ops.placeholder(dt, [None] + list(a.shape[1:]), name=name)


# ---- one (graph, session) per mode and signature ---------------------------------------------
class _Model:
    def __init__(self, graph, session, spec, feeds, fetch, saver, global_step, local_init):
        self.graph, self.session, self.spec = graph, session, spec
        self.feeds, self.fetch, self.saver = feeds, fetch, saver
        self.global_step, self.local_init = global_step, local_init
        self.version = -1
        self.variables = {v.op.name: v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}

    def feed_dict(self, features, labels) -> dict:
        fd = {}
        f_ph, l_ph = self.feeds
        if isinstance(f_ph, dict):
            for k, ph in f_ph.items():
                fd[ph] = features[k]
        else:
            fd[f_ph] = features
        if l_ph is not None:
            fd[l_ph] = labels
        return fd

    def step(self) -> int:
        return int(self.session.read_variable(self.global_step))


class Estimator:
    """``Estimator(model_fn, model_dir=None, config=None, params=None)``; model_fn is
    ``model_fn(features, labels, mode[, params][, config]) -> EstimatorSpec``."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        if not callable(model_fn):
            raise ValueError(f"model_fn must be provided (a function), got {model_fn!r}")
        if config is None:
            config = RunConfig()
        elif not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of RunConfig, but provided "
                             f"{config!r}.")
        if model_dir is not None and config.model_dir is not None and \
                os.path.abspath(model_dir) != os.path.abspath(config.model_dir):
            raise ValueError(f"model_dir are set both in constructor and RunConfig, but with "
                             f"different values. In constructor: '{model_dir}', in RunConfig: "
                             f"'{config.model_dir}'")
        model_dir = model_dir or config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp(prefix="tensorfluxo_estimator_")
            log.warning("Using temporary folder as model directory: %s", model_dir)
        os.makedirs(model_dir, exist_ok=True)
        self._model_dir = os.fspath(model_dir)
        self._config = config.replace(model_dir=self._model_dir)
        self._model_fn = model_fn
        self.params = dict(params or {})
        self._models: dict = {}
        self._version = 0  # bumped whenever the weights change
        self._fresh: _Model | None = None  # the session holding the newest weights
        self._ckpt_seen = None  # newest checkpoint restored or written by this estimator
        self._seed_counter = 0

    @property
    def model_dir(self) -> str:
        return self._model_dir

    @property
    def config(self) -> RunConfig:
        return self._config

    @property
    def model_fn(self):
        return self._model_fn

    # ---- graphs and weights -------------------------------------------------------------
    def _call_model_fn(self, features, labels, mode):
        import inspect
        args = inspect.signature(self._model_fn).parameters
        kwargs = {}
        if "labels" in args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = self._config
        spec = self._model_fn(features=features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError(f"model_fn should return an EstimatorSpec, got {spec!r}")
        return spec

    def _model(self, mode, features, labels) -> _Model:
        key = (mode, _signature(features, labels))
        m = self._models.get(key)
        if m is None:
            m = self._models[key] = self._build(mode, features, labels)
        self._sync(m, mode)
        return m

    def _build(self, mode, features, labels) -> _Model:
        from .. import metrics as metrics_lib
        from ..client.session import Session
        from ..train.optimizer import get_or_create_global_step
        from ..train.saver import Saver
        from ..variables import global_variables_initializer, local_variables_initializer
        g = Graph()
        g.seed = self._config.tf_random_seed
        with g.as_default():
            gs = get_or_create_global_step()
            if isinstance(features, dict):
                f_ph = {k: _placeholder(k, v) for k, v in sorted(features.items())}
            else:
                f_ph = _placeholder("features", features)
            l_ph = None if labels is None else _placeholder("labels", labels)
            spec = self._call_model_fn(f_ph, l_ph, mode)
            if mode == ModeKeys.TRAIN:
                fetch = [spec.train_op, spec.loss]
            elif mode == ModeKeys.EVAL:
                ops = dict(spec.eval_metric_ops)
                ops["loss"] = metrics_lib.mean(spec.loss, name="mean_loss")
                fetch = {k: v for k, v in ops.items()}
            else:
                fetch = spec.predictions
            saver = Saver(max_to_keep=self._config.keep_checkpoint_max,
                          keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours)
            init, local_init = global_variables_initializer(), local_variables_initializer()
        sess = Session(graph=g)
        sess.run(init)
        return _Model(g, sess, spec, (f_ph, l_ph), fetch, saver, gs, local_init)

    def latest_checkpoint(self):
        from ..train.saver import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def _sync(self, m: _Model, mode) -> None:
        """Brings ``m``'s weights up to date before it runs."""
        ckpt = self.latest_checkpoint()
        if ckpt is not None and ckpt != self._ckpt_seen:  # written by someone else: adopt it
            self._fresh, self._version = None, self._version + 1
        if m.version == self._version:
            return
        src = self._fresh
        if src is None:
            if ckpt is not None:
                try:
                    m.saver.restore(m.session, ckpt)
                except (errors.OpError, ValueError) as e:
                    raise ValueError(f"Cannot restore this model from checkpoint {ckpt} in "
                                     f"model_dir {self._model_dir}: {e}. Was it written by a "
                                     f"different model (other feature columns or "
                                     f"hidden_units)? Use another model_dir.") from e
                self._ckpt_seen = ckpt
            elif mode != ModeKeys.TRAIN:
                raise ValueError(f"Could not find trained model in model_dir: "
                                 f"{self._model_dir}.")
            self._fresh = m
        elif src is not m:
            for name, var in m.variables.items():
                other = src.variables.get(name)
                if other is not None and src.session.is_initialized(other):
                    m.session.write_variable(var, src.session.read_variable(other))
        m.version = self._version

    def _save(self, m: _Model) -> str:
        path = m.saver.save(m.session, os.path.join(self._model_dir, "model.ckpt"),
                            global_step=m.step(), write_meta_graph=False)
        self._ckpt_seen = path
        log.info("Saving checkpoints for %d into %s.", m.step(), path)
        return path

    def _seed(self):
        """Seed of the next input pass (None: unseeded, as TF without tf_random_seed)."""
        s = self._config.tf_random_seed
        self._seed_counter += 1
        return None if s is None else [s, self._seed_counter]

    # ---- validation hooks (canned estimators check arrays before any step) --------------
    def _check_batch(self, features, labels, mode) -> None:
        pass

    def _check_source(self, input_fn, mode) -> bool:
        """Checks all the data up front when the input_fn holds arrays; True if it did."""
        whole = getattr(input_fn, "_tensorfluxo_arrays", None)
        if whole is not None:
            self._check_batch(*whole, mode)
        return whole is not None

    # ---- public API ----------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains for ``steps`` more steps (or up to global step ``max_steps``, or until the
        input ends)."""
        return self._train(lambda: batches_of(input_fn, self._seed()), steps, max_steps,
                           lambda: self._check_source(input_fn, ModeKeys.TRAIN))

    def _train(self, make_batches, steps, max_steps, check):
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        for what, v in (("steps", steps), ("max_steps", max_steps)):
            if v is not None and (not isinstance(v, (int, np.integer)) or v <= 0):
                raise ValueError(f"Must specify {what} > 0, given: {v}")
        checked = check()  # True: every batch is known to be valid
        batches = make_batches()
        first = next(batches, None)
        if first is None:
            return self
        if not checked:
            self._check_batch(*first, ModeKeys.TRAIN)
        m = self._model(ModeKeys.TRAIN, *first)
        start = m.step()
        if max_steps is not None and start >= max_steps:
            log.info("Skipping training since max_steps has already saved.")
            return self
        last = start + steps if steps is not None else max_steps
        sess, fetch, save_steps = m.session, m.fetch, self._config.save_checkpoints_steps
        save_secs = self._config.save_checkpoints_secs
        next_save = time.time() + save_secs if save_secs else math.inf
        step, batch, every = start, first, self._config.log_step_count_steps or 100
        try:
            while last is None or step < last:
                if batch is None:
                    batch = next(batches, None)
                    if batch is None:
                        break
                    if not checked:
                        self._check_batch(*batch, ModeKeys.TRAIN)
                _, loss = sess.run(fetch, m.feed_dict(*batch))
                step, batch = step + 1, None
                if not np.isfinite(loss):
                    raise RuntimeError(f"NaN loss during training (loss = {loss} at step "
                                       f"{step}).")
                if step % every == 0:
                    log.info("loss = %s, step = %d", loss, step)
                if (save_steps and step % save_steps == 0) or time.time() >= next_save:
                    self._weights_changed(m)
                    self._save(m)
                    next_save = time.time() + save_secs if save_secs else math.inf
        except BaseException:
            self._weights_changed(m)  # the session's weights moved; the checkpoint stays
            raise
        self._weights_changed(m)
        if m.step() != start:
            self._save(m)
        return self

    def _weights_changed(self, m: _Model) -> None:
        self._version += 1
        self._fresh, m.version = m, self._version

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Runs the model's metrics over the input (``steps`` batches at most); returns
        {metric name: value} with ``loss`` and ``global_step``."""
        return self._evaluate(lambda: batches_of(input_fn, self._seed()), steps,
                              lambda: self._check_source(input_fn, ModeKeys.EVAL),
                              checkpoint_path)

    def _evaluate(self, make_batches, steps, check, checkpoint_path=None):
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        checked = check()
        batches = make_batches()
        first = next(batches, None)
        if first is None:
            raise ValueError("evaluate: input_fn produced no data")
        if not checked:
            self._check_batch(*first, ModeKeys.EVAL)
        m = self._model(ModeKeys.EVAL, *first)
        if checkpoint_path is not None:
            m.saver.restore(m.session, checkpoint_path)
            m.version = -1  # the next use re-syncs it
        m.session.run(m.local_init)
        updates = {k: op for k, (_, op) in m.fetch.items()}
        values = {k: v for k, (v, _) in m.fetch.items()}
        n, batch = 0, first
        while steps is None or n < steps:
            if batch is None:
                batch = next(batches, None)
                if batch is None:
                    break
                if not checked:
                    self._check_batch(*batch, ModeKeys.EVAL)
            m.session.run(updates, m.feed_dict(*batch))
            n, batch = n + 1, None
        result = m.session.run(values)
        result["global_step"] = np.int64(m.step())
        return result

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yields the model's predictions, one example (dict) at a time."""
        return self._predict(batches_of(input_fn, self._seed()), predict_keys,
                             yield_single_examples)

    def _predict(self, batches, predict_keys=None, yield_single_examples=True):
        first = next(batches, None)
        if first is None:
            return
        features = first[0]
        m = self._model(ModeKeys.PREDICT, features, None)
        fetch = m.fetch
        if isinstance(fetch, dict) and predict_keys is not None:
            keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
            missing = [k for k in keys if k not in fetch]
            if missing:
                raise ValueError(f"Expected to run at least one output from {sorted(fetch)}, "
                                 f"provided {missing}.")
            fetch = {k: fetch[k] for k in keys}
        batch = first
        while True:
            if batch is None:
                batch = next(batches, None)
                if batch is None:
                    return
            out = m.session.run(fetch, m.feed_dict(batch[0], None))
            batch = None
            if isinstance(out, dict):
                out = self._postprocess(out)
                if not yield_single_examples:
                    yield out
                    continue
                n = len(next(iter(out.values())))
                for i in range(n):
                    yield {k: v[i] for k, v in out.items()}
            elif yield_single_examples:
                yield from out
            else:
                yield out

    def _postprocess(self, predictions: dict) -> dict:
        return predictions

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                           assets_extra=None, as_text: bool = False, checkpoint_path=None,
                           experimental_mode=ModeKeys.PREDICT) -> bytes:
        """Writes the PREDICT graph with the newest weights as a SavedModel (tag "serve") in
        a new timestamped directory under ``export_dir_base``; returns its path (bytes)."""
        from ..client.session import Session
        from ..saved_model.saved_model import (
            DEFAULT_SERVING_SIGNATURE_DEF_KEY,
            SERVING,
            SavedModelBuilder,
        )
        from ..train.saver import Saver
        from .export import PredictOutput
        ckpt = checkpoint_path or self.latest_checkpoint()
        if ckpt is None:
            raise ValueError(f"Couldn't find trained model at {self._model_dir}.")
        g = Graph()
        with g.as_default():
            receiver = serving_input_receiver_fn()
            features = receiver.features
            if list(features) == ["feature"]:
                features = features["feature"]
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT)
            outputs = spec.export_outputs or {
                DEFAULT_SERVING_SIGNATURE_DEF_KEY: PredictOutput(spec.predictions)}
            signatures = {k: o.as_signature_def(receiver.receiver_tensors)
                          for k, o in outputs.items()}
            saver = Saver()
        stamp = int(time.time())
        while os.path.exists(os.path.join(os.fspath(export_dir_base), str(stamp))):
            stamp += 1  # two exports in one second
        export_dir = os.path.join(os.fspath(export_dir_base), str(stamp))
        with Session(graph=g) as sess:
            saver.restore(sess, ckpt)
            b = SavedModelBuilder(export_dir)
            b.add_meta_graph_and_variables(sess, [SERVING], signatures, saver=saver,
                                           clear_devices=True)
            b.save(as_text=as_text)
        return export_dir.encode()

    export_savedmodel = export_saved_model

    def get_variable_names(self) -> list:
        """Names of the variables in the newest checkpoint."""
        from ..train.saver import list_variables
        return [name for name, _ in list_variables(self._require_checkpoint())]

    def get_variable_value(self, name):
        from ..train.saver import load_variable
        return load_variable(self._require_checkpoint(), name)

    def _require_checkpoint(self) -> str:
        ckpt = self.latest_checkpoint()
        if ckpt is None:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        return ckpt
