"""kernels/parallel.py: a kernel's work cut into parts on the run's cores, and the kernels that
use it (convolutions, pooling, big elementwise ops, the optimizers' rules) giving the values of
the uncut computation, in graph runs whose plan chose two threads."""

import threading

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.framework import run_context
from tensorfluxo.kernels import conv as K
from tensorfluxo.kernels import parallel
from tensorfluxo.kernels.blas import blas


@pytest.fixture
def width2(monkeypatch):
    """Kernels called directly may split in two (as inside a run whose plan chose 2)."""
    monkeypatch.setattr(parallel, "width", 2)


@pytest.fixture
def two_thread_runs(monkeypatch):
    """Every run plan uses two threads (as TENSORFLUXO_BLAS_THREADS=2 does)."""
    blas.candidates()
    if not blas.libs:
        pytest.skip("no BLAS control (threadpoolctl) here: plans are not tuned")
    monkeypatch.setattr(blas, "fixed", 2)


def test_parts_cover_the_range_in_near_equal_slices():
    assert parallel.parts(5, 2) == [slice(0, 3), slice(3, 5)]
    assert parallel.parts(1, 2) == [slice(0, 1)]
    assert parallel.parts(7, 3) == [slice(0, 3), slice(3, 5), slice(5, 7)]


def test_run_uses_two_threads_and_restores_blas(width2):
    seen = {}
    before = blas.candidates() and [get() for get, _ in blas.libs]
    parallel.run(lambda s: seen.__setitem__(s.start, threading.get_ident()), 10, 1 << 20)
    assert sorted(seen) == [0, 5] and len(set(seen.values())) == 2
    assert (blas.candidates() and [get() for get, _ in blas.libs]) == before


def test_small_work_or_width_one_runs_once_inline(width2, monkeypatch):
    calls = []
    parallel.run(lambda s: calls.append((s, threading.get_ident())), 10, 100)
    monkeypatch.setattr(parallel, "width", 1)
    parallel.run(lambda s: calls.append((s, threading.get_ident())), 10, 1 << 20)
    assert calls == [(slice(0, 10), threading.get_ident())] * 2


def test_a_failing_part_raises_in_the_caller_after_every_part_ended(width2):
    ended = []

    def part(s):
        if s.start:
            raise ValueError(f"part {s} failed")
        threading.Event().wait(0.05)
        ended.append(s)
    with pytest.raises(ValueError, match="part slice"):
        parallel.run(part, 4, 1 << 20)
    assert ended == [slice(0, 2)]
    parallel.run(lambda s: ended.append(s), 4, 1 << 20)  # the worker still serves
    assert len(ended) == 3


def test_a_nested_run_inside_a_part_runs_inline(width2):
    out = np.zeros(8)

    def outer(s):
        def inner(t):
            out[s][t] += 1
        parallel.run(inner, s.stop - s.start, 1 << 20)
    parallel.run(outer, 8, 1 << 20)
    np.testing.assert_array_equal(out, 1)


def test_parts_see_the_callers_run_scratch(width2):
    outer = run_context.begin_scratch()
    try:
        mine, seen = run_context.scratch(), []
        parallel.run(lambda s: seen.append(run_context.scratch()), 4, 1 << 20)
    finally:
        run_context.end_scratch(outer)
    assert len(seen) == 2 and all(v is mine for v in seen)


def test_elementwise_splits_rows_with_broadcasting(width2, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    split, calls = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda fn, n, size: (calls.append(n), split(fn, n, size)))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 20, 30)).astype(np.float32)
    b = rng.standard_normal(30).astype(np.float32)
    one_row = rng.standard_normal((1, 20, 30)).astype(np.float32)
    add = parallel.elementwise(np.add)
    np.testing.assert_array_equal(add(x, b), x + b)
    np.testing.assert_array_equal(add(b, x), b + x)
    np.testing.assert_array_equal(add(one_row, x), one_row + x)
    assert add(x, b).dtype == np.float32
    assert calls == [300] * 4


GEOMS = [((9, 8), (3, 3), (1, 1), (1, 1), "SAME"), ((14, 14), (5, 5), (1, 1), (1, 1), "SAME"),
         ((9, 7), (3, 2), (2, 1), (1, 2), "VALID")]


@pytest.mark.parametrize("algo", ["dft", "im2col"])
@pytest.mark.parametrize("geom", GEOMS)
@pytest.mark.parametrize("n", [1, 5])
def test_split_convolutions_equal_the_whole_batch(monkeypatch, algo, geom, n):
    rng = np.random.default_rng(1)
    hw, khw = geom[0], geom[1]
    x = rng.standard_normal((n, *hw, 3)).astype(np.float32)
    w = rng.standard_normal((*khw, 3, 4)).astype(np.float32)
    g = K.geometry(hw, khw, *geom[2:])
    dy = rng.standard_normal((n, g.OH, g.OW, 4)).astype(np.float32)

    def all3():
        return (K.conv2d(x, w, g, algo), K.conv2d_input_grad(w, dy, g, n, algo),
                K.conv2d_filter_grad(x, dy, g, algo))
    whole = all3()
    monkeypatch.setattr(parallel, "width", 2)
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    for a, b in zip(all3(), whole):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())


