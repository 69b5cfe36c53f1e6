"""tf.random.Generator: a random number generator whose state is a tf.Variable.

    g = tf.random.Generator.from_seed(1)
    g.normal([3])          # [0.4384, -0.5344, -0.0771], as TensorFlow 2.21 prints
    g.uniform([2], 0, 10, dtype=tf.int32)
    a, b = g.split(2)      # independent generators

The state is three int64 words as TensorFlow's Philox state: a 128-bit counter (words 0-1) and a
64-bit key (word 2). Every draw is an op taking the state variable as a ref input: it reads the
counter, generates Philox4x32-10 blocks (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC 2011) and advances the counter by 256 per output element, as TensorFlow does, so
``g.state`` reads as in TF and the same seed gives the same numbers in eager mode, in
tf.function (the variable is captured) and in graph sessions (the variable is a graph variable:
initialize it). Uniform floats, normals (Box-Muller), integers in a range, full-range integers,
``make_seeds`` and ``split`` reproduce TF 2.21's numbers (normals to float rounding);
truncated normals reject from the same stream in their own order (TF's numbers for the first
four) and binomials come from NumPy, so those two differ from TF's numbers.

``tf.random.stateless_uniform/normal/truncated_normal(shape, seed)`` draw from a key and
counter made from the seed pair by one Philox block, as TF's stateless ops (same numbers).
"""

from __future__ import annotations

import enum
import os
import weakref

import numpy as np

from .client import eager
from .framework import dtypes, errors
from .framework.eager_tensor import EagerTensor
from .framework.ops import apply_op, convert_to_tensor, executing_eagerly, get_default_graph
from .framework.registry import defop
from .ops import array_ops, math_ops
from .ops._util import constant_value, shape_from_tensor


class Algorithm(enum.Enum):
    """RNG algorithms (TF's values); tensorfluxo implements Philox."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


# ---- Philox4x32-10 ---------------------------------------------------------------------------
_M32, _M64 = 0xFFFFFFFF, (1 << 64) - 1
_MUL = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_BUMP = (0x9E3779B9, 0xBB67AE85)
_U32 = np.uint64(32)


def philox(counter: int, key: int, n_blocks: int) -> np.ndarray:
    """``4 * n_blocks`` uint32 words: Philox4x32-10 of counters ``counter .. counter+n-1``
    (128-bit) under the 64-bit ``key``."""
    lo0 = np.uint64(counter & _M64)
    lo = lo0 + np.arange(n_blocks, dtype=np.uint64)  # wraps modulo 2**64 ...
    hi = np.uint64((counter >> 64) & _M64) + (lo < lo0).astype(np.uint64)  # ... with a carry
    m32 = np.uint64(_M32)
    c0, c1, c2, c3 = lo & m32, lo >> _U32, hi & m32, hi >> _U32
    k0, k1 = key & _M32, (key >> 32) & _M32
    for _ in range(10):
        p0, p1 = _MUL[0] * c0, _MUL[1] * c2
        c0, c1, c2, c3 = ((p1 >> _U32) ^ c1 ^ np.uint64(k0), p1 & m32,
                          (p0 >> _U32) ^ c3 ^ np.uint64(k1), p0 & m32)
        k0, k1 = (k0 + _BUMP[0]) & _M32, (k1 + _BUMP[1]) & _M32
    return np.stack([c0, c1, c2, c3], axis=1).astype(np.uint32).reshape(-1)


def _words(n: int, counter: int, key: int) -> np.ndarray:
    return philox(counter, key, -(-n // 4))[:n]


def _unit32(x: np.ndarray) -> np.ndarray:
    """uint32 -> float32 in [0, 1) from the low 23 bits (TF's mapping)."""
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)


def _bits64(x: np.ndarray) -> np.ndarray:
    """Pairs of uint32 (low word first) -> uint64."""
    x = x.astype(np.uint64)
    return x[0::2] | (x[1::2] << _U32)


def _unit64(x: np.ndarray) -> np.ndarray:
    """Pairs of uint32 (high word first) -> float64 in [0, 1) from 52 bits."""
    x = x.astype(np.uint64)
    bits = (((x[0::2] << _U32) | x[1::2]) & np.uint64((1 << 52) - 1)) | np.uint64(0x3FF << 52)
    return bits.view(np.float64) - 1.0


