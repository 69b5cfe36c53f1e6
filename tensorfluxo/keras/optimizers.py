"""tf.keras.optimizers: SGD, Adam, RMSprop, Adagrad, Adadelta, Nadam.

An optimizer gives ``get_updates(loss, params)``: the ops of one training step. Each rule is
one fused op per variable that updates the variable and its slots in place. The learning rate
is a variable (``optimizer.lr`` / ``optimizer.learning_rate``), so callbacks change it between
steps without rebuilding anything:

>>> opt = Adam(learning_rate=0.01)      # or Adam(lr=0.01), or the string "adam"
>>> K.set_value(opt.lr, 0.001)          # once the model is compiled and trained
"""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, control_dependencies
from ..framework.registry import defop
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops import state_ops
from ..ops.control_flow_ops import group
from ..ops.gradients_impl import gradients
from ..train import optimizer as _tf_optimizer  # noqa: F401 - registers the tf.train apply ops
from ..train import optimizers as _tf_optimizers  # noqa: F401
from ..variables import Variable
from . import backend as K


# ---- fused update ops: inputs (var, *slots, lr, iterations, grad), hyperparameters as attrs ----
def _apply_infer(op):
    var, grad = op.inputs[0], op.inputs[-1]
    if grad.dtype is not var.dtype:
        raise TypeError(f"{op.type}: gradient dtype {grad.dtype.name} does not match variable "
                        f"'{var.op.name}' ({var.dtype.name})")
    return []


def _k_sgd(var, moment, lr, it, grad, momentum, nesterov):
    w, v, lr = var.get(), moment.get(), float(lr)
    v *= momentum
    v -= lr * grad
    if nesterov:
        w += momentum * v - lr * grad
    else:
        w += v


def _k_rmsprop(var, ms, mom, lr, it, grad, rho, momentum, epsilon):
    w, ms, lr = var.get(), ms.get(), float(lr)
    ms *= rho
    ms += (1.0 - rho) * grad * grad
    step = lr * grad / (np.sqrt(ms) + epsilon)
    if momentum:
        mv = mom.get()
        mv *= momentum
        mv += step
        w -= mv
    else:
        w -= step


def _nadam_coefs(t, beta_1, decay=0.004):
    """Nadam's momentum schedule: mu_t and mu_{t+1} and their running products."""
    mu = beta_1 * (1.0 - 0.5 * 0.96 ** (t * decay))
    mu_next = beta_1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
    return mu, mu_next


def _k_nadam(var, m, v, sched, lr, it, grad, beta_1, beta_2, epsilon):
    t = float(it) + 1.0
    mu, mu_next = _nadam_coefs(t, beta_1)
    s = sched.get()
    prod = float(s) * mu            # running product of mu_1..mu_t
    prod_next = prod * mu_next
    s[...] = prod
    w, m, v = var.get(), m.get(), v.get()
    g_hat = grad / (1.0 - prod)
    m += (grad - m) * (1.0 - beta_1)
    v += (grad * grad - v) * (1.0 - beta_2)
    m_hat = m / (1.0 - prod_next)
    v_hat = v / (1.0 - beta_2 ** t)
    m_bar = (1.0 - mu) * g_hat + mu_next * m_hat
    w -= float(lr) * m_bar / (np.sqrt(v_hat) + epsilon)


# Rules whose formula differs from tf.train's (plain SGD, Adam, Adagrad and Adadelta use the
# tf.train apply ops of train/optimizers.py, see Optimizer._tf_op).
for _name, _kernel, _nslots in (("SGDMomentum", _k_sgd, 1), ("RMSprop", _k_rmsprop, 2),
                                ("Nadam", _k_nadam, 3)):
    defop("KerasApply" + _name, infer=_apply_infer, kernel=_kernel,
          ref_inputs=tuple(range(_nslots + 1)), stateful=True, not_differentiable=True)


