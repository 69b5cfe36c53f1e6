"""The process group behind tensorfluxo.horovod: MPI through mpi4py, or one process alone.

``init()`` joins MPI_COMM_WORLD when the program was started by ``mpirun`` (or
``python -m tensorfluxo.launch``) and mpi4py is installed (``pip install tensorfluxo[mpi]``);
otherwise the program is one rank of size 1 and every collective is the identity, so a script
written for Horovod also runs alone. Collectives block with a deadline
(``TENSORFLUXO_HOROVOD_TIMEOUT`` seconds, default 300): a rank that died or hangs makes the
others fail with a clear error instead of waiting forever.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

import numpy as np

from ..framework import errors

_ENV_RANK = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")


class _Group:
    comm = None
    allreduce_seconds = 0.0  # time spent in allreduce kernels (benchmarks read it)
    allreduce_calls = 0
    broken = False  # a collective timed out: the job cannot go on
    rank = 0
    size = 1
    local_rank = 0
    local_size = 1
    initialized = False


G = _Group()


def _launched_by_mpi() -> bool:
    return any(k in os.environ for k in _ENV_RANK)


def init(comm=None) -> None:
    """Joins the MPI job this process belongs to (a no-op when run alone)."""
    if G.initialized:
        return
    if comm is None and not _launched_by_mpi():
        G.initialized = True
        return
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError("tensorfluxo.horovod under mpirun needs mpi4py: pip install "
                          "'tensorfluxo[mpi]' (mpi4py and an MPI from PyPI)") from None
    world = comm if comm is not None else MPI.COMM_WORLD
    G.comm = world
    G.rank, G.size = world.Get_rank(), world.Get_size()
    local = world.Split_type(MPI.COMM_TYPE_SHARED, key=G.rank)
    G.local_rank, G.local_size = local.Get_rank(), local.Get_size()
    local.Free()
    G.initialized = True
    _share_cores()
    atexit.register(_abort_if_broken)  # runs before mpi4py's MPI_Finalize (registered earlier)


def _abort_if_broken() -> None:
    """After a collective timed out, MPI_Finalize would wait for the missing rank forever:
    abort the job instead (mpirun then stops every rank)."""
    if G.broken and G.comm is not None:
        sys.stderr.flush()
        G.comm.Abort(1)


def _share_cores() -> None:
    """Ranks on one machine split its cores: BLAS threads = cores / local ranks (at least 1),
    unless the user fixed them."""
    if G.local_size > 1 and "TENSORFLUXO_BLAS_THREADS" not in os.environ:
        n = max(1, (os.cpu_count() or 1) // G.local_size)
        from ..kernels.blas import blas
        blas.fixed = n


def shutdown() -> None:
    G.comm = None
    G.rank, G.size, G.local_rank, G.local_size = 0, 1, 0, 1
    G.initialized = False


def _check():
    if not G.initialized:
        raise ValueError("Horovod has not been initialized; use hvd.init().")


def rank() -> int:
    _check()
    return G.rank


def size() -> int:
    _check()
    return G.size


def local_rank() -> int:
    _check()
    return G.local_rank


def local_size() -> int:
    _check()
    return G.local_size


def is_initialized() -> bool:
    return G.initialized


def mpi_threads_supported() -> bool:
    return G.comm is not None


def _timeout() -> float:
    return float(os.environ.get("TENSORFLUXO_HOROVOD_TIMEOUT", "300"))


def _wait(req, what: str) -> None:
    """Completes a non-blocking MPI request, giving up at the deadline: a rank that died or
    stopped calling the collective must not hang the others. MPI progresses a non-blocking
    collective only inside MPI calls, so it polls without sleeping for the first 50 ms (a
    healthy collective is done by then), then every millisecond."""
    if req.Test():
        return
    start = time.monotonic()
    deadline = start + _timeout()
    spin_until = start + 0.05
    while not req.Test():
        now = time.monotonic()
        if now > spin_until:
            if now > deadline:
                G.broken = True
                raise errors.UnavailableError(
                    None, None, f"{what}: not every rank joined within {_timeout():.0f} s "
                    f"(rank {G.rank} of {G.size} waited). Another rank has died or stopped; "
                    "set TENSORFLUXO_HOROVOD_TIMEOUT to wait longer.")
            time.sleep(0.001)


# ---- collectives on NumPy arrays (the kernels of the graph ops) ---------------------------------
_HALF_SUM = None
HALF_GATHER_RANKS = 4  # an allgather moves (N-1)/2 of a ring allreduce's bytes: cheaper to N=4


def _half_sum():
    """An MPI reduction adding float16 values (carried as 16-bit words), in float32."""
    global _HALF_SUM
    if _HALF_SUM is None:
        from mpi4py import MPI

        def add(inbuf, outbuf, datatype):
            a = np.frombuffer(inbuf, np.float16)
            b = np.frombuffer(outbuf, np.float16)
            b[...] = a.astype(np.float32) + b.astype(np.float32)
        _HALF_SUM = MPI.Op.Create(add, commute=True)
    return _HALF_SUM

def allreduce_arrays(arrays: list, average: bool, what: str = "allreduce") -> list:
    """Sums (or averages) each array across ranks, through one flat buffer per dtype."""
    if G.comm is None:
        return [np.array(a) for a in arrays]
    from mpi4py import MPI
    t0 = time.perf_counter()
    out = [None] * len(arrays)
    by_dtype: dict = {}
    for i, a in enumerate(arrays):
        by_dtype.setdefault(np.asarray(a).dtype, []).append(i)
    for dt, idx in by_dtype.items():
        flat = np.concatenate([np.asarray(arrays[i], dt).ravel() for i in idx]) if len(idx) > 1 \
            else np.array(arrays[idx[0]], dt).ravel()
        if dt == np.float16:
            flat = _allreduce_half(flat, average, what)
        else:
            _wait(G.comm.Iallreduce(MPI.IN_PLACE, flat, op=MPI.SUM), what)
            if average:
                if dt.kind == "f":
                    flat /= dt.type(G.size)
                else:
                    flat //= G.size
        at = 0
        for i in idx:
            n = np.size(arrays[i])
            out[i] = flat[at:at + n].reshape(np.shape(arrays[i]))
            at += n
    G.allreduce_seconds += time.perf_counter() - t0
    G.allreduce_calls += 1
    return out


def _allreduce_half(flat: np.ndarray, average: bool, what: str) -> np.ndarray:
    """float16 words summed (in float32) across ranks: MPI has no half type. Up to
    HALF_GATHER_RANKS ranks, an allgather and the sum here (no Python inside MPI); beyond, a
    ring allreduce with our own reduction op."""
    from mpi4py import MPI
    if G.size <= HALF_GATHER_RANKS:
        every = np.empty((G.size, flat.size), np.float16)
        _wait(G.comm.Iallgather(flat.view(np.uint16), every.view(np.uint16)), what)
        total = every.astype(np.float32).sum(axis=0)
    else:
        _wait(G.comm.Iallreduce(MPI.IN_PLACE, [flat.view(np.uint16), MPI.UINT16_T],
                                op=_half_sum()), what)
        total = flat.astype(np.float32)
    if average:
        total /= np.float32(G.size)
    return total.astype(np.float16)


def broadcast_array(a: np.ndarray, root_rank: int, what: str = "broadcast") -> np.ndarray:
    if G.comm is None:
        return np.array(a)
    buf = np.array(a, order="C")  # a copy; keeps 0-d arrays 0-d (ascontiguousarray would not)
    _wait(G.comm.Ibcast(buf, root=root_rank), what)
    return buf


def allgather_array(a: np.ndarray, what: str = "allgather") -> np.ndarray:
    """Concatenates each rank's array along axis 0 (first dimensions may differ)."""
    if G.comm is None:
        return np.array(a)
    a = np.ascontiguousarray(a)
    rows = np.array([a.shape[0] if a.ndim else 1], np.int64)
    all_rows = np.empty(G.size, np.int64)
    _wait(G.comm.Iallgather(rows, all_rows), what)
    inner = int(np.prod(a.shape[1:])) if a.ndim else 1
    counts = [int(r) * inner for r in all_rows]
    out = np.empty((int(all_rows.sum()), *a.shape[1:]), a.dtype)
    _wait(G.comm.Iallgatherv(a, [out, counts]), what)
    return out


def allreduce_value(x: float, average: bool = True) -> float:
    """A Python number summed (or averaged) across ranks (metric averaging)."""
    return float(allreduce_arrays([np.asarray([x], np.float64)], average, "metric average")[0][0])
