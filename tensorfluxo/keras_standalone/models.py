"""keras.models: Model and Sequential whose compile() resolves optimizer names with Keras
2.2's defaults; the rest is tensorfluxo.keras.models."""

from __future__ import annotations

from ..keras import models as _tfk
from ..keras.models import (  # noqa: F401 - keras.models names
    clone_model,
    load_model,
    model_from_config,
    model_from_json,
    save_model,
)
from . import optimizers


class Model(_tfk.Model):
    __doc__ = _tfk.Model.__doc__
    _optimizers = optimizers


class Sequential(_tfk.Sequential):
    __doc__ = _tfk.Sequential.__doc__
    _optimizers = optimizers
