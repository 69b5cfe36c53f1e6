"""TF1 RNN cells (tf.nn.rnn_cell, tf.contrib.rnn): ``output, new_state = cell(inputs, state)``.

A cell makes its variables with get_variable on its first call, in a variable scope named after
it inside the caller's (dynamic_rnn opens "rnn"), so the names are TF1's:
``rnn/basic_lstm_cell/kernel``, ``rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias``; TF1
checkpoints restore. Later calls reuse them. The gate arithmetic is shared with the Keras
recurrent layers (``lstm_gates``, ``gru_gates``).
"""

from __future__ import annotations

import collections

from ..framework import nest
from ..framework.ops import Tensor, convert_to_tensor
from ..ops import array_ops, init_ops, nn_ops
from ..ops import math_ops as M
from ..ops import variable_scope as vs


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state ``c`` and the output ``h``."""

    __slots__ = ()

    @property
    def dtype(self):
        return self.c.dtype


# ---- step arithmetic shared with keras/layers/recurrent.py -------------------------------------
def lstm_gates(z, c, order: str, forget_bias=0.0, activation=M.tanh,
               recurrent_activation=M.sigmoid, peepholes=None, cell_clip=None):
    """(new_c, h_before_projection) from the pre-activations ``z`` of the four gates, laid out
    in ``order`` ("ijfo": TF1, "ifco": Keras; i input, j/c candidate, f forget, o output).
    ``peepholes``: (w_i, w_f, w_o) diagonal weights reading the cell state."""
    parts = dict(zip(order.replace("c", "j"), array_ops.split(z, 4, axis=1)))
    i, j, f, o = parts["i"], parts["j"], parts["f"], parts["o"]
    if forget_bias:
        f = f + forget_bias
    if peepholes is not None:
        w_i, w_f, w_o = peepholes
        i, f = i + w_i * c, f + w_f * c
    new_c = recurrent_activation(f) * c + recurrent_activation(i) * activation(j)
    if cell_clip is not None:
        new_c = M.clip_by_value(new_c, -cell_clip, cell_clip)
    if peepholes is not None:
        o = o + peepholes[2] * new_c
    return new_c, recurrent_activation(o) * activation(new_c)


def gru_gates(gate_z, h, candidate, activation=M.tanh, recurrent_activation=M.sigmoid,
              order: str = "ru"):
    """A GRU step: ``gate_z`` holds the reset (r) and update (u) pre-activations in ``order``;
    ``candidate(r)`` the candidate's pre-activation given r. New h = u * h + (1 - u) * cand."""
    a, b = array_ops.split(recurrent_activation(gate_z), 2, axis=1)
    r, u = (a, b) if order == "ru" else (b, a)
    cand = activation(candidate(r))
    return u * h + (1.0 - u) * cand


