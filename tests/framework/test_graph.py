import numpy as np
import pytest

import tensorfluxo as tf


def test_default_graph_and_as_default():
    x1 = tf.Variable(1)
    assert x1.graph is tf.get_default_graph()
    graph = tf.Graph()
    with graph.as_default():
        x2 = tf.Variable(2)
    assert x2.graph is graph
    assert x2.graph is not tf.get_default_graph()


def test_reset_default_graph_inside_nested_graph_fails():
    with tf.Graph().as_default():
        with pytest.raises(AssertionError, match="nested graphs"):
            tf.reset_default_graph()


def test_unique_op_names_and_name_scopes():
    a = tf.constant(1, name="c")
    b = tf.constant(2, name="c")
    assert (a.name, b.name) == ("c:0", "c_1:0")
    names = []
    for _ in range(3):
        with tf.name_scope("relu") as scope:
            names.append(scope)
            tf.constant(0.0, name="z")
    assert names == ["relu/", "relu_1/", "relu_2/"]
    g = tf.get_default_graph()
    assert g.get_operation_by_name("relu_1/z").type == "Const"
    with tf.name_scope("outer"):
        with tf.name_scope("inner"):
            t = tf.constant(3)
        with tf.name_scope(None):
            top = tf.constant(4, name="top")
    assert t.op.name == "outer/inner/Const"
    assert top.op.name == "top"


def test_operator_names_follow_tf():
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    assert f.op.name == "add_1"
    assert f.op.inputs[0].op.name == "add"
    assert x.op.type == "VariableV2"
    assert x.initializer.name == "x/Assign"


def test_control_dependencies_and_group():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.control_dependencies([a]):
        c = b + 1.0
    assert a.op in c.op.control_inputs
    with tf.control_dependencies([a]), tf.control_dependencies(None):
        d = b + 2.0
    assert d.op.control_inputs == []
    g = tf.group(a, c, name="both")
    assert g.type == "NoOp" and set(g.control_inputs) == {a.op, c.op}
    with tf.Session() as sess:
        assert sess.run(g) is None


def test_collections():
    v = tf.Variable(1.0, name="v")
    w = tf.Variable(1.0, name="w", trainable=False)
    assert tf.global_variables() == [v, w]
    assert tf.trainable_variables() == [v]
    tf.add_to_collection("mine", 5)
    assert tf.get_collection("mine") == [5]
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="w") == [w]


def test_lookup_by_name_errors():
    g = tf.get_default_graph()
    x = tf.placeholder(tf.float32, name="X")
    assert g.get_tensor_by_name("X:0") is x
    with pytest.raises(KeyError, match="operation, 'nope', does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("X:3")
    with pytest.raises(ValueError, match="looks like an Operation name"):
        g.get_tensor_by_name("X")
    with pytest.raises(KeyError, match="refers to an Operation not in the graph"):
        g.get_operation_by_name("missing")


def test_tensor_shapes_and_dimensions():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    assert X.get_shape().as_list() == [None, 3]
    assert int(X.get_shape()[1]) == 3
    assert X.shape.ndims == 2 and X.shape[0].value is None
    assert str(X.shape) == "(?, 3)"
    assert tf.placeholder(tf.int64, shape=(None)).shape.ndims is None
    with pytest.raises(TypeError, match="unknown Dimension"):
        int(X.shape[0])
    X.set_shape([5, 3])
    assert X.shape.as_list() == [5, 3]
    with pytest.raises(ValueError, match="not compatible"):
        X.set_shape([4, 3])


def test_tensor_as_bool_raises():
    t = tf.constant(1.0)
    with pytest.raises(TypeError, match="as a Python `bool` is not allowed"):
        if t:
            pass


def test_shape_error_at_construction_names_op_and_shapes():
    a = tf.constant(np.zeros((2, 3), np.float32))
    b = tf.constant(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4 for "
                                         r"'MatMul' \(op: 'MatMul'\) with input shapes: "
                                         r"\[\(2, 3\), \(4, 5\)\]"):
        tf.matmul(a, b)
    with pytest.raises(ValueError, match="for 'add'"):
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])


def test_dtype_mismatch_at_construction():
    with pytest.raises(TypeError, match="has type int32 that does not match type float32"):
        tf.add(tf.constant(1.0), tf.constant(1))


def test_inputs_from_another_graph_rejected():
    a = tf.constant(1.0)
    with tf.Graph().as_default():
        b = tf.constant(2.0)
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.add(b, a)


def test_graph_def_round_trip_runs():
    X = tf.placeholder(tf.float32, (None, 2), name="X")
    with tf.name_scope("loss"):
        y = tf.reduce_sum(X * 2.0, name="y")
    gd = tf.get_default_graph().as_graph_def()
    assert [n.name for n in gd.node if n.name.startswith("loss/")]
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(gd, name="imp")
        with tf.Session() as sess:
            assert sess.run("imp/loss/y:0", {"imp/X:0": [[1, 2]]}) == 6.0
    assert y.op.name == "loss/y"


def test_a_rejected_op_does_not_use_up_its_name():
    a = tf.constant([[1.0, 2.0]])
    with pytest.raises(ValueError):
        tf.matmul(a, a)
    assert tf.matmul(a, tf.transpose(a)).op.name == "MatMul"
