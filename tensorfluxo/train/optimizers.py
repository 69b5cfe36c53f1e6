"""tf.train optimizers beyond gradient descent: thin front ends over the rule table
(train/rules.py), each mapping TF 1.x's arguments to its rule's inputs. Slot names, their
variables' names (``w/Adam``, ``w/Adam_1``) and the non-slot ``beta1_power``/``beta2_power``
are TF's.
"""

from __future__ import annotations

from . import rules
from .optimizer import Optimizer


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= learning_rate * accum (slot "momentum")."""

    _rule = rules.MOMENTUM

    def __init__(self, learning_rate, momentum, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate, momentum=momentum, use_nesterov=bool(use_nesterov))


def _check_accumulator(value: float) -> None:
    if value <= 0.0:
        raise ValueError(f"initial_accumulator_value must be positive: {value}")


class AdagradOptimizer(Optimizer):
    """accum += grad²; var -= learning_rate * grad / sqrt(accum) (slot "accumulator")."""

    _rule = rules.ADAGRAD

    def __init__(self, learning_rate, initial_accumulator_value: float = 0.1,
                 use_locking: bool = False, name: str = "Adagrad"):
        _check_accumulator(initial_accumulator_value)
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate, epsilon=0.0,
                         initial_accumulator_value=initial_accumulator_value)


class ProximalAdagradOptimizer(Optimizer):
    """Adagrad's step followed by the proximal step of L1 and L2 regularization."""

    _rule = rules.PROXIMAL_ADAGRAD

    def __init__(self, learning_rate, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "ProximalAdagrad"):
        _check_accumulator(initial_accumulator_value)
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate, l1=l1_regularization_strength,
                         l2=l2_regularization_strength,
                         initial_accumulator_value=initial_accumulator_value)


class RMSPropOptimizer(Optimizer):
    """TF's RMSProp (epsilon inside the square root; slot "rms" starts at one)."""

    def __init__(self, learning_rate, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-10, use_locking: bool = False, centered: bool = False,
                 name: str = "RMSProp"):
        super().__init__(use_locking, name)
        self._rule = rules.CENTERED_RMSPROP if centered else rules.RMSPROP
        self._set_hypers(lr=learning_rate, rho=decay, momentum=momentum, epsilon=epsilon,
                         initial_rms=1.0)


class AdamOptimizer(Optimizer):
    """TF1's Adam: slots "m" and "v", non-slot variables beta1_power and beta2_power."""

    _rule = rules.ADAM

    def __init__(self, learning_rate=0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)

    def _get_beta_accumulators(self):
        return self._non_slot["beta1_power"], self._non_slot["beta2_power"]


class AdadeltaOptimizer(Optimizer):
    """Adadelta (slots "accum" and "accum_update")."""

    _rule = rules.ADADELTA

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-8,
                 use_locking: bool = False, name: str = "Adadelta"):
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate, rho=rho, epsilon=epsilon)


def check_ftrl(initial_accumulator_value, learning_rate_power, l1, l2, l2_shrinkage,
               message) -> None:
    """FTRL's argument checks, shared by tf.train and Keras (``message(name, value)``)."""
    for name, value, ok in (
            ("initial_accumulator_value", initial_accumulator_value, "positive"),
            ("learning_rate_power", learning_rate_power, "negative"),
            ("l1_regularization_strength", l1, "positive"),
            ("l2_regularization_strength", l2, "positive"),
            ("l2_shrinkage_regularization_strength", l2_shrinkage, "positive")):
        if (value < 0.0) if ok == "positive" else (value > 0.0):
            raise ValueError(message(name, value, ok))


class FtrlOptimizer(Optimizer):
    """FTRL-proximal (slots "accum" and "linear"); ``beta`` adds ``beta / (2 lr)`` to the L2
    strength."""

    _rule = rules.FTRL

    def __init__(self, learning_rate, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "Ftrl", accum_name: str | None = None,
                 linear_name: str | None = None,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float | None = None):
        check_ftrl(initial_accumulator_value, learning_rate_power, l1_regularization_strength,
                   l2_regularization_strength, l2_shrinkage_regularization_strength,
                   lambda n, v, ok: f"{n} {v:f} needs to be {ok} or zero")
        super().__init__(use_locking, name)
        l2 = l2_regularization_strength
        if beta:
            l2 = l2 + beta / (2.0 * learning_rate)
        self._set_hypers(lr=learning_rate, l1=l1_regularization_strength, l2=l2,
                         l2_shrinkage=l2_shrinkage_regularization_strength,
                         lr_power=learning_rate_power,
                         initial_accumulator_value=initial_accumulator_value)
