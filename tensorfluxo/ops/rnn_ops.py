"""Fused recurrent ops: all time steps of a tanh RNN or an LSTM in one kernel, with a gradient
op that runs the steps backwards. dynamic_rnn (BasicRNNCell, BasicLSTMCell) and the Keras
SimpleRNN/LSTM layers use them when the cell is the plain one; the result is the generic
while_loop's up to float rounding (tests compare both paths).

Why faster: a step is one GEMM ([x_t; h; 1] against the kernel with the bias as a last row)
and a few NumPy calls on preallocated buffers, with no sub-plan per iteration. The kernels
work transposed (batch last), so every gate of a step is one contiguous [units, batch] block
and the elementwise calls run on whole blocks; the weight gradient is accumulated step by step
while the step's values are still in cache.

FusedRNN(x [T, B, D], h0 [B, U], c0 [B, U] (LSTM only), w [D + U, G*U], b [G*U], then for
the GRU its candidate's wc [D + U, U], bc [U]), attrs ``cell`` ("rnn": G = 1, h = tanh(z);
"lstm": G = 4, gates laid out as ``order``, "ijfo" for TF1 or "ifco" for Keras; "gru": G = 2,
TF1's GRUCell, gates r then u, candidate tanh([x, r * h] @ wc + bc)) and ``forget_bias``.
Outputs: h for every step [T, B, U]; for the LSTM also c for every step; last, a workspace
[parts, T + 1, rows, B / parts] the gradient reads (see ``_rows``): in a run whose plan uses
two threads (kernels/parallel.py) the batch is cut in equal parts, each run by a thread over
all its steps with its own workspace, and the gradient runs the same parts. Both ops are
``partial_outputs``: a plan without the gradient (inference) gets no workspace (two reused
slots instead of T + 1, so
evaluating a big batch does not hold every step's gates), and a gradient whose plan does not
use dx (the inputs are a placeholder) skips its rows of the per-step GEMM.
"""

from __future__ import annotations

import numpy as np

from ..framework.ops import apply_op, convert_to_tensor
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ..kernels import parallel
from ._util import dims


def _perm(order: str, u: int) -> np.ndarray:
    """Rows of the kernels' gate order o, i, f, j: the sigmoid gates (o, i, f) are contiguous,
    and so are the gates the cell-state gradient scales (i, f)."""
    k = {g: n for n, g in enumerate(order.replace("c", "j"))}
    return np.concatenate([np.arange(k[g] * u, (k[g] + 1) * u) for g in "oifj"])


_GATES = {"rnn": 1, "lstm": 4, "gru": 2}


def _rows(depth: int, u: int, cell: str) -> tuple:
    """(k, kc, n): a step's slice of the workspace [n, batch] holds the GEMM input
    [x_t; h_prev; 1] in rows :k; for the LSTM the activated gates (o, i, f, j) in k:kc, then c
    and tanh(c); for the GRU the gates (r, u) in k:kc, the candidate's GEMM input
    [x_t; r * h_prev; 1] in kc:kc + k, then the candidate. Slice t + 1 holds h_t in rows
    depth:k - 1."""
    k = depth + u + 1
    return {"rnn": (k, k, k), "lstm": (k, k + 4 * u, k + 6 * u),
            "gru": (k, k + 2 * u, 2 * k + 3 * u)}[cell]


def _augmented(w, b, rows=slice(None)):
    """[w; b] transposed, its rows (gates) in the kernels' order: z = result @ [x; h; 1]."""
    wt = np.empty((w.shape[1], w.shape[0] + 1), w.dtype)
    wt[:, :-1] = w[:, rows].T
    wt[:, -1] = b[rows]
    return wt


def _fused_infer(op):
    cell = op.attrs["cell"]
    lstm = cell == "lstm"
    x, h0 = op.inputs[0], op.inputs[1]
    xd, hd = dims(x), dims(h0)
    if xd is not None and len(xd) != 3:
        raise ValueError(f"the inputs must have rank 3 ([time, batch, depth]), got {x.shape}")
    u = hd[1] if hd is not None and len(hd) == 2 else None
    t, bsz, depth = xd if xd is not None else (None, None, None)
    kernels = [(op.inputs[2 + lstm], _GATES[cell])] + ([(op.inputs[4], 1)] if cell == "gru"
                                                       else [])
    for w, g in kernels:
        wd = dims(w)
        if wd is not None and u is not None and depth is not None and \
                tuple(wd) != (depth + u, g * u):
            raise ValueError(f"the kernel must have shape {(depth + u, g * u)} for inputs of "
                             f"depth {depth} and {u} units, got {w.shape}")
    seq = (x.dtype, TensorShape([t, bsz, u]))
    rows = None if u is None or depth is None else _rows(depth, u, cell)[2]
    ws = (x.dtype, TensorShape([None, None if t is None else t + 1, rows, None]))
    return [seq, seq, ws] if lstm else [seq, ws]


