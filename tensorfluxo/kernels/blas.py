"""NumPy's BLAS thread count, read and set cheaply (the executor chooses it per plan)."""

from __future__ import annotations

import os


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
