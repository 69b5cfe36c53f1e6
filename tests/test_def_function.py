"""tf.function: traced once per input signature, run through the executor on the eager state."""

import numpy as np
import pytest

import tensorfluxo as tf

pytestmark = pytest.mark.usefixtures("eager")


def test_traces_once_per_signature_and_python_side_effects_only_while_tracing(capsys):
    traces = []

    @tf.function
    def f(x, scale=2):
        traces.append(x.shape)
        return x * scale

    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(tf.constant(5.0))) == 10.0          # same signature: no new trace
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2, 4])  # new shape
    assert float(f(tf.constant(1.0), scale=3)) == 3.0  # new Python value
    # a NumPy array is traced as a tensor of its dtype and shape: the (2,) trace again
    np.testing.assert_allclose(f(np.ones(2, np.float32)).numpy(), [2, 2])
    assert len(traces) == 3 and f.experimental_get_tracing_count() == 3


def test_tf_print_runs_at_every_call(capsys):
    @tf.function
    def f(x):
        print("tracing")
        tf.print("x =", x, output_stream="stdout")
        return x + 1

    f(tf.constant(1))
    f(tf.constant(2))
    out = capsys.readouterr().out
    assert out == "tracing\nx = 1\nx = 2\n"
    tf.print(tf.constant([1.5, 2.0]), tf.constant(True), tf.constant("hi"),
             output_stream="stdout")
    assert capsys.readouterr().out == '[1.5 2] 1 "hi"\n'


def test_input_signature_fixes_the_trace_and_checks_arguments():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.reduce_sum(x)

    assert float(f(tf.constant([1.0, 2.0]))) == 3.0
    assert float(f([1.0, 2.0, 3.0])) == 6.0
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError, match="does not match the input_signature"):
        f(tf.constant([[1.0]]))


def test_variables_are_shared_with_eager_code_and_updates_keep_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        before = v.read_value()
        v.assign_add(1.0)
        return before, v.read_value(), v * 10.0

    out = f()
    assert [float(t) for t in out] == [1.0, 2.0, 20.0]
    assert float(v) == 2.0
    v.assign(5.0)
    assert [float(t) for t in f()] == [5.0, 6.0, 60.0]


def test_variables_created_on_first_trace_only():
    class Scale:
        def __init__(self):
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(tf.ones([2]) * 3.0)
            return self.w * x

    m = Scale()
    np.testing.assert_allclose(m(tf.constant(2.0)).numpy(), [6, 6])
    np.testing.assert_allclose(m(tf.constant(1.0)).numpy(), [3, 3])

    @tf.function
    def every_call(x):
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on the "
                                         "first call"):
        every_call(tf.constant(1.0))


def test_gradient_tape_inside_a_function_trains():
    w = tf.Variable([1.0, -1.0])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((x * w - 1.0) ** 2)
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)
        return loss

    losses = [float(step(tf.constant([1.0, 2.0]))) for _ in range(3)]
    assert losses[0] == 9.0 and losses[2] < 0.02
    assert step.experimental_get_tracing_count() == 1


def test_function_outputs_keep_structure_and_pass_non_tensors():
    @tf.function
    def f(d):
        return {"sum": d["a"] + d["b"], "n": 2, "pair": (d["a"], None)}

    out = f({"a": tf.constant(1.0), "b": tf.constant(2.0)})
    assert float(out["sum"]) == 3.0 and out["n"] == 2 and out["pair"][1] is None


def test_initial_value_that_depends_on_arguments_is_refused():
    @tf.function
    def f(x):
        return tf.Variable(x * 2.0)

    with pytest.raises(ValueError, match="depends on the arguments of the tf.function"):
        f(tf.constant(1.0))


# ---- concrete functions and relaxed shapes ---------------------------------------------------
def test_get_concrete_function_with_a_tensor_spec(eager):
    v = tf.Variable(2.0)

    @tf.function
    def f(x, y=1.0):
        return {"a": x * v + y, "b": [x]}
    cf = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32, name="inp"))
    assert cf.graph.name == "f" and cf.name == "f"
    assert [t.name for t in cf.inputs] == ["inp:0"] and cf.inputs[0].shape.as_list() == [None, 3]
    assert len(cf.outputs) == 2 and all(t.graph is cf.graph for t in cf.outputs)
    assert cf.structured_outputs["a"] is cf.outputs[0]
    assert cf.structured_outputs["b"][0] is cf.inputs[0]
    assert cf.output_shapes["a"].as_list() == [None, 3] and cf.output_dtypes["b"] == [tf.float32]
    ((spec, y), kw) = cf.structured_input_signature
    assert spec == tf.TensorSpec([None, 3], tf.float32) and y == 1.0 and kw == {}
    assert cf.variables == (v,) and cf.trainable_variables == (v,)
    out = cf(tf.ones([2, 3]))
    np.testing.assert_array_equal(out["a"].numpy(), np.full([2, 3], 3.0))
    np.testing.assert_array_equal(cf(np.ones([1, 3], np.float32))["b"][0].numpy(), [[1, 1, 1]])
    # a call whose shape fits the (None, 3) trace uses it; the same spec gives the same trace
    f(tf.ones([5, 3]))
    assert f.experimental_get_tracing_count() == 1
    assert f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32)) is cf
    cf2 = f.get_concrete_function(tf.constant([1.0, 2.0, 3.0]))
    assert cf2.inputs[0].shape == (3,) and f.experimental_get_tracing_count() == 2
    g = tf.function(lambda x: x + 1, input_signature=[tf.TensorSpec([2], tf.float32)])
    np.testing.assert_array_equal(g.get_concrete_function()(tf.ones([2])).numpy(), [2, 2])