def _uniform(n, counter, key, npdt):
    if npdt == np.float64:
        return _unit64(_words(2 * n, counter, key))
    return _unit32(_words(n, counter, key)).astype(npdt)


def _normal(n, counter, key, npdt):
    """Box-Muller on pairs of uniforms: two normals per pair."""
    m = n + n % 2
    if npdt == np.float64:
        u = _unit64(_words(2 * m, counter, key))
        eps, two_pi = 1e-7, 2 * np.pi
    else:
        u = _unit32(_words(m, counter, key))
        eps, two_pi = np.float32(1e-7), np.float32(2 * np.pi)
    u1, v = np.maximum(u[0::2], eps), two_pi * u[1::2]
    r = np.sqrt(-2 * np.log(u1))
    out = np.empty(m, dtype=u.dtype)
    out[0::2], out[1::2] = np.sin(v) * r, np.cos(v) * r
    return out[:n].astype(npdt)


def _truncated(n, counter, key, npdt):
    """Normals within two standard deviations, rejected in stream order (the call owns 256
    counters per output, far more than rejection needs)."""
    out = np.empty(0, dtype=npdt)
    while len(out) < n:
        z = _normal(2 * n + 8, counter, key, npdt)
        out = np.concatenate([out, z[np.abs(z) < 2]])
        counter += n + 4
    return out[:n]


def _std(npdt):
    """Generates float32/float64 directly, other float types via float32."""
    return np.float64 if npdt == np.float64 else np.float32


# ---- the ops: each reads the state variable, draws, advances the counter ---------------------
def _counter_key(buf: np.ndarray) -> tuple[int, int]:
    w = buf.view(np.uint64)
    return int(w[0]) | (int(w[1]) << 64), int(w[2])


def _advance(buf: np.ndarray, counter: int, delta: int) -> None:
    counter = (counter + delta) & ((1 << 128) - 1)
    buf.view(np.uint64)[:2] = [counter & _M64, counter >> 64]


def _sample(fn, counter: int, key: int, shape, dtype, params):
    shape = tuple(int(d) for d in shape)
    n = int(np.prod(shape, dtype=np.int64))
    return fn(n, counter, key, dtype.np, *params).reshape(shape), n


def _stateful(fn, per_element: int):
    """A kernel drawing from the state variable's counter, then advancing it."""
    def kernel(cell, shape, *params, dtype):
        buf = cell.get()
        counter, key = _counter_key(buf)
        out, n = _sample(fn, counter, key, shape, dtype, params)
        _advance(buf, counter, per_element * n)
        return out
    return kernel


_SCRAMBLE_KEY = 0x3EC8F720 | (0x02461E29 << 32)


def _stateless(fn):
    """A kernel whose counter and key come from a seed pair, scrambled by one Philox block
    (as TF's stateless ops, whose numbers these are)."""
    def kernel(shape, seed, *params, dtype):
        s0, s1 = (int(w) & _M64 for w in np.asarray(seed).reshape(-1)[:2])
        mix = philox(s0 | (s1 << 64), _SCRAMBLE_KEY, 1).astype(np.uint64)
        key = int(mix[0] | (mix[1] << _U32))
        counter = int(mix[2] | (mix[3] << _U32)) << 64
        return _sample(fn, counter, key, shape, dtype, params)[0]
    return kernel


def _k_float(dist):
    return lambda n, counter, key, npdt: dist(n, counter, key, _std(npdt)).astype(npdt)


def _k_uniform_int(n, counter, key, npdt, minval, maxval):
    lo, hi = int(minval), int(maxval)
    if lo >= hi:
        raise errors.InvalidArgumentError(None, None, f"Need minval < maxval, got {lo} >= {hi}")
    if npdt == np.int64:
        bits, udt = _bits64(_words(2 * n, counter, key)), np.uint64
    else:
        bits, udt = _words(n, counter, key), np.uint32
    span = udt(hi - lo)
    return (udt(lo & (_M64 if udt is np.uint64 else _M32)) + bits % span).view(npdt)


def _k_full_int(n, counter, key, npdt):
    if np.dtype(npdt).itemsize == 8:
        return _bits64(_words(2 * n, counter, key)).view(npdt)
    return _words(n, counter, key).view(npdt)


def _k_binomial(n, counter, key, npdt, counts, probs):
    rng = np.random.default_rng(_words(4, counter, key))
    return rng.binomial(np.asarray(counts, np.int64), np.asarray(probs, np.float64),
                        n).astype(npdt)