# ---- the cell base -----------------------------------------------------------------------------
class RNNCell:
    """Base of the TF1 cells: ``state_size``, ``output_size``, ``zero_state``, ``__call__``."""

    _default_name = "rnn_cell"

    def __init__(self, num_units: int | None = None, reuse=None, name=None, dtype=None):
        self._name = name
        self._reuse = reuse
        self._dtype = dtype
        self._scope = None
        self._variables: list = []
        self.built = False
        if num_units is not None and (not isinstance(num_units, int) or num_units <= 0):
            raise ValueError(f"{type(self).__name__}: num_units must be a positive int, got "
                             f"{num_units!r}")
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    @property
    def variables(self) -> list:
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for v in self._variables if v.trainable]

    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        """Zeros shaped like the state, for ``batch_size`` rows."""
        def zeros(size):
            return array_ops.zeros(array_ops.stack([batch_size, size])
                                   if isinstance(batch_size, Tensor) else [batch_size, size],
                                   dtype=dtype)
        return nest.map_structure(zeros, self.state_size)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            batch_size = array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        return self.zero_state(batch_size, dtype)

    def _variable(self, name, shape, dtype, initializer=None):
        v = vs.get_variable(name, shape, dtype=dtype, initializer=initializer)
        if v not in self._variables:
            self._variables.append(v)
        return v

    def _check(self, inputs, state):
        """Shapes: inputs [batch, depth], state shaped like state_size (errors name the cell)."""
        name = type(self).__name__
        if inputs.shape.ndims is not None and inputs.shape.ndims != 2:
            raise ValueError(f"{name}: inputs must have rank 2 ([batch, depth]), got shape "
                             f"{inputs.shape} ({inputs.name})")
        if inputs.shape.ndims == 2 and inputs.shape.as_list()[1] is None:
            raise ValueError(f"{name}: the last dimension of the inputs must be known, got "
                             f"shape {inputs.shape} ({inputs.name})")
        try:
            nest.assert_same_structure(self.state_size, state, check_types=False)
        except (ValueError, TypeError):
            raise ValueError(f"{name}: the state must have the structure of state_size "
                             f"{self.state_size}, got {state!r}") from None
        for size, s in zip(nest.flatten(self.state_size), nest.flatten(state)):
            s = convert_to_tensor(s)
            d = s.shape.as_list() if s.shape.ndims is not None else None
            if d is not None and (len(d) != 2 or d[1] not in (None, size)):
                raise ValueError(f"{name}: a state of shape {s.shape} does not match the "
                                 f"cell's state size {size} ({s.name})")

    def _scoped(self, scope=None):
        """The cell's variable scope: made on the first call, re-entered (reusing) after."""
        if self._scope is None:
            return vs.variable_scope(scope or self._name, default_name=self._default_name,
                                     reuse=self._reuse)
        return vs.variable_scope(self._scope, reuse=True, auxiliary_name_scope=False)

    def __call__(self, inputs, state, scope=None):
        inputs = convert_to_tensor(inputs)
        state = nest.map_structure(convert_to_tensor, state)
        self._check(inputs, state)
        with self._scoped(scope) as sc:
            self._scope = sc
            out = self.call(inputs, state)
        self.built = True
        return out

    _fusable = False  # a plain cell whose steps FusedRNN computes (dynamic_rnn's fast path)

    def _fused(self, inputs, state):
        """(outputs [time, batch, units], final state) for time-major inputs, by FusedRNN."""
        from ..ops.rnn_ops import fused_rnn
        self._check(inputs[0], state)
        lstm = isinstance(state, tuple)
        with self._scoped() as sc:
            self._scope = sc
            w, b = _kernel_and_bias(self, inputs.shape.as_list()[2] + self._num_units,
                                    (4 if lstm else 1) * self._num_units, inputs.dtype)
            if not lstm:
                hs = fused_rnn(inputs, state, w, b)
                final = hs[-1]
            else:
                hs, cs = fused_rnn(inputs, state.h, w, b, state.c, "lstm", "ijfo",
                                   self._forget_bias)
                final = LSTMStateTuple(cs[-1], hs[-1])
        self.built = True
        return hs, final

    def call(self, inputs, state):
        raise NotImplementedError


def _kernel_and_bias(cell, depth, size, dtype, bias_init=None, kernel_init=None):
    return (cell._variable("kernel", [depth, size], dtype, kernel_init),
            cell._variable("bias", [size], dtype, bias_init or init_ops.zeros_initializer()))


def _linear(cell, args, size, bias_init=None, kernel_init=None):
    """concat(args) @ kernel + bias, the TF1 cells' one matrix product per step."""
    x = args[0] if len(args) == 1 else array_ops.concat(args, 1)
    w, b = _kernel_and_bias(cell, x.shape.as_list()[1], size, x.dtype, bias_init, kernel_init)
    return nn_ops.bias_add(M.matmul(x, w), b)


def _activation(fn):
    if fn is None:
        return M.tanh
    if isinstance(fn, str):
        from ..keras import activations
        return activations.get(fn)
    return fn


