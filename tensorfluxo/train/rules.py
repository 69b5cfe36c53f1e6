"""The optimizer rule table: each update rule declared once, used by tf.train and Keras alike.

A row (``Rule``) is one apply op and what a front end must supply to it:

- ``inputs``: the op's inputs in order (TensorFlow's raw-op order where the op exists in TF):
  ``var``, the slots, scalar hyper-parameters of ``var``'s dtype, and ``grad``;
- ``slots``: variables shaped like ``var`` (``Slot``: op input, the slot's name as
  ``get_slot`` knows it, its initial value or the name of the hyper-parameter giving it), in
  the order TF creates them (that order numbers their variables ``w/Adam``, ``w/Adam_1``);
- ``powers``: scalar inputs that are a hyper-parameter raised to the step count (Adam's
  ``beta1_power``); ``step`` as an input is the 1-based step count itself;
- ``attrs``: boolean attributes of the op and their defaults;
- ``sparse``: what a sparse gradient (an ``IndexedSlices``: a gather's, an embedding lookup's)
  does, as TF1's optimizers: ``"rows"`` (duplicate indices summed, then the rule applied to those
  rows of var and the slots only: ``Sparse<op>``, e.g. SparseApplyMomentum) or ``"dense"`` (the
  gradient made dense: TF1's sparse Adam decays all of m and v and moves every row, which is
  the dense rule on the summed rows).

The kernel ``kernel(tmp, var, *inputs, **attrs)`` updates ``var`` and the slots (NumPy arrays)
IN PLACE; ``tmp`` is a list of scratch arrays shaped like ``var``, kept per op and session, so a
step allocates nothing of the variable's size. Kernels stay in ``var``'s dtype (the scalars are
0-d arrays of it, or Python floats).

A front end (``tf.train.AdamOptimizer``, ``keras.optimizers.Adam``) maps its arguments to the
scalar inputs and calls ``rule.apply_all``: one op per variable, or, for many small variables,
one fused ``<op>Multi`` op that runs the kernel once over all of them (see ``_bind_multi``).
Adding a rule: write its kernel and one ``rule(...)`` row below; CONTRIBUTING.md says how.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Tensor, apply_op, name_scope
from ..framework.registry import defop
from ..kernels import parallel
from ..kernels.scatter import sum_rows
from ..ops import array_ops
from ..ops.indexed_slices import IndexedSlices, to_dense


class Slot(NamedTuple):
    input: str          # the apply op's input name
    name: str           # get_slot's name in tf.train (Keras names its slot variables after it)
    init: object = 0.0  # initial value: a number, or the name of the hyper-parameter giving it
    scalar: bool = False  # one scalar per variable instead of var's shape


class Rule(NamedTuple):
    op: str
    inputs: tuple
    slots: tuple
    attrs: dict
    powers: dict
    n_tmp: int
    fusable: bool
    sparse: str = "rows"

    @property
    def scalars(self) -> tuple:
        """The scalar inputs (hyper-parameters, powers, step), in op order."""
        skip = {"var", "grad", *(s.input for s in self.slots)}
        return tuple(n for n in self.inputs if n not in skip)

    def apply(self, var, slots: dict, scalars: dict, grad, attrs: dict | None = None):
        """The apply op for one variable: ``slots`` maps slot input -> variable, ``scalars``
        maps every scalar input -> number or tensor (cast to var's dtype)."""
        values = {"var": var, "grad": grad, **slots, **_as_dtype(scalars, var.dtype)}
        return apply_op(self.op, [values[n] for n in self.inputs], self._attrs(attrs),
                        name=self.op)

    def apply_sparse(self, var, slots: dict, scalars: dict, grad: IndexedSlices,
                     attrs: dict | None = None):
        """The update of the rows of ``var`` that ``grad`` (an IndexedSlices) names."""
        if self.sparse == "dense":
            return self.apply(var, slots, scalars, to_dense(grad), attrs)
        values = {"var": var, "grad": grad.values, "indices": grad.indices, **slots,
                  **_as_dtype(scalars, var.dtype)}
        return apply_op("Sparse" + self.op, [values[n] for n in _sparse_inputs(self)],
                        self._attrs(attrs), name="Sparse" + self.op)

    def apply_all(self, vars_, slots: list, scalars: dict, grads, attrs=None) -> list:
        """The update ops for all variables: sparse gradients on their rows, the others in
        one fused op when the rule allows it and they are small, else one op per variable
        (each in name scope ``update_<var>``)."""
        ops, dense = [], []
        for var, s, g in zip(vars_, slots, grads):
            if isinstance(g, IndexedSlices):
                with name_scope("update_" + var.op.name):
                    ops.append(self.apply_sparse(var, s, scalars, g, attrs))
            else:
                dense.append((var, s, g))
        if self.fusable and fusable([v for v, _, _ in dense]):
            return ops + [self._apply_multi(*zip(*dense), scalars, attrs)]
        for var, s, g in dense:
            with name_scope("update_" + var.op.name):
                ops.append(self.apply(var, s, scalars, g, attrs))
        return ops

    def _apply_multi(self, vars_, slots, grads, scalars, attrs):
        scalars = _as_dtype(scalars, vars_[0].dtype)
        refs = [vars_] + [[s[slot.input] for s in slots] for slot in self.slots]
        attrs = {**self._attrs(attrs), "n": len(vars_)}
        return apply_op(self.op + "Multi", [*(v for group in refs for v in group),
                                            *(scalars[n] for n in self.scalars), *grads],
                        attrs, name=self.op)

    def _attrs(self, attrs):
        unknown = set(attrs or ()) - set(self.attrs)
        if unknown:
            raise TypeError(f"{self.op}: unknown attributes {sorted(unknown)}; it has "
                            f"{sorted(self.attrs)}")
        return {**self.attrs, **(attrs or {})}


def _as_dtype(scalars: dict, dtype) -> dict:
    out = {}
    for k, x in scalars.items():
        if isinstance(x, Tensor):
            out[k] = x if x.dtype is dtype else array_ops.cast(x, dtype)
        else:
            out[k] = array_ops.constant(x, dtype=dtype, name=k)
    return out


# ---- the apply ops ---------------------------------------------------------------------------
def _apply_infer(op, n_inputs=None, same_dtype=None):
    """Checks the count of inputs and that all but the indices have var's dtype."""
    names = _RULES_BY_OP[op.type].inputs if n_inputs is None else n_inputs
    if len(op.inputs) != len(names):
        raise ValueError(f"{op.type} takes {len(names)} inputs ({', '.join(names)}), got "
                         f"{len(op.inputs)}")
    var = op.inputs[0]
    for t in (op.inputs[1:] if same_dtype is None else same_dtype[1:]):
        if t.dtype is not var.dtype:
            raise TypeError(f"{op.type}: input {t.name} has dtype {t.dtype.name}, expected "
                            f"{var.dtype.name} like variable '{var.op.name}'")
    return []


def _bind(kernel, n_refs, n_tmp):
    """bind: ``kernel(tmp, var, *slots, *rest, **attrs)`` with the cells' arrays and scratch
    buffers of var's shape (made again if the variable's shape or dtype changes)."""
    def bind(op, session):
        attrs = dict(op.attrs)
        cache = [None]

        def run(var, *rest):
            w = var.get()
            tmp = cache[0]
            if tmp is None or tmp[0].shape != w.shape or tmp[0].dtype != w.dtype:
                tmp = cache[0] = [np.empty_like(w) for _ in range(n_tmp)]
            arrays = [w, *[c.get() for c in rest[:n_refs - 1]]]
            rest = rest[n_refs - 1:]
            work = 2 * w.size  # measured: a 65,536-element Adam update is slower split
            if parallel.width < 2 or work < parallel.MIN_SIZE or \
                    any(a.shape != w.shape or not a.flags.c_contiguous for a in arrays) or \
                    np.shape(rest[-1]) != w.shape:
                kernel(tmp, *arrays, *rest, **attrs)
                return
            # a big variable: the rule on parts of its elements, on the run's cores
            flat = [a.reshape(-1) for a in arrays]  # views (contiguous): updated in place
            scratch, scalars, grad = [t.reshape(-1) for t in tmp], rest[:-1], rest[-1].ravel()
            parallel.run(lambda s: kernel([t[s] for t in scratch], *[a[s] for a in flat],
                                          *scalars, grad[s], **attrs), w.size, work)
        return run
    return bind


# ---- sparse gradients: the rule on some rows -------------------------------------------------
def _sparse_inputs(r: Rule) -> tuple:
    """TF's SparseApply* input order: the rule's, with ``indices`` right after ``grad``."""
    i = r.inputs.index("grad") + 1
    return r.inputs[:i] + ("indices",) + r.inputs[i:]


def _sparse_infer(op):
    r = _RULES_BY_OP[op.type.removeprefix("Sparse")]
    names = _sparse_inputs(r)
    if len(op.inputs) != len(names):
        raise ValueError(f"{op.type} takes {len(names)} inputs ({', '.join(names)}), got "
                         f"{len(op.inputs)}")
    values = dict(zip(names, op.inputs))
    var, grad, idx = values["var"], values["grad"], values["indices"]
    if idx.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op.type}: indices must be int32 or int64, got {idx.dtype.name}")
    if not grad.shape[1:].is_compatible_with(var.shape[1:]) or \
            not idx.shape.is_compatible_with(grad.shape[:1]):
        raise ValueError(f"{op.type}: gradient rows of shape {grad.shape} at indices of shape "
                         f"{idx.shape} do not fit variable '{var.op.name}' of shape {var.shape}")
    _apply_infer(op, names, [t for n, t in values.items() if n != "indices"])
    return []