def _draw_infer(op):
    source = op.inputs[0] if op.op_def.ref_inputs else op.inputs[1]
    if op.op_def.ref_inputs:
        if source.dtype is not dtypes.int64 or not source.shape.is_compatible_with([3]):
            raise ValueError(f"the state of a Philox generator is an int64 variable of shape "
                             f"(3,), got {source.dtype.name} {source.shape}")
    elif not source.dtype.is_integer or not source.shape.is_compatible_with([2]):
        raise ValueError(f"seed must be an integer tensor of shape [2], got "
                         f"{source.dtype.name} {source.shape}")
    if op.type.endswith("UniformInt") or op.type.endswith("UniformIntV2"):
        lo, hi = op.inputs[2:]
        if lo.shape.ndims not in (None, 0) or hi.shape.ndims not in (None, 0):
            raise ValueError(f"minval and maxval must be scalars, got shapes {lo.shape} and "
                             f"{hi.shape}")
        lo, hi = constant_value(lo), constant_value(hi)
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"Need minval < maxval, got {lo} >= {hi}")
    shape = op.inputs[1] if op.op_def.ref_inputs else op.inputs[0]
    return op.attrs["dtype"], shape_from_tensor(shape)


# kind -> (sampler, counters reserved per element, stateful op type, stateless op type)
_KINDS = {
    "normal": (_k_float(_normal), 256, "StatefulStandardNormalV2", "StatelessRandomNormalV2"),
    "uniform": (_k_float(_uniform), 256, "StatefulUniform", "StatelessRandomUniformV2"),
    "truncated": (_k_float(_truncated), 256, "StatefulTruncatedNormal",
                  "StatelessTruncatedNormalV2"),
    "int": (_k_uniform_int, 256, "StatefulUniformInt", "StatelessRandomUniformIntV2"),
    "full_int": (_k_full_int, 256, "StatefulUniformFullInt", "StatelessRandomUniformFullIntV2"),
    "binomial": (_k_binomial, 256 * 100, "StatefulRandomBinomial", None),
}
for _fn, _per, _stateful_type, _stateless_type in _KINDS.values():
    defop(_stateful_type, infer=_draw_infer, kernel=_stateful(_fn, _per), ref_inputs=(0,),
          stateful=True, not_differentiable=True)
    if _stateless_type:
        defop(_stateless_type, infer=_draw_infer, kernel=_stateless(_fn),
              not_differentiable=True)


def _k_skip(cell, delta):
    buf = cell.get()
    old = buf.copy()
    _advance(buf, _counter_key(buf)[0], 256 * int(delta))
    return old


defop("RngReadAndSkip", infer=lambda op: (dtypes.int64, [3]), kernel=_k_skip, ref_inputs=(0,),
      stateful=True, not_differentiable=True)


# ---- states from seeds -----------------------------------------------------------------------
def _check_alg(alg) -> Algorithm:
    if alg is None or alg in ("philox", "auto_select", Algorithm.PHILOX, Algorithm.AUTO_SELECT,
                              1, 3):
        return Algorithm.PHILOX
    if alg in ("threefry", Algorithm.THREEFRY, 2):
        raise NotImplementedError("tf.random.Generator: tensorfluxo implements the Philox "
                                  "algorithm only (alg='philox'), not ThreeFry")
    raise ValueError(f"Argument `alg` got unsupported value {alg}. Supported values are philox "
                     "for the Philox algorithm and auto_select for auto-selection.")


def _state_from_seed(seed) -> np.ndarray:
    """A seed (any Python int) as TF's 192-bit state: little-endian 64-bit words."""
    seed = int(seed)
    return np.array([(seed >> (64 * i)) & _M64 for i in range(3)], dtype=np.uint64).view(
        np.int64)