class BasicRNNCell(RNNCell):
    """h' = activation(concat([x, h]) @ kernel + bias); output = h'."""

    _default_name = "basic_rnn_cell"

    def __init__(self, num_units: int, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super().__init__(num_units, reuse, name, dtype)
        self._activation = _activation(activation)
        self._fusable = self._activation is M.tanh

    def call(self, inputs, state):
        h = self._activation(_linear(self, [inputs, state], self._num_units))
        return h, h


class GRUCell(RNNCell):
    """TF1's GRU: gates/kernel, gates/bias (ones), candidate/kernel, candidate/bias."""

    _default_name = "gru_cell"

    def __init__(self, num_units: int, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(num_units, reuse, name, dtype)
        self._activation = _activation(activation)
        self._kernel_init, self._bias_init = kernel_initializer, bias_initializer
        self._fusable = self._activation is M.tanh

    def _fused(self, inputs, state):
        from ..ops.rnn_ops import fused_rnn
        self._check(inputs[0], state)
        n, depth = self._num_units, inputs.shape.as_list()[2] + self._num_units
        with self._scoped() as sc:
            self._scope = sc
            with vs.variable_scope("gates"):
                w, b = _kernel_and_bias(self, depth, 2 * n, inputs.dtype, self._bias_init or
                                        init_ops.constant_initializer(1.0), self._kernel_init)
            with vs.variable_scope("candidate"):
                wc, bc = _kernel_and_bias(self, depth, n, inputs.dtype, self._bias_init,
                                          self._kernel_init)
            hs = fused_rnn(inputs, state, w, b, cell="gru", wc=wc, bc=bc)
        self.built = True
        return hs, hs[-1]

    def call(self, inputs, state):
        n = self._num_units
        with vs.variable_scope("gates"):
            gz = _linear(self, [inputs, state], 2 * n, self._bias_init or
                         init_ops.constant_initializer(1.0), self._kernel_init)

        def candidate(r):
            with vs.variable_scope("candidate"):
                return _linear(self, [inputs, r * state], n, self._bias_init, self._kernel_init)
        h = gru_gates(gz, state, candidate, self._activation)
        return h, h


class BasicLSTMCell(RNNCell):
    """TF1's basic LSTM: one kernel [depth + units, 4 units], gates i, j, f, o; the forget
    gate's bias starts at ``forget_bias``. The state is LSTMStateTuple(c, h)."""

    _default_name = "basic_lstm_cell"

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(num_units, reuse, name, dtype)
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        self._fusable = state_is_tuple and self._activation is M.tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    def _split_state(self, state):
        if self._state_is_tuple:
            return state
        return array_ops.split(state, 2, axis=1)

    def _join_state(self, c, h):
        return LSTMStateTuple(c, h) if self._state_is_tuple else array_ops.concat([c, h], 1)

    def call(self, inputs, state):
        c, h = self._split_state(state)
        z = _linear(self, [inputs, h], 4 * self._num_units)
        new_c, new_h = lstm_gates(z, c, "ijfo", self._forget_bias, self._activation)
        return new_h, self._join_state(new_c, new_h)


class LSTMCell(BasicLSTMCell):
    """TF1's LSTMCell: BasicLSTMCell plus peepholes (w_f_diag, w_i_diag, w_o_diag), cell
    clipping, a projection of the output (projection/kernel, ``num_proj``) and its clipping."""

    _default_name = "lstm_cell"

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip=None,
                 initializer=None, num_proj=None, proj_clip=None, num_unit_shards=None,
                 num_proj_shards=None, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        self._use_peepholes, self._cell_clip = use_peepholes, cell_clip
        self._initializer, self._num_proj, self._proj_clip = initializer, num_proj, proj_clip
        self._fusable = False  # its own variable initializer and options: the generic path

    @property
    def state_size(self):
        n, p = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, p) if self._state_is_tuple else n + p

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def _split_state(self, state):
        if self._state_is_tuple:
            return state
        return array_ops.split(state, [self._num_units, self.output_size], axis=1)

    def call(self, inputs, state):
        n = self._num_units
        c, h = self._split_state(state)
        z = _linear(self, [inputs, h], 4 * n, kernel_init=self._initializer)
        peep = None
        if self._use_peepholes:
            peep = [self._variable(nm, [n], inputs.dtype, self._initializer)
                    for nm in ("w_i_diag", "w_f_diag", "w_o_diag")]
        new_c, m = lstm_gates(z, c, "ijfo", self._forget_bias, self._activation, peepholes=peep,
                              cell_clip=self._cell_clip)
        if self._num_proj is not None:
            with vs.variable_scope("projection"):
                w = self._variable("kernel", [n, self._num_proj], inputs.dtype, self._initializer)
            m = M.matmul(m, w)
            if self._proj_clip is not None:
                m = M.clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, self._join_state(new_c, m)


class LSTMBlockCell(LSTMCell):
    """tf.contrib.rnn.LSTMBlockCell: the LSTMCell arithmetic (gates i, c, f, o = TF1's
    i, j, f, o), named lstm_cell; ``use_peephole`` and ``cell_clip`` as in TF."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip=None,
                 use_peephole: bool = False, reuse=None, dtype=None, name="lstm_cell"):
        super().__init__(num_units, use_peepholes=use_peephole, forget_bias=forget_bias,
                         cell_clip=None if cell_clip is None or cell_clip <= 0 else cell_clip,
                         reuse=reuse, name=name, dtype=dtype)


# ---- composition and wrappers --------------------------------------------------------------------
class MultiRNNCell(RNNCell):
    """Cells stacked: each one's output is the next one's input; state = a tuple of states."""

    _default_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple: bool = True):
        super().__init__()
        if not cells:
            raise ValueError("MultiRNNCell: must specify at least one cell")
        if len(set(map(id, cells))) != len(cells):
            raise ValueError("MultiRNNCell: the same cell object is used twice; create one cell "
                             "per layer ([BasicRNNCell(n) for _ in range(k)])")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        sizes = tuple(c.state_size for c in self._cells)
        return sizes if self._state_is_tuple else sum(nest.flatten(sizes))

    @property
    def output_size(self):
        return self._cells[-1].output_size

    @property
    def variables(self) -> list:
        return [v for c in self._cells for v in c.variables]

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for c in self._cells for v in c.trainable_variables]

    trainable_weights = trainable_variables

    def _check(self, inputs, state):
        if self._state_is_tuple:
            super()._check(inputs, state)

    @property
    def _fusable(self) -> bool:
        return self._state_is_tuple and all(c._fusable for c in self._cells)

    def _fused(self, inputs, state):
        """Layer by layer, each a FusedRNN over all steps (the same values as step by step)."""
        self._check(inputs[0], state)
        x, new = inputs, []
        with self._scoped() as sc:
            self._scope = sc
            for k, (cell, s) in enumerate(zip(self._cells, state)):
                with vs.variable_scope(f"cell_{k}"):
                    x, s = cell._fused(x, s)
                new.append(s)
        self.built = True
        return x, tuple(new)

    def call(self, inputs, state):
        x, new = inputs, []
        if not self._state_is_tuple:
            sizes = [sum(nest.flatten(c.state_size)) for c in self._cells]
            state = array_ops.split(state, sizes, axis=1)
        for k, (cell, s) in enumerate(zip(self._cells, state)):
            with vs.variable_scope(f"cell_{k}"):
                if not self._state_is_tuple and nest.is_sequence(cell.state_size):
                    s = nest.pack_sequence_as(cell.state_size, array_ops.split(
                        s, nest.flatten(cell.state_size), axis=1))
                x, s = cell(x, s)
            new.append(s)
        if not self._state_is_tuple:
            return x, array_ops.concat([t for s in new for t in nest.flatten(s)], 1)
        return x, tuple(new)


class RNNCellWrapper(RNNCell):
    """A cell around another: sizes and variables are the wrapped cell's."""

    def __init__(self, cell):
        super().__init__()
        self._cell = cell

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)
    variables = property(lambda self: self._cell.variables)
    weights = variables
    trainable_variables = property(lambda self: self._cell.trainable_variables)
    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def _check(self, inputs, state):
        self._cell._check(inputs, state)

    def __call__(self, inputs, state, scope=None):
        return self.call(convert_to_tensor(inputs), state, scope)