def _bind_sparse(r: Rule, kernel):
    """bind of ``Sparse<op>``: duplicate indices summed (as TF1's optimizers do before their
    sparse apply), the rows of var and the slots gathered, the rule's kernel run on them, the
    rows written back."""
    n_refs = 1 + len(r.slots)
    names = _sparse_inputs(r)[n_refs:]
    tail = [n for n in r.inputs[n_refs:]]

    def bind(op, session):
        attrs = dict(op.attrs)

        def run(*args):
            cells, values = args[:n_refs], dict(zip(names, args[n_refs:]))
            arrays = [c.get() for c in cells]
            rows, values["grad"] = sum_rows(values["indices"].reshape(-1), values["grad"])
            n = arrays[0].shape[0]
            if rows.size and (rows[0] < 0 or rows[-1] >= n):
                bad = rows[0] if rows[0] < 0 else rows[-1]
                raise errors.InvalidArgumentError(
                    None, op, f"{op.type}: index {int(bad)} is not in [0, {n}) (rows of "
                    f"variable '{op.inputs[0].op.name}')")
            parts = [a[rows] for a in arrays]
            tmp = [np.empty_like(parts[0]) for _ in range(r.n_tmp)]
            kernel(tmp, *parts, *[values[k] for k in tail], **attrs)
            for a, p in zip(arrays, parts):
                a[rows] = p
        return run
    return bind