class _Sampler:
    """The distributions, over ``_draw(kind, shape, dtype, *params, name)``: a Generator's
    stateful ops or the stateless ops of one seed."""

    _prefix = ""

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Samples from N(mean, stddev**2)."""
        dt = _float_dtype(dtype, "normal")
        z = self._draw("normal", shape, dt, name=name or self._prefix + "normal")
        return _scale_shift(z, stddev, mean, dt)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Normal samples within two standard deviations of the mean."""
        dt = _float_dtype(dtype, "truncated_normal")
        z = self._draw("truncated", shape, dt,
                       name=name or self._prefix + "truncated_normal")
        return _scale_shift(z, stddev, mean, dt)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform samples in [minval, maxval): floats (maxval defaults to 1) or integers
        (give both bounds, or neither for the full range)."""
        dt = dtypes.as_dtype(dtype)
        if dt.is_integer:
            if maxval is None and minval in (None, 0):
                return self.uniform_full_int(shape, dt, name=name)
            if (minval is None) != (maxval is None) or maxval is None:
                raise ValueError(f"For integer dtype {dt!r}, minval and maxval must be both "
                                 f"`None` or both non-`None`; got minval={minval} and "
                                 f"maxval={maxval}")
            if dt not in (dtypes.int32, dtypes.int64):
                raise ValueError(f"uniform: integer dtype must be int32 or int64, got {dt.name}")
            lo, hi = convert_to_tensor(minval, dtype=dt), convert_to_tensor(maxval, dtype=dt)
            return self._draw("int", shape, dt, lo, hi, name=name or self._prefix + "uniform")
        dt = _float_dtype(dt, "uniform")
        u = self._draw("uniform", shape, dt, name=name or self._prefix + "uniform")
        if maxval is None:
            maxval = 1.0
        if minval is None:
            minval = 0.0
        span = math_ops.subtract(convert_to_tensor(maxval, dtype=dt),
                                 convert_to_tensor(minval, dtype=dt))
        return _scale_shift(u, span, minval, dt)

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None):
        """Integers over the dtype's whole range."""
        dt = dtypes.as_dtype(dtype)
        if dt not in (dtypes.int32, dtypes.int64, dtypes.uint32, dtypes.uint64):
            raise ValueError(f"uniform_full_int: dtype must be one of int32, int64, uint32, "
                             f"uint64, got {dt.name}")
        return self._draw("full_int", shape, dt,
                          name=name or self._prefix + "uniform_full_int")

    def binomial(self, shape, counts, probs, dtype=dtypes.int32, name=None):
        """Numbers of successes in ``counts`` trials of probability ``probs`` (broadcast to
        ``shape``)."""
        dt = dtypes.as_dtype(dtype)
        c = convert_to_tensor(counts, dtype=dtypes.float32 if not hasattr(counts, "dtype")
                              else None)
        p = convert_to_tensor(probs, dtype=c.dtype)
        return self._draw("binomial", shape, dt, c, p, name=name or self._prefix + "binomial")



