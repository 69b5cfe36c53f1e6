import numpy as np

from tensorfluxo.kernels import blas as B


def _tuner(monkeypatch, choices=(1, 2)):
    monkeypatch.setattr(B.blas, "candidates", lambda: choices)
    return B.ThreadTuner()


def _feed(tuner, cost):
    """Runs the exploration with run times given by cost(n)."""
    while tuner.exploring:
        n = tuner.next()
        tuner.record(n, cost(n))


def test_picks_more_threads_only_when_clearly_faster(monkeypatch):
    t = _tuner(monkeypatch)
    _feed(t, lambda n: {1: 1.0, 2: 0.6}[n])
    assert t.next() == 2
    t = _tuner(monkeypatch)
    _feed(t, lambda n: {1: 1.0, 2: 0.95}[n])  # within the 10% margin: stay with one
    assert t.next() == 1
    t = _tuner(monkeypatch)
    _feed(t, lambda n: {1: 0.002, 2: 0.08}[n])  # a loaded machine: many threads collapse
    assert t.next() == 1


def test_first_run_is_a_warm_up_and_minimum_is_used(monkeypatch):
    t = _tuner(monkeypatch)
    costs = iter([100.0] * B._WARMUP + [1.0, 5.0, 1.0, 0.5, 1.0, 0.5, 2.0, 2.0])  # 1,2,1,2..
    _feed(t, lambda n: next(costs))
    assert t.times == {1: 1.0, 2: 0.5}
    assert t.next() == 2


def test_measures_again_after_the_deadline(monkeypatch):
    t = _tuner(monkeypatch)
    _feed(t, lambda n: {1: 1.0, 2: 0.5}[n])
    now = [0.0]
    monkeypatch.setattr(B.time, "perf_counter", lambda: now[0])
    t.deadline = 10.0
    for _ in range(200):
        assert t.next() == 2
    now[0] = 11.0
    for _ in range(B._CHECK_EVERY):
        t.next()
    assert t.exploring
    _feed(t, lambda n: {1: 1.0, 2: 3.0}[n])  # the machine got busy
    assert t.next() == 1


def test_single_choice_needs_no_measuring(monkeypatch):
    t = _tuner(monkeypatch, choices=(1,))
    assert not t.exploring and t.next() == 1
    t = _tuner(monkeypatch, choices=())
    assert t.next() is None


def test_session_results_do_not_depend_on_threads():
    import tensorfluxo as tf
    a = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    x = tf.placeholder(tf.float32, (64, 64))
    y = tf.matmul(x, x)
    with tf.Session() as sess:
        outs = [sess.run(y, {x: a}) for _ in range(10)]
    for o in outs:
        np.testing.assert_allclose(o, a @ a, rtol=1e-5)
