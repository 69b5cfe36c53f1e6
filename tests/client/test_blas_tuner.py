import numpy as np

import tensorfluxo as tf
from tensorfluxo.client import executor as B


def _tuner(monkeypatch, choices=(1, 2), busy=False):
    monkeypatch.setattr(B.blas, "candidates", lambda: choices)
    monkeypatch.setattr(B, "_others_runnable", lambda: busy)
    return B.ThreadTuner()


def _feed(tuner, cost):
    """Runs one measurement with run times given by cost(n, i) (i counts the runs)."""
    i = 0
    while tuner.exploring:
        n = tuner.next()
        tuner.record(n, cost(n, i))
        i += 1


def test_picks_more_threads_only_when_clearly_faster(monkeypatch):
    t = _tuner(monkeypatch)
    _feed(t, lambda n, i: {1: 1.0, 2: 0.6}[n])
    assert t.next() == 2
    t = _tuner(monkeypatch)
    _feed(t, lambda n, i: {1: 1.0, 2: 0.95}[n])  # within the 10% margin: stay with one
    assert t.next() == 1
    t = _tuner(monkeypatch)
    _feed(t, lambda n, i: {1: 0.002, 2: 0.08}[n])  # a loaded machine: many threads collapse
    assert t.next() == 1


def test_settling_runs_after_a_switch_are_not_counted(monkeypatch):
    # the first runs with two threads are slow (workers waking), then it is faster
    t = _tuner(monkeypatch)
    slow_start = {B._WARMUP + B._BLOCK + k for k in range(B._SETTLE)}
    _feed(t, lambda n, i: 1.0 if n == 1 else (5.0 if i in slow_start else 0.6))
    assert t.next() == 2


def test_medians_decide_not_lucky_minimums(monkeypatch):
    t = _tuner(monkeypatch)
    counted = iter([0.5, 3.0, 2.5, 3.0, 2.8])  # contended: one lucky run
    _feed(t, lambda n, i: 1.0 if n == 1 else
          (9.0 if i < B._WARMUP + B._BLOCK + B._SETTLE else next(counted)))
    assert t.next() == 1


def test_measures_again_and_backs_off_while_the_answer_holds(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(B.time, "perf_counter", lambda: now[0])
    t = _tuner(monkeypatch)
    _feed(t, lambda n, i: {1: 1.0, 2: 0.85}[n])
    assert t.next() == 2 and t.interval == B._FIRST_SECONDS
    intervals = []
    for _ in range(4):
        now[0] = t.deadline + 1
        for _ in range(B._CHECK_EVERY + 1):
            t.next()
        assert t.exploring
        _feed(t, lambda n, i: {1: 1.0, 2: 0.85}[n])
        intervals.append(t.interval)
    assert intervals == [5.0, 10.0, 20.0, 40.0]
    now[0] = t.deadline + 1
    for _ in range(B._CHECK_EVERY + 1):
        t.next()
    _feed(t, lambda n, i: {1: 1.0, 2: 3.0}[n])  # the machine got busy
    assert t.next() == 1 and t.interval == B._EXPLOIT_SECONDS


def test_a_first_choice_by_a_wide_margin_is_checked_again_later(monkeypatch):
    """Early runs are noisy, so a first choice is measured again after _FIRST_SECONDS; one
    that won by 30% or more is not noise, and waits _EXPLOIT_SECONDS like later choices."""
    for fast, interval in [(0.5, B._EXPLOIT_SECONDS), (0.75, B._EXPLOIT_SECONDS),
                           (0.8, B._FIRST_SECONDS)]:
        t = _tuner(monkeypatch)
        _feed(t, lambda n, i, fast=fast: {1: 1.0, 2: fast}[n])
        assert t.next() == 2 and t.interval == interval, fast
    t = _tuner(monkeypatch)
    _feed(t, lambda n, i: {1: 1.0, 2: 1.5}[n])  # one thread, clearly
    assert t.next() == 1 and t.interval == B._EXPLOIT_SECONDS


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
        outs = [sess.run(y, {x: a}) for _ in range(30)]
    for o in outs:
        np.testing.assert_allclose(o, a @ a, rtol=1e-5)


def test_a_clearly_losing_candidate_is_cut_short(monkeypatch):
    t = _tuner(monkeypatch)
    calls = []

    def cost(n, i):
        calls.append(n)
        return 1.0 if n == 1 else 80.0
    _feed(t, cost)
    assert t.next() == 1
    assert calls.count(2) == 2  # the wake-up run and one more, not a block of 80x slower runs


def test_a_busy_machine_costs_no_trial_of_more_threads(monkeypatch):
    # another process holds a core: trying two threads would cost ~80 ms a run; none is tried
    t = _tuner(monkeypatch, busy=True)
    tried = []

    def cost(n, i):
        tried.append(n)
        return 0.002
    _feed(t, cost)
    assert set(tried) == {1} and t.next() == 1


def test_only_plans_that_call_blas_tune_threads():
    x = tf.placeholder(tf.float32, (2, 2))
    with tf.Session() as sess:
        assert sess.compile([tf.tanh(x)], [x])._tuner is None
        assert sess.compile([tf.matmul(x, x)], [x])._tuner is not None
