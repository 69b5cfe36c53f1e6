"""Convolution, pooling and LRN ops beyond the op table's rows (tests/ops/test_op_table.py checks
each against its definition and finite differences): both convolution algorithms agree, NCHW
equals NHWC, TF's SAME split and tie rule, and every bad-input error at graph construction."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients

RNG = np.random.default_rng(0)


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


X = RNG.standard_normal((2, 7, 6, 3))
W = RNG.standard_normal((3, 2, 3, 4))

CONV_CASES = [
    ("same", [1, 1, 1, 1], "SAME", None),
    ("valid", [1, 1, 1, 1], "VALID", None),
    ("stride2_same", [1, 2, 2, 1], "SAME", None),
    ("stride_2x3_valid", [1, 2, 3, 1], "VALID", None),
    ("dilated", [1, 1, 1, 1], "SAME", [1, 2, 2, 1]),
    ("dilated_strided", [1, 2, 1, 1], "VALID", [1, 1, 2, 1]),
    ("explicit", [1, 1, 2, 1], [[0, 0], [2, 1], [0, 3], [0, 0]], None),
]


def _conv_and_gradients(strides, padding, dilations):
    x, w = tf.constant(X), tf.constant(W)
    y = tf.nn.conv2d(x, w, strides, padding, dilations=dilations)
    dy = tf.constant(np.random.default_rng(1).standard_normal(y.shape.as_list()))
    return run([y, *tf.gradients(y, [x, w], dy)])


@pytest.mark.parametrize("name, strides, padding, dilations", CONV_CASES,
                         ids=[c[0] for c in CONV_CASES])
def test_both_algorithms_agree(name, strides, padding, dilations, monkeypatch):
    # the op table checks the values against the definition with the algorithm the cost
    # model picks; here each algorithm is forced in turn
    from tensorfluxo.kernels import conv
    got = {}
    for algo in ("im2col", "dft"):
        monkeypatch.setenv("TENSORFLUXO_CONV_ALGO", algo)
        conv.algorithm.cache_clear()
        tf.reset_default_graph()
        got[algo] = _conv_and_gradients(strides, padding, dilations)
    conv.algorithm.cache_clear()
    for a, b in zip(got["im2col"], got["dft"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_conv2d_float32_and_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    y = tf.nn.conv2d(x, tf.ones([5, 5, 1, 32]), strides=[1, 1, 1, 1], padding="SAME")
    assert y.shape.as_list() == [None, 28, 28, 32] and y.dtype == tf.float32
    v = tf.nn.conv2d(x, tf.ones([5, 5, 1, 8]), strides=2, padding="VALID")
    assert v.shape.as_list() == [None, 12, 12, 8]
    out = run(y, {x: np.ones((2, 28, 28, 1), np.float32)})
    assert out.dtype == np.float32 and out.shape == (2, 28, 28, 32)
    assert out[0, 14, 14, 0] == 25 and out[0, 0, 0, 0] == 9  # SAME zero padding


def test_same_padding_puts_the_extra_pixel_at_the_end():
    # 4 wide, filter 2, stride 1: one pixel of padding, after the input (as TF)
    x = np.arange(4.0).reshape(1, 1, 4, 1)
    got = run(tf.nn.conv2d(x, np.ones((1, 2, 1, 1)), [1, 1, 1, 1], "SAME"))
    np.testing.assert_array_equal(got.ravel(), [1, 3, 5, 3])
    pooled = run(tf.nn.max_pool(x, [1, 1, 2, 1], [1, 1, 2, 1], "SAME"))
    np.testing.assert_array_equal(pooled.ravel(), [1, 3])


def test_nchw_equals_nhwc():
    nchw = X.transpose(0, 3, 1, 2)
    cases = [
        (lambda x, f: tf.nn.conv2d(x, W, [1, 1, 2, 1] if f == "NHWC" else [1, 1, 1, 2], "SAME",
                                   data_format=f)),
        (lambda x, f: tf.nn.depthwise_conv2d(x, W[..., :2], [1, 1, 1, 1], "VALID",
                                             data_format=f)),
        (lambda x, f: tf.nn.max_pool(x, [1, 2, 2, 1] if f == "NHWC" else [1, 1, 2, 2], 2, "SAME",
                                     data_format=f)),
        (lambda x, f: tf.nn.avg_pool(x, 3, 2, "SAME", data_format=f)),
        (lambda x, f: tf.nn.bias_add(x, np.arange(3.0), data_format=f)),
    ]
    for fn in cases:
        a = run(fn(tf.constant(X), "NHWC"))
        b = run(fn(tf.constant(nchw), "NCHW"))
        np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a, rtol=1e-12, atol=1e-12)


def test_nchw_gradients():
    x = X[:1, :4, :5].transpose(0, 3, 1, 2)
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, [1, 1, 2, 1], "SAME", data_format="NCHW"),
                    [x, W[:, :, :, :2]], second_order=True)
    check_gradients(lambda a: tf.nn.max_pool(a, [1, 1, 2, 2], [1, 1, 2, 2], "VALID",
                                             data_format="NCHW"), [x])
    check_gradients(lambda a, b: tf.nn.bias_add(a, b, data_format="NCHW"),
                    [x, np.arange(3.0)], second_order=True)


def test_conv1d_ncw_equals_nwc():
    x = RNG.standard_normal((2, 9, 3))
    w = RNG.standard_normal((3, 3, 4))
    nwc = run(tf.nn.conv1d(x, w, stride=2, padding="SAME"))
    ncw = run(tf.nn.conv1d(x.transpose(0, 2, 1), w, 2, "SAME", data_format="NCW"))
    np.testing.assert_allclose(ncw.transpose(0, 2, 1), nwc, rtol=1e-12)


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    w = RNG.standard_normal((3, 3, 2, 4))  # [h, w, output channels, input channels]
    y = RNG.standard_normal((2, 4, 3, 4))
    out = tf.nn.conv2d_transpose(y, w, output_shape=[2, 8, 6, 2], strides=[1, 2, 2, 1],
                                 padding="SAME")
    assert out.shape.as_list() == [2, 8, 6, 2]
    # <conv2d(x, w), y> == <x, conv2d_transpose(y, w)> for every x
    x = RNG.standard_normal((2, 8, 6, 2))
    lhs = np.sum(run(tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")) * y)
    np.testing.assert_allclose(np.sum(x * run(out)), lhs, rtol=1e-10)
    check_gradients(lambda a, b: tf.nn.conv2d_transpose(a, b, [1, 5, 5, 2], [1, 2, 2, 1],
                                                        "VALID"),
                    [y[:1, :2, :2], w], second_order=True)


def test_conv2d_backprop_functions():
    x = tf.constant(X)
    w = tf.constant(W)
    y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    dy = tf.constant(RNG.standard_normal((2, 7, 6, 4)))
    dx, dw = tf.gradients(y, [x, w], dy)
    bi = tf.nn.conv2d_backprop_input([2, 7, 6, 3], w, dy, [1, 1, 1, 1], "SAME")
    bf = tf.nn.conv2d_backprop_filter(x, [3, 2, 3, 4], dy, [1, 1, 1, 1], "SAME")
    a, b, c, d = run([dx, dw, bi, bf])
    np.testing.assert_allclose(a, c)
    np.testing.assert_allclose(b, d)


def test_max_pool_gradient_goes_to_the_first_maximum_of_a_tie():
    x = tf.constant(np.zeros((1, 2, 2, 1), np.float32))
    y = tf.nn.max_pool(x, 2, 2, "VALID")
    g = run(tf.gradients(y, x)[0])
    np.testing.assert_array_equal(g[0, :, :, 0], [[1, 0], [0, 0]])


def test_pool_aliases():
    np.testing.assert_array_equal(run(tf.nn.max_pool2d(X, 2, 2, "VALID")),
                                  run(tf.nn.max_pool(X, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")))
    np.testing.assert_array_equal(run(tf.nn.avg_pool2d(X, [3, 2], [1, 2], "VALID")),
                                  run(tf.nn.avg_pool(X, [1, 3, 2, 1], [1, 1, 2, 1], "VALID")))


def test_max_pool_on_integers():
    x = np.array([[1, -5], [7, 3]], np.int32).reshape(1, 2, 2, 1)
    assert run(tf.nn.max_pool(x, 2, 2, "SAME")).ravel().tolist() == [7]


def test_lrn_float32_and_defaults():
    x = RNG.standard_normal((2, 3, 3, 7))
    y32 = run(tf.nn.lrn(tf.constant(x.astype(np.float32)), 2, 1.5, 0.3, 0.75))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, run(tf.nn.lrn(x, 2, 1.5, 0.3, 0.75)), rtol=1e-5)
    np.testing.assert_array_equal(run(tf.nn.local_response_normalization(x)),
                                  run(tf.nn.lrn(x, depth_radius=5, bias=1, alpha=1, beta=0.5)))


def test_lrn_has_no_second_derivative():
    x = tf.constant(RNG.standard_normal((1, 2, 2, 3)))
    g = tf.gradients(tf.reduce_sum(tf.nn.lrn(x)), x)[0]
    with pytest.raises(LookupError, match="Second derivatives of local response normalization"):
        tf.gradients(tf.reduce_sum(g), x)


# ---- bad input: errors at construction naming the op, the argument and the shapes -------
def test_depth_mismatch_names_op_and_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 3])
    with pytest.raises(ValueError, match=r"Conv2D: the depth of input \(3\) does not match the "
                                         r"filter's in_channels \(1\).*input shapes: "
                                         r"\[\(\?, 28, 28, 3\), \(5, 5, 1, 32\)\]"):
        tf.nn.conv2d(x, tf.ones([5, 5, 1, 32]), [1, 1, 1, 1], "SAME")


def test_3d_image_is_rejected():
    x = tf.placeholder(tf.float32, [28, 28, 1])
    with pytest.raises(ValueError, match=r"Conv2D: input must be 4-dimensional .* got shape "
                                         r"\(28, 28, 1\)"):
        tf.nn.conv2d(x, tf.ones([5, 5, 1, 32]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match=r"MaxPool: input must be 4-dimensional"):
        tf.nn.max_pool(x, 2, 2, "SAME")
    with pytest.raises(ValueError, match=r"Conv2D: filter must be 4-dimensional"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.ones([5, 5, 1]), 1, "SAME")


def test_window_larger_than_valid_input():
    x = tf.placeholder(tf.float32, [None, 4, 4, 1])
    with pytest.raises(ValueError, match=r"MaxPool: the window \(ksize\) \(5 wide in dimension "
                                         r"H\) is larger than the VALID-padded input \(4"):
        tf.nn.max_pool(x, 5, 1, "VALID")
    with pytest.raises(ValueError, match=r"Conv2D: the filter \(5 wide in dimension H\) is "
                                         r"larger.*input shapes: \[\(\?, 4, 4, 1\), "
                                         r"\(5, 5, 1, 2\)\]"):
        tf.nn.conv2d(x, tf.ones([5, 5, 1, 2]), 1, "VALID")
    with pytest.raises(ValueError, match=r"the filter \(5 wide in dimension H\)"):
        tf.nn.conv2d(x, tf.ones([3, 3, 1, 2]), 1, "VALID", dilations=2)


def test_window_larger_than_input_known_only_at_run_time():
    x = tf.placeholder(tf.float32, [None, None, None, 1])
    y = tf.nn.max_pool(x, 5, 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"pooling window .* larger than"):
        run(y, {x: np.zeros((1, 3, 3, 1), np.float32)})


def test_unknown_padding():
    with pytest.raises(ValueError, match=r"Conv2D: padding must be 'SAME', 'VALID' or a list "
                                         r"of \[before, after\] pairs, got 'same-ish'"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.ones([3, 3, 1, 1]), 1, "same-ish")
    with pytest.raises(ValueError, match=r"MaxPool: padding must be 'SAME' or 'VALID', got "
                                         r"'FULL'"):
        tf.nn.max_pool(tf.zeros([1, 5, 5, 1]), 2, 2, "FULL")
    with pytest.raises(ValueError, match=r"explicit padding must be 4 \[before, after\] pairs"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.ones([3, 3, 1, 1]), 1, [[1, 1], [1, 1]])


def test_wrong_strides():
    x, w = tf.zeros([1, 5, 5, 1]), tf.ones([3, 3, 1, 1])
    with pytest.raises(ValueError, match=r"Conv2D: strides must have 1, 2 or 4 entries \(NHWC\), "
                                         r"got 3: \[1, 1, 1\]"):
        tf.nn.conv2d(x, w, [1, 1, 1], "SAME")
    with pytest.raises(ValueError, match=r"Conv2D: strides \[2, 1, 1, 1\] must be 1 in the batch "
                                         r"and channel dimensions"):
        tf.nn.conv2d(x, w, [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match=r"MaxPool: ksize must be positive integers, got "
                                         r"\[1, 0, 2, 1\]"):
        tf.nn.max_pool(x, [1, 0, 2, 1], 1, "SAME")
    with pytest.raises(ValueError, match=r"conv1d: stride must be an int or have 1 or 3 entries"):
        tf.nn.conv1d(tf.zeros([1, 5, 1]), tf.ones([3, 1, 1]), [1, 2], "SAME")


def test_unknown_data_format():
    with pytest.raises(ValueError, match=r"Conv2D: data_format must be one of NHWC, NCHW, got "
                                         r"'HWCN'"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.ones([3, 3, 1, 1]), 1, "SAME",
                     data_format="HWCN")
    with pytest.raises(ValueError, match=r"bias_add: data_format must be 'NHWC' or 'NCHW'"):
        tf.nn.bias_add(tf.zeros([1, 3]), tf.zeros([3]), data_format="CHWN")
    with pytest.raises(ValueError, match=r"rank >= 3"):
        tf.nn.bias_add(tf.zeros([1, 3]), tf.zeros([3]), data_format="NCHW")
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 2 and 3 \(the "
                                         r"value's channel dimension, NCHW"):
        tf.nn.bias_add(tf.zeros([1, 2, 3]), tf.zeros([3]), data_format="NCHW")


def test_dtypes_are_checked():
    with pytest.raises(TypeError, match=r"Conv2D: input must be float16, float32 or float64, "
                                        r"got int32"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1], tf.int32), tf.ones([3, 3, 1, 1], tf.int32), 1,
                     "SAME")
    with pytest.raises(TypeError, match=r"Conv2D: filter dtype float64 does not match input "
                                        r"dtype float32"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 1]), tf.ones([3, 3, 1, 1], tf.float64), 1, "SAME")


def test_conv2d_transpose_checks_output_shape_and_depths():
    y = tf.zeros([2, 4, 4, 4])
    w = tf.ones([3, 3, 2, 4])
    with pytest.raises(ValueError, match=r"Conv2DBackpropInput: out_backprop has shape "
                                         r"\(2, 4, 4, 4\) but an input of shape \(2, 9, 8, 2\) "
                                         r"and a filter of shape \(3, 3, 2, 4\) give "
                                         r"\(2, 5, 4, 4\)"):
        tf.nn.conv2d_transpose(y, w, [2, 9, 8, 2], [1, 2, 2, 1], "SAME")
    with pytest.raises(ValueError, match=r"conv2d_transpose: the depth of value \(3, shape "
                                         r"\(2, 4, 4, 3\)\) does not match the filter's "
                                         r"in_channels"):
        tf.nn.conv2d_transpose(tf.zeros([2, 4, 4, 3]), w, [2, 8, 8, 2], [1, 2, 2, 1])
    with pytest.raises(ValueError, match=r"output_shape \[2, 8, 8, 5\] has depth 5 but the "
                                         r"filter \(shape \(3, 3, 2, 4\)\) makes 2"):
        tf.nn.conv2d_transpose(y, w, [2, 8, 8, 5], [1, 2, 2, 1])


def test_depth_mismatch_at_run_time():
    x = tf.placeholder(tf.float32, [None, None, None, None])
    y = tf.nn.conv2d(x, tf.ones([3, 3, 2, 1]), 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input of shape \(1, 4, 4, 3\) "
                                                             r"does not fit the filter of shape "
                                                             r"\(3, 3, 2, 1\)"):
        run(y, {x: np.zeros((1, 4, 4, 3), np.float32)})


def test_lrn_needs_4d():
    with pytest.raises(ValueError, match=r"LRN: input must be 4-dimensional"):
        tf.nn.lrn(tf.zeros([3, 3, 7]))


def test_convolution_and_pool_dispatch_by_rank():
    x1 = RNG.standard_normal((2, 9, 3))
    w1 = RNG.standard_normal((3, 3, 4))
    pairs = [
        (tf.nn.convolution(X, W, "SAME", strides=[2, 1], dilation_rate=None),
         tf.nn.conv2d(X, W, [1, 2, 1, 1], "SAME")),
        (tf.nn.convolution(X, W, "VALID", dilation_rate=[2, 1]),
         tf.nn.conv2d(X, W, 1, "VALID", dilations=[1, 2, 1, 1])),
        (tf.nn.convolution(x1, w1, "SAME", strides=[2]), tf.nn.conv1d(x1, w1, 2, "SAME")),
        (tf.nn.pool(X, [2, 3], "MAX", "SAME", strides=[2, 1]),
         tf.nn.max_pool(X, [1, 2, 3, 1], [1, 2, 1, 1], "SAME")),
        (tf.nn.pool(x1, [2], "AVG", "VALID", strides=[2]), tf.nn.avg_pool1d(x1, 2, 2, "VALID")),
    ]
    for a, b in run(pairs):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"convolution: strides must have 2 entries"):
        tf.nn.convolution(X, W, "SAME", strides=[1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"pool: pooling_type must be 'MAX' or 'AVG'"):
        tf.nn.pool(X, [2, 2], "MIN", "SAME")
    with pytest.raises(ValueError, match=r"pool: dilation_rate \[2, 2\] is not supported"):
        tf.nn.pool(X, [2, 2], "MAX", "SAME", dilation_rate=[2, 2])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("algo, counted", [("dft", "_spectrum"), ("im2col", "_im2col")])
def test_a_training_step_transforms_each_operand_once_per_run(monkeypatch, algo, counted,
                                                              threads):
    """Conv2D and its two gradient ops share the spectra (DFT) or the im2col columns of their
    operands within one run; a new run (even with the same array changed in place) computes
    them again. On two threads the batch is cut in two parts (kernels/parallel.py), each of
    which transforms its own images once, and the filter once for both."""
    from tensorfluxo.kernels import conv as K
    from tensorfluxo.kernels import parallel
    from tensorfluxo.kernels.blas import blas
    if not blas.candidates():
        pytest.skip("no BLAS control (threadpoolctl) here: plans are not tuned")
    monkeypatch.setattr(blas, "fixed", threads)
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    monkeypatch.setenv("TENSORFLUXO_CONV_ALGO", algo)
    K.algorithm.cache_clear()
    xv, wv = X.astype(np.float32), W.astype(np.float32)
    g = K.geometry((7, 6), (3, 2), (1, 1), (1, 1), "SAME")
    want = []
    for v in (xv, -2 * xv):
        y = K.conv2d(v, wv, g, algo)  # dy = y: the gradient of sum(y * y) / 2
        want.append([y, K.conv2d_input_grad(wv, y, g, 2, algo), K.conv2d_filter_grad(v, y, g,
                                                                                      algo)])
    real, calls = getattr(K, counted), []
    monkeypatch.setattr(K, counted, lambda *a: calls.append(1) or real(*a))
    x = tf.placeholder(tf.float32, [2, 7, 6, 3])
    w = tf.constant(wv)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    grads = tf.gradients(tf.reduce_sum(y * y) / 2, [x, w])
    with tf.Session() as sess:
        for expected in want:
            for a, b in zip(sess.run([y, *grads], {x: xv}), expected):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())
            xv *= -2  # the same array, new values: nothing of the last run may be reused
    # per run: x, w and dy transformed once each (DFT; x and dy once per part), x's columns
    # built once (im2col; once per part)
    assert len(calls) == 2 * ((1 + 2 * threads) if algo == "dft" else threads)
    K.algorithm.cache_clear()


@pytest.mark.parametrize("ksize, strides, padding, fmt", [
    (2, 2, "VALID", "NHWC"), (3, 2, "SAME", "NHWC"), (2, 2, "VALID", "NCHW")])
def test_a_relu_under_a_max_pool_masks_the_pooled_gradient(ksize, strides, padding, fmt):
    """The gradient of relu -> max_pool is built as MaxPoolGrad(r, y, ReluGrad(dp, y)) (the
    mask at the pooled size) and equals ReluGrad(MaxPoolGrad(r, y, dp), r), as TF computes it:
    on inputs full of ties and zeros, overlapping SAME windows and NCHW."""
    rng = np.random.default_rng(7)
    shape = (2, 7, 6, 3) if fmt == "NHWC" else (2, 3, 7, 6)
    xv = rng.integers(-2, 3, shape).astype(np.float32)  # ties and whole windows of zeros
    with tf.Graph().as_default() as g:
        x = tf.constant(xv)
        r = tf.nn.relu(x)
        y = tf.nn.max_pool(r, ksize, strides, padding, data_format=fmt)
        dp = tf.constant(rng.standard_normal(y.shape.as_list()).astype(np.float32))
        fused = tf.gradients(y, x, dp)[0]
        a = {"ksize": [1, ksize, ksize, 1] if fmt == "NHWC" else [1, 1, ksize, ksize],
             "strides": [1, strides, strides, 1] if fmt == "NHWC" else [1, 1, strides, strides],
             "padding": padding, "data_format": fmt}
        from tensorfluxo.framework.ops import apply_op
        plain = apply_op("ReluGrad", [apply_op("MaxPoolGrad", [r, y, dp], a), r])
        assert fused.op.type == "MaxPoolGrad" and fused.op.inputs[2].op.type == "ReluGrad"
        assert fused.op.inputs[2].shape.as_list() == y.shape.as_list()  # the pooled size
        with tf.Session(graph=g) as sess:
            got, want = sess.run([fused, plain])
    np.testing.assert_array_equal(got, want)


def test_a_relu_whose_output_is_also_used_elsewhere_keeps_its_plain_gradient():
    x = tf.constant(np.random.default_rng(8).standard_normal((1, 4, 4, 2)).astype(np.float32))
    r = tf.nn.relu(x)
    y = tf.nn.max_pool(r, 2, 2, "VALID")
    g = tf.gradients(tf.reduce_sum(y) + tf.reduce_sum(r * r), x)[0]
    assert g.op.type == "ReluGrad"
    check_gradients(lambda t: tf.reduce_sum(tf.nn.max_pool(tf.nn.relu(t), 2, 2, "VALID")) +
                    tf.reduce_sum(tf.nn.relu(t)), [np.random.default_rng(9).standard_normal(
                        (1, 4, 4, 2)) + 0.05])


V_POOL = np.random.default_rng(10).standard_normal((2, 4, 6, 3)) + 0.05


def _relu_pool_loss(t):
    return tf.reduce_sum(tf.nn.max_pool(tf.nn.relu(t), 2, 2, "SAME") ** 2)


def test_the_relu_under_max_pool_gradient_by_finite_differences():
    check_gradients(_relu_pool_loss, [V_POOL])


def test_the_relu_under_max_pool_gradient_on_a_tape(eager):
    t = tf.constant(V_POOL)
    with tf.GradientTape() as tape:
        tape.watch(t)
        out = _relu_pool_loss(t)
    got = tape.gradient(out, t).numpy()
    from tensorfluxo.kernels import conv as K
    g = K.geometry((4, 6), (2, 2), (2, 2), (1, 1), "SAME")
    r = np.maximum(V_POOL, 0)
    y = K.max_pool(r, g)
    want = K.max_pool_grad(r, y, 2 * y, g) * (r > 0)  # ReluGrad(MaxPoolGrad(r, y, dp), r)
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("ksize, strides, padding, fmt", [
    (2, 2, "VALID", "NHWC"), (3, 2, "SAME", "NHWC"), (2, 2, "SAME", "NCHW")])
def test_a_pooled_conv_layers_bias_gradient_sums_the_pooled_gradient(ksize, strides, padding,
                                                                     fmt):
    """relu(x + b) -> max_pool: b's gradient sums the pooled gradient (each window's value lands
    on one position, so the sums are equal) and matches the sum of the full-size one."""
    rng = np.random.default_rng(11)
    shape = (2, 7, 6, 3) if fmt == "NHWC" else (2, 3, 7, 6)
    xv = rng.integers(-2, 3, shape).astype(np.float32)
    with tf.Graph().as_default() as g:
        x = tf.constant(xv)
        b = tf.constant(rng.standard_normal(3).astype(np.float32))
        r = tf.nn.relu(tf.nn.bias_add(x, b, data_format=fmt))
        y = tf.nn.max_pool(r, ksize, strides, padding, data_format=fmt)
        dp = tf.constant(rng.standard_normal(y.shape.as_list()).astype(np.float32))
        dx, db = tf.gradients(y, [x, b], dp)
        total = db.op
        while total.type == "Reshape":  # NCHW: the sum is reshaped to the bias after
            total = total.inputs[0].op
        assert total.type == "Sum" and total.inputs[0].shape.as_list() == y.shape.as_list()
        with tf.Session(graph=g) as sess:
            dxv, dbv = sess.run([dx, db])
    np.testing.assert_allclose(dbv, dxv.sum(axis=(0, 1, 2) if fmt == "NHWC" else (0, 2, 3)),
                               rtol=1e-5, atol=1e-5)


def test_a_bias_gradient_through_a_pool_without_relu_sums_the_full_gradient():
    """Without the ReLU a window of -inf or NaN would land nowhere in the full-size gradient,
    so the pooled sum would differ: the plain sum is kept."""
    xv = np.random.default_rng(13).standard_normal((1, 4, 4, 2)).astype(np.float32)
    xv[0, :2, :2, 0] = np.nan
    x, b = tf.constant(xv), tf.constant(np.zeros(2, np.float32))
    y = tf.nn.max_pool(tf.nn.bias_add(x, b), 2, 2, "VALID")
    dx, db = tf.gradients(y, [x, b], tf.ones_like(y))
    assert db.op.type == "Sum" and db.op.inputs[0].shape.as_list() == [1, 4, 4, 2]
    with tf.Session() as sess:
        dxv, dbv = sess.run([dx, db])
    np.testing.assert_array_equal(dbv, dxv.sum(axis=(0, 1, 2)))