def _batch_parts(x, units: int) -> list:
    """The parts of the batch the kernels run on the run's cores (kernels.parallel): equal
    parts, or the whole batch."""
    t_len, batch, _ = x.shape
    cut = parallel.cut(batch, t_len * batch * units * 4)
    return cut if batch % len(cut) == 0 else [slice(0, batch)]


def _fused_kernel(x, h0, *rest, cell, order, forget_bias, needed=None):
    lstm = cell == "lstm"
    c0, w, b, *cand = rest if lstm else (None, *rest)
    t_len, batch, depth = x.shape
    u = h0.shape[1]
    wt = _augmented(w, b, _perm(order, u) if lstm else slice(None))  # z_t = wt @ [x_t; h; 1]
    # sigmoid(z) = (tanh(z / 2) + 1) / 2 (kernels.softmax.sigmoid): halving the sigmoid
    # gates' rows (exact: a power of two) leaves one tanh per step
    if lstm:
        wt[2 * u:3 * u, -1] += np.asarray(forget_bias, x.dtype)
        wt[:3 * u] *= np.asarray(0.5, x.dtype)
    elif cell == "gru":
        wt *= np.asarray(0.5, x.dtype)
    wct = _augmented(*cand) if cell == "gru" else None
    # Without the gradient in the run plan (inference) the workspace is two slots used in turn.
    keep = needed is None or needed[-1]
    parts = _batch_parts(x, u)
    n = _rows(depth, u, cell)[2]
    ws = np.zeros((len(parts), t_len + 1 if keep else 2, n, batch // len(parts)), x.dtype)
    hs = np.empty((t_len, batch, u), x.dtype)
    cs = np.empty_like(hs) if lstm else None
    parallel.run_parts(lambda s: _forward(
        x[:, s], h0[s], None if c0 is None else c0[s], wt, wct, ws[s.start // ws.shape[3]],
        hs[:, s], None if cs is None else cs[:, s], cell, keep), parts)
    return (hs, cs, ws if keep else None) if lstm else (hs, ws if keep else None)


def _forward(x, h0, c0, wt, wct, ws, hs, cs, cell, keep):
    """All steps over one part of the batch, into its workspace ``ws`` and outputs hs, cs."""
    t_len, batch, depth = x.shape
    u = h0.shape[1]
    k, kc, _ = _rows(depth, u, cell)
    one, half = np.asarray(1, x.dtype), np.asarray(0.5, x.dtype)
    m, xt = len(ws), x.transpose(0, 2, 1)
    xs = [0] + ([kc] if cell == "gru" else [])  # where the GEMM inputs [x_t; h; 1] start
    for r in xs:
        ws[:, r + k - 1] = 1
        if keep:
            ws[:t_len, r:r + depth] = xt

    def slot(t):  # step t's slice of the workspace, x_t in it
        if not keep:
            for r in xs:
                ws[t % m, r:r + depth] = xt[t]
        return ws[t % m]
    ws[0, depth:k - 1] = h0.T
    if cell == "rnn":
        for t in range(t_len):
            h = ws[(t + 1) % m, depth:k - 1]
            np.dot(wt, slot(t)[:k], out=h)
            hs[t] = np.tanh(h, out=h).T
        return
    tmp = np.empty((u, batch), x.dtype)
    if cell == "gru":
        for t in range(t_len):
            s = slot(t)
            h, g, xr, c = s[depth:k - 1], s[k:kc], s[kc:kc + k], s[kc + k:]
            np.dot(wt, s[:k], out=g)
            np.tanh(g, out=g)
            g += one
            g *= half
            np.multiply(g[:u], h, out=xr[depth:k - 1])  # r * h
            np.tanh(np.dot(wct, xr, out=c), out=c)
            np.subtract(h, c, out=tmp)  # h' = u * h + (1 - u) * c = c + u * (h - c)
            tmp *= g[u:]
            hs[t] = np.add(c, tmp, out=ws[(t + 1) % m, depth:k - 1]).T
        return
    c = c0.T
    for t in range(t_len):
        s = slot(t)
        g = s[k:kc]
        np.dot(wt, s[:k], out=g)
        np.tanh(g, out=g)
        sig = g[:3 * u]
        sig += one
        sig *= half
        o, i, f, j = g[:u], g[u:2 * u], g[2 * u:3 * u], g[3 * u:]
        c = np.multiply(f, c, out=s[kc:kc + u])
        c += np.multiply(i, j, out=tmp)
        h = np.multiply(o, np.tanh(c, out=s[kc + u:]), out=ws[(t + 1) % m, depth:k - 1])
        hs[t], cs[t] = h.T, c.T


def _fused_grad(op, dh, *rest):
    lstm = op.attrs["cell"] == "lstm"
    dc = rest[0] if lstm else None
    ins = list(op.inputs)
    if dh is None and dc is None:
        return [None] * len(ins)
    from . import array_ops
    dh = array_ops.zeros_like(op.outputs[0]) if dh is None else dh
    grad_ins = ins + list(op.outputs) + [dh]
    if lstm:  # no gradient reaches the c sequence (the usual case): a scalar zero says so
        grad_ins.append(convert_to_tensor(np.zeros((), op.outputs[1].dtype.np)) if dc is None
                        else dc)
    return list(apply_op("FusedRNNGrad", grad_ins, op.attrs, name="FusedRNNGrad"))


def _fused_grad_infer(op):
    n = {"rnn": 4, "lstm": 5, "gru": 6}[op.attrs["cell"]]
    return [(t.dtype, t.shape) for t in op.inputs[:n]]


def _fused_grad_kernel(x, h0, *rest, cell, order, forget_bias, needed=None):
    lstm = cell == "lstm"
    if lstm:
        c0, w, b, _, _, ws, dhs, dcs = rest
    elif cell == "gru":
        (w, b, wc, _, _, ws, dhs), c0 = rest, None
    else:
        (w, b, _, ws, dhs), c0 = rest, None
    t_len, batch, depth = x.shape
    u = h0.shape[1]
    perm = _perm(order, u) if lstm else slice(None)
    # per step, [dx_t; dh_prev] = wp @ dz; only dh_prev when the plan does not use dx
    e = depth if needed is None or needed[0] else 0
    wp = np.ascontiguousarray(w[depth - e:, perm])
    wc = wc[depth - e:] if cell == "gru" else None
    dx = np.empty_like(x) if e else None
    dh0 = np.empty_like(h0)
    dc0 = np.empty_like(h0) if lstm else None
    with_dc = lstm and dcs.ndim > 0 and bool(dcs.any())
    bp = ws.shape[3]  # the forward's parts of the batch: one workspace each
    parts = [slice(p * bp, (p + 1) * bp) for p in range(ws.shape[0])]
    sums = [None] * len(parts)  # each part's dW and db (the last column), transposed

    def part(s):
        sums[s.start // bp] = _backward(
            x[:, s], None if c0 is None else c0[s], ws[s.start // bp], dhs[:, s],
            dcs[:, s] if with_dc else None, wp, wc, e, cell,
            None if dx is None else dx[:, s], dh0[s], None if dc0 is None else dc0[s])
    parallel.run_parts(part, parts)
    acc = sum(a for a, _ in sums[1:]) + sums[0][0] if len(sums) > 1 else sums[0][0]
    dw, db = np.empty_like(w), np.empty_like(b)
    dw[:, perm], db[perm] = acc[:, :-1].T, acc[:, -1]
    grads = [dx, dh0, *([dc0] if lstm else [])]
    if cell == "gru":
        acc_c = sum(c for _, c in sums[1:]) + sums[0][1] if len(sums) > 1 else sums[0][1]
        return (*grads, dw, db, np.ascontiguousarray(acc_c[:, :-1].T), acc_c[:, -1].copy())
    return (*grads, dw, db)


def _backward(x, c0, ws, dhs, dcs, wp, wc, e, cell, dx, dh0, dc0):
    """All steps backwards over one part of the batch: writes its dx, dh0 (and dc0); returns
    its (dW, db) sums transposed (and the GRU candidate's)."""
    t_len, batch, depth = x.shape
    u = dh0.shape[1]
    k, kc, _ = _rows(depth, u, cell)
    one = np.asarray(1, x.dtype)
    dxh = np.zeros((e + u, batch), x.dtype)
    dh_next = dxh[e:]
    g_rows = wp.shape[1]
    dz = np.empty((g_rows, batch), x.dtype)
    dh = np.empty((u, batch), x.dtype)
    acc = np.zeros((g_rows, k), x.dtype)  # dW and db (the last column), transposed
    part = np.empty_like(acc)
    acc_c = None
    if cell == "lstm":
        dc, dc_next = np.empty_like(dh), np.zeros_like(dh)
    if cell == "gru":
        dxr = np.empty_like(dxh)  # [dx_t; d(r * h)] = wc @ dc
        dcand, tmp, dx_t = np.empty_like(dh), np.empty_like(dh), np.empty((depth, batch), x.dtype)
        acc_c = np.zeros((u, k), x.dtype)
        part_c = np.empty_like(acc_c)
    for t in range(t_len - 1, -1, -1):
        s = ws[t]
        np.add(dh_next, dhs[t].T, out=dh)
        if cell == "rnn":
            h = ws[t + 1, depth:k - 1]
            np.multiply(h, h, out=dz)
            np.subtract(one, dz, out=dz)
            dz *= dh
        elif cell == "gru":
            h, g, xr, c = s[depth:k - 1], s[k:kc], s[kc:kc + k], s[kc + k:]
            np.multiply(c, c, out=dcand)  # the candidate: dh * (1 - u) * tanh'
            np.subtract(one, dcand, out=dcand)
            dcand *= dh
            dcand *= np.subtract(one, g[u:], out=tmp)
            np.dot(wc, dcand, out=dxr)
            acc_c += np.dot(dcand, xr.T, out=part_c)
            sd = np.subtract(one, g, out=dz)  # sigmoid' of r, u
            sd *= g
            dz[u:] *= dh
            dz[u:] *= np.subtract(h, c, out=tmp)
            dz[:u] *= np.multiply(dxr[e:], h, out=tmp)
            np.dot(wp, dz, out=dxh)
            dh_next += np.multiply(dh, g[u:], out=tmp)  # dh_prev: also through u * h...
            dh_next += np.multiply(dxr[e:], g[:u], out=tmp)  # ...and through r * h
            if e:
                dx[t] = np.add(dxh[:e], dxr[:e], out=dx_t).T
            acc += np.dot(dz, s[:k].T, out=part)
            continue
        else:
            g = s[k:kc]
            o, i, f, j = g[:u], g[u:2 * u], g[2 * u:3 * u], g[3 * u:]
            tc = s[kc + u:]
            np.multiply(tc, tc, out=dc)
            np.subtract(one, dc, out=dc)
            dc *= o
            dc *= dh
            dc += dc_next
            if dcs is not None:
                dc += dcs[t].T
            sd = np.subtract(one, g[:3 * u], out=dz[:3 * u])  # sigmoid' of o, i, f
            sd *= g[:3 * u]
            dz[:u] *= tc
            dz[:u] *= dh
            dz[u:2 * u] *= j
            dz[2 * u:3 * u] *= ws[t - 1, kc:kc + u] if t else c0.T
            dz[u:3 * u].reshape(2, u, batch)[:] *= dc
            dj = np.multiply(j, j, out=dz[3 * u:])
            np.subtract(one, dj, out=dj)
            dj *= i
            dj *= dc
            np.multiply(dc, f, out=dc_next)
        np.dot(wp, dz, out=dxh)
        if e:
            dx[t] = dxh[:e].T
        acc += np.dot(dz, s[:k].T, out=part)
    dh0[...] = dh_next.T
    if cell == "lstm":
        dc0[...] = dc_next.T
    return acc, acc_c


# blas="split": the kernels run parts of the batch on the run's cores, BLAS one thread each
defop("FusedRNN", infer=_fused_infer, kernel=_fused_kernel, grad=_fused_grad, blas="split",
      partial_outputs=True)
defop("FusedRNNGrad", infer=_fused_grad_infer, kernel=_fused_grad_kernel, blas="split",
      partial_outputs=True)


def fused_rnn(x, h0, w, b, c0=None, cell: str = "rnn", order: str = "ijfo",
              forget_bias: float = 0.0, wc=None, bc=None):
    """All steps of a tanh RNN (``cell="rnn"``), an LSTM (``cell="lstm"``, ``c0`` given) or
    TF1's GRU (``cell="gru"``, the candidate's ``wc`` and ``bc`` given) over time-major ``x``:
    returns h of every step [T, B, U] (and, for the LSTM, c of every step)."""
    ins = [convert_to_tensor(x), convert_to_tensor(h0)]
    if cell == "lstm":
        ins.append(convert_to_tensor(c0))
    ins += [convert_to_tensor(t) for t in ([w, b, wc, bc] if cell == "gru" else [w, b])]
    outs = apply_op("FusedRNN", ins, {"cell": cell, "order": order,
                                      "forget_bias": float(forget_bias)}, name="FusedRNN")
    return (outs[0], outs[1]) if cell == "lstm" else outs[0]