# ---- many small variables in one op ----------------------------------------------------------
# A small model's step is dominated by per-call costs (Adam: 14 NumPy calls per variable). For
# variables that are small in all (FUSE_LIMIT elements), one op updates them together: each
# group (the variables, each slot) becomes views of one flat buffer, the gradients are
# concatenated, and the rule's kernel runs once. Anything that replaces a variable's buffer
# (Assign, a restore) is noticed (the cell no longer holds the view) and the groups are packed
# again.
FUSE_LIMIT = 1 << 16


def fusable(vars_) -> bool:
    """True when one fused update over ``vars_`` beats one op per variable."""
    return (len(vars_) > 1 and len({v.dtype for v in vars_}) == 1
            and all(v.shape.is_fully_defined() for v in vars_)
            and sum(v.shape.num_elements() for v in vars_) <= FUSE_LIMIT)


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


def _bind_multi(r: Rule, kernel):
    """bind of ``<op>Multi``: inputs are the variables, each slot's variables, the scalars
    and the gradients; the kernel runs on the flat buffers and the concatenated gradient."""
    n_refs, scalars, tail = 1 + len(r.slots), r.scalars, r.inputs[1 + len(r.slots):]
    grad_last = tail[-1] == "grad"  # the kernel's order is the op's: scalars, then grad

    def bind(op, session):
        attrs = {k: v for k, v in op.attrs.items() if k != "n"}
        n = op.attrs["n"]
        state = {"pairs": ()}

        def run(*args):
            for cell, view in state["pairs"]:  # still packed? (an assign or restore unpacks)
                if cell.value is not view:
                    break
            else:
                if state["pairs"]:
                    return step(args)
            groups = [args[i * n:(i + 1) * n] for i in range(n_refs)]
            packs = [_pack(cells) for cells in groups]
            state["flat"] = [flat for flat, _ in packs]
            state["pairs"] = [(c, v) for cells, (_, views) in zip(groups, packs)
                              for c, v in zip(cells, views)]
            state["tmp"] = [np.empty_like(packs[0][0]) for _ in range(r.n_tmp)]
            return step(args)

        def step(args):
            grad = np.concatenate([g.ravel() for g in args[len(args) - n:]])
            if grad_last:
                return kernel(state["tmp"], *state["flat"], *args[n_refs * n:len(args) - n],
                              grad, **attrs)
            values = dict(zip(scalars, args[n_refs * n:]), grad=grad)
            kernel(state["tmp"], *state["flat"], *[values[k] for k in tail], **attrs)
        return run
    return bind