# ---- optimizer classes -------------------------------------------------------------------------
class Optimizer:
    """Base class: hyperparameters, the learning-rate variable, slots, gradient clipping."""

    _slot_names: tuple = ()
    _defaults: dict = {}

    def __init__(self, name: str, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, decay: float = 0.0, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        kwargs.pop("epsilon_hat", None)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument passed to optimizer: "
                            f"{sorted(kwargs)[0]!r}. Allowed: learning_rate (lr), "
                            f"{', '.join(self._defaults)}, clipnorm, clipvalue, decay")
        self._name = name
        self._lr_value = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self.decay = float(decay)
        self._graph = None
        self._lr_var = self._iterations = None
        self._slots: dict = {}
        self.weights: list[Variable] = []

    # ---- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning-rate variable once the optimizer is used, else the number given."""
        return self._lr_var if self._lr_var is not None else self._lr_value

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, Tensor):
            raise TypeError("Set the learning rate to a number (or use K.set_value)")
        self._lr_value = float(value)
        if self._lr_var is not None:
            K.set_value(self._lr_var, value)

    lr = learning_rate

    @property
    def iterations(self):
        return self._iterations if self._iterations is not None else 0

    def _hyper_value(self, name):
        v = getattr(self, name)
        return float(v)

    # ---- building the update ops -----------------------------------------------------------------
    def _create_variables(self, graph) -> None:
        if self._graph is graph:
            return
        self._graph, self._slots = graph, {}
        if callable(self._lr_value):
            raise NotImplementedError("learning-rate schedules are not supported; use the "
                                      "LearningRateScheduler callback")
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None), \
                graph.name_scope(self._name):
            self._iterations = Variable(np.int64(0), name="iter", trainable=False,
                                        dtype=dtypes.int64)
            self._lr_var = Variable(np.float32(self._lr_value), name="learning_rate",
                                    trainable=False)
        self.weights = [self._iterations]

    def _slot(self, var, name, init=0.0):
        key = (id(var), name)
        slot = self._slots.get(key)
        if slot is None:
            graph = var.graph
            value = np.full(var.shape.as_list(), init, dtype=var.dtype.as_numpy_dtype)
            with graph.as_default(), graph.control_dependencies(None), \
                    graph.name_scope(None), graph.name_scope(self._name + "/"):
                slot = Variable(value, name=f"{var.op.name}/{name}", trainable=False)
            self._slots[key] = slot
            self.weights.append(slot)
        return slot

    def _clip(self, grads):
        if self.global_clipnorm is not None:
            norm = M.sqrt(sum(M.reduce_sum(M.square(g)) for g in grads))
            scale = self.global_clipnorm / M.maximum(norm, float(self.global_clipnorm))
            grads = [g * scale for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                n = M.sqrt(M.reduce_sum(M.square(g)))
                out.append(g * (self.clipnorm / M.maximum(n, float(self.clipnorm))))
            grads = out
        if self.clipvalue is not None:
            grads = [M.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def get_gradients(self, loss, params) -> list:
        grads = gradients(loss, params)
        missing = [p.name for p, g in zip(params, grads) if g is None]
        if missing:
            raise ValueError(f"No gradients provided for some variables: {missing}. Check "
                             "that the loss depends on them through differentiable ops.")
        return self._clip(grads)

    def get_updates(self, loss, params) -> list:
        """The ops of one step: every variable updated, then ``iterations`` incremented."""
        if not params:
            raise ValueError("The model has no trainable weights to optimize")
        graph = params[0].graph
        self._create_variables(graph)
        with graph.as_default(), graph.name_scope(None), graph.name_scope(self._name):
            grads = self.get_gradients(loss, params)
            lr = self._lr_var
            if self.decay:
                it = A.cast(self._iterations, lr.dtype)
                lr = lr * (1.0 / (1.0 + self.decay * it))
            ops = self._apply_all(grads, params, lr)
            with control_dependencies(ops):
                step = state_ops.assign_add(self._iterations,
                                            A.constant(1, dtype=dtypes.int64)).op
        return [group(*ops, step)]

    def _apply(self, grad, var, lr):
        raise NotImplementedError

    def _apply_all(self, grads, params, lr) -> list:
        return [self._apply(g, p, lr) for g, p in zip(grads, params)]

    def _op(self, kind, var, slots, lr, grad, **attrs):
        return apply_op("KerasApply" + kind, [var, *slots, lr, self._iterations, grad], attrs,
                        name=kind)

    def _tf_op(self, op_type, var, slots, lr, *hypers, grad):
        """A tf.train apply op (same formula): inputs (var, *slots, lr, *hypers, grad)."""
        def as_var_dtype(x):
            if isinstance(x, Tensor):
                return x if x.dtype is var.dtype else A.cast(x, var.dtype)
            return A.constant(x, dtype=var.dtype)
        return apply_op(op_type, [var, *slots, as_var_dtype(lr),
                                  *[as_var_dtype(h) for h in hypers], grad],
                        name=op_type.replace("Apply", ""))

    def get_config(self) -> dict:
        cfg = {"name": self._name, "learning_rate": float(K.get_value(self.learning_rate))}
        if self.decay:
            cfg["decay"] = self.decay
        for k in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, k) is not None:
                cfg[k] = getattr(self, k)
        cfg.update({k: getattr(self, k) for k in self._defaults})
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def variables(self) -> list:
        return list(self.weights)

    def __repr__(self) -> str:
        return f"<keras.optimizers.{type(self).__name__} learning_rate={self._lr_value}>"


class SGD(Optimizer):
    """v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g)."""

    _defaults = {"momentum": 0.0, "nesterov": False}

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be between [0, 1], got {momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _apply(self, grad, var, lr):
        if not self.momentum and not self.nesterov:
            return self._tf_op("ApplyGradientDescent", var, [], lr, grad=grad)
        return self._op("SGDMomentum", var, [self._slot(var, "momentum")], lr, grad,
                        momentum=self.momentum, nesterov=self.nesterov)


class Adam(Optimizer):
    """Adam with TF's epsilon placement: w -= lr_t * m / (sqrt(v) + epsilon), where
    lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str = "Adam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if amsgrad:
            raise NotImplementedError("Adam(amsgrad=True) is not supported")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = float(epsilon if epsilon is not None else K.epsilon())
        self.amsgrad = False

    def _beta_powers(self):
        """beta^t for this step, shared by every variable: ApplyAdam's bias correction."""
        if getattr(self, "_powers_for", None) is not self._iterations:
            t = A.cast(self._iterations, dtypes.float32) + 1.0
            self._powers = (M.pow(self.beta_1, t), M.pow(self.beta_2, t))
            self._powers_for = self._iterations
        return self._powers

    def _apply(self, grad, var, lr):
        return self._tf_op("ApplyAdam", var, [self._slot(var, "m"), self._slot(var, "v")],
                           *self._beta_powers(), lr, self.beta_1, self.beta_2, self.epsilon,
                           grad=grad)

    def _apply_all(self, grads, params, lr) -> list:
        if not _tf_optimizers.fusable(params) or params[0].dtype is not dtypes.float32:
            return super()._apply_all(grads, params, lr)
        b1p, b2p = self._beta_powers()
        c = lambda x: A.constant(x, dtype=dtypes.float32)  # noqa: E731
        return [_tf_optimizers.apply_adam_multi(
            params, [self._slot(p, "m") for p in params], [self._slot(p, "v") for p in params],
            b1p, b2p, lr, c(self.beta_1), c(self.beta_2), c(self.epsilon), grads)]


class RMSprop(Optimizer):
    """ms = rho * ms + (1 - rho) * g^2; w -= lr * g / (sqrt(ms) + epsilon) (with momentum)."""

    _defaults = {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str = "RMSprop",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if centered:
            raise NotImplementedError("RMSprop(centered=True) is not supported")
        self.rho, self.momentum = float(rho), float(momentum)
        self.epsilon, self.centered = float(epsilon), False

    def _apply(self, grad, var, lr):
        return self._op("RMSprop", var, [self._slot(var, "rms"), self._slot(var, "momentum")],
                        lr, grad, rho=self.rho, momentum=self.momentum, epsilon=self.epsilon)


class Adagrad(Optimizer):
    """acc += g^2; w -= lr * g / (sqrt(acc) + epsilon)."""

    _defaults = {"initial_accumulator_value": 0.1, "epsilon": 1e-7}

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str = "Adagrad", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _apply(self, grad, var, lr):
        acc = self._slot(var, "accumulator", self.initial_accumulator_value)
        return self._tf_op("ApplyAdagradV2", var, [acc], lr, self.epsilon, grad=grad)


class Adadelta(Optimizer):
    _defaults = {"rho": 0.95, "epsilon": 1e-7}

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 name: str = "Adadelta", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _apply(self, grad, var, lr):
        return self._tf_op("ApplyAdadelta", var, [self._slot(var, "accum_grad"),
                                                  self._slot(var, "accum_var")], lr, self.rho,
                           self.epsilon, grad=grad)


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras' momentum schedule (decay 0.004)."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str = "Nadam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _apply(self, grad, var, lr):
        sched = self._slot_scalar("momentum_cache", 1.0)
        return self._op("Nadam", var, [self._slot(var, "m"), self._slot(var, "v"), sched], lr,
                        grad, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    def _slot_scalar(self, name, init):
        # One running product per variable keeps the kernel free of shared state.
        key = ("scalar", name, len(self._slots))
        graph = self._graph
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None), \
                graph.name_scope(self._name + "/"):
            v = Variable(np.float64(init), name=name, trainable=False, dtype=dtypes.float64)
        self._slots[key] = v
        self.weights.append(v)
        return v


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adadelta": Adadelta, "nadam": Nadam}
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
    cls = _CLASSES.get(config.get("class_name")) or \
        _BY_NAME.get(str(config.get("class_name")).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {config.get('class_name')!r}")
    cfg = {k: v for k, v in config.get("config", {}).items()
           if k not in ("is_legacy_optimizer", "jit_compile", "use_ema", "ema_momentum",
                        "ema_overwrite_frequency", "weight_decay")}
    return cls(**cfg)
