"""tf.train optimizers beyond gradient descent, each one apply op updating a variable and its
slots in place with TensorFlow's formulas.

The apply ops, usable by any optimizer front end (Keras builds them too). ``var`` and the slots
are ref inputs (variables, updated in place); every other input is a scalar of ``var``'s dtype
except ``grad`` (``var``'s shape):

- ApplyMomentum(var, accum, lr, grad, momentum), attr use_nesterov:
  accum = accum * momentum + grad; var -= lr * accum
  (nesterov: var -= lr * grad + lr * momentum * accum)
- ApplyAdagrad(var, accum, lr, grad): accum += grad²; var -= lr * grad / sqrt(accum)
- ApplyAdagradV2(var, accum, lr, epsilon, grad): as ApplyAdagrad with / (sqrt(accum) + epsilon)
- ApplyRMSProp(var, ms, mom, lr, rho, momentum, epsilon, grad):
  ms = rho * ms + (1 - rho) * grad²; mom = momentum * mom + lr * grad / sqrt(ms + epsilon);
  var -= mom
- ApplyCenteredRMSProp(var, mg, ms, mom, lr, rho, momentum, epsilon, grad): as ApplyRMSProp
  with mg = rho * mg + (1 - rho) * grad and sqrt(ms - mg² + epsilon)
- ApplyAdam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad), attr
  use_nesterov: lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
  m = beta1 * m + (1 - beta1) * grad; v = beta2 * v + (1 - beta2) * grad²;
  var -= lr_t * m / (sqrt(v) + epsilon)  (nesterov: m replaced by beta1 * m + (1 - beta1) * grad)
- ApplyAdadelta(var, accum, accum_update, lr, rho, epsilon, grad):
  accum = rho * accum + (1 - rho) * grad²;
  update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
  accum_update = rho * accum_update + (1 - rho) * update²; var -= lr * update

Kernels work in the variable's dtype (float32 stays float32) and reuse scratch buffers kept per
op and session, so a step allocates no array of the variable's size.
"""

from __future__ import annotations

import math

import numpy as np

from ..framework.ops import apply_op, control_dependencies, name_scope
from ..framework.registry import defop
from ..ops import state_ops
from ..ops.control_flow_ops import group
from .optimizer import Optimizer, _apply_infer


def _scratch_bind(kernel, n_buffers=1):
    """bind: calls ``kernel(bufs, *inputs, **attrs)`` with scratch buffers of var's shape."""
    def bind(op, session):
        attrs = dict(op.attrs)
        cache = {}

        def run(var, *rest):
            v = var.get()
            bufs = cache.get("b")
            if bufs is None or bufs[0].shape != v.shape or bufs[0].dtype != v.dtype:
                bufs = cache["b"] = [np.empty_like(v) for _ in range(n_buffers)]
            kernel(bufs, v, *rest, **attrs)
        return run
    return bind


def _defapply(op_type, kernel, n_buffers=1):
    defop(op_type, infer=_apply_infer, bind=_scratch_bind(kernel, n_buffers),
          ref_inputs=_REFS[op_type], stateful=True, not_differentiable=True)


_REFS = {"ApplyMomentum": (0, 1), "ApplyAdagrad": (0, 1), "ApplyAdagradV2": (0, 1),
         "ApplyRMSProp": (0, 1, 2), "ApplyCenteredRMSProp": (0, 1, 2, 3),
         "ApplyAdam": (0, 1, 2), "ApplyAdadelta": (0, 1, 2)}


def _k_momentum(bufs, w, accum, lr, grad, momentum, use_nesterov=False):
    a, t = accum.get(), bufs[0]
    a *= momentum
    a += grad
    if use_nesterov:
        np.multiply(a, momentum, out=t)
        t += grad
        t *= lr
    else:
        np.multiply(a, lr, out=t)
    w -= t


