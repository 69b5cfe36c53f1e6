"""Learning-rate schedules: values along a global step advanced by a train op."""

import math

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.train import learning_rate_decay as lrd

STEPS = [0, 3, 10, 15, 27]


def run_schedule(make, steps=STEPS):
    """Values of ``make(global_step)`` as a train op moves the global step through ``steps``."""
    step = tf.train.get_or_create_global_step()
    lr = make(step)
    advance = tf.assign_add(step, 1)
    out = {}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for s in range(max(steps) + 1):
            if s in steps:
                out[s] = float(sess.run(lr))
            sess.run(advance)
    return lr, [out[s] for s in steps]


@pytest.mark.parametrize("make, ref", [
    (lambda g: lrd.exponential_decay(0.1, g, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (lambda g: lrd.exponential_decay(0.1, g, 10, 0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 10)),
    (lambda g: lrd.natural_exp_decay(0.1, g, 10, 0.5), lambda s: 0.1 * math.exp(-0.5 * s / 10)),
    (lambda g: lrd.natural_exp_decay(0.1, g, 10, 0.5, staircase=True),
     lambda s: 0.1 * math.exp(-0.5 * (s // 10))),
    (lambda g: lrd.inverse_time_decay(0.1, g, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (lambda g: lrd.inverse_time_decay(0.1, g, 10, 0.5, staircase=True),
     lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (lambda g: lrd.polynomial_decay(0.1, g, 10),
     lambda s: (0.1 - 1e-4) * (1 - min(s, 10) / 10) + 1e-4),
    (lambda g: lrd.polynomial_decay(0.1, g, 10, 0.01, power=2.0, cycle=True),
     lambda s: (0.1 - 0.01) * (1 - s / (10 * max(1, math.ceil(s / 10)))) ** 2 + 0.01),
    (lambda g: lrd.piecewise_constant(g, [5, 15], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 5 else 0.5 if s <= 15 else 0.1),
])
def test_schedule_values_follow_the_global_step(make, ref):
    lr, got = run_schedule(make)
    assert lr.dtype == tf.float32 and lr.shape.as_list() == []
    np.testing.assert_allclose(got, [ref(s) for s in STEPS], rtol=1e-6)


def test_names_as_tensorflow():
    step = tf.train.get_or_create_global_step()
    assert lrd.exponential_decay(0.1, step, 10, 0.5).name == "ExponentialDecay:0"
    assert lrd.piecewise_constant(step, [5], [1.0, 0.5]).name == "PiecewiseConstant:0"
    assert lrd.polynomial_decay(0.1, step, 10, name="poly").name == "poly:0"


def test_decay_drives_an_optimizer_through_minimize():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(0.0, name="w")
    lr = lrd.exponential_decay(1.0, step, 1, 0.5, staircase=True)
    train = tf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            sess.run(train)
        # w grew by 1 + 0.5 + 0.25 + 0.125, one learning rate per step.
        assert sess.run(w) == pytest.approx(1.875)
        assert sess.run(step) == 4


def test_float64_learning_rate_tensor_keeps_its_dtype():
    step = tf.train.get_or_create_global_step()
    lr = lrd.exponential_decay(tf.constant(0.1, tf.float64), step, 10, 0.5)
    assert lr.dtype == tf.float64


def test_piecewise_constant_with_float_x_and_tensor_values():
    x = tf.placeholder(tf.float32, [])
    out = lrd.piecewise_constant(x, [0.5, 1.5], [tf.constant(3), tf.constant(2), tf.constant(1)])
    with tf.Session() as sess:
        assert [sess.run(out, {x: v}) for v in (0.1, 0.5, 1.0, 2.0)] == [3, 3, 2, 1]


def test_errors():
    step = tf.train.get_or_create_global_step()
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        lrd.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="should be 1 less than the length of values"):
        lrd.piecewise_constant(step, [5, 10], [1.0, 0.5])
    with pytest.raises(ValueError, match="non-integer boundary 2.5"):
        lrd.piecewise_constant(step, [2.5], [1.0, 0.5])
    with pytest.raises(ValueError, match=r"Values must have elements all with the same dtype"):
        lrd.piecewise_constant(step, [2], [tf.constant(1.0), tf.constant(1)])
    with pytest.raises(ValueError, match=r"Boundaries \(int32\) must have the same dtype as x"):
        lrd.piecewise_constant(step, [tf.constant(2)], [1.0, 0.5])


def test_reachable_from_tf_train():
    assert tf.train.exponential_decay is lrd.exponential_decay
    assert tf.train.piecewise_constant is lrd.piecewise_constant
