"""Fused recurrent ops: all time steps of a tanh RNN or an LSTM in one kernel, with a gradient
op that runs the steps backwards. dynamic_rnn (BasicRNNCell, BasicLSTMCell) and the Keras
SimpleRNN/LSTM layers use them when the cell is the plain one; the result is the generic
while_loop's up to float rounding (tests compare both paths).

Why faster: the input projection of every step is one GEMM before the loop ([T*B, D] @ W_x),
the weight gradients are GEMMs over all steps after it, and a step is a few NumPy calls on
preallocated buffers, with no sub-plan per iteration.

FusedRNN(x [T, B, D], h0 [B, U], c0 [B, U] (LSTM only), w [D + U, G*U], b [G*U]), attrs
``cell`` ("rnn": G = 1, h = tanh(z); "lstm": G = 4, gates laid out as ``order``, "ijfo" for
TF1 or "ifco" for Keras) and ``forget_bias``. Outputs: h for every step [T, B, U]; for the
LSTM also c for every step and the activated gates [T, B, 4U] (the gradient reads them).
"""

from __future__ import annotations

import numpy as np

from ..framework.ops import apply_op, convert_to_tensor
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ._util import dims


def _perm(order: str, u: int) -> np.ndarray:
    """Columns of the kernel in the kernels' own gate order o, i, f, j: the sigmoid gates
    (o, i, f) are contiguous, and so are the gates the cell-state gradient scales (i, f, j)."""
    k = {g: n for n, g in enumerate(order.replace("c", "j"))}
    return np.concatenate([np.arange(k[g] * u, (k[g] + 1) * u) for g in "oifj"])


def _fused_infer(op):
    a = op.attrs
    lstm = a["cell"] == "lstm"
    x, h0, w = op.inputs[0], op.inputs[1], op.inputs[-2]
    xd, hd, wd = dims(x), dims(h0), dims(w)
    if xd is not None and len(xd) != 3:
        raise ValueError(f"the inputs must have rank 3 ([time, batch, depth]), got {x.shape}")
    u = hd[1] if hd is not None and len(hd) == 2 else None
    g = 4 if lstm else 1
    if wd is not None and u is not None and xd is not None and xd[2] is not None and \
            tuple(wd) != (xd[2] + u, g * u):
        raise ValueError(f"the kernel must have shape {(xd[2] + u, g * u)} for inputs of depth "
                         f"{xd[2]} and {u} units, got {w.shape}")
    t, bsz = (xd[0], xd[1]) if xd is not None else (None, None)
    seq = TensorShape([t, bsz, u])
    if not lstm:
        return [(x.dtype, seq)]
    return [(x.dtype, seq), (x.dtype, seq), (x.dtype, TensorShape([t, bsz, None if u is None
                                                                   else 4 * u]))]


def _fused_kernel(x, h0, *rest, cell, order, forget_bias):
    lstm = cell == "lstm"
    c0, w, b = rest if lstm else (None, *rest)
    t_len, batch, depth = x.shape
    u = h0.shape[1]
    if lstm:
        # sigmoid(z) = (tanh(z / 2) + 1) / 2 (kernels.softmax.sigmoid): halving the sigmoid
        # gates' columns of the kernel and bias (exact: a power of two) leaves one tanh per step
        perm = _perm(order, u)
        half = np.asarray(0.5, x.dtype)
        w = w[:, perm]
        w[:, :3 * u] *= half
        b = b[perm]
        b[2 * u:3 * u] += np.asarray(forget_bias, x.dtype)
        b[:3 * u] *= half
    w_h = w[depth:]
    z_all = np.dot(x.reshape(-1, depth), w[:depth]).reshape(t_len, batch, -1)
    z_all += b
    hs = np.empty((t_len, batch, u), x.dtype)
    h = h0
    if not lstm:
        for t in range(t_len):
            z = z_all[t]
            z += np.dot(h, w_h)
            h = np.tanh(z, out=hs[t])
        return hs
    cs = np.empty_like(hs)
    one = np.asarray(1, x.dtype)
    tmp = np.empty((batch, u), x.dtype)
    c = c0
    for t in range(t_len):
        z = z_all[t]
        z += np.dot(h, w_h)
        np.tanh(z, out=z)
        sig = z[:, :3 * u]
        sig += one
        sig *= half
        o, i, f, j = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = np.multiply(f, c, out=cs[t])
        c += np.multiply(i, j, out=tmp)
        h = np.multiply(o, np.tanh(c, out=tmp), out=hs[t])
    return hs, cs, z_all  # z_all now holds the activated gates, in the order o, i, f, j