def _multi_infer(op):
    dt = op.inputs[0].dtype
    for t in op.inputs:
        if t.dtype is not dt:
            raise TypeError(f"{op.type}: {t.name} has dtype {t.dtype.name}, expected "
                            f"{dt.name}")
    return []


_RULES_BY_OP: dict = {}
OP_TYPES: list = []   # every op type the table declares (the rules' and the fused ones)


def rule(op: str, inputs: str, kernel, slots=(), attrs=None, powers=None,
         n_tmp: int = 1, fuse: bool = False, sparse: str = "rows") -> Rule:
    """Declares a rule: its apply op (and with ``fuse``, the fused ``<op>Multi`` for many
    small variables: worth it where a variable's update is many NumPy calls; with ``sparse``
    "rows", ``Sparse<op>`` for sparse gradients) and the row."""
    names = tuple(inputs.split())
    slots = tuple(Slot(*s) for s in slots)
    refs = 1 + len(slots)
    if names[0] != "var" or "grad" not in names or \
            set(names[1:refs]) != {s.input for s in slots}:
        raise ValueError(f"{op}: inputs must be var, the slots, then the scalars and grad: "
                         f"{inputs}")
    fusable_ = fuse and not any(s.scalar for s in slots)
    r = Rule(op, names, slots, dict(attrs or {}), dict(powers or {}), n_tmp, fusable_, sparse)
    _RULES_BY_OP[op] = r
    OP_TYPES.extend([op, op + "Multi"] if fusable_ else [op])
    if sparse == "rows":
        OP_TYPES.append("Sparse" + op)
        defop("Sparse" + op, infer=_sparse_infer, bind=_bind_sparse(r, kernel),
              ref_inputs=tuple(range(refs)), stateful=True, not_differentiable=True)
    defop(op, infer=_apply_infer, bind=_bind(kernel, refs, n_tmp), ref_inputs=tuple(range(refs)),
          stateful=True, not_differentiable=True)
    if fusable_:
        defop(op + "Multi", infer=_multi_infer, bind=_bind_multi(r, kernel),
              ref_inputs=lambda o, k=refs: tuple(range(k * o.attrs["n"])), stateful=True,
              not_differentiable=True)
    return r


