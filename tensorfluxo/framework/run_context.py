"""Per-thread facts about the run in progress that kernels need: its deadline
(RunOptions.timeout_in_ms; set by the session, read by queue ops) and the running plan's scratch
dict (set by the executor; kernels of one run share there what they derive from a tensor, e.g.
the transforms a convolution's gradient ops reuse: a tensor has one value per run, so it is a
safe key). Framework-level so that ops need not import the client."""

from __future__ import annotations

import threading
import time

_local = threading.local()


def set_timeout(timeout_in_ms) -> None:
    """Starts the deadline of the current thread's run (0 or None: no deadline)."""
    _local.deadline = time.monotonic() + timeout_in_ms / 1000 if timeout_in_ms else None


def deadline() -> float | None:
    """time.monotonic() value after which a blocked op gives up, or None."""
    return getattr(_local, "deadline", None)


def begin_scratch() -> dict | None:
    """Gives the current thread's run a fresh scratch dict; returns the outer run's for
    ``end_scratch`` (plans run inside kernels of other plans)."""
    outer = getattr(_local, "scratch", None)
    _local.scratch = {}
    return outer


def end_scratch(outer: dict | None) -> None:
    _local.scratch = outer


def scratch() -> dict | None:
    """The innermost running plan's scratch dict on this thread (None outside a run)."""
    return getattr(_local, "scratch", None)
