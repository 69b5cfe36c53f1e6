"""Nested element structures (tuples, lists, dicts, namedtuples of leaves) for tf.data."""

from __future__ import annotations

from collections.abc import Mapping


def flatten(s) -> list:
    """The leaves of ``s`` in a fixed order (dict keys sorted, as tf.nest does)."""
    if isinstance(s, Mapping):
        return [x for k in sorted(s) for x in flatten(s[k])]
    if isinstance(s, (tuple, list)):
        return [x for e in s for x in flatten(e)]
    return [s]


def pack(template, leaves):
    """``template``'s structure with ``leaves`` (an iterable or list) in place of its leaves."""
    it = iter(leaves)

    def build(t):
        if isinstance(t, Mapping):
            built = {k: build(t[k]) for k in sorted(t)}
            return {k: built[k] for k in t}
        if isinstance(t, tuple) and hasattr(t, "_fields"):
            return type(t)(*[build(e) for e in t])
        if isinstance(t, (tuple, list)):
            return type(t)(build(e) for e in t)
        return next(it)
    return build(template)


def map_structure(fn, s):
    return pack(s, [fn(x) for x in flatten(s)])


def same_structure(a, b) -> bool:
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return isinstance(a, Mapping) and isinstance(b, Mapping) and set(a) == set(b) and \
            all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and \
            len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))
    return True