# ---- kernels: the formula of each rule is the comment above its code --------------------------
def _k_gradient_descent(tmp, w, lr, grad):
    # var -= lr * grad
    np.multiply(grad, lr, out=tmp[0])
    w -= tmp[0]


def _k_momentum(tmp, w, accum, lr, grad, momentum, use_nesterov=False):
    # accum = accum * momentum + grad; var -= lr * accum
    # (nesterov: var -= lr * grad + lr * momentum * accum)
    t = tmp[0]
    accum *= momentum
    accum += grad
    if use_nesterov:
        np.multiply(accum, momentum, out=t)
        t += grad
        t *= lr
    else:
        np.multiply(accum, lr, out=t)
    w -= t


def _k_keras_momentum(tmp, w, velocity, lr, momentum, grad, nesterov=False):
    # velocity = momentum * velocity - lr * grad; var += velocity
    # (nesterov: var += momentum * velocity - lr * grad)
    t = tmp[0]
    np.multiply(grad, lr, out=t)
    velocity *= momentum
    velocity -= t
    if nesterov:
        np.multiply(velocity, momentum, out=tmp[1])
        tmp[1] -= t
        w += tmp[1]
    else:
        w += velocity


def _k_adagrad(tmp, w, accum, lr, epsilon, grad):
    # accum += grad²; var -= lr * grad / sqrt(accum + epsilon)   (tf.train: epsilon = 0)
    t = tmp[0]
    np.multiply(grad, grad, out=t)
    accum += t
    np.add(accum, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(grad, t, out=t)
    t *= lr
    w -= t


def _k_proximal_adagrad(tmp, w, accum, lr, l1, l2, grad):
    # accum += grad²; lr_t = lr / sqrt(accum); prox = var - lr_t * grad;
    # var = sign(prox) * max(|prox| - lr_t * l1, 0) / (1 + lr_t * l2)
    lr_t, prox = tmp
    np.multiply(grad, grad, out=lr_t)
    accum += lr_t
    np.sqrt(accum, out=lr_t)
    np.divide(lr, lr_t, out=lr_t)
    np.multiply(lr_t, grad, out=prox)
    np.subtract(w, prox, out=prox)
    np.sign(prox, out=w)
    np.abs(prox, out=prox)
    prox -= lr_t * l1
    np.maximum(prox, 0, out=prox)
    w *= prox
    lr_t *= l2
    lr_t += 1
    w /= lr_t


def _k_adadelta(tmp, w, accum, accum_update, lr, rho, epsilon, grad):
    # accum = rho * accum + (1 - rho) * grad²;
    # update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
    # accum_update = rho * accum_update + (1 - rho) * update²; var -= lr * update
    t, u = tmp
    one_minus_rho = 1 - rho
    np.multiply(grad, grad, out=t)
    t *= one_minus_rho
    accum *= rho
    accum += t
    np.add(accum_update, epsilon, out=u)
    np.sqrt(u, out=u)
    np.add(accum, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(u, t, out=u)
    u *= grad
    np.multiply(u, u, out=t)
    t *= one_minus_rho
    accum_update *= rho
    accum_update += t
    u *= lr
    w -= u


def _k_rmsprop(tmp, w, ms, mom, lr, rho, momentum, epsilon, grad, mg=None):
    # ms = rho * ms + (1 - rho) * grad²;
    # mom = momentum * mom + lr * grad / sqrt(ms + epsilon); var -= mom
    # (centered: mg = rho * mg + (1 - rho) * grad and sqrt(ms - mg² + epsilon))
    t = tmp[0]
    one_minus_rho = 1 - rho
    np.multiply(grad, grad, out=t)      # ms += (grad² - ms) * (1 - rho)
    t -= ms
    t *= one_minus_rho
    ms += t
    if mg is not None:
        np.subtract(grad, mg, out=t)    # mg += (grad - mg) * (1 - rho)
        t *= one_minus_rho
        mg += t
        np.multiply(mg, mg, out=t)
        np.subtract(ms, t, out=t)
        t += epsilon
    else:
        np.add(ms, epsilon, out=t)
    np.sqrt(t, out=t)
    np.divide(grad, t, out=t)
    t *= lr
    mom *= momentum
    mom += t
    w -= mom


def _k_centered_rmsprop(tmp, w, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    _k_rmsprop(tmp, w, ms, mom, lr, rho, momentum, epsilon, grad, mg=mg)


def _k_adam(tmp, w, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
            use_nesterov=False, vhat=None):
    # lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
    # m = beta1 * m + (1 - beta1) * grad; v = beta2 * v + (1 - beta2) * grad²;
    # var -= lr_t * m / (sqrt(v) + epsilon)
    # (nesterov: m replaced by beta1 * m + (1 - beta1) * grad; amsgrad: v by
    #  vhat = max(vhat, v))
    t = tmp[0]
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
    if vhat is not None:
        np.maximum(vhat, v, out=vhat)
        v = vhat
    np.sqrt(v, out=t)
    t += epsilon
    if use_nesterov:
        u = tmp[1]
        np.subtract(grad, m, out=u)
        u *= 1 - beta1
        u += m
        np.divide(u, t, out=t)
    else:
        np.divide(m, t, out=t)
    t *= lr_t
    w -= t


def _k_adam_amsgrad(tmp, w, m, v, vhat, beta1_power, beta2_power, lr, beta1, beta2, epsilon,
                    grad):
    _k_adam(tmp, w, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, vhat=vhat)


def _k_adamax(tmp, w, m, u, beta1_power, lr, beta1, beta2, epsilon, grad):
    # m = beta1 * m + (1 - beta1) * grad; u = max(beta2 * u, |grad|);
    # var -= lr / (1 - beta1_power) * m / (u + epsilon)
    t = tmp[0]
    np.subtract(grad, m, out=t)
    t *= 1 - beta1
    m += t
    u *= beta2
    np.abs(grad, out=t)
    np.maximum(u, t, out=u)
    np.add(u, epsilon, out=t)
    np.divide(m, t, out=t)
    t *= float(lr) / (1 - float(beta1_power))
    w -= t


def _k_nadam(tmp, w, m, v, u_product, lr, beta1, beta2, epsilon, step, grad):
    # Keras' Nadam: mu_t = beta1 * (1 - 0.5 * 0.96^t); u_product *= mu_t (the product of
    # mu_1..mu_t); m and v as in Adam;
    # var -= lr * (mu_{t+1} m / (1 - u_product mu_{t+1}) + (1 - mu_t) grad / (1 - u_product))
    #        / (sqrt(v / (1 - beta2^t)) + epsilon)
    t, g_part = tmp
    beta1, beta2, step = float(beta1), float(beta2), float(step)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** step)
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** (step + 1.0))
    prod = float(u_product) * mu
    u_product[...] = prod
    np.subtract(grad, m, out=t)
    t *= 1 - beta1
    m += t
    np.multiply(grad, grad, out=t)
    t -= v
    t *= 1 - beta2
    v += t
    np.multiply(grad, (1.0 - mu) / (1.0 - prod), out=g_part)
    np.multiply(m, mu_next / (1.0 - prod * mu_next), out=t)
    g_part += t
    np.multiply(v, 1.0 / (1.0 - beta2 ** step), out=t)
    np.sqrt(t, out=t)
    t += float(epsilon)
    np.divide(g_part, t, out=t)
    t *= float(lr)
    w -= t


def _k_ftrl(tmp, w, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power):
    # new_accum = accum + grad²;
    # linear += grad + 2 l2_shrinkage var - (new_accum^-lr_power - accum^-lr_power) / lr * var;
    # quadratic = new_accum^-lr_power / lr + 2 l2;
    # var = (sign(linear) l1 - linear) / quadratic where |linear| > l1, else 0; accum = new_accum
    t, p = tmp
    np.power(accum, -lr_power, out=p)
    np.multiply(grad, grad, out=t)
    accum += t
    np.power(accum, -lr_power, out=t)
    p -= t                              # -(new_accum^-p - accum^-p)
    p /= lr
    p += 2 * l2_shrinkage
    p *= w
    linear += grad
    linear += p
    t /= lr
    t += 2 * l2                         # quadratic
    np.sign(linear, out=p)
    p *= l1
    p -= linear
    np.divide(p, t, out=p)
    np.abs(linear, out=t)
    np.copyto(w, p)
    w[t <= l1] = 0


# ---- the table -------------------------------------------------------------------------------
# Keras's optimizers make sparse gradients dense (as Keras 3 in TF 2.21 does); the rules only
# Keras uses (KerasMomentum, AdaMax, Nadam, Adam with amsgrad) say so with sparse="dense".
GRADIENT_DESCENT = rule("ApplyGradientDescent", "var lr grad", _k_gradient_descent)
MOMENTUM = rule("ApplyMomentum", "var accum lr grad momentum", _k_momentum,
                slots=[("accum", "momentum")], attrs={"use_nesterov": False})
KERAS_MOMENTUM = rule("ApplyKerasMomentum", "var velocity lr momentum grad",
                      _k_keras_momentum, slots=[("velocity", "momentum")],
                      attrs={"nesterov": False}, n_tmp=2, sparse="dense")
ADAGRAD = rule("ApplyAdagrad", "var accum lr epsilon grad", _k_adagrad,
               slots=[("accum", "accumulator", "initial_accumulator_value")])
PROXIMAL_ADAGRAD = rule("ApplyProximalAdagrad", "var accum lr l1 l2 grad",
                        _k_proximal_adagrad,
                        slots=[("accum", "accumulator", "initial_accumulator_value")], n_tmp=2)
ADADELTA = rule("ApplyAdadelta", "var accum accum_update lr rho epsilon grad",
                _k_adadelta, slots=[("accum", "accum"), ("accum_update", "accum_update")],
                n_tmp=2)
RMSPROP = rule("ApplyRMSProp", "var ms mom lr rho momentum epsilon grad",
               _k_rmsprop, slots=[("ms", "rms", "initial_rms"), ("mom", "momentum")])
CENTERED_RMSPROP = rule("ApplyCenteredRMSProp",
                        "var mg ms mom lr rho momentum epsilon grad", _k_centered_rmsprop,
                        slots=[("ms", "rms", "initial_rms"), ("mg", "mg"),
                               ("mom", "momentum")])
ADAM = rule("ApplyAdam",
            "var m v beta1_power beta2_power lr beta1 beta2 epsilon grad", _k_adam,
            slots=[("m", "m"), ("v", "v")], attrs={"use_nesterov": False},
            powers={"beta1_power": "beta1", "beta2_power": "beta2"}, n_tmp=2, fuse=True,
            sparse="dense")
ADAM_AMSGRAD = rule("ApplyAdamWithAmsgrad",
                    "var m v vhat beta1_power beta2_power lr beta1 beta2 epsilon grad",
                    _k_adam_amsgrad, slots=[("m", "m"), ("v", "v"), ("vhat", "vhat")],
                    powers={"beta1_power": "beta1", "beta2_power": "beta2"}, fuse=True,
                    sparse="dense")
ADAMAX = rule("ApplyAdaMax", "var m v beta1_power lr beta1 beta2 epsilon grad",
              _k_adamax, slots=[("m", "m"), ("v", "u")], powers={"beta1_power": "beta1"},
              fuse=True, sparse="dense")
NADAM = rule("ApplyNadam", "var m v u_product lr beta1 beta2 epsilon step grad",
             _k_nadam, slots=[("m", "m"), ("v", "v"), ("u_product", "u_product", 1.0, True)],
             n_tmp=2, sparse="dense")
FTRL = rule("ApplyFtrlV2", "var accum linear grad lr l1 l2 l2_shrinkage lr_power",
            _k_ftrl, slots=[("accum", "accum", "initial_accumulator_value"),
                            ("linear", "linear")], n_tmp=2)
