"""TF1's RNN drivers: dynamic_rnn (a while_loop over time), static_rnn (one cell call per
step, unrolled in the graph) and their bidirectional forms.

``sequence_length`` masks as TF1 does: past each row's end the output is zero and the state
stays the one of its last step.
"""

from __future__ import annotations

from ..framework import dtypes, nest
from ..framework.ops import control_dependencies, convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..ops import array_ops
from ..ops import math_ops as M
from ..ops import variable_scope as vs
from ..ops._util import constant_value
from ..ops.control_flow_ops import Assert, while_loop
from ..ops.tensor_array_ops import TensorArray

FUSED = True  # plain RNN/LSTM cells without sequence_length run as one FusedRNN op


def _check_cell(cell, what):
    if not (callable(cell) and hasattr(cell, "state_size") and hasattr(cell, "output_size")):
        raise TypeError(f"{what}: cell must be an RNNCell (with state_size, output_size and "
                        f"__call__), got {cell!r}")


def _initial_state(cell, initial_state, batch, dtype, what):
    if initial_state is None:
        if dtype is None:
            raise ValueError(f"{what}: if there is no initial_state, you must give a dtype.")
        return cell.zero_state(batch, dtypes.as_dtype(dtype))
    try:
        nest.assert_same_structure(cell.state_size, initial_state, check_types=False)
    except (ValueError, TypeError):
        raise ValueError(f"{what}: initial_state must have the structure of the cell's "
                         f"state_size {cell.state_size}, got {initial_state!r}") from None
    state = nest.map_structure(convert_to_tensor, initial_state)
    for size, s in zip(nest.flatten(cell.state_size), nest.flatten(state)):
        d = s.shape.as_list() if s.shape.ndims is not None else None
        if d is not None and (len(d) != 2 or d[1] not in (None, size)):
            raise ValueError(f"{what}: initial_state has shape {s.shape} but the cell "
                             f"{type(cell).__name__} has state size {size} ({s.name})")
    return state


def _sequence_length(sequence_length, steps, what):
    if sequence_length is None:
        return None, []
    sl = convert_to_tensor(sequence_length)
    if not sl.dtype.is_integer or sl.shape.ndims not in (None, 1):
        raise ValueError(f"{what}: sequence_length must be a vector of integers of length "
                         f"batch_size, but saw {sl.dtype.name} of shape {sl.shape}")
    value = constant_value(sl)
    if value is not None and isinstance(steps, int) and value.size and value.max() > steps:
        raise ValueError(f"{what}: sequence_length {int(value.max())} is longer than the time "
                         f"axis of the inputs ({steps} steps)")
    if value is not None:
        return array_ops.cast(sl, dtypes.int32) if sl.dtype is not dtypes.int32 else sl, []
    sl = array_ops.cast(sl, dtypes.int32) if sl.dtype is not dtypes.int32 else sl
    check = Assert(M.reduce_all(sl <= steps),
                   [f"{what}: a sequence_length is longer than the time axis of the inputs; "
                    "lengths and steps:", sl, steps])
    return sl, [check]


