"""BLAS threads for Session.run, chosen by measurement.

On these 2-core machines an idle machine runs the MNIST MLP step 1.5x faster with two OpenBLAS
threads (0.69 vs 1.0 s/epoch), but a busy one runs it 40x slower (80 ms instead of 2 ms per step:
the worker threads wait for a core while the caller spins). Neither default is safe, so each run
plan measures: it alternates one thread and all cores for a few runs, keeps the faster (one thread
unless more are clearly faster), and measures again every few seconds, since load changes.
``TENSORFLUXO_BLAS_THREADS=N`` fixes the count instead (0 leaves BLAS alone). The caller's own
setting is restored after each run, so NumPy code outside tensorfluxo keeps its threading.
"""

from __future__ import annotations

import os
import time

_WARMUP = 5         # untimed runs of a new plan: its first runs are slow (allocations, caches)
_BLOCK = 16         # runs per candidate in a measurement...
_SETTLE = 4         # ...of which the first are not counted: after a switch OpenBLAS needs a
                    # few runs to wake its workers (measured: 71, 1.0, 0.8, 0.75 ms, then 0.72)
_CHECK_EVERY = 64   # runs between clock reads while exploiting
_FIRST_SECONDS = 1.0   # the first choice is re-checked soon: early runs are noisy
_EXPLOIT_SECONDS = 5.0  # then this interval, doubling while the answer stays the same...
_MAX_SECONDS = 60.0     # ...up to this
_MARGIN = 0.9       # more threads must be at least 10% faster to be chosen


class _Blas:
    """The BLAS libraries NumPy uses (found with threadpoolctl, on first use)."""

    def __init__(self):
        self.libs = None
        env = os.environ.get("TENSORFLUXO_BLAS_THREADS")
        self.fixed = None if env is None else int(env)
        self.max_threads = 1

    def load(self):
        self.libs = []
        if self.fixed == 0:
            return
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # without it BLAS keeps its own threading
            return
        libs = ThreadpoolController().select(user_api="blas").lib_controllers
        # Only NumPy's BLAS runs our kernels (scikit-learn loads SciPy's copy too).
        libs = [lib for lib in libs if "numpy" in lib.filepath] or libs
        if libs:
            self.max_threads = max(lib.get_num_threads() for lib in libs)
            self.max_threads = max(1, min(self.max_threads, os.cpu_count() or 1))
        self.libs = [_fast_accessors(lib) for lib in libs]

    def candidates(self) -> tuple:
        if self.libs is None:
            self.load()
        if not self.libs:
            return ()
        if self.fixed is not None:
            return (self.fixed,)
        return (1,) if self.max_threads == 1 else (1, self.max_threads)

    def set(self, n: int):
        """Sets ``n`` threads; returns what ``restore`` needs to undo it (None: nothing)."""
        prev = None
        for get, put in self.libs:
            p = get()
            if p != n:
                put(n)
                prev = prev or []
                prev.append((put, p))
        return prev

    def restore(self, prev) -> None:
        if prev:
            for put, p in prev:
                put(p)


def _fast_accessors(lib):
    """(get, set) thread-count functions: OpenBLAS's own C entry points when threadpoolctl can
    give them (its methods look the symbol up on every call), else its methods."""
    try:
        get = lib._get_symbol("openblas_get_num_threads")
        put = lib._get_symbol("openblas_set_num_threads")
        if get is not None and put is not None:
            return get, put
    except Exception:  # noqa: BLE001 - a private API of threadpoolctl: fall back
        pass
    return lib.get_num_threads, lib.set_num_threads


blas = _Blas()


def _median(values: list) -> float:
    return sorted(values)[len(values) // 2]


class ThreadTuner:
    """Per run plan: which thread count to use for the next run, from measured run times."""

    __slots__ = ("choices", "best", "queue", "times", "runs_left", "deadline", "rounds",
                 "interval", "last")

    def __init__(self):
        self.choices = blas.candidates()
        self.best = self.choices[0] if len(self.choices) == 1 else None
        self.queue: list = []
        self.times: dict = {}
        self.runs_left = 0
        self.deadline = 0.0
        self.rounds = 0
        self.interval = _FIRST_SECONDS
        self.last = None
        if self.best is None and self.choices:
            self._explore()

    def _explore(self) -> None:
        self.best = None
        self.times = {c: [] for c in self.choices}
        warmup = [self.choices[0]] * (_WARMUP if self.rounds == 0 else 0)
        # Blocks, not alternation, and the first runs of a block are not counted: after a
        # switch OpenBLAS wakes its sleeping workers, which would be charged to the
        # multi-threaded candidate. (None marks an uncounted run.)
        self.queue = warmup + [(c, i >= _SETTLE) for c in self.choices for i in range(_BLOCK)]
        self.rounds += 1

    def next(self) -> int | None:
        if self.best is not None:
            self.runs_left -= 1
            if self.runs_left <= 0:
                self.runs_left = _CHECK_EVERY
                if len(self.choices) > 1 and time.perf_counter() > self.deadline:
                    self._explore()
                    return self.next()
            return self.best
        if not self.queue:
            return None
        head = self.queue[0]
        return head[0] if isinstance(head, tuple) else head

    def record(self, n: int, seconds: float) -> None:
        """Called after an exploring run."""
        head = self.queue.pop(0)
        if isinstance(head, tuple) and head[1]:
            self.times[n].append(seconds)
            done = [t for c, t in self.times.items() if c != n and t]
            if len(self.times[n]) >= 3 and done and \
                    _median(self.times[n]) > 2 * min(_median(t) for t in done):
                # clearly losing (a contended machine makes such runs 80x slower): stop here
                self.queue = [q for q in self.queue if not (isinstance(q, tuple) and q[0] == n)]
        if not self.queue:
            # medians: a contended multi-threaded run is sometimes lucky, so a minimum
            # would favour it exactly when it is the wrong choice
            med = {c: _median(t) for c, t in self.times.items()}
            one, many = med[1], min(med[c] for c in self.choices if c != 1)
            self.best = 1 if many > _MARGIN * one else max(self.choices)
            self.runs_left = _CHECK_EVERY
            if self.rounds > 1:
                same = self.best == self.last
                self.interval = min(max(2 * self.interval, _EXPLOIT_SECONDS), _MAX_SECONDS) \
                    if same else _EXPLOIT_SECONDS
            self.last = self.best
            self.deadline = time.perf_counter() + self.interval

    @property
    def exploring(self) -> bool:
        return self.best is None
