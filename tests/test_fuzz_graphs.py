"""Random small graphs of the registered ops, built, run and differentiated, against a NumPy
model of the same program.

Each program (fixed seeds) starts from one or two placeholders (static or unknown dims), chains
3 to 7 random ops chosen among those that fit the operands' shapes, and ends with a weighted
sum. Every intermediate value must equal the NumPy model's and have exactly the dtype and a
shape compatible with what its tensor declared; ``tf.gradients`` of the sum must run and match
central differences of the NumPy model (float64 programs). Any exception is a finding.
"""

import numpy as np
import pytest

import tensorfluxo as tf

N_PROGRAMS = 240  # 8 batches of 30: ~2 s in all on an idle machine


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# Unary ops: (tf function, NumPy model, smooth enough for finite differences)
UNARY = [
    (tf.negative, np.negative), (tf.square, np.square), (tf.tanh, np.tanh),
    (tf.sigmoid, _sigmoid), (tf.sin, np.sin), (tf.cos, np.cos),
    (lambda x: tf.exp(tf.clip_by_value(x, -3.0, 3.0)), lambda x: np.exp(np.clip(x, -3, 3))),
    (tf.nn.softplus, lambda x: np.log1p(np.exp(x))), (tf.nn.elu, lambda x: np.where(
        x > 0, x, np.expm1(np.minimum(x, 0)))),
    (lambda x: tf.sqrt(tf.square(x) + 1.0), lambda x: np.sqrt(x * x + 1)),
    (lambda x: tf.log(tf.abs(x) + 1.0), lambda x: np.log(np.abs(x) + 1)),
    (tf.nn.relu, lambda x: np.maximum(x, 0)), (tf.abs, np.abs),
    (lambda x: x * 0.5 + 1.0, lambda x: x * 0.5 + 1),
]

BINARY = [
    (tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply),
    (lambda a, b: a / (tf.square(b) + 1.0), lambda a, b: a / (b * b + 1)),
    (tf.maximum, np.maximum), (tf.minimum, np.minimum),
    (tf.squared_difference, lambda a, b: (a - b) ** 2),
    (lambda a, b: tf.where_v2(a > b, a, b * 2.0), lambda a, b: np.where(a > b, a, b * 2)),
]


SCALAR_OK = (0, 1, 2, 4, 5, 6)  # the BINARY ops that take a Python number as operand


def _broadcastable(s, t):
    try:
        np.broadcast_shapes(s, t)
        return True
    except ValueError:
        return False


