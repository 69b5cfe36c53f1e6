"""GraphDefs in TensorFlow's vocabulary: what is written, and that reading it back computes the
same values (our fused gradient ops come back as the TF nodes that compute them)."""

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import tensorfluxo as tf
from tensorfluxo.framework.graph_io import slice_spec_to_tf, tf_to_slice_spec


def nodes(graph=None):
    return {n.name: n for n in (graph or tf.get_default_graph()).as_graph_def().node}


def round_trip(fetches, feed):
    """Values of ``fetches`` (names) before and after an as_graph_def / import_graph_def."""
    with tf.Session() as sess:
        before = sess.run(fetches, feed)
    gd = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.import_graph_def(gd, name="")
        after = sess.run(fetches, feed)
    return before, after


def test_nodes_use_tensorflow_op_types_and_attributes():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    w = tf.Variable(tf.zeros([3, 2]), name="w")
    y = tf.add(tf.matmul(x, w, transpose_b=False), 1.0, name="y")
    tf.reduce_sum(y, axis=1, keepdims=True, name="s")
    tf.cast(y, tf.int32, name="c")
    n = nodes()
    assert n["y"].op == "AddV2" and n["y"].attr["T"].type == 1  # DT_FLOAT
    assert n["MatMul"].attr["transpose_a"].b is False and "T" in n["MatMul"].attr
    assert list(n["s"].input) == ["y", "s/reduction_indices"]
    assert n["s"].attr["keep_dims"].b and list(n["s/reduction_indices"].attr["value"]
                                                 .tensor.tensor_content) != []
    assert (n["c"].attr["SrcT"].type, n["c"].attr["DstT"].type) == (1, 3)
    assert set(n["w"].attr) == {"dtype", "shape", "container", "shared_name"}
    assert set(n["x"].attr) == {"dtype", "shape"}


def test_zeros_are_small_in_the_file():
    big = tf.zeros([784, 300], name="big")
    tf.ones([10], name="small")
    n = nodes()
    assert n["big"].op == "Fill" and big.shape == (784, 300)
    assert n["small"].op == "Const"
    assert len(tf.get_default_graph().as_graph_def().SerializeToString()) < 1000
    with tf.Session() as sess:
        assert sess.run(big).sum() == 0 and sess.run("small:0").tolist() == [1.0] * 10


def test_filled_constants_are_stored_once():
    tf.constant(np.full((100, 100), 2.5, np.float32), name="c")
    value = nodes()["c"].attr["value"].tensor
    assert list(value.float_val) == [2.5] and not value.tensor_content
    with tf.Graph().as_default():
        tf.import_graph_def(tf.get_default_graph().as_graph_def(), name="")


@pytest.mark.parametrize("spec", [
    (slice(1, None),), (Ellipsis, 0), (None, slice(None, None, -1)), (-1,),
    (slice(None, 3, 2), None, Ellipsis, 1)])
def test_slice_specs_survive_tensorflow_masks(spec):
    assert tf_to_slice_spec(*slice_spec_to_tf(spec)) == tuple(
        slice(s.start, s.stop, s.step) if isinstance(s, slice) else s for s in spec)


def test_gradient_graph_round_trip_gives_the_same_values():
    rng = np.random.RandomState(0)
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    b = tf.Variable(rng.rand(1, 4).astype(np.float32), name="b")
    s = tf.Variable(rng.rand(4).astype(np.float32), name="s")
    h = x * b + s                                    # SumToShapeOf, both static and dynamic
    h = tf.concat([h, tf.tile(h[:, :2], [1, 2])], 1)  # ConcatGrad, TileGrad, StridedSliceGrad
    h = tf.pad(h, [[0, 0], [1, 2]])[:, 1:]            # PadGrad
    h = tf.slice(h, [0, 1], [-1, 5])                  # SliceGrad
    h, m, v = tf.nn.fused_batch_norm(h, tf.ones([5]), tf.zeros([5]), epsilon=0.01,
                                      is_training=True)
    parts = tf.split(h, [2, 3], axis=1)
    loss = tf.reduce_mean(tf.square(parts[0])) + tf.reduce_sum(parts[1] * 0.5)
    grads = tf.gradients(loss, [x, b, s])
    names = [g.name for g in grads] + [loss.name, m.name, v.name]
    feed = {"x:0": rng.rand(3, 4).astype(np.float32)}
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(init)
        before = sess.run(names, feed)
    gd = tf.get_default_graph().as_graph_def()
    assert not {n.op for n in gd.node} & {
        "SumToShapeOf", "ConcatGrad", "TileGrad", "PadGrad", "SliceGrad", "FusedBatchNorm",
        "FusedBatchNormGrad", "ReduceGrad", "Add", "Select"}
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.import_graph_def(gd, name="")
        sess.run("init")
        after = sess.run(names, feed)
    for a, c in zip(before, after):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_dropout_and_scaled_random_ops_become_tensorflow_nodes():
    x = tf.ones([4, 6])
    tf.nn.dropout(x, rate=0.5, noise_shape=[None, 1], seed=3, name="drop")
    tf.random_uniform([2], -3.0, 5.0, seed=1, name="u")
    tf.truncated_normal([2], 1.0, 0.5, seed=1, name="t")
    n = nodes()
    assert n["drop"].op == "IdentityN" and n["drop/random_uniform"].op == "RandomUniform"
    assert n["u"].op == "AddV2" and n["u/RandomUniform"].op == "RandomUniform"
    assert n["t"].op == "AddV2" and n["t/mul"].op == "Mul"
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.import_graph_def(_gd(n), name="")
        d, u, t = sess.run(["drop:0", "u:0", "t:0"])
    assert set(np.unique(d)) <= {0.0, 2.0} and (d == d[:, :1]).all()  # one mask per row
    assert ((u >= -3) & (u < 5)).all() and (np.abs(t - 1.0) <= 1.0).all()