def _mask(keep, new, old):
    return nest.map_structure(lambda n, o: M.where(keep, n, o), new, old)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Runs ``cell`` over the time axis of ``inputs`` ([batch, time, depth], or [time, batch,
    depth] with ``time_major``) in a while_loop; returns (outputs, final_state).

    >>> outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(150), X,
    ...                                    dtype=tf.float32)
    """
    _check_cell(cell, "dynamic_rnn")
    flat = [convert_to_tensor(x) for x in nest.flatten(inputs)]
    layout = "[time, batch, depth]" if time_major else "[batch, time, depth]"
    for x in flat:
        if x.shape.ndims is not None and x.shape.ndims < 3:
            raise ValueError(f"dynamic_rnn: inputs must have rank 3 ({layout}), got shape "
                             f"{x.shape} ({x.name})")
    with vs.variable_scope(scope or "rnn"):
        if not time_major:
            flat = [array_ops.transpose(x, [1, 0] + list(range(2, x.shape.ndims)))
                    for x in flat]
        t_static, b_static = (flat[0].shape.as_list()[:2] if flat[0].shape.ndims is not None
                              else (None, None))
        steps = t_static if t_static is not None else array_ops.shape(flat[0])[0]
        batch = b_static if b_static is not None else array_ops.shape(flat[0])[1]
        state = _initial_state(cell, initial_state, batch, dtype, "dynamic_rnn")
        sl, checks = _sequence_length(sequence_length, steps, "dynamic_rnn")
        if FUSED and getattr(cell, "_fusable", False) and sl is None and \
                not nest.is_sequence(inputs) and flat[0].shape.ndims == 3 and \
                flat[0].shape.as_list()[2] is not None:
            ys, final = cell._fused(flat[0], state)
            return (ys if time_major else array_ops.transpose(ys, [1, 0, 2])), final
        in_tas = [TensorArray(x.dtype, size=steps, element_shape=x.shape[1:]).unstack(x)
                  for x in flat]
        out_dtype = nest.flatten(state)[0].dtype
        out_tas = [TensorArray(out_dtype, size=steps) for _ in nest.flatten(cell.output_size)]

        def body(t, state, tas):
            x = nest.pack_sequence_as(inputs, [ta.read(t) for ta in in_tas])
            out, new = cell(x, state)
            if sl is not None:
                keep = t < sl
                out = nest.map_structure(lambda o: M.where(keep, o, array_ops.zeros_like(o)),
                                         out)
                new = _mask(keep, new, state)
            return t + 1, new, [ta.write(t, o) for ta, o in zip(tas, nest.flatten(out))]
        with control_dependencies(checks):
            _, final, tas = while_loop(lambda t, s, tas: t < steps, body, (0, state, out_tas),
                                       parallel_iterations=parallel_iterations or 32,
                                       swap_memory=swap_memory)
        outs = []
        for ta in tas:
            y = ta.stack()
            if y.shape.ndims is not None:
                y.set_shape(TensorShape([t_static, b_static] + y.shape.as_list()[2:]))
            if not time_major:
                y = array_ops.transpose(y, [1, 0] + list(range(2, y.shape.ndims)))
            outs.append(y)
        return nest.pack_sequence_as(cell.output_size, outs), final


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The cell applied to each tensor of the list ``inputs`` (each [batch, depth]), unrolled
    in the graph; returns (list of outputs, final_state)."""
    _check_cell(cell, "static_rnn")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("static_rnn: inputs must be a sequence (a list of [batch, depth] "
                        f"tensors, one per step), got {inputs!r}")
    if not inputs:
        raise ValueError("static_rnn: inputs must not be empty")
    inputs = [convert_to_tensor(x) for x in inputs]
    with vs.variable_scope(scope or "rnn"):
        first = inputs[0]
        if first.shape.ndims is not None and first.shape.ndims != 2:
            raise ValueError(f"static_rnn: each input must have rank 2 ([batch, depth]), got "
                             f"shape {first.shape} ({first.name})")
        b = first.shape.as_list()[0] if first.shape.ndims else None
        batch = b if b is not None else array_ops.shape(first)[0]
        state = _initial_state(cell, initial_state, batch, dtype, "static_rnn")
        sl, checks = _sequence_length(sequence_length, len(inputs), "static_rnn")
        outputs = []
        with control_dependencies(checks):
            for t, x in enumerate(inputs):
                out, new = cell(x, state)
                if sl is not None:
                    keep = t < sl
                    out = M.where(keep, out, array_ops.zeros_like(out))
                    new = _mask(keep, new, state)
                outputs.append(out)
                state = new
        return outputs, state


def _reverse(x, sl, time_axis):
    if sl is None:
        return array_ops.reverse(x, [time_axis])
    return array_ops.reverse_sequence(x, sl, seq_axis=time_axis, batch_axis=1 - time_axis)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward and a backward dynamic_rnn; returns ((out_fw, out_bw), (state_fw, state_bw)),
    the backward outputs put back in time order. Variables: bidirectional_rnn/fw/...,
    bidirectional_rnn/bw/..."""
    _check_cell(cell_fw, "bidirectional_dynamic_rnn")
    _check_cell(cell_bw, "bidirectional_dynamic_rnn")
    axis = 0 if time_major else 1
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw:
            out_fw, st_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw,
                                        dtype, parallel_iterations, swap_memory, time_major,
                                        scope=fw)
        with vs.variable_scope("bw") as bw:
            sl = None if sequence_length is None else convert_to_tensor(sequence_length)
            rev = nest.map_structure(lambda x: _reverse(convert_to_tensor(x), sl, axis), inputs)
            tmp, st_bw = dynamic_rnn(cell_bw, rev, sl, initial_state_bw, dtype,
                                     parallel_iterations, swap_memory, time_major, scope=bw)
        out_bw = nest.map_structure(lambda y: _reverse(y, sl, axis), tmp)
    return (out_fw, out_bw), (st_fw, st_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """Forward and backward static_rnn; returns (outputs, state_fw, state_bw) where each output
    is the forward and backward outputs of a step concatenated."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("static_bidirectional_rnn: inputs must be a non-empty list of "
                        f"[batch, depth] tensors, got {inputs!r}")
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw:
            out_fw, st_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                       sequence_length, scope=fw)
        with vs.variable_scope("bw") as bw:
            sl = None if sequence_length is None else convert_to_tensor(sequence_length)

            def rev(xs):
                if sl is None:
                    return list(reversed(xs))
                return array_ops.unstack(_reverse(array_ops.stack(xs), sl, 0))
            tmp, st_bw = static_rnn(cell_bw, rev(list(inputs)), initial_state_bw, dtype,
                                    sequence_length, scope=bw)
        out_bw = rev(tmp)
        outputs = [array_ops.concat([f, b], 1) for f, b in zip(out_fw, out_bw)]
    return outputs, st_fw, st_bw
