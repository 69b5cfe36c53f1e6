"""keras.optimizers with standalone Keras 2.2's defaults (see the package docstring)."""

from __future__ import annotations

from ..keras import optimizers as _tfk
from ..keras.optimizers import Optimizer, schedules, serialize  # noqa: F401 - keras names

__path__: list = []  # keras.optimizers.schedules: the runner falls back to tf.keras's


def _keras22(cls, lr: float, **fixed):
    """``cls`` with Keras 2.2's default learning rate (and other defaults in ``fixed``)."""
    def __init__(self, lr=lr, *args, **kwargs):
        if "learning_rate" in kwargs:
            lr = kwargs.pop("learning_rate")
        kwargs.pop("schedule_decay", None)  # Nadam's; Keras 3's momentum schedule is fixed
        for k, v in fixed.items():
            kwargs.setdefault(k, v)
        cls.__init__(self, lr, *args, **kwargs)

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": __name__,
                                       "__doc__": f"{cls.__doc__}\n\nKeras 2.2 default "
                                                  f"lr={lr}."})


SGD = _keras22(_tfk.SGD, 0.01)
RMSprop = _keras22(_tfk.RMSprop, 0.001)
Adagrad = _keras22(_tfk.Adagrad, 0.01, initial_accumulator_value=0.0)
Adadelta = _keras22(_tfk.Adadelta, 1.0)
Adam = _keras22(_tfk.Adam, 0.001)
Adamax = _keras22(_tfk.Adamax, 0.002)
Nadam = _keras22(_tfk.Nadam, 0.002)
sgd, rmsprop, adagrad, adadelta, adam, adamax, nadam = (SGD, RMSprop, Adagrad, Adadelta, Adam,
                                                        Adamax, Nadam)
_BY_NAME = {c.__name__.lower(): c for c in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax,
                                            Nadam)}


def get(identifier) -> Optimizer:
    """Like tf.keras.optimizers.get, names giving Keras 2.2's defaults."""
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    return _tfk.get(identifier)


def deserialize(config: dict) -> Optimizer:
    return _tfk.deserialize(config)
