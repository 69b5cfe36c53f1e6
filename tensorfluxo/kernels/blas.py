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

_WARMUP = 5         # untimed runs first: a new plan's first runs are slow (allocations, caches)
_EXPLORE = 4        # timed runs per candidate, alternating
_CHECK_EVERY = 64  # runs between clock reads while exploiting
_FIRST_SECONDS = 1.0   # the first choice is re-checked soon: early runs are noisy
_EXPLOIT_SECONDS = 5.0
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
        self.libs = ThreadpoolController().select(user_api="blas").lib_controllers
        if self.libs:
            self.max_threads = max(lib.get_num_threads() for lib in self.libs)
            self.max_threads = max(1, min(self.max_threads, os.cpu_count() or 1))

    def candidates(self) -> tuple:
        if self.libs is None:
            self.load()
        if not self.libs:
            return ()
        if self.fixed is not None:
            return (self.fixed,)
        return (1,) if self.max_threads == 1 else (1, self.max_threads)

    def set(self, n: int):
        """Sets ``n`` threads; returns the previous counts for ``restore``."""
        prev = []
        for lib in self.libs:
            p = lib.get_num_threads()
            prev.append(p)
            if p != n:
                lib.set_num_threads(n)
        return prev

    def restore(self, prev) -> None:
        for lib, p in zip(self.libs, prev):
            lib.set_num_threads(p)


blas = _Blas()


class ThreadTuner:
    """Per run plan: which thread count to use for the next run, from measured run times."""

    __slots__ = ("choices", "best", "queue", "times", "runs_left", "deadline", "rounds")

    def __init__(self):
        self.choices = blas.candidates()
        self.best = self.choices[0] if len(self.choices) == 1 else None
        self.queue: list = []
        self.times: dict = {}
        self.runs_left = 0
        self.deadline = 0.0
        self.rounds = 0
        if self.best is None and self.choices:
            self._explore()

    def _explore(self) -> None:
        self.best = None
        self.times = {c: float("inf") for c in self.choices}
        warmup = [self.choices[0]] * (_WARMUP if self.rounds == 0 else 1)
        self.queue = warmup + list(self.choices) * _EXPLORE
        self.rounds += 1

    def next(self) -> int | None:
        if self.best is not None:
            self.runs_left -= 1
            if self.runs_left <= 0:
                self.runs_left = _CHECK_EVERY
                if len(self.choices) > 1 and time.perf_counter() > self.deadline:
                    self._explore()
                    return self.queue[0]
            return self.best
        return self.queue[0] if self.queue else None

    def record(self, n: int, seconds: float) -> None:
        """Called after an exploring run."""
        warm = len(self.queue) > _EXPLORE * len(self.choices)
        self.queue.pop(0)
        if not warm:
            self.times[n] = min(self.times[n], seconds)
        if not self.queue:
            one, many = self.times[1], min(self.times[c] for c in self.choices if c != 1)
            self.best = 1 if many > _MARGIN * one else max(self.choices)
            self.runs_left = _CHECK_EVERY
            wait = _FIRST_SECONDS if self.rounds == 1 else _EXPLOIT_SECONDS
            self.deadline = time.perf_counter() + wait

    @property
    def exploring(self) -> bool:
        return self.best is None