def _gd(nodes_by_name):
    gd = graph_pb2.GraphDef()
    gd.node.extend(nodes_by_name.values())
    return gd


def test_unknown_op_types_name_the_node_and_the_type():
    gd = graph_pb2.GraphDef()
    gd.node.add(name="weird", op="FancyOp")
    with pytest.raises(ValueError, match="Cannot import node 'weird': op type 'FancyOp' is "
                                         "not supported by tensorfluxo"):
        tf.import_graph_def(gd)


def test_non_constant_axes_and_cycles_are_reported():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    tf.reduce_sum(x, axis=1, name="s")
    gd = tf.get_default_graph().as_graph_def()
    axis = next(n for n in gd.node if n.name == "s/reduction_indices")
    axis.op, axis.attr.clear()  # a placeholder instead of a constant
    axis.op = "Placeholder"
    axis.attr["dtype"].type = 3
    with tf.Graph().as_default(), pytest.raises(
            ValueError, match=r"node 's' \(op: 'Sum'\): its reduction_indices input "
                              r"\(s/reduction_indices:0\) must be a constant"):
        tf.import_graph_def(gd, name="")
    loop = graph_pb2.GraphDef()
    loop.node.add(name="a", op="Identity", input=["b"])
    loop.node.add(name="b", op="Identity", input=["a"])
    with pytest.raises(ValueError, match="cycle through node"):
        tf.import_graph_def(loop)
    dangling = graph_pb2.GraphDef()
    dangling.node.add(name="a", op="Identity", input=["nowhere"])
    with pytest.raises(ValueError, match="input 'nowhere' that is not a node"):
        tf.import_graph_def(dangling)


def test_tensorflow_style_broadcast_gradient_reads_back_as_one_op():
    x = tf.placeholder(tf.float32, (None, None), name="x")
    b = tf.placeholder(tf.float32, (None,), name="b")
    g = tf.gradients(tf.reduce_sum(x * b), b)[0]
    feed = {"x:0": np.arange(6, dtype=np.float32).reshape(2, 3), "b:0": np.ones(3, np.float32)}
    before, after = round_trip(g.name, feed)
    np.testing.assert_array_equal(before, after)
    assert "BroadcastGradientArgs" in {n.op for n in nodes().values()}


def test_cond_with_a_random_branch_and_its_gradient_export_as_tensorflow_nodes():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    training = tf.placeholder_with_default(True, (), name="training")
    y = tf.cond(training, lambda: tf.nn.dropout(x, rate=0.5, seed=1) * 2, lambda: x)
    g = tf.gradients(tf.reduce_sum(y * y), x)[0]  # reads the mask the cond drew (CondSaved)
    assert "CondSaved" in {op.type for op in tf.get_default_graph().get_operations()}
    gd = tf.get_default_graph().as_graph_def()
    assert not {n.op for n in gd.node} & {"Cond", "CondSaved"}
    feed = {"x:0": np.ones((2, 3), np.float32), "training:0": False}
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.import_graph_def(gd, name="")
        out, grad = sess.run([y.name, g.name], feed)
        drop, drop_grad = sess.run([y.name, g.name], dict(feed, **{"training:0": True}))
    np.testing.assert_array_equal(out, feed["x:0"])
    np.testing.assert_array_equal(grad, 2 * feed["x:0"])
    # training: y = x * mask * 2 (mask 0 or 2), d(sum y^2)/dx = 2 y * mask * 2, one mask
    np.testing.assert_allclose(drop_grad, 2 * drop * np.where(drop > 0, 4.0, 0.0))
