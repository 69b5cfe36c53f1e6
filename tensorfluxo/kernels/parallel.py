"""One kernel's work on several cores.

NumPy releases the GIL inside its loops and OpenBLAS runs calls from several threads side by
side, so a kernel whose work falls into independent parts (the images of a batch, the rows of
a variable) can run the parts in threads. ``run(fn, n, size)`` calls ``fn(part)`` for slices
covering ``range(n)``: in ``width`` threads (the caller's and persistent workers) when the work
is big enough, else once with the whole range. BLAS runs one thread per part meanwhile.

``width`` is set per run by the executor from its thread tuner, the same measured choice as
the BLAS threads (one core, or all of them when that measured faster), so on a busy machine
nothing is split. Outside a tuned run (eager ops, a plan without BLAS ops) it is 1.
"""

from __future__ import annotations

import os
import queue
import threading

import numpy as np

from ..framework import run_context
from .blas import blas

# Work (elements of one pass) below which splitting does not pay: handing a part to a worker
# and collecting it costs ~70 us here (two thread wake-ups and GIL hand-overs), one NumPy pass
# ~0.5-2 ns per element.
MIN_SIZE = 1 << 18

width = 1            # threads a kernel may use now (the executor sets it for a run)
_tasks: queue.SimpleQueue = queue.SimpleQueue()
_workers: list = []
_local = threading.local()   # .busy: this thread runs a part (a nested run stays inline)


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: it starts its own workers when needed
    (else it would queue parts nobody serves and wait for ever)."""
    global _tasks
    _tasks = queue.SimpleQueue()
    _workers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def set_width(n: int) -> int:
    """Sets ``width``; returns the previous value (for restoring)."""
    global width
    prev, width = width, n
    return prev


def _serve() -> None:
    _local.busy = True
    while True:
        fn, part, scratch, done = _tasks.get()
        outer = run_context.begin_scratch()
        run_context.end_scratch(scratch)  # the caller's run: its kernels share their scratch
        try:
            fn(part)
            done.put(None)
        except BaseException as e:  # noqa: BLE001 - handed to the caller, who raises it
            done.put(e)
        finally:
            run_context.end_scratch(outer)


def parts(n: int, k: int) -> list:
    """``range(n)`` as ``k`` slices of near-equal length, the longer ones first."""
    q, r = divmod(n, k)
    cuts = [0]
    for i in range(k):
        cuts.append(cuts[-1] + q + (i < r))
    return [slice(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def cut(n: int, size: int = MIN_SIZE) -> list:
    """The slices ``run`` cuts ``range(n)`` into: ``width`` parts when ``size`` (the elements
    of work) reaches MIN_SIZE, else the whole range (also inside a part: no nesting)."""
    k = min(width, n)
    if k < 2 or size < MIN_SIZE or getattr(_local, "busy", False):
        return [slice(0, n)]
    return parts(n, k)


def run(fn, n: int, size: int = MIN_SIZE) -> None:
    """``fn(s)`` for slices ``s`` covering ``range(n)``; the slices in parallel when ``width``
    allows and ``size`` (the elements of work) reaches MIN_SIZE. The parts must be independent
    (each writes only its own slice of any shared output)."""
    run_parts(fn, cut(n, size))


def run_parts(fn, slices: list) -> None:
    """``fn(s)`` for each of ``slices``, in parallel when there are several (one after the
    other inside a part: a worker never waits for itself)."""
    if len(slices) < 2 or getattr(_local, "busy", False):
        for s in slices:
            fn(s)
        return
    k = len(slices)
    while len(_workers) < k - 1:
        t = threading.Thread(target=_serve, name=f"tensorfluxo-kernel-{len(_workers)}",
                             daemon=True)
        t.start()
        _workers.append(t)
    done: queue.SimpleQueue = queue.SimpleQueue()
    scratch = run_context.scratch()
    prev = blas.set(1) if blas.libs else None
    error = None
    try:
        for s in slices[1:]:
            _tasks.put((fn, s, scratch, done))
        _local.busy = True
        try:
            fn(slices[0])
        except BaseException as e:  # noqa: BLE001 - the workers' parts must end first
            error = e
        finally:
            _local.busy = False
        for _ in slices[1:]:
            e = done.get()
            error = error or e
    finally:
        blas.restore(prev)
    if error is not None:
        raise error


def elementwise(fn):
    """A kernel computing ``fn(*arrays, out=None)`` (elementwise, broadcasting, the result in
    the arrays' common dtype), in parts of the output's first axis when the run may split: an
    argument with the output's rank and first dimension is cut with it, the others (broadcast
    along that axis) are passed whole."""
    def kernel(*args):
        if width < 2 or max(getattr(a, "size", 1) for a in args) < MIN_SIZE:
            return fn(*args)
        out = np.empty(np.broadcast_shapes(*(np.shape(a) for a in args)), np.result_type(*args))
        if out.ndim == 0:
            return fn(*args, out=out)
        n = out.shape[0]
        cut = [getattr(a, "ndim", 0) == out.ndim and a.shape[0] == n and n > 1 for a in args]
        run(lambda s: fn(*(a[s] if c else a for a, c in zip(args, cut)), out=out[s]), n,
            out.size)
        return out
    kernel.__name__ = getattr(fn, "__name__", "elementwise")
    return kernel
