"""Declarative op tests: one row per op type drives every generic check of it.

A row names the op types it exercises, a function building them from tensors, domain-aware
inputs and a NumPy reference::

    row("Log", tf.log, pos(2, 3), ref=np.log, order=2)

``check_row`` then, for float32 and float64 inputs and for placeholders with known and with
unknown (None) dimensions:

- compares the outputs with the reference, and their dtypes and static shapes with the values
  (with known input shapes the static shape must be exact, unless ``exact_shape=False``);
- checks (``order`` >= 1) the gradient against finite differences in float64 (``order=2``: the
  second derivative too), and that the run-time gradient paths (unknown shapes) and the float32
  gradients agree with it and keep their dtype;
- checks (``order=0``, not differentiable) that tf.gradients gives None for the float inputs;
- checks that every named op type was built (gradient op types such as ReluGrad are found in
  the gradient graphs).

Ops these checks cannot cover (stateful, random, IO) get ``covered(type, by="tests/...::test",
why=...)``. ``missing_rows`` lists the registered op types that have neither.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..ops.indexed_slices import dense
from .gradient_check import as_list, check_gradients, weighted_sum

FLOATS = (np.float64, np.float32)

# ---- domain-aware inputs (small, fixed) ------------------------------------------------------
_CALLS: dict = {}


def _rng(depth: int = 2) -> np.random.Generator:
    """A generator seeded by the text of the calling line (and how often that line asked), so a
    row's inputs stay the same when rows are added or moved elsewhere in the table."""
    frame = sys._getframe(depth)
    key = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    n = _CALLS[key] = _CALLS.get(key, 0) + 1
    return np.random.default_rng([zlib.crc32(key.encode()), n])


