"""tf.keras.optimizers: SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl.

Thin front ends over the rule table (train/rules.py), with Keras 3's (TF 2.21's) formulas and
defaults. An optimizer gives ``get_updates(loss, params)``: the ops of one training step. The
learning rate is a variable (``optimizer.lr`` / ``optimizer.learning_rate``), so callbacks
change it between steps without rebuilding anything:

>>> opt = Adam(learning_rate=0.01)      # or Adam(lr=0.01), or the string "adam"
>>> K.set_value(opt.lr, 0.001)          # once the model is compiled and trained
"""

from __future__ import annotations

import sys

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, control_dependencies, convert_to_tensor, executing_eagerly
from ..ops import array_ops as A
from ..ops import clip_ops, state_ops
from ..ops import math_ops as M
from ..ops.control_flow_ops import group
from ..ops.gradients_impl import gradients
from ..ops.indexed_slices import dense
from ..train import rules
from ..train.optimizers import check_ftrl
from ..variables import Variable
from . import backend as K
from . import learning_rate_schedule as schedules

# `from tensorflow.keras.optimizers.schedules import ExponentialDecay` (optimizers is a module;
# the empty __path__ lets the import system look for its submodules, under the runner's names
# too)
sys.modules[__name__ + ".schedules"] = schedules
__path__: list = []


class _HyperVariable(Variable):
    """A hyper-parameter variable that reads as a float: ``float(model.optimizer.lr)``."""

    def __float__(self) -> float:
        return float(K.get_value(self))


