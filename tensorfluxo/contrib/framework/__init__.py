"""tf.contrib.framework: arg_scope and global-step helpers."""

from __future__ import annotations

import contextlib
import functools
import threading

from ...train.optimizer import create_global_step, get_global_step, get_or_create_global_step

__all__ = ["add_arg_scope", "arg_scope", "create_global_step", "get_global_step",
           "get_or_create_global_step"]

_state = threading.local()


def _stack() -> list:
    if not hasattr(_state, "stack"):
        _state.stack = [{}]
    return _state.stack


def add_arg_scope(fn):
    """Lets ``arg_scope([fn], **defaults)`` supply default keyword arguments to ``fn``."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        defaults = _stack()[-1].get(_key(wrapper), {})
        return fn(*args, **{**defaults, **kwargs})
    wrapper._arg_scope_key = (fn.__module__, fn.__qualname__)
    return wrapper


def _key(fn):
    key = getattr(fn, "_arg_scope_key", None)
    if key is None:
        raise ValueError(f"{getattr(fn, '__name__', fn)} is not decorated with @add_arg_scope")
    return key


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """``with arg_scope([fully_connected], normalizer_fn=batch_norm): ...`` sets defaults."""
    if isinstance(list_ops_or_scope, dict):  # re-entering a scope yielded earlier
        new = list_ops_or_scope
    else:
        new = {k: dict(v) for k, v in _stack()[-1].items()}
        for op in list_ops_or_scope:
            new[_key(op)] = {**new.get(_key(op), {}), **kwargs}
    _stack().append(new)
    try:
        yield new
    finally:
        _stack().pop()