class Program:
    """One random program: the graph, its NumPy model, and the checks."""

    def __init__(self, seed, dtype):
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.np_dtype = dtype.as_numpy_dtype
        self.inputs = []   # (placeholder, value)
        self.nodes = []    # (tensor, function of the input values -> value)

    # ---- sources ----
    def placeholder(self):
        r = self.rng
        shape = tuple(int(d) for d in r.integers(1, 4, size=r.integers(0, 4)))
        value = r.uniform(-2, 2, shape).astype(self.np_dtype)
        static = [None if r.random() < 0.3 else d for d in shape]
        p = tf.placeholder(self.dtype, static if r.random() < 0.9 else None)
        i = len(self.inputs)
        self.inputs.append((p, value))
        self.nodes.append((p, lambda vals, i=i: vals[i]))

    # ---- random steps ----
    def step(self):
        r = self.rng
        t, f = self.nodes[r.integers(len(self.nodes))]
        shape = self.model(f).shape
        kinds = ["unary", "binary", "reduce", "shape", "softmax", "matmul", "concat", "slice",
                 "misc"]
        kind = kinds[r.integers(len(kinds))]
        out = getattr(self, "_" + kind)(t, f, shape)
        if out is not None:
            self.nodes.append(out)

    def model(self, f):
        return f([v for _, v in self.inputs])

    def _unary(self, t, f, shape):
        fn, ref = UNARY[self.rng.integers(len(UNARY))]
        return fn(t), lambda v: ref(f(v))

    def _binary(self, t, f, shape):
        cands = [(u, g) for u, g in self.nodes if _broadcastable(shape, self.model(g).shape)]
        u, g = cands[self.rng.integers(len(cands))]
        k = self.rng.integers(len(BINARY))
        fn, ref = BINARY[k]
        if k in SCALAR_OK and self.rng.random() < 0.3:  # a Python scalar takes t's dtype
            c = float(self.rng.uniform(-1, 1))
            return fn(t, c), lambda v: ref(f(v), np.asarray(c, self.np_dtype))
        return fn(t, u), lambda v: ref(f(v), g(v))

    def _reduce(self, t, f, shape):
        r = self.rng
        ops = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
               (tf.reduce_min, np.min), (tf.reduce_prod, np.prod),
               (tf.reduce_logsumexp, lambda x, axis, keepdims: np.log(np.sum(
                   np.exp(x), axis=axis, keepdims=keepdims)))]
        fn, ref = ops[r.integers(len(ops))]
        keep = bool(r.random() < 0.5)
        if not shape or r.random() < 0.3:
            axis = None
        else:
            axis = int(r.integers(-len(shape), len(shape)))
        return fn(t, axis=axis, keepdims=keep), \
            lambda v: np.asarray(ref(f(v), axis=axis, keepdims=keep), self.np_dtype)

    def _shape(self, t, f, shape):
        r = self.rng
        choice = r.integers(5)
        if choice == 0:
            perm = list(r.permutation(len(shape)))
            return tf.transpose(t, perm), lambda v: np.transpose(f(v), perm)
        if choice == 1:
            return tf.reshape(t, [-1]), lambda v: f(v).reshape(-1)
        if choice == 2:
            axis = int(r.integers(-len(shape) - 1, len(shape) + 1))
            return tf.expand_dims(t, axis), lambda v: np.expand_dims(f(v), axis)
        if choice == 3 and 1 in shape:
            axis = shape.index(1)
            if t.shape.ndims is not None and t.shape.as_list()[axis] in (1, None):
                return tf.squeeze(t, [axis]), lambda v: np.squeeze(f(v), axis)
            return None
        mult = [int(m) for m in r.integers(1, 3, size=len(shape))]
        return tf.tile(t, mult), lambda v: np.tile(f(v), mult)

    def _softmax(self, t, f, shape):
        if not shape:
            return None
        # a non-last axis needs a known rank (a clear ValueError otherwise)
        axis = int(self.rng.integers(-len(shape), len(shape))) if t.shape.ndims else -1
        if self.rng.random() < 0.5:
            return tf.nn.softmax(t, axis=axis), lambda v: _softmax(f(v), axis)
        return tf.nn.log_softmax(t, axis=axis), lambda v: np.log(_softmax(f(v), axis))

    def _matmul(self, t, f, shape):
        if len(shape) != 2:
            return None
        cands = [(u, g) for u, g in self.nodes if len(self.model(g).shape) == 2
                 and self.model(g).shape[0] == shape[1]]
        if not cands:
            w = self.rng.uniform(-1, 1, (shape[1], 2)).astype(self.np_dtype)
            return tf.matmul(t, w), lambda v: f(v) @ w
        u, g = cands[self.rng.integers(len(cands))]
        return tf.matmul(t, u), lambda v: f(v) @ g(v)

    def _concat(self, t, f, shape):
        if not shape:
            return tf.stack([t, t * 2.0]), lambda v: np.stack([f(v), f(v) * 2])
        axis = int(self.rng.integers(len(shape)))
        cands = [(u, g) for u, g in self.nodes
                 if self.model(g).shape[:axis] + self.model(g).shape[axis + 1:]
                 == shape[:axis] + shape[axis + 1:] and len(self.model(g).shape) == len(shape)]
        u, g = cands[self.rng.integers(len(cands))]
        if self.rng.random() < 0.5:
            return tf.concat([t, u], axis), lambda v: np.concatenate([f(v), g(v)], axis)
        if self.model(g).shape == shape:
            return tf.stack([t, u], axis), lambda v: np.stack([f(v), g(v)], axis)
        return None

    def _slice(self, t, f, shape):
        if not shape:
            return None
        r = self.rng
        n = shape[0]
        if r.random() < 0.5:
            a = int(r.integers(0, n))
            b = int(r.integers(a + 1, n + 1))
            return t[a:b], lambda v: f(v)[a:b]
        idx = [int(i) for i in r.integers(0, n, size=r.integers(1, 4))]
        return tf.gather(t, idx), lambda v: f(v)[idx]

    def _misc(self, t, f, shape):
        r = self.rng
        choice = r.integers(5)
        if choice == 0:
            return tf.clip_by_value(t, -1.0, 1.0), lambda v: np.clip(f(v), -1, 1)
        if choice == 1 and shape:
            axis = int(r.integers(len(shape)))
            return tf.cumsum(t, axis), lambda v: np.cumsum(f(v), axis, dtype=self.np_dtype)
        if choice == 2 and shape:
            pads = [[int(a), int(b)] for a, b in r.integers(0, 2, size=(len(shape), 2))]
            return tf.pad(t, pads), lambda v: np.pad(f(v), pads)
        if choice == 3 and shape:
            axis = int(r.integers(len(shape)))
            return tf.reverse(t, [axis]), lambda v: np.flip(f(v), axis)
        return tf.cast(tf.cast(t, tf.int32), self.dtype), \
            lambda v: f(v).astype(np.int32).astype(self.np_dtype)