def _k_adagrad(bufs, w, accum, lr, grad, epsilon=None):
    a, t = accum.get(), bufs[0]
    np.multiply(grad, grad, out=t)
    a += t
    np.sqrt(a, out=t)
    if epsilon is not None:
        t += epsilon
    np.divide(grad, t, out=t)
    t *= lr
    w -= t


def _k_adagrad_v2(bufs, w, accum, lr, epsilon, grad):
    _k_adagrad(bufs, w, accum, lr, grad, epsilon)


def _k_rmsprop(bufs, w, ms, mom, lr, rho, momentum, epsilon, grad, mg=None):
    s, m, t = ms.get(), mom.get(), bufs[0]
    one_minus_rho = 1 - rho
    np.multiply(grad, grad, out=t)      # ms += (grad² - ms) * (1 - rho)
    t -= s
    t *= one_minus_rho
    s += t
    if mg is not None:
        g = mg.get()
        np.subtract(grad, g, out=t)     # mg += (grad - mg) * (1 - rho)
        t *= one_minus_rho
        g += t
        np.multiply(g, g, out=t)
        np.subtract(s, t, out=t)
        t += epsilon
    else:
        np.add(s, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(grad, t, out=t)           # mom = mom * momentum + lr * grad / sqrt(...)
    t *= lr
    m *= momentum
    m += t
    w -= m


def _k_centered_rmsprop(bufs, w, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    _k_rmsprop(bufs, w, ms, mom, lr, rho, momentum, epsilon, grad, mg=mg)


def _k_adam(bufs, w, m_cell, v_cell, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
            use_nesterov=False):
    m, v, t = m_cell.get(), v_cell.get(), bufs[0]
    # scalar arithmetic in Python floats: on 0-d arrays each operation costs ~1 us, which is
    # most of a small variable's update (the arrays stay in var's dtype: floats are weak)
    beta1, beta2, epsilon = float(beta1), float(beta2), float(epsilon)
    lr_t = float(lr) * math.sqrt(1 - float(beta2_power)) / (1 - float(beta1_power))
    np.subtract(grad, m, out=t)         # m += (grad - m) * (1 - beta1)
    t *= 1 - beta1
    m += t
    np.multiply(grad, grad, out=t)      # v += (grad² - v) * (1 - beta2)
    t -= v
    t *= 1 - beta2
    v += t
    np.sqrt(v, out=t)
    t += epsilon
    if use_nesterov:
        u = bufs[1]                     # beta1 * m + (1 - beta1) * grad
        np.subtract(grad, m, out=u)
        u *= 1 - beta1
        u += m
        np.divide(u, t, out=t)
    else:
        np.divide(m, t, out=t)
    t *= lr_t
    w -= t


def _k_adadelta(bufs, w, accum, accum_update, lr, rho, epsilon, grad):
    a, au, t, u = accum.get(), accum_update.get(), bufs[0], bufs[1]
    one_minus_rho = 1 - rho
    np.multiply(grad, grad, out=t)      # accum = rho * accum + (1 - rho) * grad²
    t *= one_minus_rho
    a *= rho
    a += t
    np.add(au, epsilon, out=u)          # update = sqrt(au + eps) / sqrt(accum + eps) * grad
    np.sqrt(u, out=u)
    np.add(a, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(u, t, out=u)
    u *= grad
    np.multiply(u, u, out=t)            # accum_update = rho * au + (1 - rho) * update²
    t *= one_minus_rho
    au *= rho
    au += t
    u *= lr
    w -= u


# ---- Adam over many small variables at once -----------------------------------------------------
# A small model's step is dominated by per-call costs: 14 NumPy calls per variable for Adam. For
# variables that are small in all (FUSE_LIMIT elements), one op updates them together: the
# variables and their slots become views of three flat buffers, the gradients are concatenated,
# and ApplyAdam's kernel runs once. Anything that replaces a variable's buffer (Assign, a
# restore) is noticed (the cell no longer holds the view) and the buffers are packed again.
FUSE_LIMIT = 1 << 16


class _Flat:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def _pack(cells):
    values = [c.get() for c in cells]
    flat = np.empty(sum(v.size for v in values), dtype=values[0].dtype)
    views, o = [], 0
    for c, v in zip(cells, values):
        view = flat[o:o + v.size].reshape(v.shape)
        view[...] = v
        c.value = view
        views.append(view)
        o += v.size
    return flat, views


def _bind_adam_multi(op, session):
    n = op.attrs["n"]
    state = {"pairs": ()}

    def run(*args):
        for cell, view in state["pairs"]:  # still packed? (an assign or restore unpacks)
            if cell.value is not view:
                break
        else:
            if state["pairs"]:
                return step(args)
        groups = (args[:n], args[n:2 * n], args[2 * n:3 * n])
        packs = [_pack(cells) for cells in groups]
        state["flat"] = [flat for flat, _ in packs]
        state["pairs"] = [(c, v) for cells, (_, views) in zip(groups, packs)
                          for c, v in zip(cells, views)]
        state["bufs"] = [np.empty_like(packs[0][0])]
        return step(args)

    def step(args):
        b1p, b2p, lr, beta1, beta2, epsilon = args[3 * n:3 * n + 6]
        grad = np.concatenate([g.ravel() for g in args[3 * n + 6:]])
        w, m, v = state["flat"]
        _k_adam(state["bufs"], w, _Flat(m), _Flat(v), b1p, b2p, lr, beta1, beta2, epsilon, grad)
    return run


def _adam_multi_infer(op):
    dt = op.inputs[0].dtype
    for t in op.inputs:
        if t.dtype is not dt:
            raise TypeError(f"ApplyAdamMulti: {t.name} has dtype {t.dtype.name}, expected "
                            f"{dt.name}")
    return []


defop("ApplyAdamMulti", infer=_adam_multi_infer, bind=_bind_adam_multi,
      ref_inputs=lambda op: tuple(range(3 * op.attrs["n"])), stateful=True,
      not_differentiable=True)


def fusable(vars_) -> bool:
    """True when one fused update over ``vars_`` beats one op per variable."""
    return (len(vars_) > 1 and len({v.dtype for v in vars_}) == 1
            and all(v.shape.is_fully_defined() for v in vars_)
            and sum(v.shape.num_elements() for v in vars_) <= FUSE_LIMIT)


def apply_adam_multi(vars_, ms, vs, b1p, b2p, lr, beta1, beta2, epsilon, grads):
    """One ApplyAdamMulti op (inputs: vars, m slots, v slots, 6 scalars, gradients)."""
    return apply_op("ApplyAdamMulti", [*vars_, *ms, *vs, b1p, b2p, lr, beta1, beta2, epsilon,
                                       *grads], {"n": len(vars_)}, name="ApplyAdam")


_defapply("ApplyMomentum", _k_momentum)
_defapply("ApplyAdagrad", _k_adagrad)
_defapply("ApplyAdagradV2", _k_adagrad_v2)
_defapply("ApplyRMSProp", _k_rmsprop)
_defapply("ApplyCenteredRMSProp", _k_centered_rmsprop)
_defapply("ApplyAdam", _k_adam, n_buffers=2)
_defapply("ApplyAdadelta", _k_adadelta, n_buffers=2)


# ---- optimizers ----------------------------------------------------------------------------
class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= learning_rate * accum (slot "momentum")."""

    def __init__(self, learning_rate, momentum, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = bool(use_nesterov)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        return apply_op("ApplyMomentum", [
            var, self.get_slot(var, "momentum"),
            self._hyper(self._learning_rate, var, "learning_rate"), grad,
            self._hyper(self._momentum, var, "momentum")],
            {"use_nesterov": self._use_nesterov}, name="ApplyMomentum")


class AdagradOptimizer(Optimizer):
    """accum += grad²; var -= learning_rate * grad / sqrt(accum) (slot "accumulator")."""

    def __init__(self, learning_rate, initial_accumulator_value: float = 0.1,
                 use_locking: bool = False, name: str = "Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name, init=self._initial_accumulator_value)

    def _apply_dense(self, grad, var):
        return apply_op("ApplyAdagrad", [
            var, self.get_slot(var, "accumulator"),
            self._hyper(self._learning_rate, var, "learning_rate"), grad], name="ApplyAdagrad")


class RMSPropOptimizer(Optimizer):
    """TF's RMSProp (epsilon inside the square root; slot "rms" starts at one)."""

    def __init__(self, learning_rate, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-10, use_locking: bool = False, centered: bool = False,
                 name: str = "RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = bool(centered)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "rms", self._name, init=1.0)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        hyper = [self._hyper(self._learning_rate, var, "learning_rate"),
                 self._hyper(self._decay, var, "decay"),
                 self._hyper(self._momentum, var, "momentum"),
                 self._hyper(self._epsilon, var, "epsilon"), grad]
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            return apply_op("ApplyCenteredRMSProp",
                            [var, self.get_slot(var, "mg"), rms, mom] + hyper,
                            name="ApplyCenteredRMSProp")
        return apply_op("ApplyRMSProp", [var, rms, mom] + hyper, name="ApplyRMSProp")


class AdamOptimizer(Optimizer):
    """TF1's Adam: slots "m" and "v", non-slot variables beta1_power and beta2_power."""

    def __init__(self, learning_rate=0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        dtype = min(var_list, key=lambda v: v.name).dtype
        self._get_or_make_non_slot("beta1_power", self._beta1, dtype)
        self._get_or_make_non_slot("beta2_power", self._beta2, dtype)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _get_beta_accumulators(self):
        return self._non_slot["beta1_power"], self._non_slot["beta2_power"]

    def _apply_dense(self, grad, var):
        b1p, b2p = self._get_beta_accumulators()
        if b1p.dtype is not var.dtype:
            b1p, b2p = (self._hyper(b, var, None) for b in (b1p, b2p))
        return apply_op("ApplyAdam", [
            var, self.get_slot(var, "m"), self.get_slot(var, "v"), b1p, b2p,
            self._hyper(self._lr, var, "learning_rate"), self._hyper(self._beta1, var, "beta1"),
            self._hyper(self._beta2, var, "beta2"), self._hyper(self._epsilon, var, "epsilon"),
            grad], {"use_nesterov": False}, name="ApplyAdam")

    def _apply_dense_all(self, pairs):
        vars_ = [v for _, v in pairs]
        b1p, b2p = self._get_beta_accumulators()
        if not fusable(vars_) or b1p.dtype is not vars_[0].dtype:
            return None
        v0 = vars_[0]
        return apply_adam_multi(
            vars_, [self.get_slot(v, "m") for v in vars_], [self.get_slot(v, "v") for v in vars_],
            b1p, b2p, self._hyper(self._lr, v0, "learning_rate"),
            self._hyper(self._beta1, v0, "beta1"), self._hyper(self._beta2, v0, "beta2"),
            self._hyper(self._epsilon, v0, "epsilon"), [g for g, _ in pairs])

    def _finish(self, update_ops):
        b1p, b2p = self._get_beta_accumulators()
        with control_dependencies([u for u in update_ops if u is not None]):
            with name_scope("update_beta_powers"):
                u1 = state_ops.assign(b1p, b1p * self._hyper(self._beta1, b1p, "beta1"))
                u2 = state_ops.assign(b2p, b2p * self._hyper(self._beta2, b2p, "beta2"))
        return group(u1, u2)


class AdadeltaOptimizer(Optimizer):
    """Adadelta (slots "accum" and "accum_update")."""

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-8,
                 use_locking: bool = False, name: str = "Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _apply_dense(self, grad, var):
        return apply_op("ApplyAdadelta", [
            var, self.get_slot(var, "accum"), self.get_slot(var, "accum_update"),
            self._hyper(self._lr, var, "learning_rate"), self._hyper(self._rho, var, "rho"),
            self._hyper(self._epsilon, var, "epsilon"), grad], name="ApplyAdadelta")
