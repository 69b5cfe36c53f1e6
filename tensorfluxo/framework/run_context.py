"""Per-thread facts about the Session.run in progress that blocking kernels need: its deadline
(RunOptions.timeout_in_ms). Set by the session, read by queue ops; framework-level so that ops
need not import the client."""

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