# ---- optimizer classes -------------------------------------------------------------------------
class Optimizer:
    """Base class: hyperparameters, the learning-rate variable, slots, gradient clipping.

    A subclass gives its rule (``_rule``) and ``_hypers()``: the rule's scalar inputs other
    than ``lr``, the powers and ``step`` (which the base makes), its attributes, and the
    hyper-parameters slots start from."""

    _rule: rules.Rule
    _defaults: dict = {}
    _slot_init: dict = {}

    def __init__(self, name: str, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, decay: float = 0.0, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        kwargs.pop("epsilon_hat", None)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument passed to optimizer: "
                            f"{sorted(kwargs)[0]!r}. Allowed: learning_rate (lr), "
                            f"{', '.join(self._defaults)}, clipnorm, clipvalue, "
                            f"global_clipnorm, decay")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self._name = name
        self._lr_value = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self.decay = float(decay)
        self._graph = None
        self._lr_var = self._iterations = None
        self._slots: dict = {}
        self.weights: list[Variable] = []
        self._pending_weights = None  # values load_model read, set once the slots exist

    # ---- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning-rate variable once the optimizer is used, else the number given."""
        return self._lr_var if self._lr_var is not None else self._lr_value

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, schedules.LearningRateSchedule):
            if self._lr_var is not None:
                raise ValueError("The learning rate of an optimizer already in use cannot "
                                 "become a schedule; give the schedule to the constructor")
            self._lr_value = value
            return
        if isinstance(value, Tensor):
            raise TypeError("Set the learning rate to a number (or use K.set_value)")
        self._lr_value = float(value)
        if self._lr_var is not None:
            K.set_value(self._lr_var, value)

    lr = learning_rate

    @property
    def iterations(self):
        return self._iterations if self._iterations is not None else 0

    # ---- building the update ops -----------------------------------------------------------------
    def _create_variables(self, graph) -> None:
        if self._graph is graph:
            return
        self._graph, self._slots = graph, {}
        if callable(self._lr_value) and not isinstance(self._lr_value,
                                                        schedules.LearningRateSchedule):
            raise TypeError(f"learning_rate must be a number or a "
                            f"keras.optimizers.schedules object, got {self._lr_value!r}")
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None), \
                graph.name_scope(self._name):
            self._iterations = Variable(np.int64(0), name="iter", trainable=False,
                                        dtype=dtypes.int64)
            if not callable(self._lr_value):
                self._lr_var = _HyperVariable(np.float32(self._lr_value),
                                              name="learning_rate", trainable=False)
        self.weights = [self._iterations]

    def _slot(self, var, name, init=0.0, scalar=False):
        key = (id(var), name)
        slot = self._slots.get(key)
        if slot is None:
            graph = var.graph
            value = np.full([] if scalar else var.shape.as_list(), init,
                            dtype=var.dtype.as_numpy_dtype)
            with graph.as_default(), graph.control_dependencies(None), \
                    graph.name_scope(None), graph.name_scope(self._name + "/"):
                slot = Variable(value, name=f"{var.op.name}/{name}", trainable=False)
            self._slots[key] = slot
            self.weights.append(slot)
        return slot

    def _clip(self, grads):
        if self.clipnorm is not None:
            return [clip_ops.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return clip_ops.clip_by_global_norm(grads, self.global_clipnorm)[0]
        if self.clipvalue is not None:
            return [M.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def get_gradients(self, loss, params) -> list:
        # Sparse gradients (embedding lookups) are made dense: Keras 3 in TF 2.21 moves
        # untouched rows with momentum, Ftrl zeroes them (tests/train/test_optimizer_reference)
        grads = [dense(g) for g in gradients(loss, params)]
        missing = [p.name for p, g in zip(params, grads) if g is None]
        if missing:
            raise ValueError(f"No gradients provided for some variables: {missing}. Check "
                             "that the loss depends on them through differentiable ops.")
        return self._clip(grads)

    def get_updates(self, loss, params) -> list:
        """The ops of one step: every variable updated, then ``iterations`` incremented."""
        if not params:
            raise ValueError("The model has no trainable weights to optimize")
        graph = loss.graph  # eager variables (their graph is the eager context) in a Keras graph
        with graph.as_default(), graph.name_scope(None), graph.name_scope(self._name):
            return [self._update(self.get_gradients(loss, params), params)]

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Applies one update step: ``opt.apply_gradients(zip(grads, model.trainable_variables))``
        (eagerly, or inside a tf.function). Pairs whose gradient is None are skipped."""
        pairs = [(g, v) for g, v in grads_and_vars]
        if not pairs:
            raise ValueError("apply_gradients needs at least one (gradient, variable) pair")
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for _, v in pairs]}.")
        grads = [convert_to_tensor(g, dtype=v.dtype) for g, v in kept]
        return self._update(self._clip(grads), [v for _, v in kept])

    def _update(self, grads, params):
        """Update ops for ``params``, then ``iterations`` incremented (the step op)."""
        self._create_variables(params[0].graph)
        lr = self._lr_var if self._lr_var is not None else \
            A.cast(self._lr_value(self._iterations), dtypes.float32)
        if self.decay:
            it = A.cast(self._iterations, lr.dtype)
            lr = lr * (1.0 / (1.0 + self.decay * it))
        ops = self._constrain(params, self._apply_rule(grads, params, lr))
        with control_dependencies(ops):
            step = state_ops.assign_add(self._iterations,
                                        A.constant(1, dtype=dtypes.int64))
        if executing_eagerly():
            return self._iterations
        return group(*ops, step.op)

    @staticmethod
    def _constrain(params, ops) -> list:
        """After the step, each weight with a ``constraint`` is set to its projection."""
        todo = [p for p in params if getattr(p, "constraint", None) is not None]
        if not todo:
            return ops
        with control_dependencies(ops):
            return [state_ops.assign(p, p.constraint(p.read_value())).op for p in todo] + \
                [op for op in ops]

    def _hypers(self, lr) -> dict:
        return {}

    def _apply_rule(self, grads, params, lr) -> list:
        rule = self._rule
        hypers = {"lr": lr, **self._slot_init, **self._hypers(lr)}
        if rule.powers or "step" in rule.scalars:
            t = A.cast(self._iterations, dtypes.float32) + 1.0
        scalars = {}
        for name in rule.scalars:
            if name in rule.powers:
                scalars[name] = M.pow(A.constant(float(hypers[rule.powers[name]])), t)
            else:
                scalars[name] = t if name == "step" else hypers[name]
        slots = [{s.input: self._slot(p, s.name, hypers.get(s.init, s.init), s.scalar)
                  for s in rule.slots} for p in params]
        return rule.apply_all(params, slots, scalars, grads,
                              {k: hypers[k] for k in rule.attrs if k in hypers})

    def get_weights(self) -> list:
        """The values of ``iterations`` and the slots (NumPy arrays), in creation order."""
        return K.batch_get_value(self.weights)

    def set_weights(self, weights) -> None:
        """Sets ``iterations`` and the slots; before the optimizer has made them (a model
        loaded, not yet trained), the values wait until the first training step builds
        them."""
        weights = list(weights)
        if not self.weights:
            self._pending_weights = weights
            return
        if len(weights) != len(self.weights):
            raise ValueError(f"Optimizer {self._name!r} has {len(self.weights)} weights "
                             f"(iterations and slots), but {len(weights)} values were given: "
                             "was it saved by a model with other weights or another "
                             "optimizer?")
        for var, value in zip(self.weights, weights):
            if tuple(var.shape.as_list()) != np.shape(value):
                raise ValueError(f"Optimizer weight {var.name} has shape "
                                 f"{tuple(var.shape.as_list())}, the saved value "
                                 f"{np.shape(value)}")
        K.batch_set_value(zip(self.weights, weights))

    def _restore_pending(self) -> None:
        if self._pending_weights is not None and self.weights:
            pending, self._pending_weights = self._pending_weights, None
            self.set_weights(pending)

    def get_config(self) -> dict:
        lr = self._lr_value if isinstance(self._lr_value, schedules.LearningRateSchedule) \
            else None
        cfg = {"name": self._name,
               "learning_rate": schedules.serialize(lr) if lr is not None
               else float(K.get_value(self.learning_rate))}
        if self.decay:
            cfg["decay"] = self.decay
        for k in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, k) is not None:
                cfg[k] = getattr(self, k)
        cfg.update({k: getattr(self, k) for k in self._defaults})
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        cfg = dict(config)
        if isinstance(cfg.get("learning_rate"), dict):
            cfg["learning_rate"] = schedules.deserialize(cfg["learning_rate"])
        return cls(**cfg)

    def variables(self) -> list:
        return list(self.weights)

    def __repr__(self) -> str:
        return f"<keras.optimizers.{type(self).__name__} learning_rate={self._lr_value}>"


def _epsilon(value) -> float:
    return float(K.epsilon() if value is None else value)


class SGD(Optimizer):
    """v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g)."""

    _defaults = {"momentum": 0.0, "nesterov": False}

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1], got {momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._rule = rules.KERAS_MOMENTUM if self.momentum or self.nesterov \
            else rules.GRADIENT_DESCENT

    def _hypers(self, lr) -> dict:
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class _AdamFamily(Optimizer):
    """beta_1, beta_2 and epsilon: the arguments of Adam, Adamax and Nadam."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs):
        super().__init__(name or type(self).__name__, learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), _epsilon(epsilon)

    def _hypers(self, lr) -> dict:
        return {"beta1": self.beta_1, "beta2": self.beta_2, "epsilon": self.epsilon}


class Adam(_AdamFamily):
    """m, v moving averages of g and g²; w -= lr_t * m / (sqrt(v) + epsilon) with
    lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) (amsgrad: v's running maximum)."""

    _defaults = {**_AdamFamily._defaults, "amsgrad": False}

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str = "Adam", **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name, **kwargs)
        self.amsgrad = bool(amsgrad)
        self._rule = rules.ADAM_AMSGRAD if self.amsgrad else rules.ADAM


