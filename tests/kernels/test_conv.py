"""kernels/conv.py: both convolution algorithms agree in float32 at the benchmark's shapes, the
cost model picks the one measured faster, and im2col works in batch slices."""

import platform

import numpy as np
import pytest

from tensorfluxo.kernels import conv as K
from tensorfluxo.kernels import memory

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n, hw, c, o, k, padding", [(8, 14, 32, 64, 5, "SAME"),
                                                      (4, 26, 8, 16, 3, "VALID")])
def test_algorithms_agree_in_float32(n, hw, c, o, k, padding):
    g = K.geometry((hw, hw), (k, k), (1, 1), (1, 1), padding)
    x = RNG.standard_normal((n, hw, hw, c)).astype(np.float32)
    w = RNG.standard_normal((k, k, c, o)).astype(np.float32)
    dy = RNG.standard_normal((n, g.OH, g.OW, o)).astype(np.float32)
    for fn, args in ((K.conv2d, (x, w, g)), (K.conv2d_input_grad, (w, dy, g, n)),
                     (K.conv2d_filter_grad, (x, dy, g))):
        a, b = fn(*args, algo="im2col"), fn(*args, algo="dft")
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=0, atol=2e-5 * np.abs(a).max())


def test_cost_model_choices():
    lenet2 = K.geometry((14, 14), (5, 5), (1, 1), (1, 1), "SAME")
    lenet1 = K.geometry((28, 28), (5, 5), (1, 1), (1, 1), "SAME")
    big = K.geometry((224, 224), (3, 3), (1, 1), (1, 1), "SAME")
    # measured (1 thread): 4.6 vs 12 ms; 10 vs 2.3 ms; im2col cheaper for large images
    assert K.algorithm(lenet2, 64, 32, 64) == "dft"
    assert K.algorithm(lenet1, 64, 1, 32) == "im2col"
    assert K.algorithm(big, 8, 64, 64) == "im2col"


def test_forced_algorithm(monkeypatch):
    g = K.geometry((28, 28), (5, 5), (1, 1), (1, 1), "SAME")
    K.algorithm.cache_clear()
    monkeypatch.setenv("TENSORFLUXO_CONV_ALGO", "dft")
    assert K.algorithm(g, 64, 1, 32) == "dft"
    K.algorithm.cache_clear()


def test_im2col_in_batch_slices(monkeypatch):
    g = K.geometry((9, 8), (3, 3), (2, 1), (1, 1), "SAME")
    x = RNG.standard_normal((5, 9, 8, 3))
    w = RNG.standard_normal((3, 3, 3, 4))
    dy = RNG.standard_normal((5, g.OH, g.OW, 4))
    whole = [K.conv2d(x, w, g, "im2col"), K.conv2d_input_grad(w, dy, g, 5, "im2col"),
             K.conv2d_filter_grad(x, dy, g, "im2col")]
    monkeypatch.setattr(K, "_COLS_BYTES", 1)  # one image per slice
    assert len(K._batch_slices(5, g, 3, 8)) == 5
    sliced = [K.conv2d(x, w, g, "im2col"), K.conv2d_input_grad(w, dy, g, 5, "im2col"),
              K.conv2d_filter_grad(x, dy, g, "im2col")]
    for a, b in zip(whole, sliced):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_padding_arithmetic_as_tensorflow():
    assert K.out_size(28, 5, 1, 1, "SAME") == (28, 2)
    assert K.out_size(4, 2, 1, 1, "SAME") == (4, 0)   # the extra pixel goes after
    assert K.out_size(7, 3, 2, 1, "SAME") == (4, 1)
    assert K.out_size(28, 5, 1, 1, "VALID") == (24, 0)
    assert K.out_size(28, 3, 1, 2, "VALID") == (24, 0)
    assert K.out_size(6, 3, 2, 1, "EXPLICIT", (2, 1)) == (4, 2)
    assert K.out_size(None, 3, 1, 1, "SAME") == (None, None)


def test_malloc_tuning_applies_on_glibc_and_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setenv("TENSORFLUXO_MALLOC_TUNING", "0")
    assert memory.retain_freed_memory() is False
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.delenv("TENSORFLUXO_MALLOC_TUNING")
    assert memory.retain_freed_memory() is (platform.libc_ver()[0] == "glibc")


@pytest.mark.parametrize("shape, k", [((3, 8, 6, 5), 2), ((2, 9, 9, 3), 3)])
def test_max_pool_of_tiling_windows_equals_the_general_path(shape, k):
    # small integers: most windows hold their maximum several times (the tie rule matters)
    x = RNG.integers(0, 3, shape).astype(np.float32)
    g = K.geometry(shape[1:3], (k, k), (k, k), (1, 1), "VALID")
    other = np.asfortranarray(x)  # not C-contiguous: the general, tap-by-tap path
    assert K._tiles(x, g) is not None and K._tiles(other, g) is None
    y = K.max_pool(x, g)
    np.testing.assert_array_equal(y, K.max_pool(other, g))
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    dx = K.max_pool_grad(x, y, dy, g)
    assert dx.dtype == np.float32 and dx.shape == x.shape
    np.testing.assert_array_equal(dx, K.max_pool_grad(other, y, dy, g))


def test_tiled_max_pool_gradient_goes_to_the_first_maximum_in_row_major_order():
    x = np.array([[1, 3], [3, 3]], np.float32).reshape(1, 2, 2, 1)
    g = K.geometry((2, 2), (2, 2), (2, 2), (1, 1), "VALID")
    dx = K.max_pool_grad(x, K.max_pool(x, g), np.full((1, 1, 1, 1), 5, np.float32), g)
    np.testing.assert_array_equal(dx.reshape(2, 2), [[0, 5], [0, 0]])


def test_one_channel_im2col_is_built_tap_by_tap_with_the_same_values():
    g = K.geometry((11, 9), (3, 2), (2, 1), (1, 2), "SAME")
    xp = K._padded(RNG.standard_normal((3, 11, 9, 1)).astype(np.float32), g)
    cols = K._im2col(xp, g)
    assert cols.shape == (3 * g.OH * g.OW, 6) and not cols.flags.c_contiguous
    np.testing.assert_array_equal(cols, K.windows(xp, g).reshape(-1, 6))
