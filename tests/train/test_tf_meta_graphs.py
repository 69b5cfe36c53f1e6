"""Meta graphs, GraphDefs and checkpoints written by TensorFlow 2.21 (tests/data/interop/, made
by scripts/make_tf_interop_files.py): tensorfluxo imports them, restores them, gets TF's outputs
and trains on as TF did. The other direction is checked by that script's "check" mode."""

import os

import numpy as np
import pytest
from tensorboard.compat.proto import graph_pb2

import tensorfluxo as tf

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "interop")
EXPECTED = np.load(os.path.join(DATA, "expected.npz"))
FEED = {"X:0": EXPECTED["x"], "y:0": EXPECTED["y"]}


@pytest.mark.parametrize("opt", ["sgd", "adam", "momentum"])
def test_tensorflow_meta_graph_restores_computes_and_trains(opt):
    prefix = os.path.join(DATA, f"tf_mlp_{opt}")
    saver = tf.train.import_meta_graph(prefix + ".meta")
    assert len(tf.trainable_variables()) == 4
    with tf.Session() as sess:
        saver.restore(sess, prefix)
        np.testing.assert_allclose(sess.run("logits:0", FEED),
                                   EXPECTED[f"tf_mlp_{opt}/logits"], rtol=1e-6, atol=1e-6)
        sess.run("train", FEED)  # TF's gradient and update nodes, run by tensorfluxo
        np.testing.assert_allclose(sess.run("logits:0", FEED),
                                   EXPECTED[f"tf_mlp_{opt}/logits_after_step"], rtol=1e-5,
                                   atol=1e-6)


def test_tensorflow_saver_nodes_run_in_tensorfluxo(tmp_path):
    prefix = os.path.join(DATA, "tf_mlp_adam")
    tf.train.import_meta_graph(prefix + ".meta")
    with tf.Session() as sess:
        sess.run("save/restore_all", {"save/Const:0": prefix})  # TF's RestoreV2 + Assigns
        logits = sess.run("logits:0", FEED)
        copy = str(tmp_path / "copy")
        sess.run("save/control_dependency:0", {"save/Const:0": copy})  # TF's SaveV2
    np.testing.assert_allclose(logits, EXPECTED["tf_mlp_adam/logits"], rtol=1e-6)
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(prefix + ".meta")
        with tf.Session() as sess:
            saver.restore(sess, copy)
            np.testing.assert_array_equal(sess.run("logits:0", FEED), logits)


def test_tensorflow_graph_def_imports_and_variables_restore():
    gd = graph_pb2.GraphDef()
    with open(os.path.join(DATA, "tf_mlp_sgd.pb"), "rb") as f:
        gd.ParseFromString(f.read())
    logits, = tf.import_graph_def(gd, name="tf", return_elements=["logits:0"])
    g = tf.get_default_graph()
    variables = {op.name[len("tf/"):]: op.outputs[0] for op in g.get_operations()
                 if op.type == "VariableV2"}
    with tf.Session() as sess:
        tf.train.Saver(variables).restore(sess, os.path.join(DATA, "tf_mlp_sgd"))
        out = sess.run(logits, {"tf/X:0": EXPECTED["x"]})
    np.testing.assert_allclose(out, EXPECTED["tf_mlp_sgd/logits"], rtol=1e-6, atol=1e-6)


def test_our_meta_graph_names_real_saver_nodes(tmp_path):
    x = tf.placeholder(tf.float32, (None, 2), name="x")
    w = tf.Variable([[1.0], [2.0]], name="w")
    tf.matmul(x, w, name="y")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    from tensorboard.compat.proto import meta_graph_pb2
    meta = meta_graph_pb2.MetaGraphDef()
    with open(prefix + ".meta", "rb") as f:
        meta.ParseFromString(f.read())
    names = {n.name: n for n in meta.graph_def.node}
    sd = meta.saver_def
    for t in (sd.filename_tensor_name, sd.save_tensor_name, sd.restore_op_name):
        assert t.split(":")[0] in names
    assert names["save/SaveV2"].op == "SaveV2" and names["save/RestoreV2"].op == "RestoreV2"
    assert "save" not in {op.name.split("/")[0] for op in tf.get_default_graph().get_operations()}
    with tf.Graph().as_default():  # and they run: restore through the file's own nodes
        tf.train.import_meta_graph(prefix + ".meta")
        with tf.Session() as sess:
            sess.run(sd.restore_op_name, {sd.filename_tensor_name: prefix})
            assert sess.run("y:0", {"x:0": [[1.0, 1.0]]}).tolist() == [[3.0]]
