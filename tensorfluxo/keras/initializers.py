"""tf.keras.initializers: classes with Keras' defaults, and lookup by name."""

from __future__ import annotations

import numpy as np

from ..ops import array_ops, init_ops, random_ops
from ..ops.init_ops import Constant, GlorotNormal, GlorotUniform, Initializer, Ones, Zeros


class RandomNormal(init_ops.RandomNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=None):
        super().__init__(mean, stddev, seed, dtype or "float32")


class RandomUniform(init_ops.RandomUniform):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=None):
        super().__init__(minval, maxval, seed, dtype or "float32")


class TruncatedNormal(init_ops.TruncatedNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=None):
        super().__init__(mean, stddev, seed, dtype or "float32")


class VarianceScaling(init_ops.VarianceScaling):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=None):
        super().__init__(scale, mode, distribution, seed, dtype or "float32")


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain: float = 1.0, dtype=None):
        super().__init__(dtype or "float32")
        self.gain = float(gain)

    def __call__(self, shape, dtype=None, partition_info=None):
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices, "
                             f"got shape {tuple(shape)}")
        dt = self._dt(dtype)
        return array_ops.constant(self.gain * np.eye(*shape), dtype=dt)

    def get_config(self) -> dict:
        return {"gain": self.gain}


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (the Q of a Gaussian matrix's QR, signs fixed
    so that it is uniformly distributed); shapes of rank > 2 are flattened to
    (prod(shape[:-1]), shape[-1]). Drawn when the graph is built, from the graph seed when one
    is set (there is no QR op), so re-running the initializer gives the same matrix."""

    def __init__(self, gain: float = 1.0, seed=None, dtype=None):
        super().__init__(dtype or "float32")
        self.gain, self.seed = float(gain), seed

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional, got "
                             f"shape {shape}")
        seeds = random_ops.get_seed(self.seed)
        rng = np.random.default_rng(None if seeds[0] is None else list(seeds))
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = np.ascontiguousarray(q.T)
        return array_ops.constant(self.gain * q.reshape(shape), dtype=self._dt(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


def _scaling(cls_name, scale, mode, distribution):
    def __init__(self, seed=None, dtype=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, dtype)

    def get_config(self):
        return {"seed": self.seed}

    return type(cls_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")

_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "uniform": RandomUniform, "normal": RandomNormal,
    "variance_scaling": VarianceScaling, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "identity": Identity,
    "orthogonal": Orthogonal,
}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}
_CLASSES.update({"Zeros": Zeros, "Ones": Ones, "Constant": Constant,
                 "GlorotUniform": GlorotUniform, "GlorotNormal": GlorotNormal})

zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
identity, orthogonal = Identity, Orthogonal


def get(identifier) -> Initializer:
    """An initializer from a name ("glorot_uniform"), a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or _BY_NAME.get(identifier.lower()) \
            or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer: {identifier!r}. Valid names: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(init) -> dict:
    if not isinstance(init, Initializer):
        raise ValueError(f"Cannot serialize the initializer {init!r}: use a Keras initializer")
    name = type(init).__name__
    cfg = dict(init.get_config())
    cfg.pop("dtype", None)
    return {"class_name": name, "config": cfg}


def deserialize(config: dict) -> Initializer:
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown initializer class: {config.get('class_name')!r}")
    cfg = dict(config.get("config", {}))
    if cls in (GlorotUniform, GlorotNormal, Zeros, Ones):
        cfg = {k: v for k, v in cfg.items() if k in ("seed",)} if cls in (
            GlorotUniform, GlorotNormal) else {}
    return cls(**cfg)
