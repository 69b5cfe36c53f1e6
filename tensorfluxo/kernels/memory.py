"""Keeping freed memory in the process (glibc), so big arrays are not faulted in every step.

glibc gives every array above its mmap threshold (128 KiB, growing to at most 32 MiB) fresh
pages from the kernel and returns them when it is freed, and trims the heap's free top; a
training step that allocates the same tens of MB each time then pays a page fault per 4 KiB
(on this KVM machine about 1 us each: LeNet's second convolution took 8.7 ms instead of 4.6).
Raising both thresholds lets freed arrays be reused by the next step. Other C libraries
(musl, macOS) have no ``mallopt``: nothing changes there. ``TENSORFLUXO_MALLOC_TUNING=0``
leaves the allocator alone.
"""

from __future__ import annotations

import ctypes
import os

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_MMAP_BYTES = 64 << 20   # arrays larger than this still come straight from mmap...
_TRIM_BYTES = 256 << 20  # ...and at most this much free memory is kept at the heap's top
_done = False


def retain_freed_memory() -> bool:
    """Applies the setting once per process; True if the C library took it."""
    global _done
    if _done:
        return True
    _done = True
    if os.environ.get("TENSORFLUXO_MALLOC_TUNING") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
