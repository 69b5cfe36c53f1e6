"""Candidate samplers (tf.nn.*_candidate_sampler) and tf.nn.compute_accidental_hits: what
nce_loss and sampled_softmax_loss draw their negative classes with.

A sampler draws ``num_sampled`` classes from ``[0, range_max)`` under its distribution P and
returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``: the expected
count of a class is how often it would appear among the draws, ``num_sampled * P(k)``; with
``unique=True`` the draws are repeated until ``num_sampled`` distinct classes are found (the
rest rejected) and the expected count is ``1 - (1 - P(k)) ** tries``, tries being how many
draws that took (as TensorFlow's samplers count them).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor
from ..framework.registry import defop
from ..ops._util import dims
from ..ops.random_ops import get_seed

CandidateSamplerResult = namedtuple(
    "CandidateSamplerResult", "sampled_candidates true_expected_count sampled_expected_count")


# ---- the distributions: (P(k) for an array of classes, draws of n classes) ---------------------
def _log_uniform(range_max, **_):
    # P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1): Zipf-like, small ids frequent
    log_range = math.log(range_max + 1)
    return (lambda k: (np.log(k + 2.0) - np.log(k + 1.0)) / log_range,
            lambda rng, n: (np.exp(rng.random(n) * log_range).astype(np.int64) - 1)
            % range_max)  # (the modulo only catches rounding at the top, as TF's)


def _uniform(range_max, **_):
    return (lambda k: np.full(np.shape(k), 1.0 / range_max),
            lambda rng, n: rng.integers(0, range_max, n))


def _fixed_unigram(range_max, unigrams, distortion, num_reserved_ids, **_):
    # P(k) proportional to unigrams[k - num_reserved_ids] ** distortion; reserved ids never drawn
    w = np.zeros(range_max)
    w[num_reserved_ids:] = np.asarray(unigrams, np.float64) ** distortion
    p = w / w.sum()
    cdf = np.cumsum(p)
    return (lambda k: p[np.asarray(k, np.int64)],
            lambda rng, n: np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1],
                                                      side="right"), range_max - 1))


def _learned_unigram(range_max, counts, **_):
    # P(k) = counts[k] / sum(counts): every class starts at 1, and each run adds the run's true
    # classes after it has drawn (TF's order: the first run draws uniformly)
    def draw(rng, n):
        cdf = np.cumsum(counts)
        return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"),
                          range_max - 1)
    return lambda k: counts[np.asarray(k, np.int64)] / counts.sum(), draw


_SAMPLERS = {"LogUniformCandidateSampler": _log_uniform,
             "UniformCandidateSampler": _uniform,
             "FixedUnigramCandidateSampler": _fixed_unigram,
             "LearnedUnigramCandidateSampler": _learned_unigram}


def _draw(rng, draw, n: int, unique: bool):
    """(candidates, tries): n draws, or with ``unique`` the first n distinct classes of the
    stream of draws and how many draws that took."""
    if not unique:
        return draw(rng, n), n
    stream = np.empty(0, np.int64)
    while True:
        stream = np.concatenate([stream, draw(rng, max(2 * n, 16))])
        values, first = np.unique(stream, return_index=True)
        if values.size >= n:
            first = np.sort(first)[:n]
            return stream[first], int(first[-1]) + 1


def _sampler_infer(op):
    t = op.inputs[0]
    if t.dtype is not dtypes.int64:
        raise TypeError(f"true_classes of {op.type} must be int64, got {t.dtype.name}")
    d = dims(t)
    if d is not None and (len(d) != 2 or d[1] not in (None, op.attrs["num_true"])):
        raise ValueError(f"true_classes must be a matrix [batch_size, num_true] with num_true ="
                         f" {op.attrs['num_true']}, got shape {t.shape}")
    n = op.attrs["num_sampled"]
    return [(dtypes.int64, [n]), (dtypes.float32, t.shape), (dtypes.float32, [n])]


def _sampler_bind(op, state):
    rng = state.rng(op)
    a = op.attrs
    # the learned sampler's counts live in the session (every plan running the op shares them)
    counts = state.resources.setdefault((op, "counts"), np.ones(a["range_max"]))
    prob, draw = _SAMPLERS[op.type](counts=counts, **a)

    def sample(true_classes):
        got, tries = _draw(rng, draw, a["num_sampled"], a["unique"])

        def expected(k):
            p = prob(k)
            c = -np.expm1(tries * np.log1p(-p)) if a["unique"] else p * a["num_sampled"]
            return c.astype(np.float32)
        out = got.astype(np.int64), expected(true_classes), expected(got)
        if op.type == "LearnedUnigramCandidateSampler":
            np.add.at(counts, true_classes.reshape(-1), 1)
        return out
    return sample


for _type in _SAMPLERS:
    defop(_type, infer=_sampler_infer, bind=_sampler_bind, stateful=True,
          not_differentiable=True)


def _int64(x):
    """Python and NumPy ids as int64; a tensor of another dtype is refused by the op (as TF)."""
    return x if isinstance(x, Tensor) else convert_to_tensor(x, dtype=dtypes.int64)


def _sample(op_type, true_classes, num_true, num_sampled, unique, range_max, seed, name,
            **extra) -> CandidateSamplerResult:
    num_true, num_sampled, range_max = int(num_true), int(num_sampled), int(range_max)
    if range_max < 1 or num_sampled < 1 or num_true < 1:
        raise ValueError(f"{op_type}: num_true ({num_true}), num_sampled ({num_sampled}) and "
                         f"range_max ({range_max}) must be positive")
    if unique and num_sampled > range_max:
        raise ValueError(f"{op_type}: cannot draw num_sampled={num_sampled} distinct classes "
                         f"(unique=True) from range_max={range_max} classes (TF: \"Sampler's "
                         "range is too small.\")")
    s1, s2 = get_seed(seed)
    attrs = {"num_true": num_true, "num_sampled": num_sampled, "unique": bool(unique),
             "range_max": range_max, "seed": s1, "seed2": s2, **extra}
    out = apply_op(op_type, [_int64(true_classes)], attrs, name=name or op_type)
    return CandidateSamplerResult(*out)


def log_uniform_candidate_sampler(true_classes, num_true: int, num_sampled: int, unique: bool,
                                  range_max: int, seed=None, name=None):
    """Samples classes with P(k) = log((k + 2) / (k + 1)) / log(range_max + 1) (frequent words
    first, as word ids sorted by frequency are): the default sampler of nce_loss."""
    return _sample("LogUniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                   range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true: int, num_sampled: int, unique: bool,
                              range_max: int, seed=None, name=None):
    """Samples classes uniformly from [0, range_max)."""
    return _sample("UniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                   range_max, seed, name)


def learned_unigram_candidate_sampler(true_classes, num_true: int, num_sampled: int,
                                      unique: bool, range_max: int, seed=None, name=None):
    """Samples class k with probability proportional to how often it was a true class in the
    runs so far (plus one): the distribution is learned from the data as training goes."""
    return _sample("LearnedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                   unique, range_max, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true: int, num_sampled: int,
                                    unique: bool, range_max: int, vocab_file: str = "",
                                    distortion: float = 1.0, num_reserved_ids: int = 0,
                                    num_shards: int = 1, shard: int = 0, unigrams=(),
                                    seed=None, name=None):
    """Samples class k with probability proportional to ``unigrams[k] ** distortion`` (counts
    given as a list, or the last comma-separated field of each line of ``vocab_file``)."""
    if num_shards != 1 or shard != 0:
        raise NotImplementedError("fixed_unigram_candidate_sampler: num_shards/shard are not "
                                  "supported by tensorfluxo")
    if vocab_file:
        with open(vocab_file, encoding="utf-8") as f:
            unigrams = [float(line.rsplit(",", 1)[-1]) for line in f if line.strip()]
    unigrams = [float(u) for u in unigrams]
    if len(unigrams) + int(num_reserved_ids) != int(range_max):
        raise ValueError(f"fixed_unigram_candidate_sampler: {len(unigrams)} unigrams and "
                         f"{num_reserved_ids} reserved ids do not make range_max={range_max}")
    if any(u < 0 for u in unigrams) or not any(u > 0 for u in unigrams):
        raise ValueError("fixed_unigram_candidate_sampler: unigrams must be non-negative with "
                         "at least one positive")
    return _sample("FixedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                   unique, range_max, seed, name, unigrams=unigrams,
                   distortion=float(distortion), num_reserved_ids=int(num_reserved_ids))


# ---- accidental hits -------------------------------------------------------------------------
_FLOAT_MAX = float(np.finfo(np.float32).max)


def _hits_infer(op):
    t, s = op.inputs
    for x, what in ((t, "true_classes"), (s, "sampled_candidates")):
        if x.dtype is not dtypes.int64:
            raise TypeError(f"{what} of ComputeAccidentalHits must be int64, got "
                            f"{x.dtype.name}")
    dt, ds = dims(t), dims(s)
    if dt is not None and (len(dt) != 2 or dt[1] not in (None, op.attrs["num_true"])):
        raise ValueError(f"true_classes must be a matrix [batch_size, num_true] with num_true ="
                         f" {op.attrs['num_true']}, got shape {t.shape}")
    if ds is not None and len(ds) != 1:
        raise ValueError(f"sampled_candidates must be a vector, got shape {s.shape}")
    return [(dtypes.int32, [None]), (dtypes.int64, [None]), (dtypes.float32, [None])]


def _hits_kernel(true_classes, sampled, num_true, seed=None, seed2=None):
    rows, cols = np.nonzero((true_classes[:, :, None] == sampled[None, None, :]).any(1))
    return (rows.astype(np.int32), cols.astype(np.int64),
            np.full(rows.size, -_FLOAT_MAX, np.float32))


defop("ComputeAccidentalHits", infer=_hits_infer, kernel=_hits_kernel, not_differentiable=True)


def compute_accidental_hits(true_classes, sampled_candidates, num_true: int, seed=None,
                            name=None):
    """(indices, ids, weights): each sampled candidate ``ids[i]`` that is one of the true
    classes of row ``indices[i]``, with weight -FLOAT_MAX (added to its logit, it takes the
    accidental hit out of a sampled softmax)."""
    s1, s2 = get_seed(seed)
    return tuple(apply_op("ComputeAccidentalHits", [
        _int64(true_classes), _int64(sampled_candidates)],
        {"num_true": int(num_true), "seed": s1, "seed2": s2},
        name=name or "ComputeAccidentalHits"))
