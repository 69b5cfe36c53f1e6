"""Convolution and pooling kernels (NHWC), shared by ops/conv_ops.py and ops/image_ops.py.

Two ways to compute a convolution, chosen per shape by a cost model measured on this machine:

- ``im2col``: the windows of the padded input as a strided view, copied into one matrix and
  multiplied by the filter in one GEMM (col2im adds the columns back for the input gradient).
- ``dft``: the convolution theorem with the discrete Fourier transform written as small dense
  matrices, so every step is a GEMM: transform the image (rows, then columns), multiply each
  frequency's [batch, in_channels] block by the filter's [in_channels, out_channels] block,
  transform back reading only the output positions. For a 5x5 filter on 14x14 images this is
  ~5x fewer multiply-adds than im2col (measured: 4.9 vs 12.5 ms for LeNet's second layer),
  while 1-channel inputs and large images are cheaper with im2col. Strides, dilations and
  explicit paddings are positions in the transform matrices; the sizes P x Q are chosen so that
  the circular convolution equals the linear one on every position that is read.

The three kernels of each convolution (forward, input gradient, filter gradient) are written
against a ``Geom`` (one spatial geometry) so the gradients are exact adjoints of the forward.
They take a ``reuse(operand, what, make)`` function: ``make()``'s result for that operand
('x', 'w' or 'dy'), which the ops keep for the run so a training step transforms the input, the
filter and the output gradient once each (or builds the im2col columns once) for all three.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import NamedTuple

import numpy as np

from . import parallel

as_strided = np.lib.stride_tricks.as_strided

# Largest im2col matrix built at once; bigger batches are processed in slices of images.
_COLS_BYTES = 64 << 20


# ---- padding arithmetic -------------------------------------------------------------------
def out_size(size, k, stride, dilation, padding, pads=(0, 0)):
    """(output size, padding before) of one spatial dimension, as TF computes them.

    SAME: ceil(size / stride), the total padding split with the extra pixel at the end.
    VALID: no padding. EXPLICIT: ``pads`` = (before, after). ``size`` None gives None.
    """
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        if size is None:
            return None, None
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, total // 2
    if padding == "VALID":
        before, after = 0, 0
    else:
        before, after = pads
    if size is None:
        return None, before
    return (size + before + after - eff) // stride + 1, before


class Geom(NamedTuple):
    """One 2-D convolution geometry: input H x W, filter KH x KW, strides, dilations, the
    padding before (top, left) and the output OH x OW."""
    H: int
    W: int
    KH: int
    KW: int
    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pl: int
    OH: int
    OW: int


def geometry(hw, khw, strides, dilations, padding, pads=((0, 0), (0, 0))) -> Geom:
    (H, W), (KH, KW), (sh, sw), (dh, dw) = hw, khw, strides, dilations
    OH, pt = out_size(H, KH, sh, dh, padding, pads[0])
    OW, pl = out_size(W, KW, sw, dw, padding, pads[1])
    return Geom(H, W, KH, KW, sh, sw, dh, dw, pt, pl, OH, OW)


def compute(operand, what, make):
    """The ``reuse`` that shares nothing: every kernel derives what it needs itself."""
    return make()


# ---- im2col -------------------------------------------------------------------------------
def _padded(x, g: Geom, fill=0.0):
    """x with the padding the windows read: (N, HP, WP, C), HP = (OH-1)*sh + (KH-1)*dh + 1."""
    n, h, w, c = x.shape
    hp = (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1
    wp = (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1
    if g.pt == 0 and g.pl == 0 and hp <= h and wp <= w:
        return x
    xp = np.full((n, hp, wp, c), fill, dtype=x.dtype)
    hh, ww = max(0, min(h, hp - g.pt)), max(0, min(w, wp - g.pl))
    xp[:, g.pt:g.pt + hh, g.pl:g.pl + ww] = x[:, :hh, :ww]
    return xp


def windows(xp, g: Geom):
    """The strided view (N, OH, OW, KH, KW, C) of every window of the padded input."""
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (xp.shape[0], g.OH, g.OW, g.KH, g.KW, xp.shape[3]),
                      (s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3), writeable=False)


def _grad_buffer(g: Geom, n, c, dtype):
    """Zeros covering the padded input: gradients are added here per tap, then cropped."""
    hp = max((g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1, g.pt + g.H)
    wp = max((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1, g.pl + g.W)
    return np.zeros((n, hp, wp, c), dtype=dtype)


def _crop(dxp, g: Geom):
    return np.ascontiguousarray(dxp[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W])


def _batch_slices(n, g: Geom, c, itemsize):
    per_image = max(1, g.OH * g.OW * g.KH * g.KW * c * itemsize)
    step = max(1, _COLS_BYTES // per_image)
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _tap_views(xp, g: Geom):
    """(i, j, view (N, OH, OW, C)) for every filter tap: the inputs that tap multiplies."""
    for i in range(g.KH):
        for j in range(g.KW):
            yield i, j, xp[:, i * g.dh:i * g.dh + (g.OH - 1) * g.sh + 1:g.sh,
                           j * g.dw:j * g.dw + (g.OW - 1) * g.sw + 1:g.sw]


def _im2col(xp, g: Geom):
    """The (N*OH*OW, KH*KW*C) matrix of the windows. With one channel (an image's first layer)
    it is built tap by tap as its transpose, copying rows of OW pixels instead of runs of KW
    (measured 0.34 instead of 1.5 ms at LeNet's first layer), and returned as a view."""
    n, c = xp.shape[0], xp.shape[3]
    if c != 1:
        return windows(xp, g).reshape(-1, g.KH * g.KW * c)
    cols = np.empty((g.KH, g.KW, n, g.OH, g.OW), dtype=xp.dtype)
    for i, j, view in _tap_views(xp, g):
        cols[i, j] = view[..., 0]
    return cols.reshape(g.KH * g.KW, -1).T


def _columns(x, g: Geom, reuse):
    """(batch slice, im2col matrix) pairs; the matrix of a whole batch is kept for the run."""
    n, c = x.shape[0], x.shape[3]
    xp = _padded(x, g)
    slices = _batch_slices(n, g, c, x.itemsize)
    if len(slices) == 1:
        yield slices[0], reuse("x", ("cols", g), lambda: _im2col(xp, g))
        return
    for s in slices:
        yield s, _im2col(xp[s], g)


def _im2col_forward(x, w, g: Geom, reuse, out):
    o = w.shape[3]
    wm = w.reshape(-1, o)
    for s, cols in _columns(x, g, reuse):
        np.matmul(cols, wm, out=out[s].reshape(-1, o))
    return out


def _im2col_filter_grad(x, dy, g: Geom, reuse=compute):
    c, o = x.shape[3], dy.shape[3]
    dw = np.zeros((g.KH * g.KW * c, o), dtype=x.dtype)
    for s, cols in _columns(x, g, reuse):
        dw += cols.T @ dy[s].reshape(-1, o)
    return dw.reshape(g.KH, g.KW, c, o)


def _col2im_input_grad(w, dy, g: Geom, n, c):
    """The adjoint of im2col: each window's column gradient added back where it was read."""
    o = dy.shape[3]
    dxp = _grad_buffer(g, n, c, dy.dtype)
    wt = w.reshape(-1, o).T  # (O, KH*KW*C)
    for s in _batch_slices(n, g, c, dy.itemsize):
        dcols = (dy[s].reshape(-1, o) @ wt).reshape(-1, g.OH, g.OW, g.KH, g.KW, c)
        for i, j, view in _tap_views(dxp[s], g):
            view += dcols[:, :, :, i, j]
    return _crop(dxp, g)


# ---- the DFT as GEMMs ---------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _sizes(g: Geom):
    """Transform sizes P x Q: every read position of the circular convolution is exact."""
    def need(size, k, s, d, before, out):
        return max(size + before, (out - 1) * s + (k - 1) * d + 1 - before, (k - 1) * d + 1,
                   (out - 1) * s + 1, 1)
    return need(g.H, g.KH, g.sh, g.dh, g.pt, g.OH), need(g.W, g.KW, g.sw, g.dw, g.pl, g.OW)


def _angles(freqs, positions, n):
    return 2 * np.pi * np.outer(freqs, positions) / n


@functools.lru_cache(maxsize=512)
def _row_fwd(positions: tuple, p: int, dtype):
    """Complex rows transform as a real block matrix (2P, 2A): input rows (re/im, position),
    output rows (frequency, re/im). Multiplies by exp(-i angle)."""
    a = _angles(np.arange(p), positions, p)
    c, s = np.cos(a), np.sin(a)
    m = np.empty((p, 2, 2, len(positions)))
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, s, -s, c
    return m.reshape(2 * p, 2 * len(positions)).astype(dtype)


@functools.lru_cache(maxsize=512)
def _col_fwd(positions: tuple, q: int, dtype):
    """Real-to-complex columns transform (2*Q2, B): output rows (frequency, re/im)."""
    a = _angles(np.arange(q // 2 + 1), positions, q)
    return np.stack([np.cos(a), -np.sin(a)], 1).reshape(-1, len(positions)).astype(dtype)


@functools.lru_cache(maxsize=512)
def _row_inv(positions: tuple, p: int, dtype):
    """Inverse complex rows transform (2A, 2P): input rows (frequency, re/im), output rows
    (re/im, position), scaled by 1/P."""
    a = _angles(positions, np.arange(p), p)
    c, s = np.cos(a) / p, np.sin(a) / p
    m = np.empty((2, len(positions), p, 2))
    m[0, :, :, 0], m[0, :, :, 1], m[1, :, :, 0], m[1, :, :, 1] = c, -s, s, c
    return m.reshape(2 * len(positions), 2 * p).astype(dtype)


@functools.lru_cache(maxsize=512)
def _col_inv(positions: tuple, q: int, dtype):
    """Complex-to-real columns transform (B, 2*Q2) of a Hermitian spectrum, scaled by 1/Q."""
    q2 = q // 2 + 1
    weight = np.full(q2, 2.0)
    weight[0] = 1
    if q % 2 == 0:
        weight[-1] = 1
    a = _angles(positions, np.arange(q2), q)
    m = np.stack([np.cos(a) * weight / q, -np.sin(a) * weight / q], 2)
    return m.reshape(len(positions), 2 * q2).astype(dtype)


def _spectrum(z, rows: tuple, cols: tuple, p, q):
    """z (N, A, B, C) real -> its P x Q spectrum sampled at ``rows`` x ``cols`` positions, as
    (Q2 * P, 2, N, C): per frequency, the real and the imaginary [N, C] blocks."""
    n, a, b, c = z.shape
    dt = z.dtype.type
    zt = np.ascontiguousarray(z.transpose(2, 1, 0, 3)).reshape(b, a * n * c)
    t = (_col_fwd(cols, q, dt) @ zt).reshape(-1, 2 * a, n * c)       # (Q2, (re/im, A), NC)
    return np.matmul(_row_fwd(rows, p, dt), t).reshape(-1, 2, n, c)  # (Q2, (P, re/im), NC)


def _unspectrum(s, rows: tuple, cols: tuple, p, q):
    """The inverse of ``_spectrum`` read at ``rows`` x ``cols``: (F, 2, N, C) -> (B, A, N, C)."""
    f, _, n, c = s.shape
    dt = s.dtype.type
    t = np.matmul(_row_inv(rows, p, dt), s.reshape(f // p, 2 * p, n * c))
    out = _col_inv(cols, q, dt) @ t.reshape(-1, len(rows) * n * c)  # ((Q2, re/im), (A, NC))
    return out.reshape(len(cols), len(rows), n, c)


def _cmatmul(a, b, conj_b=False, out_shape=None, out=None):
    """Per frequency, the complex product a @ b (or a @ conj(b)) of planar (F, 2, m, k) blocks
    (a may be given transposed as a view), into ``out`` or a new array of ``out_shape``."""
    ar, ai, br, bi = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    out = np.empty(out_shape, dtype=a.dtype) if out is None else out
    re, im = out[:, 0], out[:, 1]
    np.matmul(ar, br, out=re)
    np.matmul(ai, br, out=im)
    if conj_b:  # (ar + i ai)(br - i bi)
        re += np.matmul(ai, bi)
        im -= np.matmul(ar, bi)
    else:
        re -= np.matmul(ai, bi)
        im += np.matmul(ar, bi)
    return out


def _positions(g: Geom):
    """Positions in the P x Q grid of: input pixels, output pixels, filter taps."""
    return ((tuple(range(g.H)), tuple(range(g.W))),
            (tuple(range(0, g.OH * g.sh, g.sh)), tuple(range(0, g.OW * g.sw, g.sw))),
            (tuple(range(-g.pt, -g.pt + g.KH * g.dh, g.dh)),
             tuple(range(-g.pl, -g.pl + g.KW * g.dw, g.dw))))


def _filter_spectrum(w, g: Geom, p, q, taps):
    kh, kw, c, o = w.shape
    return _spectrum(w.reshape(1, kh, kw, c * o), *taps, p, q).reshape(-1, 2, c, o)


def _through_filter(zs, ws, conj, dst, p, q, out):
    """The spectrum zs times the filter spectrum ``ws`` per frequency (conjugated for the
    correlation), read back at ``dst`` into ``out`` (NHWC)."""
    f, _, n, _ = zs.shape
    prod = _cmatmul(zs, ws, conj_b=conj, out_shape=(f, 2, n, ws.shape[3]))
    np.copyto(out, _unspectrum(prod, *dst, p, q).transpose(2, 1, 0, 3))
    return out


class _Spectra:
    """The spectra of one geometry's operands, each made once per run through ``reuse``."""

    def __init__(self, g: Geom, reuse):
        self.g, self.reuse = g, reuse
        self.p, self.q = _sizes(g)
        self.pix, self.outs, self.taps = _positions(g)

    def x(self, x):
        return self.reuse("x", ("spectrum", self.g),
                          lambda: _spectrum(x, *self.pix, self.p, self.q))

    def dy(self, dy):
        return self.reuse("dy", ("spectrum", self.g),
                          lambda: _spectrum(dy, *self.outs, self.p, self.q))

    def w(self, w):
        return self.reuse("w", ("spectrum", self.g),
                          lambda: _filter_spectrum(w, self.g, self.p, self.q, self.taps))


def _dft_forward(x, w, g: Geom, reuse, out):
    s = _Spectra(g, reuse)
    return _through_filter(s.x(x), s.w(w), True, s.outs, s.p, s.q, out)


def _dft_input_grad(w, dy, g: Geom, reuse, out):
    s = _Spectra(g, reuse)
    return _through_filter(s.dy(dy), s.w(w).transpose(0, 1, 3, 2), False, s.pix, s.p, s.q,
                           out)


def _dft_filter_grad(x, dy, g: Geom, reuse):
    """Per frequency, the sum over images of x's spectrum (transposed) times dy's conjugate.
    The spectra are made per part of the batch (as the forward and input gradient made them:
    found in the run's scratch); the product runs over parts of the frequencies, each with the
    parts' images side by side (one GEMM per frequency and component over the whole batch)."""
    spectra = {}

    def part(s, r):
        sp = _Spectra(g, r)
        spectra[s.start] = sp.x(x[s]), sp.dy(dy[s])
    _by_parts(x.shape[0], dy.size, reuse, part)
    xs_parts, ds_parts = zip(*(spectra[k] for k in sorted(spectra)))
    f, c, o = xs_parts[0].shape[0], x.shape[3], dy.shape[3]
    dws = np.empty((f, 2, c, o), x.dtype)

    def freqs(fr):
        xs = np.concatenate([v[fr] for v in xs_parts], 2) if len(xs_parts) > 1 else xs_parts[0][fr]
        ds = np.concatenate([v[fr] for v in ds_parts], 2) if len(ds_parts) > 1 else ds_parts[0][fr]
        _cmatmul(xs.transpose(0, 1, 3, 2), ds, conj_b=True, out=dws[fr])
    parallel.run(freqs, f, dy.size)
    p, q = _sizes(g)
    return np.ascontiguousarray(_unspectrum(dws, *_positions(g)[2], p, q).transpose(1, 0, 2, 3))


# ---- choosing the algorithm ---------------------------------------------------------------
# Multiply-adds of each algorithm (copies counted as _COPY multiply-adds per element: what a
# copy costs next to a GEMM on this machine).
_COPY = 8.0


def _im2col_cost(g: Geom, n, c, o):
    m, k = n * g.OH * g.OW, g.KH * g.KW * c
    copy = 0 if (g.KH, g.KW, g.sh, g.sw, g.pt, g.pl) == (1, 1, 1, 1, 0, 0) else m * k
    return m * k * o + _COPY * copy


def _dft_cost(g: Geom, n, c, o):
    p, q = _sizes(g)
    q2 = q // 2 + 1
    spectrum_in = n * c * (2 * q2 * g.W * g.H + 4 * p * g.H * q2)
    spectrum_out = n * o * (4 * p * g.OH * q2 + 2 * q2 * g.OH * g.OW)
    product = 4 * p * q2 * n * c * o
    copies = n * c * (g.H * g.W + 2 * p * q2) + n * o * (g.OH * g.OW + 2 * p * q2)
    return spectrum_in + spectrum_out + product + _COPY * copies


@functools.lru_cache(maxsize=256)
def algorithm(g: Geom, n: int, c: int, o: int) -> str:
    """'dft' or 'im2col' for this geometry and these channel counts (TENSORFLUXO_CONV_ALGO
    forces one)."""
    forced = os.environ.get("TENSORFLUXO_CONV_ALGO")
    if forced in ("dft", "im2col"):
        return forced
    return "dft" if _dft_cost(g, n, c, o) < _im2col_cost(g, n, c, o) else "im2col"


# A batch is cut into parts that run on the run's cores (kernels.parallel): each part derives
# its own images' transforms (kept for the run under the part, where the same part of the
# gradient ops finds them); the filter's transform is made once for all parts.
def _by_parts(n, size, reuse, fn) -> None:
    """fn(s, reuse_s) over parts s of a batch of n."""
    lock = threading.Lock()

    def part(s):
        def reuse_s(operand, what, make):
            if operand == "w":
                with lock:
                    return reuse(operand, what, make)
            return reuse(operand, (what, s.start, s.stop), make)
        fn(s, reuse_s)
    parallel.run(part, n, size)


def conv2d(x, w, g: Geom, algo=None, reuse=compute):
    """y[n, oh, ow, o] = sum over taps and channels of the padded x times w (NHWC, HWIO)."""
    algo = algo or algorithm(g, x.shape[0], x.shape[3], w.shape[3])
    fn = _dft_forward if algo == "dft" else _im2col_forward
    out = np.empty((x.shape[0], g.OH, g.OW, w.shape[3]), x.dtype)
    _by_parts(x.shape[0], out.size, reuse, lambda s, r: fn(x[s], w, g, r, out=out[s]))
    return out


def conv2d_input_grad(w, dy, g: Geom, n, algo=None, reuse=compute):
    """The gradient of ``conv2d`` with respect to x (shape (n, H, W, C))."""
    algo = algo or algorithm(g, n, w.shape[2], w.shape[3])
    out = np.empty((n, g.H, g.W, w.shape[2]), dy.dtype)

    def part(s, r):
        if algo == "dft":
            _dft_input_grad(w, dy[s], g, r, out=out[s])
        else:
            out[s] = _col2im_input_grad(w, dy[s], g, s.stop - s.start, w.shape[2])
    _by_parts(n, out.size, reuse, part)
    return out


def conv2d_filter_grad(x, dy, g: Geom, algo=None, reuse=compute):
    """The gradient of ``conv2d`` with respect to w: parts of the batch add theirs."""
    algo = algo or algorithm(g, x.shape[0], x.shape[3], dy.shape[3])
    if algo == "dft":
        return _dft_filter_grad(x, dy, g, reuse)
    partial = {}
    _by_parts(x.shape[0], dy.size, reuse,
              lambda s, r: partial.__setitem__(s.start, _im2col_filter_grad(x[s], dy[s], g, r)))
    parts = [partial[k] for k in sorted(partial)]
    return sum(parts[1:], parts[0])


# ---- depthwise: a loop over the filter taps -----------------------------------------------
def depthwise(x, w, g: Geom):
    """y[..., c * M + m] = sum over taps of x[..., c] * w[i, j, c, m]."""
    n, c, m = x.shape[0], x.shape[3], w.shape[3]
    out = np.zeros((n, g.OH, g.OW, c, m), dtype=x.dtype)
    for i, j, view in _tap_views(_padded(x, g), g):
        out += view[..., None] * w[i, j]
    return out.reshape(n, g.OH, g.OW, c * m)


def depthwise_input_grad(w, dy, g: Geom, n):
    c, m = w.shape[2], w.shape[3]
    d = dy.reshape(n, g.OH, g.OW, c, m)
    dxp = _grad_buffer(g, n, c, dy.dtype)
    for i, j, view in _tap_views(dxp, g):
        view += np.einsum("nhwcm,cm->nhwc", d, w[i, j]) if m > 1 else d[..., 0] * w[i, j, :, 0]
    return _crop(dxp, g)


def depthwise_filter_grad(x, dy, g: Geom, m):
    n, c = x.shape[0], x.shape[3]
    d = dy.reshape(n * g.OH * g.OW, c, m)
    dw = np.empty((g.KH, g.KW, c, m), dtype=x.dtype)
    for i, j, view in _tap_views(_padded(x, g), g):
        v = view.reshape(-1, c)
        dw[i, j] = np.einsum("rc,rcm->cm", v, d)
    return dw


# ---- pooling ------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _tiles(x, g: Geom):
    """x as (N, OH, KH, OW, KW, C) when the windows tile it exactly (stride = window, no
    padding, nothing left over: the 2x2 stride-2 pool of even sizes), else None. A reshape,
    not a copy, whose rows of taps are long contiguous runs."""
    if (g.sh, g.sw, g.dh, g.dw, g.pt, g.pl) != (g.KH, g.KW, 1, 1, 0, 0) or \
            (g.H, g.W) != (g.OH * g.KH, g.OW * g.KW) or not x.flags.c_contiguous:
        return None
    return x.reshape(x.shape[0], g.OH, g.KH, g.OW, g.KW, x.shape[3])


def _by_images(fn, out, *arrays):
    """out[s] = fn(*(a[s] for a in arrays), out=out[s]) over parts s of the batch, in parallel
    where the run allows (kernels.parallel); the work counted is the largest operand's."""
    parallel.run(lambda s: fn(*(a[s] for a in arrays), out=out[s]), out.shape[0],
                 max(out.size, *(a.size for a in arrays)))
    return out


def max_pool(x, g: Geom):
    return _by_images(functools.partial(_max_pool, g=g), np.empty(
        (x.shape[0], g.OH, g.OW, x.shape[3]), x.dtype), x)


def _max_pool(x, g: Geom, out):
    x6 = _tiles(x, g)
    if x6 is not None:  # the maximum over window rows first: long runs, half the elements
        rows = x6[:, :, 0].copy()
        for i in range(1, g.KH):
            np.maximum(rows, x6[:, :, i], out=rows)
        np.copyto(out, rows[:, :, :, 0])
        for j in range(1, g.KW):
            np.maximum(out, rows[:, :, :, j], out=out)
        return out
    for n, (_, _, view) in enumerate(_tap_views(_padded(x, g, _lowest(x.dtype)), g)):
        np.maximum(out, view, out=out) if n else np.copyto(out, view)
    return out


def _first_max_taps(x, y, g: Geom):
    """(view into the padded input, bool mask) per tap: the tap holds its window's maximum and
    no earlier tap did (TF routes a tie's gradient to the first maximum in row-major order)."""
    taken = np.zeros(y.shape, dtype=bool)
    for _, _, view in _tap_views(_padded(x, g, _lowest(x.dtype)), g):
        hit = view == y
        hit &= ~taken
        taken |= hit
        yield hit


def max_pool_grad(x, y, dy, g: Geom):
    return _by_images(functools.partial(_max_pool_grad, g=g), np.empty(x.shape, dy.dtype),
                      x, y, dy)


def _max_pool_grad(x, y, dy, g: Geom, out):
    """dy routed to the first maximum of each window: per tap, the windows whose maximum it
    holds take what is left of their dy. Masks by multiplication: NumPy's where= arguments
    are 40x slower on these strided views (measured 12 ms instead of 0.3 per tap)."""
    x6 = _tiles(x, g)
    if x6 is not None:  # one mask over the whole input, written as dx in one product
        hit = x6 == y[:, :, None, :, None]
        taken = hit[:, :, 0, :, 0].copy()
        for i in range(g.KH):
            for j in range(1 if i == 0 else 0, g.KW):
                h = hit[:, :, i, :, j]
                np.greater(h, taken, out=h)  # a hit only where no earlier tap had one
                taken |= h
        return np.multiply(hit, dy[:, :, None, :, None], out=out.reshape(hit.shape))
    dxp = _grad_buffer(g, x.shape[0], x.shape[3], dy.dtype)
    tiled = g.sh >= g.KH and g.sw >= g.KW  # windows do not overlap: each tap writes once
    left = dy
    hit = np.empty(y.shape, dtype=bool)
    for (_, _, xv), (_, _, dv) in zip(_tap_views(_padded(x, g, _lowest(x.dtype)), g),
                                      _tap_views(dxp, g)):
        np.equal(xv, y, out=hit)
        if tiled:
            np.multiply(left, hit, out=dv)
            left = left - dv
        else:
            take = left * hit
            dv += take
            left = left - take
    np.copyto(out, dxp[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W])
    return out


def max_pool_grad_grad(x, y, ddx, g: Geom):
    """The gradient of max_pool_grad with respect to dy: ddx read at each window's maximum."""
    out = np.zeros(y.shape, dtype=ddx.dtype)
    for hit, (_, _, view) in zip(_first_max_taps(x, y, g), _tap_views(_padded(ddx, g), g)):
        out += np.where(hit, view, np.zeros((), dtype=ddx.dtype))
    return out


def _counts(g: Geom, dtype):
    """How many real (not padding) inputs each window covers: TF's average divisor."""
    def one(size, k, s, before, out):
        start = np.arange(out) * s - before
        return np.minimum(start + k, size) - np.maximum(start, 0)
    ch = one(g.H, g.KH, g.sh, g.pt, g.OH)
    cw = one(g.W, g.KW, g.sw, g.pl, g.OW)
    return np.outer(ch, cw).astype(dtype)[None, :, :, None]


def avg_pool(x, g: Geom):
    out = np.zeros((x.shape[0], g.OH, g.OW, x.shape[3]), dtype=x.dtype)
    for _, _, view in _tap_views(_padded(x, g), g):
        out += view
    out /= _counts(g, x.dtype)
    return out


def avg_pool_grad(dy, g: Geom, n):
    c = dy.shape[3]
    dxp = _grad_buffer(g, n, c, dy.dtype)
    share = dy / _counts(g, dy.dtype)
    for _, _, view in _tap_views(dxp, g):
        view += share
    return _crop(dxp, g)


# ---- separable linear maps over the two spatial axes (image resizing) ---------------------
def separable(x, rh, rw):
    """out[n, a, b, c] = sum_{h, w} rh[a, h] x[n, h, w, c] rw[b, w] (NHWC)."""
    n, h, w, c = x.shape
    t = np.matmul(rh, x.reshape(n, h, w * c)).reshape(n, rh.shape[0], w, c)
    t = rw @ np.ascontiguousarray(t.transpose(2, 0, 1, 3)).reshape(w, -1)
    return np.ascontiguousarray(t.reshape(rw.shape[0], n, rh.shape[0], c).transpose(1, 2, 0, 3))
