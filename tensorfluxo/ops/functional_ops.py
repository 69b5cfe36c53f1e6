"""map_fn, scan, foldl, foldr: loops over the first dimension of tensors, built on while_loop and
TensorArray (so gradients flow through them and only the graph of one step is built)."""

from __future__ import annotations

from ..framework import dtypes, nest
from ..framework.ops import convert_to_tensor, name_scope
from ..framework.tensor_shape import TensorShape
from . import array_ops
from .control_flow_ops import while_loop
from .tensor_array_ops import TensorArray


def _unstacked(elems, what):
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{what}: elems must not be empty")
    for e in flat:
        if e.shape.ndims == 0:
            raise ValueError(f"{what}: elements to iterate over must have rank >= 1, got the "
                             f"scalar {e.name}")
    n_static = flat[0].shape.as_list()[0] if flat[0].shape.ndims else None
    n = n_static if n_static is not None else array_ops.shape(flat[0])[0]
    tas = [TensorArray(e.dtype, size=n, element_shape=e.shape[1:] if e.shape.ndims else None)
           .unstack(e) for e in flat]
    return flat, n, n_static, tas


def _stacked(tas, n_static):
    out = []
    for ta in tas:
        t = ta.stack()
        if n_static is not None and t.shape.ndims is not None:
            t.set_shape(TensorShape([n_static] + t.shape.as_list()[1:]))
        out.append(t)
    return out


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """``fn`` applied to each slice of ``elems`` along axis 0, stacked: ``tf.map_fn(lambda x:
    x * x, tf.constant([1, 2, 3]))`` is ``[1, 4, 9]``. ``elems`` may be nested; ``dtype``
    (a dtype or a structure of dtypes) is the output's when it differs from the input's."""
    if not callable(fn):
        raise TypeError(f"map_fn: fn must be callable, got {fn!r}")
    dtype = fn_output_signature if dtype is None else dtype
    with name_scope(name, "map"):
        flat, n, n_static, in_tas = _unstacked(elems, "map_fn")
        out_struct = elems if dtype is None else dtype
        out_dtypes = [e.dtype for e in flat] if dtype is None else \
            [dtypes.as_dtype(d) for d in nest.flatten(dtype)]
        out_tas = [TensorArray(dt, size=n, infer_shape=infer_shape) for dt in out_dtypes]

        def body(i, *tas):
            x = nest.pack_sequence_as(elems, [ta.read(i) for ta in in_tas])
            y = fn(x)
            try:
                nest.assert_same_structure(out_struct, y, check_types=False)
            except (ValueError, TypeError) as e:
                raise ValueError(f"map_fn: fn returned a structure other than "
                                 f"{'elems' if dtype is None else 'dtype'}'s (pass dtype= when "
                                 f"the output differs from the input). {e}") from None
            ys = [convert_to_tensor(v) for v in nest.flatten(y)]
            for v, dt in zip(ys, out_dtypes):
                if v.dtype is not dt:
                    raise TypeError(f"map_fn: fn returned {v.dtype.name} ({v.name}) where "
                                    f"{dt.name} was expected (set dtype= to fn's output dtypes)")
            return (i + 1, *[ta.write(i, v) for ta, v in zip(tas, ys)])
        res = while_loop(lambda i, *_: i < n, body, (0, *out_tas), back_prop=back_prop,
                         parallel_iterations=parallel_iterations or 10)
        return nest.pack_sequence_as(out_struct, _stacked(res[1:], n_static))


def _scan(fn, elems, initializer, reverse, keep, what, name):
    if not callable(fn):
        raise TypeError(f"{what}: fn must be callable, got {fn!r}")
    with name_scope(name, what):
        flat, n, n_static, in_tas = _unstacked(elems, what)

        def elem(i):
            return nest.pack_sequence_as(elems, [ta.read(i) for ta in in_tas])

        def index(i):
            return n - 1 - i if reverse else i
        start = 0
        if initializer is None:
            acc, start = elem(index(0)), 1
        else:
            acc = initializer
        acc_flat = [convert_to_tensor(a) for a in nest.flatten(acc)]
        out_tas = [TensorArray(a.dtype, size=n, element_shape=a.shape) for a in acc_flat]
        if keep and start == 1:
            out_tas = [ta.write(index(0), a) for ta, a in zip(out_tas, acc_flat)]

        def body(i, a, tas):
            new = fn(nest.pack_sequence_as(acc, a), elem(index(i)))
            try:
                nest.assert_same_structure(acc, new, check_types=False)
            except (ValueError, TypeError) as e:
                raise ValueError(f"{what}: fn must return the structure of the accumulator "
                                 f"(initializer). {e}") from None
            new = [convert_to_tensor(v) for v in nest.flatten(new)]
            if keep:
                tas = [ta.write(index(i), v) for ta, v in zip(tas, new)]
            return i + 1, new, tas
        _, final, out = while_loop(lambda i, a, tas: i < n, body, (start, acc_flat, out_tas))
        if not keep:
            return nest.pack_sequence_as(acc, final)
        return nest.pack_sequence_as(acc, _stacked(out, n_static))


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The successive values of ``acc = fn(acc, x)`` over the slices ``x`` of ``elems``:
    ``tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3]))`` is ``[1, 3, 6]``. Without an
    initializer, the first slice starts the accumulator."""
    return _scan(fn, elems, initializer, reverse, True, "scan", name)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The last value of ``acc = fn(acc, x)`` over ``elems`` from the first slice on."""
    return _scan(fn, elems, initializer, False, False, "foldl", name)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """The last value of ``acc = fn(acc, x)`` over ``elems`` from the last slice back."""
    return _scan(fn, elems, initializer, True, False, "foldr", name)
