"""The shared kernel helpers: stable softmax / log-sum-exp and scatters."""

import numpy as np

from tensorfluxo.kernels.scatter import scatter, scatter_add
from tensorfluxo.kernels.softmax import exp_shifted, log_softmax, softmax


def test_softmax_family_is_stable_and_keeps_float32():
    x = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], np.float32)
    p, lp = softmax(x), log_softmax(x)
    assert p.dtype == lp.dtype == np.float32
    np.testing.assert_allclose(p[0], [1, 0, 0])
    np.testing.assert_allclose(lp[0], [0, -1000, -2000])
    np.testing.assert_allclose(p[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-6)
    x64 = np.array([1.0, 2.0, 3.0])
    z, e, s = exp_shifted(x64)
    np.testing.assert_allclose(x64.max() + np.log(s), np.log(np.exp(x64).sum()))  # log-sum-exp
    np.testing.assert_allclose(e / s, softmax(x64))


def test_scatter_add_accumulates_repeated_indices_and_scatter_places():
    got = scatter_add((3, 2), np.array([2, 0, 2]), np.ones((3, 2), np.float32))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[1, 1], [0, 0], [2, 2]])
    np.testing.assert_array_equal(scatter((2, 3), (slice(None), 1), np.array([5.0, 6.0])),
                                  [[0, 5, 0], [0, 6, 0]])