class Adamax(_AdamFamily):
    """Adam with the infinity norm: u = max(beta_2 * u, |g|);
    w -= lr / (1 - beta_1^t) * m / (u + epsilon)."""

    _rule = rules.ADAMAX


class Nadam(_AdamFamily):
    """Adam with Nesterov momentum and Keras' momentum schedule
    mu_t = beta_1 * (1 - 0.5 * 0.96^t)."""

    _rule = rules.NADAM


class RMSprop(Optimizer):
    """ms = rho * ms + (1 - rho) * g²; w -= lr * g / sqrt(ms + epsilon) (centered: ms - mg²;
    with momentum, the step goes through a momentum slot)."""

    _defaults = {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}
    _slot_init = {"initial_rms": 0.0}

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str = "RMSprop",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.momentum = float(rho), float(momentum)
        self.epsilon, self.centered = _epsilon(epsilon), bool(centered)
        self._rule = rules.CENTERED_RMSPROP if self.centered else rules.RMSPROP

    def _hypers(self, lr) -> dict:
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """acc += g²; w -= lr * g / sqrt(acc + epsilon)."""

    _defaults = {"initial_accumulator_value": 0.1, "epsilon": 1e-7}
    _rule = rules.ADAGRAD

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str = "Adagrad", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = _epsilon(epsilon)

    def _hypers(self, lr) -> dict:
        return {"epsilon": self.epsilon,
                "initial_accumulator_value": self.initial_accumulator_value}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of the RMS of past steps to the RMS of gradients."""

    _defaults = {"rho": 0.95, "epsilon": 1e-7}
    _rule = rules.ADADELTA

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 name: str = "Adadelta", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), _epsilon(epsilon)

    def _hypers(self, lr) -> dict:
        return {"rho": self.rho, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """FTRL-proximal with L1, L2 and L2-shrinkage regularization; ``beta`` adds
    ``beta / (2 lr)`` to the L2 strength."""

    _defaults = {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                 "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
                 "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}
    _rule = rules.FTRL

    def __init__(self, learning_rate=0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, name: str = "Ftrl",
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        check_ftrl(initial_accumulator_value, learning_rate_power, l1_regularization_strength,
                   l2_regularization_strength, l2_shrinkage_regularization_strength,
                   lambda n, v, ok: f"`{n}` needs to be {ok} or zero. Received: {n}={v}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _hypers(self, lr) -> dict:
        l2 = self.l2_regularization_strength
        return {"l1": self.l1_regularization_strength,
                "l2": l2 + self.beta / (2.0 * lr) if self.beta else l2,
                "l2_shrinkage": self.l2_shrinkage_regularization_strength,
                "lr_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value}


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam, "ftrl": Ftrl}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("adam", "Adam", "sgd"...), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer: {identifier!r}. Valid names: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if hasattr(identifier, "minimize") and hasattr(identifier, "apply_gradients"):
        raise TypeError(f"{type(identifier).__name__} is a tf.train optimizer; Keras models "
                        "take tf.keras.optimizers (e.g. tf.keras.optimizers.Adam())")
    raise TypeError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(opt: Optimizer) -> dict:
    return {"class_name": type(opt).__name__, "config": opt.get_config()}


def deserialize(config: dict) -> Optimizer:
    name = str(config.get("class_name")).removeprefix("Custom>")  # tf_keras 2.11+ .h5 files
    cls = _CLASSES.get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {config.get('class_name')!r}")
    cfg = {k: v for k, v in config.get("config", {}).items()
           if k not in ("is_legacy_optimizer", "jit_compile", "use_ema", "ema_momentum",
                        "ema_overwrite_frequency", "weight_decay")}
    return cls.from_config(cfg)