def _check_value(t, got, want, rtol):
    assert got.dtype == t.dtype.as_numpy_dtype, f"{t.name}: dtype {got.dtype}, declared {t.dtype}"
    assert t.shape.is_compatible_with(got.shape), \
        f"{t.name} ({t.op.type}): value shape {got.shape}, declared {t.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=f"{t.name} ({t.op.type})")


def run_program(seed):
    dtype = tf.float64 if seed % 2 else tf.float32
    g = tf.Graph()
    with g.as_default():
        p = Program(seed, dtype)
        for _ in range(1 + p.rng.integers(2)):
            p.placeholder()
        for _ in range(p.rng.integers(3, 8)):
            p.step()
        last, f_last = p.nodes[-1]
        w = p.rng.standard_normal(p.model(f_last).shape).astype(p.np_dtype)
        y = tf.reduce_sum(last * w)
        feed = {ph: v for ph, v in p.inputs}
        # a gather's gradient is an IndexedSlices (as in TF): compared as the dense tensor
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                 for g in tf.gradients(y, [ph for ph, _ in p.inputs])]
        with tf.Session() as sess:
            values = sess.run([t for t, _ in p.nodes] + [y], feed)
            gvals = sess.run([gr for gr in grads if gr is not None], feed)
    rtol = 1e-4 if dtype is tf.float32 else 1e-9
    for (t, f), got in zip(p.nodes, values):
        _check_value(t, np.asarray(got), p.model(f), rtol)
    # gradients: shapes and dtypes of the inputs; values against central differences (float64)
    for (ph, v), gr, gv in zip(p.inputs, grads, iter(gvals)):
        if gr is None:
            continue
        assert gv.shape == v.shape and gv.dtype == v.dtype, f"gradient of {ph.name}"
    if dtype is tf.float64:
        base = [v.copy() for _, v in p.inputs]
        with_grad = [k for k in range(len(p.inputs)) if grads[k] is not None]
        for i, (_, v) in enumerate(p.inputs):
            if grads[i] is None:
                continue
            gv = gvals[with_grad.index(i)]
            num = np.zeros_like(v)
            for k in range(v.size):
                for sgn in (1, -1):
                    vals = [b.copy() for b in base]
                    vals[i].reshape(-1)[k] += sgn * 1e-6
                    num.reshape(-1)[k] += sgn * float(np.sum(f_last(vals) * w)) / 2e-6
            np.testing.assert_allclose(gv, num, rtol=1e-4, atol=1e-5,
                                       err_msg=f"gradient of program {seed}")


@pytest.mark.parametrize("batch", range(8))
def test_random_programs(batch):
    for seed in range(batch * N_PROGRAMS // 8, (batch + 1) * N_PROGRAMS // 8):
        try:
            run_program(seed)
        except Exception as e:
            raise AssertionError(f"program {seed}: {type(e).__name__}: {e}") from e
