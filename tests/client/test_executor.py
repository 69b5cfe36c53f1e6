"""The executor's public API (compile a plan, run it) and the errors kernels raise through it."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.client.executor import RunState
from tensorfluxo.framework import errors


def test_compile_runs_a_pruned_plan_against_a_run_state():
    x = tf.placeholder(tf.float32, (None, 2), name="x")
    w = tf.Variable([[1.0], [2.0]], name="w")
    y = tf.matmul(x, w, name="y")
    unused = tf.random_normal((3,), name="unused")
    state = RunState()
    state.write_variable(w, [[1.0], [2.0]])
    plan = state.compile([y, w.initializer], [x])
    assert unused.op not in plan.ops
    out, none = plan([np.ones((3, 2), np.float32)])
    np.testing.assert_allclose(out, [[3.0]] * 3)
    assert none is None
    assert "# y (MatMul)" in plan.source  # each generated line names its op


def test_sessions_are_run_states_with_resources_per_session():
    with tf.Session() as a, tf.Session() as b:
        assert isinstance(a, RunState)
        a.resources["k"] = 1
        assert "k" not in b.resources


@pytest.mark.parametrize("build, feed, pattern", [
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([0, 5], tf.int64), logits=tf.zeros((2, 3)), name="xent"),
     None, r"label value of 5 .* \[0, 3\).*\n  in op 'xent' \(SparseSoftmax"),
    (lambda: tf.reshape(tf.placeholder_with_default(np.zeros(5, np.float32), None), (2, 3),
                        name="resh"),
     None, r"cannot reshape array of size 5 .*\n  in op 'resh' \(Reshape\), created at .*"
           r"test_executor"),
])
def test_kernel_errors_name_the_op_and_the_user_line(build, feed, pattern):
    t = build()
    with tf.Session() as sess, pytest.raises(errors.InvalidArgumentError, match=pattern) as e:
        sess.run(t, feed)
    assert e.value.op is t.op


def test_an_error_a_kernel_raises_without_its_op_gets_the_op():
    v = tf.Variable(1.0, name="v")
    y = tf.add(v, 1.0, name="plus")
    with tf.Session() as sess, pytest.raises(errors.FailedPreconditionError,
                                             match=r"uninitialized value v.*\n  in op 'v'") as e:
        sess.run(y)
    assert e.value.op is v.op


def test_errors_inside_a_cond_branch_name_the_branch_op():
    x = tf.placeholder(tf.float32, None)
    out = tf.cond(tf.constant(True), lambda: tf.reshape(x, (2, 2), name="inner"), lambda: x)
    with tf.Session() as sess, pytest.raises(errors.InvalidArgumentError,
                                             match=r"in op 'cond/true_fn/inner'") as e:
        sess.run(out, {x: np.zeros(3)})
    assert e.value.op.name == "cond/true_fn/inner"
