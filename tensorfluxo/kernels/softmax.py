"""The one numerically stable softmax / log-sum-exp (and sigmoid), shared by the softmax,
cross-entropy, multinomial and activation kernels."""

from __future__ import annotations

import numpy as np


def exp_shifted(x: np.ndarray, axis: int = -1) -> tuple:
    """``(z, e, s)``: z = x - max(x) along ``axis``, e = exp(z), s = sum(e) (keepdims).

    log-sum-exp(x) is ``max + log(s)``; the shift keeps exp from overflowing, and kernels that
    need both the probabilities (e / s) and the log-probabilities (z - log(s)) share one exp.
    """
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return z, e, e.sum(axis=axis, keepdims=True)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    _, e, s = exp_shifted(x, axis)
    e /= s
    return e


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z, _, s = exp_shifted(x, axis)
    z -= np.log(s)
    return z


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), the two-class softmax, in place on one buffer (as fast as the
    (1 + tanh(x/2)) / 2 form, which loses relative precision for negative x: 3e-3 against TF's
    float32 values at x = -10, where this form is within 2e-7). exp(-x) overflowing to inf
    for x < -88 gives the right limit, 0."""
    e = np.negative(x, out=np.empty_like(x))  # out=: a 0-d input stays an array
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)