@pytest.mark.parametrize("shape, geom", [((5, 8, 6, 3), ((2, 2), (2, 2), "VALID")),
                                         ((5, 7, 7, 2), ((3, 3), (2, 2), "SAME"))])
def test_split_max_pool_and_its_gradient_equal_the_whole_batch(monkeypatch, shape, geom):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties: the first maximum wins
    g = K.geometry(shape[1:3], geom[0], geom[1], (1, 1), geom[2])
    y = K.max_pool(x, g)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = K.max_pool_grad(x, y, dy, g)
    monkeypatch.setattr(parallel, "width", 2)
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    np.testing.assert_array_equal(K.max_pool(x, g), y)
    np.testing.assert_array_equal(K.max_pool_grad(x, y, dy, g), dx)


def _lenet_losses(steps=4):
    """A small conv/pool/dense net trained with Adam; the losses of ``steps`` steps."""
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((16, 12, 12, 1)).astype(np.float32)
    ys = rng.integers(0, 10, 16)
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 12, 12, 1])
        y = tf.placeholder(tf.int64, [None])
        h = tf.layers.conv2d(x, 8, 3, padding="same", activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        h = tf.layers.conv2d(h, 16, 5, padding="same", activation=tf.nn.relu)
        h = tf.layers.max_pooling2d(h, 2, 2)
        logits = tf.layers.dense(tf.layers.flatten(h), 10)
        loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
        train = tf.train.AdamOptimizer(1e-2).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return [sess.run([loss, train], {x: xs, y: ys})[0] for _ in range(steps)]


def test_a_training_step_on_two_threads_equals_one(monkeypatch, two_thread_runs):
    """Runs whose plan uses two threads split the convolutions, pooling, elementwise ops and
    Adam into parts (MIN_SIZE lowered so this small net splits too) and train as one thread."""
    split, calls = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda fn, n, size=parallel.MIN_SIZE: (
        calls.append(parallel.width), split(fn, n, size))[1])
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    two = _lenet_losses()
    assert calls and set(calls) == {2}
    monkeypatch.setattr(blas, "fixed", 1)
    calls.clear()
    one = _lenet_losses()
    assert set(calls) == {1}
    np.testing.assert_allclose(two, one, rtol=1e-4)


def test_adam_on_parts_of_a_big_variable_equals_the_whole(monkeypatch, two_thread_runs):
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal((600, 250)).astype(np.float32)
    gv = rng.standard_normal((600, 250)).astype(np.float32)
    split, sizes = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda fn, n, size=parallel.MIN_SIZE: (
        sizes.append((parallel.width, size)), split(fn, n, size))[1])

    def train(width_threads):
        monkeypatch.setattr(blas, "fixed", width_threads)
        g = tf.Graph()
        with g.as_default():
            w = tf.Variable(w0)
            # a plan with a conv op splits (Adam alone does not make a plan split)
            dummy = tf.nn.max_pool(tf.zeros([1, 2, 2, 1]), 2, 2, "VALID")
            step = tf.train.AdamOptimizer(0.1).apply_gradients([(tf.constant(gv), w)])
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    sess.run([step, dummy])
                return sess.run(w)
    np.testing.assert_array_equal(train(2), train(1))
    assert sizes.count((2, 2 * w0.size)) == 3  # three updates cut in parts (none when 1)


def _split_in_child(out):
    parallel.set_width(2)
    seen = []
    parallel.run(lambda s: seen.append(threading.get_ident()), 4, 1 << 20)
    out.put(len(set(seen)))


def test_a_forked_child_starts_its_own_worker(width2):
    """A child forked after the worker started (multiprocessing's default on Linux) would
    queue its parts for a thread it does not have, and wait for ever."""
    import multiprocessing
    parallel.run(lambda s: None, 4, 1 << 20)  # the parent's worker exists
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_split_in_child, args=(out,))
    child.start()
    child.join(20)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung in parallel.run")
    assert child.exitcode == 0 and out.get(timeout=5) == 2


def test_given_parts_inside_a_part_run_one_after_the_other(width2):
    seen = []

    def outer(s):
        parallel.run_parts(lambda t: seen.append((s.start, t.start)),
                           [slice(0, 1), slice(1, 2)])
    parallel.run(outer, 2, 1 << 20)
    assert sorted(seen) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_bias_add_splits_in_both_layouts(width2, monkeypatch):
    from tensorfluxo.ops import nn_ops
    monkeypatch.setattr(parallel, "MIN_SIZE", 1)
    split, calls = parallel.run, []
    monkeypatch.setattr(parallel, "run", lambda fn, n, size: (calls.append(n), split(fn, n, size)))
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 4, 5, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    np.testing.assert_array_equal(nn_ops._k_bias_add(x, b), x + b)
    xc = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(nn_ops._k_bias_add(xc, b, "NCHW"), xc + b[:, None, None])
    assert calls == [6, 6]