class Generator(_Sampler):
    """A random number generator with its state in an int64 tf.Variable of shape (3,)."""

    _prefix = "stateful_"

    def __init__(self, copy_from: Generator | None = None, state=None, alg=None):
        if copy_from is not None:
            state, alg = copy_from.state.read_value(), copy_from.algorithm
        if state is None:
            raise ValueError("tf.random.Generator needs `copy_from` or `state` (or use "
                             "Generator.from_seed / from_non_deterministic_state)")
        self._alg = _check_alg(alg)
        from .variables import Variable  # (in a tf.function trace: lifted, first trace only)
        self._state_var = Variable(_as_state(state), dtype=dtypes.int64, trainable=False,
                                   name="StateVar")

    @classmethod
    def from_seed(cls, seed, alg=None) -> Generator:
        """A generator whose stream is fixed by ``seed`` (an int)."""
        return cls(state=_state_from_seed(seed), alg=alg)

    @classmethod
    def from_state(cls, state, alg) -> Generator:
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg) -> Generator:
        return cls(state=_key_counter_state(key, counter), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        """A generator seeded from the operating system's entropy."""
        return cls(state=np.frombuffer(os.urandom(24), dtype=np.int64), alg=alg)

    # ---- state ---------------------------------------------------------------------------
    @property
    def state(self):
        """The state variable: [counter low, counter high, key] (int64)."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg.value

    @property
    def key(self):
        return self._state_var[2]

    def reset(self, state):
        return self._state_var.assign(_as_state(state))

    def reset_from_seed(self, seed):
        """Restarts the stream as ``Generator.from_seed(seed)`` would start it."""
        return self.reset(_state_from_seed(seed))

    def reset_from_key_counter(self, key, counter):
        return self.reset(_key_counter_state(key, counter))

    def skip(self, delta):
        """Advances the counter as ``delta`` drawn elements would; returns the old state."""
        return apply_op("RngReadAndSkip", [self._state_var, convert_to_tensor(
            delta, dtype=dtypes.int64)], name="RngReadAndSkip")

    def _draw(self, kind, shape, dtype, *params, name=None):
        return apply_op(_KINDS[kind][2], [self._state_var, array_ops.shape_arg(shape), *params],
                        {"dtype": dtype}, name=name)

    def make_seeds(self, count: int = 1):
        """``count`` seeds for stateless random ops: an int64 tensor of shape [2, count]."""
        seeds = self.uniform_full_int([count], dtypes.int64)
        return array_ops.stack([seeds, array_ops.zeros_like(seeds)])

    def split(self, count: int = 1) -> list:
        """``count`` new generators with independent streams (this one advances)."""
        keys = self.uniform_full_int([count, 1], dtypes.int64)
        zeros = array_ops.zeros([2], dtype=dtypes.int64)
        return [Generator(state=array_ops.concat([zeros, keys[i]], 0), alg=self._alg)
                for i in range(count)]


def _as_state(state):
    if isinstance(state, EagerTensor) or hasattr(state, "_eager_cell"):
        state = state.numpy()
    if isinstance(state, (list, tuple, np.ndarray)):
        a = np.asarray(state)
        if a.shape != (3,):
            raise ValueError(f"a Philox state has 3 int64 words, got shape {a.shape}")
        return np.array([int(w) & _M64 for w in a.tolist()], dtype=np.uint64).view(np.int64)
    return state


def _key_counter_state(key, counter) -> np.ndarray:
    c = [int(w) for w in np.asarray(counter).reshape(-1)]
    if len(c) != 2:
        raise ValueError(f"a Philox counter has 2 int64 words, got {len(c)}")
    return _as_state([c[0], c[1], int(key)])


def _float_dtype(dtype, what: str):
    dt = dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"Generator.{what} needs a floating dtype, got {dt.name}")
    return dt


def _scale_shift(z, scale, shift, dt):
    """``z * scale + shift``, skipping the ops for the defaults."""
    if not (isinstance(scale, (int, float)) and scale == 1):
        z = math_ops.multiply(z, convert_to_tensor(scale, dtype=dt))
    if not (isinstance(shift, (int, float)) and shift == 0):
        z = math_ops.add(z, convert_to_tensor(shift, dtype=dt))
    return z


# ---- stateless random ops: the numbers are a function of (seed, shape) ------------------------
class _Seeded(_Sampler):
    _prefix = "stateless_random_"

    def __init__(self, seed, alg):
        _check_alg(alg)
        self._seed = convert_to_tensor(seed, dtype=None if hasattr(seed, "dtype")
                                       else dtypes.int64)

    def _draw(self, kind, shape, dtype, *params, name=None):
        op_type = _KINDS[kind][3]
        if op_type is None:
            raise NotImplementedError(f"tensorfluxo has no stateless {kind} op")
        return apply_op(op_type, [array_ops.shape_arg(shape), self._seed, *params],
                        {"dtype": dtype}, name=name)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform samples fixed by ``seed`` (two integers): the same seed, the same numbers (TF
    2.21's)."""
    return _Seeded(seed, alg).uniform(shape, minval, maxval, dtype, name)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """Normal samples fixed by ``seed`` (two integers)."""
    return _Seeded(seed, alg).normal(shape, mean, stddev, dtype, name)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select"):
    """Truncated normal samples fixed by ``seed`` (two integers)."""
    return _Seeded(seed, alg).truncated_normal(shape, mean, stddev, dtype, name)


# ---- the global generator --------------------------------------------------------------------
_GLOBAL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> Generator


def _home():
    """Where the global generator lives: the eager context (also while a tf.function is
    traced: its variables are lifted there), else the default graph."""
    graph = get_default_graph()
    return eager.CONTEXT if executing_eagerly() or getattr(graph, "lifts_variables", False) \
        else graph


def get_global_generator() -> Generator:
    """The global generator (one for eager mode, one per graph), created on first use from a
    non-deterministic state, as TF2's."""
    home = _home()
    g = _GLOBAL.get(home)
    if g is None:
        g = _GLOBAL[home] = Generator.from_non_deterministic_state()
    return g


def set_global_generator(generator: Generator) -> None:
    """Replaces the global generator (functions already traced keep the old one)."""
    _GLOBAL[_home()] = generator