def u(*shape, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    """Uniform in [lo, hi)."""
    return _rng().uniform(lo, hi, shape)


def pos(*shape) -> np.ndarray:
    """Positive (log, sqrt, pow's base)."""
    return _rng().uniform(0.5, 2.0, shape)


def nz(*shape) -> np.ndarray:
    """Away from zero (kinks of abs/relu/sign, poles of 1/x)."""
    r = _rng()
    return r.uniform(0.5, 2.0, shape) * r.choice([-1.0, 1.0], shape)


def distinct(*shape) -> np.ndarray:
    """Values at least 0.1 apart: no ties for max/min/top_k."""
    n, r = int(np.prod(shape)), _rng()
    return (r.permutation(n) * 0.1 - n * 0.05 + r.uniform(0, 0.02, n)).reshape(shape)


def spd(n: int, batch: tuple = ()) -> np.ndarray:
    """Well-conditioned square matrices (inverse, determinant)."""
    return _rng().uniform(-0.5, 0.5, (*batch, n, n)) + 2 * np.eye(n)



@dataclass(frozen=True)
class OpRow:
    ops: tuple
    fn: Callable
    inputs: tuple
    ref: Callable | None
    order: int = 1
    id: str = ""
    dtypes: tuple = FLOATS
    unknown: bool = True
    exact_shape: bool = True
    out_dtype: object = None
    rtol: float | None = None
    grad: dict = field(default_factory=dict)  # tol / eps for check_gradients


@dataclass(frozen=True)
class Covered:
    ops: tuple
    by: str
    why: str


def row(ops: str, fn: Callable, *inputs, ref: Callable | None, order: int = 1, id: str = "",
        dtypes: Sequence = FLOATS, unknown: bool = True, exact_shape: bool = True, out_dtype=None,
        rtol: float | None = None, **grad_options) -> OpRow:
    """One op test. ``ops``: the op types it exercises, space separated ("Relu ReluGrad").

    ``fn(*tensors)`` returns a tensor or a list of them; ``inputs`` are arrays (float ones are
    run in each of ``dtypes``, others as given); ``ref(*float64_arrays)`` the expected value(s),
    or None when the finite-difference check is the reference (gradient ops). ``order``: 0 not
    differentiable, 1 gradient, 2 also second derivatives. ``unknown=False`` skips the
    unknown-shape run (functions that need static shapes); ``exact_shape=False`` allows outputs
    whose static shape stays partly unknown with known inputs (data-dependent sizes).
    ``out_dtype``: the float outputs' dtype when it is not the inputs' (casts). ``rtol``:
    forward tolerance. ``tol``/``eps``: passed to check_gradients.
    """
    if order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2, got {order}")
    return OpRow(tuple(ops.split()), fn, tuple(np.asarray(v) for v in inputs), ref, order, id,
                 tuple(dtypes), unknown, exact_shape, out_dtype, rtol, grad_options)


def covered(ops: str, *, by: str, why: str) -> Covered:
    """Op types whose checks live in another test (``by``: "tests/x.py::test_name") and why the
    generic checks cannot run them (stateful, random, IO)."""
    return Covered(tuple(ops.split()), by, why)


def row_ids(rows: Sequence[OpRow]) -> list:
    """Unique pytest ids: the first op type, the row's id, a counter for repeats."""
    seen: dict = {}
    out = []
    for r in rows:
        base = "-".join(p for p in (r.ops[0], r.id) if p)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


# ---- the checks ------------------------------------------------------------------------------
def check_row(r: OpRow) -> None:
    """All generic checks of one row (see the module doc)."""
    built: set = set()
    floats = [i for i, v in enumerate(r.inputs) if v.dtype.kind == "f"]
    want = [np.asarray(w) for w in as_list(r.ref(*r.inputs))] if r.ref is not None else None
    grads_by_dtype = {}
    for dt in (r.dtypes if floats else FLOATS[:1]):
        grads_by_dtype[dt] = _check_dtype(r, dt, want, built)
    if r.order and floats:
        check_gradients(r.fn, r.inputs, second_order=r.order == 2, **r.grad)
        ref_grads = grads_by_dtype.get(np.float64)
        for dt, grads in grads_by_dtype.items():
            if ref_grads is not None and dt is not np.float64:
                for g, g64 in zip(grads, ref_grads):
                    _close(g, g64, 1e-3, f"{dt.__name__} gradient vs float64")
    missing = set(r.ops) - built
    if missing:
        raise AssertionError(f"row {r.ops} built no {sorted(missing)} op (built: "
                             f"{sorted(built)}): fix the row's op types or its function")


def _check_dtype(r: OpRow, dt, want, built: set) -> list:
    """Forward (static and unknown shapes) and symbolic gradients in one dtype; returns the
    static-shape gradient values."""
    import tensorfluxo as tf

    vals = [v.astype(dt) if v.dtype.kind == "f" else v for v in r.inputs]
    floats = [i for i, v in enumerate(vals) if v.dtype.kind == "f"]
    g = tf.Graph()
    with g.as_default():
        modes = ["static", "unknown"] if r.unknown else ["static"]
        phs, outs = {}, {}
        for mode in modes:
            phs[mode] = [tf.placeholder(tf.as_dtype(v.dtype), v.shape if mode == "static"
                                        else [None] * v.ndim, name=f"{mode}{i}")
                         for i, v in enumerate(vals)]
            outs[mode] = as_list(r.fn(*phs[mode]))
        feed = {p: v for mode in modes for p, v in zip(phs[mode], vals)}
        with tf.Session(graph=g) as sess:
            got = sess.run(outs, feed)
        for mode in modes:
            where = f"{r.ops} {dt.__name__} {mode} shapes"
            for t, v in zip(outs[mode], got[mode]):
                if not t.shape.is_compatible_with(v.shape):
                    raise AssertionError(f"{where}: {t.name} has static shape {t.shape} but "
                                         f"value shape {v.shape}")
                if mode == "static" and r.exact_shape and t.shape.as_tuple() != v.shape:
                    raise AssertionError(f"{where}: {t.name} has static shape {t.shape} from "
                                         f"known input shapes, but value shape {v.shape} (a "
                                         f"data-dependent shape: exact_shape=False)")
            _check_values(r, dt, got[mode], want, vals, where)
        grads = {}
        if r.order == 0:
            xs = [phs["static"][i] for i in floats]
            ys = [y for y in outs["static"] if y.dtype.is_floating]
            if xs and ys and any(gr is not None for gr in tf.gradients(ys, xs)):
                raise AssertionError(f"{r.ops}: the row says order=0 (not differentiable) but "
                                     f"tf.gradients gives a gradient")
        elif floats:
            for mode in modes:
                grads[mode] = _symbolic_grads(r, outs[mode], [phs[mode][i] for i in floats],
                                              {p: v for p, v in zip(phs[mode], vals)}, dt)
            with tf.Session(graph=g) as sess:
                gvals = sess.run(grads, feed)
            for mode in modes:
                for t, v in zip(grads[mode], gvals[mode]):
                    if v.dtype != dt:
                        raise AssertionError(f"{r.ops}: gradient {t.name} is {v.dtype} for "
                                             f"{dt.__name__} inputs")
            if "unknown" in gvals:
                for a, b in zip(gvals["unknown"], gvals["static"]):
                    _close(a, b, 1e-9 if dt is np.float64 else 1e-5,
                           f"{r.ops} {dt.__name__} gradient with unknown shapes vs static")
        built.update(op.type for op in g.get_operations())
    return gvals["static"] if grads else []


def _symbolic_grads(r: OpRow, ys: list, xs: list, feed: dict, dt) -> list:
    """First (and, where the ops support it, second) order gradients of sum(u * y)."""
    import tensorfluxo as tf

    fy = [y for y in ys if y.dtype.is_floating]
    if not fy:
        raise AssertionError(f"{r.ops}: order={r.order} but no output is floating")
    target = weighted_sum(fy, feed)
    g1 = [dense(g) if g is not None else tf.zeros_like(x)
          for g, x in zip(tf.gradients(target, xs), xs)]
    try:
        sq = tf.add_n([tf.reduce_sum(g * g) for g in g1])
        g2 = [dense(g) for g in tf.gradients(sq, xs) if g is not None]
    except LookupError:
        if r.order == 2:
            raise
        g2 = []  # ops that refuse second derivatives (sparse cross-entropy, fused batch norm)
    return g1 + g2


def _check_values(r: OpRow, dt, got: list, want, vals: list, where: str) -> None:
    if want is None:
        return
    if len(got) != len(want):
        raise AssertionError(f"{where}: {len(got)} outputs, reference gives {len(want)}")
    ref_dt = [np.asarray(w).dtype for w in as_list(r.ref(*vals))]
    for k, (v, w, rd) in enumerate(zip(got, want, ref_dt)):
        if v.shape != w.shape:
            raise AssertionError(f"{where}: output {k} has shape {v.shape}, reference {w.shape}")
        if rd.kind == "f" and any(x.dtype.kind == "f" for x in vals):
            expect = np.dtype(r.out_dtype or dt)
        else:
            expect = rd
        if v.dtype != expect:
            raise AssertionError(f"{where}: output {k} is {v.dtype}, expected {expect}")
        if w.dtype.kind in "fc":
            tol = r.rtol if r.rtol is not None else (1e-5 if v.dtype == np.float32 else 1e-10)
            _close(v, w, tol, f"{where}: output {k} vs reference")
        elif not np.array_equal(v, w):
            raise AssertionError(f"{where}: output {k} is {v}, reference {w}")


def _close(a, b, rtol: float, what: str) -> None:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise AssertionError(f"{what}: shapes {a.shape} and {b.shape}")
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    bad = ~np.isclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise AssertionError(f"{what}: differs at {list(i)}: {a[i]!r} vs {b[i]!r} "
                             f"(rtol {rtol})")


# ---- completeness ----------------------------------------------------------------------------
def declared_op_types() -> dict:
    """Every op type tensorfluxo declares (all its modules imported) -> the declaring module."""
    import importlib
    import pkgutil

    import tensorfluxo

    from ..framework.registry import registered_ops

    for m in pkgutil.walk_packages(tensorfluxo.__path__, "tensorfluxo."):
        if m.name.rsplit(".", 1)[-1] != "__main__":
            importlib.import_module(m.name)
    return {t: d.module for t, d in registered_ops().items()
            if d.module.split(".")[0] == "tensorfluxo"}


def missing_rows(rows: Sequence[OpRow | Covered], root: str = ".") -> list:
    """Problems of a table: declared op types without a row, and ``covered`` references to
    tests that do not exist (``root``: the repository, for the test paths)."""
    have = {t for r in rows for t in r.ops}
    problems = [f"op type {t!r} (declared in {m}) has no row: add one to tests/ops/"
                f"test_op_table.py (see CONTRIBUTING.md, 'Adding an op')"
                for t, m in sorted(declared_op_types().items()) if t not in have]
    for c in rows:
        if isinstance(c, Covered):
            path, _, name = c.by.partition("::")
            file = os.path.join(root, path)
            if not os.path.exists(file) or not re.search(
                    rf"^def {re.escape(name)}\b", open(file, encoding="utf-8").read(), re.M):
                problems.append(f"covered({' '.join(c.ops)!r}) points to {c.by}, which does "
                                f"not exist")
    return problems