def _fused_grad(op, dh, *rest):
    lstm = op.attrs["cell"] == "lstm"
    dc = rest[0] if lstm else None
    ins = list(op.inputs)
    if dh is None and dc is None:
        return [None] * len(ins)
    from . import array_ops
    dh = array_ops.zeros_like(op.outputs[0]) if dh is None else dh
    grad_ins = ins + list(op.outputs) + [dh]
    if lstm:
        grad_ins.append(array_ops.zeros_like(op.outputs[1]) if dc is None else dc)
    return list(apply_op("FusedRNNGrad", grad_ins, op.attrs, name="FusedRNNGrad"))


def _fused_grad_infer(op):
    n = 5 if op.attrs["cell"] == "lstm" else 4
    return [(t.dtype, t.shape) for t in op.inputs[:n]]


def _fused_grad_kernel(x, h0, *rest, cell, order, forget_bias):
    lstm = cell == "lstm"
    if lstm:
        c0, w, _, hs, cs, gates, dhs, dcs = rest
    else:
        (w, _, hs, dhs), c0 = rest, None
    t_len, batch, depth = x.shape
    u = h0.shape[1]
    one = np.asarray(1, x.dtype)
    perm = _perm(order, u) if lstm else None
    wp = w[:, perm] if lstm else w
    w_ht = np.ascontiguousarray(wp[depth:].T)
    dz_all = np.empty((t_len, batch, wp.shape[1]), x.dtype)
    dh_next = np.zeros_like(h0)
    dh = np.empty_like(h0)
    if not lstm:
        dtanh = one - hs * hs  # for every step at once
        for t in range(t_len - 1, -1, -1):
            dz = np.add(dhs[t], dh_next, out=dz_all[t])
            dz *= dtanh[t]
            dh_next = np.dot(dz, w_ht)
        dc_next = None
    else:
        # what does not depend on the recurrence, for every step at once (gates: o, i, f, j)
        o, i, f, j = (gates[..., k * u:(k + 1) * u] for k in range(4))
        tc = np.tanh(cs)
        coef = np.empty((t_len, batch, 4, u), x.dtype)  # dz = coef * (dh, dc, dc, dc)
        sd = gates[..., :3 * u] * (one - gates[..., :3 * u])  # sigmoid'
        np.multiply(tc, sd[..., :u], out=coef[:, :, 0])
        np.multiply(j, sd[..., u:2 * u], out=coef[:, :, 1])
        coef[0, :, 2] = c0
        coef[1:, :, 2] = cs[:-1]
        coef[:, :, 2] *= sd[..., 2 * u:]
        np.multiply(i, one - j * j, out=coef[:, :, 3])
        dc_of_dh = o * (one - tc * tc)
        del sd, tc
        with_dc = bool(dcs.any())
        dz4 = dz_all.reshape(t_len, batch, 4, u)
        dc = np.empty_like(h0)
        dc_next = np.zeros_like(c0)
        for t in range(t_len - 1, -1, -1):
            np.add(dhs[t], dh_next, out=dh)
            np.multiply(dh, dc_of_dh[t], out=dc)
            dc += dc_next
            if with_dc:
                dc += dcs[t]
            np.multiply(coef[t, :, 0], dh, out=dz4[t, :, 0])
            np.multiply(coef[t, :, 1:], dc[:, None], out=dz4[t, :, 1:])
            dc_next = dc * f[t]
            dh_next = np.dot(dz_all[t], w_ht)
    flat = dz_all.reshape(-1, wp.shape[1])
    dx = np.dot(flat, wp[:depth].T).reshape(x.shape)
    h_prev = np.concatenate([h0[None], hs[:-1]]).reshape(-1, u)
    dwp = np.concatenate([np.dot(x.reshape(-1, depth).T, flat), np.dot(h_prev.T, flat)])
    dbp = flat.sum(axis=0)
    if not lstm:
        return dx, dh_next, dwp, dbp
    dw, db = np.empty_like(dwp), np.empty_like(dbp)
    dw[:, perm], db[perm] = dwp, dbp
    return dx, dh_next, dc_next, dw, db


defop("FusedRNN", infer=_fused_infer, kernel=_fused_kernel, grad=_fused_grad, blas=True)
defop("FusedRNNGrad", infer=_fused_grad_infer, kernel=_fused_grad_kernel, blas=True)


def fused_rnn(x, h0, w, b, c0=None, cell: str = "rnn", order: str = "ijfo",
              forget_bias: float = 0.0):
    """All steps of a tanh RNN (``cell="rnn"``) or an LSTM (``cell="lstm"``, ``c0`` given) over
    time-major ``x``: returns h of every step [T, B, U] (and, for the LSTM, c of every step)."""
    ins = [convert_to_tensor(x), convert_to_tensor(h0)]
    if cell == "lstm":
        ins.append(convert_to_tensor(c0))
    ins += [convert_to_tensor(w), convert_to_tensor(b)]
    outs = apply_op("FusedRNN", ins, {"cell": cell, "order": order,
                                      "forget_bias": float(forget_bias)}, name="FusedRNN")
    return outs if cell == "rnn" else (outs[0], outs[1])