class DropoutWrapper(RNNCellWrapper):
    """Dropout on the cell's inputs, outputs and (all but the LSTM c) states, with keep
    probabilities (floats or tensors such as placeholder_with_default)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        for name, p in (("input", input_keep_prob), ("output", output_keep_prob),
                        ("state", state_keep_prob)):
            if isinstance(p, (int, float)) and not 0.0 < p <= 1.0:
                raise ValueError(f"DropoutWrapper: {name}_keep_prob must be in (0, 1], got {p}")
        if variational_recurrent:
            raise NotImplementedError("DropoutWrapper(variational_recurrent=True) is not "
                                      "supported by tensorfluxo")
        self._in, self._out, self._state = input_keep_prob, output_keep_prob, state_keep_prob
        self._seed = seed

    def _drop(self, x, keep):
        if isinstance(keep, (int, float)) and keep == 1.0:
            return x
        return nn_ops.dropout(x, keep_prob=keep, seed=self._seed)

    def call(self, inputs, state, scope=None):
        out, new = self._cell(self._drop(inputs, self._in), state, scope)
        if not (isinstance(self._state, (int, float)) and self._state == 1.0):
            if isinstance(new, LSTMStateTuple):  # TF keeps the memory c whole
                new = LSTMStateTuple(new.c, self._drop(new.h, self._state))
            else:
                new = nest.map_structure(lambda s: self._drop(s, self._state), new)
        return self._drop(out, self._out), new


class ResidualWrapper(RNNCellWrapper):
    """output = cell output + inputs (``residual_fn(inputs, output)`` if given)."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._fn = residual_fn or (lambda i, o: i + o)

    def call(self, inputs, state, scope=None):
        out, new = self._cell(inputs, state, scope)
        if inputs.shape.is_fully_defined() and out.shape.is_fully_defined() and \
                inputs.shape != out.shape:
            raise ValueError(f"ResidualWrapper: the inputs' shape {inputs.shape} differs from the "
                             f"cell output's {out.shape}")
        return self._fn(inputs, out), new


