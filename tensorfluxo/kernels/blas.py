"""BLAS threads during Session.run.

On small GEMMs (batch 50 x 784 x 300) a multi-threaded OpenBLAS is slower than one thread, and
when the machine is busy it is catastrophically slower (measured here: 80 ms per MNIST step with
2 threads on a loaded 2-core machine, 2 ms with one). So each run pins BLAS to
``TENSORFLUXO_BLAS_THREADS`` threads (default 1; 0 leaves BLAS alone) and restores the caller's
setting afterwards, so NumPy code outside tensorfluxo keeps its own threading.
"""

from __future__ import annotations

import os


class _BlasThreads:
    def __init__(self):
        self._libs = None
        self.wanted = int(os.environ.get("TENSORFLUXO_BLAS_THREADS", "1"))

    def _load(self):
        self._libs = []
        if self.wanted <= 0:
            return
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional: without it BLAS keeps its default threads
            return
        self._libs = ThreadpoolController().select(user_api="blas").lib_controllers

    def pin(self):
        """Sets the wanted thread count; returns what to pass to ``restore``."""
        libs = self._libs
        if libs is None:
            self._load()
            libs = self._libs
        if not libs:
            return None
        prev = [lib.get_num_threads() for lib in libs]
        for lib, p in zip(libs, prev):
            if p != self.wanted:
                lib.set_num_threads(self.wanted)
        return prev

    def restore(self, prev) -> None:
        if prev:
            for lib, p in zip(self._libs, prev):
                if p != self.wanted:
                    lib.set_num_threads(p)


blas_threads = _BlasThreads()
