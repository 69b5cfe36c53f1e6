"""tf.nest: nested structures (lists, tuples, namedtuples, dicts) flattened to and packed from
flat lists of leaves. Dicts are walked in sorted key order, as TensorFlow does; anything else
(tensors, arrays, TensorArrays, None) is a leaf.
"""

from __future__ import annotations


def is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, dict))


is_nested = is_sequence


def _children(x) -> list:
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure) -> list:
    """The leaves of ``structure`` in order (a leaf gives ``[leaf]``); no recursion limit."""
    out, stack = [], [structure]
    while stack:
        x = stack.pop()
        if is_sequence(x):
            stack.extend(reversed(_children(x)))
        else:
            out.append(x)
    return out


def flatten_with_packer(structure, leaves: list):
    """Appends ``structure``'s leaves to ``leaves`` (flatten's order) and returns a function
    packing a list of as many values into the same nesting: cheap to call again and again (a
    tape's sources, a traced function's outputs)."""
    if isinstance(structure, dict):
        keys = sorted(structure)
        subs = [flatten_with_packer(structure[k], leaves) for k in keys]
        return lambda vals: dict(zip(keys, [s(vals) for s in subs]))
    if isinstance(structure, (list, tuple)):
        subs = [flatten_with_packer(e, leaves) for e in structure]
        kind = type(structure)
        if hasattr(structure, "_fields"):
            return lambda vals: kind(*[s(vals) for s in subs])
        return lambda vals: kind([s(vals) for s in subs])
    i = len(leaves)
    leaves.append(structure)
    return lambda vals: vals[i]


def _rebuild(like, items):
    if isinstance(like, dict):  # items in sorted key order; the result keeps like's key order
        by_key = dict(zip(sorted(like), items))
        return type(like)((k, by_key[k]) for k in like)
    if isinstance(like, tuple) and hasattr(like, "_fields"):  # namedtuple
        return type(like)(*items)
    return type(like)(items)


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence`` packed into the nesting of ``structure`` (tf.data packs every element
    this way: kept lean)."""
    flat = flat_sequence if isinstance(flat_sequence, list) else list(flat_sequence)
    used = 0

    def pack(s):
        nonlocal used
        if isinstance(s, (list, tuple)):
            return _rebuild(s, [pack(c) for c in s])
        if isinstance(s, dict):
            return _rebuild(s, [pack(s[k]) for k in sorted(s)])
        used += 1
        return flat[used - 1]
    try:
        out = pack(structure)
    except IndexError:
        out, used = None, -1
    if used != len(flat):
        raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} "
                         f"elements, but flat_sequence had {len(flat)} elements.")
    return out


def _kind(x) -> str:
    if isinstance(x, dict):
        return f"dict with keys {sorted(x)}"
    return f"{type(x).__name__} of length {len(x)}"


def assert_same_structure(nest1, nest2, check_types: bool = True) -> None:
    """Raises ValueError/TypeError naming the first place where the two nestings differ."""
    stack = [(nest1, nest2)]
    while stack:
        a, b = stack.pop()
        sa, sb = is_sequence(a), is_sequence(b)
        if sa != sb:
            raise ValueError("The two structures don't have the same nested structure.\n\n"
                             f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}\n\n"
                             f"More specifically: {a!r} is {'a sequence' if sa else 'not'}, "
                             f"{b!r} is {'a sequence' if sb else 'not'}")
        if not sa:
            continue
        if check_types and type(a) is not type(b) and not (
                isinstance(a, list) and isinstance(b, list)):
            raise TypeError("The two structures don't have the same sequence type. First "
                            f"structure has type {type(a)}, while second structure has type "
                            f"{type(b)}.")
        if isinstance(a, dict) != isinstance(b, dict) or len(a) != len(b) or (
                isinstance(a, dict) and sorted(a) != sorted(b)):
            raise ValueError("The two structures don't have the same number of elements: "
                             f"{_kind(a)} and {_kind(b)}.\n\nFirst structure: {nest1!r}\n\n"
                             f"Second structure: {nest2!r}")
        stack.extend(zip(_children(a), _children(b)))


def same_structure(a, b) -> bool:
    """True when ``a`` and ``b`` nest alike (lists and tuples count as alike)."""
    try:
        assert_same_structure(a, b, check_types=False)
    except (ValueError, TypeError):
        return False
    return True


def map_structure(func, *structures, check_types: bool = True):
    """``func`` applied leaf by leaf to structures of the same nesting."""
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])


def flatten_up_to(shallow_tree, input_tree) -> list:
    """``input_tree`` flattened only as deep as ``shallow_tree`` is nested."""
    out, stack = [], [(shallow_tree, input_tree)]
    while stack:
        s, x = stack.pop()
        if not is_sequence(s):
            out.append(x)
            continue
        if not is_sequence(x) or len(x) != len(s):
            raise ValueError(f"The input {x!r} does not have the structure of {s!r}")
        stack.extend(reversed(list(zip(_children(s), _children(x)))))
    return out