class OutputProjectionWrapper(RNNCellWrapper):
    """The cell's output through a dense layer of ``output_size`` units (no activation unless
    given); variables output_projection_wrapper/kernel and bias, as TF1."""

    _default_name = "output_projection_wrapper"

    def __init__(self, cell, output_size: int, activation=None, reuse=None):
        super().__init__(cell)
        if not isinstance(output_size, int) or output_size < 1:
            raise ValueError(f"OutputProjectionWrapper: output_size must be a positive int, got "
                             f"{output_size!r}")
        self._size, self._act, self._reuse = output_size, activation, reuse

    output_size = property(lambda self: self._size)
    variables = property(lambda self: self._cell.variables + self._variables)
    weights = variables
    trainable_variables = property(lambda self: self._cell.trainable_variables +
                                   [v for v in self._variables if v.trainable])
    trainable_weights = trainable_variables

    def __call__(self, inputs, state, scope=None):
        return RNNCell.__call__(self, inputs, state, scope)

    def call(self, inputs, state):
        out, new = self._cell(inputs, state)
        y = _linear(self, [out], self._size)
        return (self._act(y) if self._act else y), new


__all__ = ["RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
           "DropoutWrapper", "ResidualWrapper", "OutputProjectionWrapper", "LSTMStateTuple",
           "LSTMBlockCell"]
