"""tf.image resizing and space_to_depth / depth_to_space: values TensorFlow 2.21 printed for the
same calls, dtypes, and the errors (the op table checks them against NumPy and finite
differences)."""

import numpy as np
import pytest

import tensorfluxo as tf

RNG = np.random.default_rng(0)
GRID = np.arange(16.0).reshape(1, 4, 4, 1)


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


def test_resize_images_values_as_tensorflow():
    # tf.compat.v1.image.resize_images(np.arange(16.).reshape(1, 4, 4, 1), ...) in TF 2.21
    got = run(tf.image.resize_images(GRID, [3, 3]))[0, :, :, 0]
    np.testing.assert_allclose(got, [[0, 4 / 3, 8 / 3], [16 / 3, 20 / 3, 8], [32 / 3, 12, 40 / 3]],
                               rtol=1e-6)
    assert run(tf.image.resize_images(GRID.astype(np.float16), [3, 3])).dtype == np.float32
    got = run(tf.image.resize_images(GRID, [6, 6], method=1))[0, :, :, 0]
    np.testing.assert_array_equal(got, [[0, 0, 1, 2, 2, 3], [0, 0, 1, 2, 2, 3], [4, 4, 5, 6, 6, 7],
                                        [8, 8, 9, 10, 10, 11], [8, 8, 9, 10, 10, 11],
                                        [12, 12, 13, 14, 14, 15]])
    got = run(tf.image.resize_images(GRID, [5, 5], align_corners=True))[0, :, :, 0]
    np.testing.assert_allclose(got, np.arange(5)[:, None] * 3 + np.arange(5) * 0.75)
    got = run(tf.image.resize_images(GRID, [7, 3], tf.image.ResizeMethod.NEAREST_NEIGHBOR,
                                     align_corners=True))[0, :, :, 0]
    np.testing.assert_array_equal(got[:, 0], [0, 4, 4, 8, 8, 12, 12])
    np.testing.assert_array_equal(got[0], [0, 2, 3])


def test_half_pixel_centers_as_tensorflow_2():
    # tf.image.resize(GRID, [7, 3]) (bilinear) and method="nearest" in TF 2.21
    got = run(tf.image.resize_bilinear(GRID, [7, 3], half_pixel_centers=True))[0, :, :, 0]
    np.testing.assert_allclose(got[:, 0], [0.16666669, 1.5952382, 3.8809524, 6.166667, 8.452382,
                                           10.738096, 12.166667], rtol=1e-6)
    np.testing.assert_allclose(got[3], [6.166667, 7.5, 8.833334], rtol=1e-6)
    nn = run(tf.image.resize_nearest_neighbor(GRID, [7, 3], half_pixel_centers=True))
    np.testing.assert_array_equal(nn[0, :, :, 0][:, 0], [0, 0, 4, 8, 8, 12, 12])


def test_resize_keeps_integer_images_for_nearest_and_3d_images():
    img = (GRID[0] * 10).astype(np.uint8)  # 3-D [h, w, c]
    out = tf.image.resize(img, [2, 2], method="nearest")
    assert out.shape.as_list() == [2, 2, 1] and out.dtype == tf.uint8
    np.testing.assert_array_equal(run(out)[:, :, 0], [[0, 20], [80, 100]])
    assert tf.image.resize(img, [2, 2]).dtype == tf.float32


def test_resize_errors():
    with pytest.raises(ValueError, match=r"Resize method 'bicubic' is not supported"):
        tf.image.resize(tf.zeros([1, 4, 4, 1]), [2, 2], method="bicubic")
    with pytest.raises(ValueError, match=r"size must be a 1-D list of 2 elements"):
        tf.image.resize(tf.zeros([1, 4, 4, 1]), [2, 2, 2])
    with pytest.raises(ValueError, match=r"ResizeBilinear: size must be 2 positive ints"):
        tf.image.resize(tf.zeros([1, 4, 4, 1]), [0, 2])
    with pytest.raises(ValueError, match=r"ResizeBilinear: images must be 4-dimensional"):
        tf.image.resize(tf.zeros([4, 4]), [2, 2])
    with pytest.raises(ValueError, match=r"If half_pixel_centers is True, align_corners must"):
        tf.image.resize_bilinear(tf.zeros([1, 4, 4, 1]), [2, 2], True, half_pixel_centers=True)


def test_space_to_depth_and_back():
    x = np.arange(2 * 4 * 4 * 8.0).reshape(2, 4, 4, 8)
    s = tf.space_to_depth(x, 2)
    assert s.shape.as_list() == [2, 2, 2, 32]
    got = run(s)
    # TF 2.21: tf.nn.space_to_depth(x, 2)[0, 0, 0]
    np.testing.assert_array_equal(got[0, 0, 0], list(range(16)) + list(range(32, 48)))
    np.testing.assert_array_equal(run(tf.depth_to_space(s, 2)), x)
    assert tf.nn.space_to_depth is tf.space_to_depth


def test_space_to_depth_errors():
    with pytest.raises(ValueError, match=r"SpaceToDepth: the input height \(5\) must be divisible "
                                         r"by block_size \(2\)"):
        tf.space_to_depth(tf.zeros([1, 5, 4, 1]), 2)
    with pytest.raises(ValueError, match=r"DepthToSpace: the input depth \(6\) must be divisible "
                                         r"by block_size \* block_size \(4\)"):
        tf.depth_to_space(tf.zeros([1, 2, 2, 6]), 2)
    with pytest.raises(ValueError, match=r"SpaceToDepth: data_format 'NCHW' is not supported"):
        tf.space_to_depth(tf.zeros([1, 4, 4, 1]), 2, data_format="NCHW")
    with pytest.raises(ValueError, match=r"block_size must be at least 2, got 1"):
        tf.depth_to_space(tf.zeros([1, 4, 4, 1]), 1)