def test_concrete_function_call_errors(eager):
    cf = tf.function(lambda x: x * 2).get_concrete_function(tf.TensorSpec([None, 3]))
    with pytest.raises(ValueError, match=r"argument 0 of dtype float32 and shape \(2, 4\) does "
                                         r"not match TensorSpec\(shape=\(\?, 3\), "
                                         r"dtype=tf.float32\)"):
        cf(tf.ones([2, 4]))
    with pytest.raises(ValueError, match="argument 0 of dtype int32"):
        cf(tf.ones([2, 3], tf.int32))
    with pytest.raises(TypeError, match=r"takes 1 tensor argument\(s\) .*got 2"):
        cf(tf.ones([2, 3]), tf.ones([1]))

    @tf.function
    def outer(x):
        return cf(x) + 1  # inlined into the outer trace
    np.testing.assert_array_equal(outer(tf.ones([1, 3])).numpy(), [[3, 3, 3]])

    @tf.function
    def bad(x):
        return cf(x=x)
    with pytest.raises(TypeError, match=r"inside a tf.function, pass its 1 tensor argument\(s\) "
                                        r"positionally"):
        bad(tf.ones([1, 3]))


def test_reduce_retracing_traces_again_with_unknown_dims(eager, capsys):
    @tf.function(reduce_retracing=True)
    def h(x):
        print("tracing", x.shape.as_list() if x.shape.dims is not None else None)
        return tf.reduce_sum(x)
    for n in [2, 3, 4, 5]:
        assert float(h(tf.ones([n, 2]))) == 2 * n
    assert float(h(tf.ones([2, 2, 2]))) == 8
    assert float(h(tf.ones([7]))) == 7  # the unknown-rank trace serves any rank now
    assert capsys.readouterr().out.splitlines() == [
        "tracing [2, 2]", "tracing [None, 2]", "tracing None"]  # as TF 2.21
    assert h.experimental_get_tracing_count() == 3
    k = tf.function(lambda x: x * 2, experimental_relax_shapes=True)
    for n in [1, 2, 3]:
        k(tf.ones([n]))
    assert k.experimental_get_tracing_count() == 2
    plain = tf.function(lambda x: x * 2)
    for n in [1, 2, 3]:
        plain(tf.ones([n]))
    assert plain.experimental_get_tracing_count() == 3


def test_python_control_flow_on_tensors_says_to_use_cond_and_while_loop(eager):
    @tf.function
    def relu(x):
        if x > 0:
            return x
        return -x

    @tf.function
    def total(xs):
        s = 0.0
        for x in xs:
            s += x
        return s
    with pytest.raises(TypeError, match=r"as a Python `bool` .* inside tf.function 'relu' "
                                        r".*no AutoGraph\). Use tf.cond for `if` on tensor "
                                        r"values and tf.while_loop for loops"):
        relu(tf.constant(1.0))
    with pytest.raises(TypeError, match=r"in a Python `for` loop is not allowed inside "
                                        r"tf.function 'total'.*tf.while_loop"):
        total(tf.ones([3]))

    @tf.function
    def fixed(x):
        return tf.cond(x > 0, lambda: x, lambda: -x)
    assert float(fixed(tf.constant(-2.0))) == 2.0


def test_cond_and_while_loop_in_a_function_reach_variables_and_run_their_effects(capsys):
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            y = tf.cond(x > 0, lambda: x * v * v, lambda: v)
            z = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v), [0, x])[1]
        return y, z, tape.gradient([y, z], v)
    y, z, g = f(tf.constant(3.0))
    assert (float(y), float(z), float(g)) == (12.0, 24.0, 12.0 + 36.0)  # 2xv + 3v^2 x
    y, z, g = f(tf.constant(-1.0))
    assert (float(y), float(z), float(g)) == (2.0, -8.0, 1.0 - 12.0)

    w = tf.Variable(1.0)

    @tf.function
    def h(p):
        def add():
            w.assign_add(10.0)  # runs only when this branch is taken, before the read below
            return w * 1.0
        return tf.cond(p, add, lambda: w * 1.0)
    assert float(h(tf.constant(True))) == 11.0
    assert float(h(tf.constant(False))) == 11.0 and float(w) == 11.0

    @tf.function
    def count(n):
        def body(i):
            w.assign_add(1.0)
            tf.print("step", i, output_stream="stdout")
            return i + 1
        return tf.while_loop(lambda i: i < n, body, [tf.constant(0)])
    assert int(count(tf.constant(3))) == 3 and float(w) == 14.0
    assert capsys.readouterr().out == "step 0\nstep 1\nstep 2\n"
