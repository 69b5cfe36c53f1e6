"""Convolution graphs cross over in TensorFlow's GraphDef vocabulary: a forward graph written
by TensorFlow 2.21 (scripts/make_tf_conv_graph.py) imports and computes TF's values, and ours
write TF's attribute types (list(int) strides, NCHW bias_add) and import back."""

from pathlib import Path

import numpy as np

import tensorfluxo as tf

DATA = Path(__file__).resolve().parents[1] / "data" / "interop" / "tf_conv_forward"


def test_tensorflow_conv_graph_imports_and_computes_tf_values():
    from tensorboard.compat.proto import graph_pb2

    gd = graph_pb2.GraphDef()
    gd.ParseFromString(DATA.with_suffix(".pb").read_bytes())
    ref = np.load(DATA.with_suffix(".npz"))
    tf.import_graph_def(gd, name="")
    names = [str(n) for n in ref["names"]]
    with tf.Session() as sess:
        got = sess.run(names, {"X:0": ref["x"]})
    for i, (name, value) in enumerate(zip(names, got)):
        want = ref[f"out{i}"]
        np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-5 * np.abs(want).max(),
                                   err_msg=name)


def test_our_conv_graph_writes_tf_attribute_types_and_reads_back():
    X = tf.placeholder(tf.float32, [None, 6, 6, 2], name="X")
    w = tf.constant(np.random.default_rng(0).standard_normal((3, 3, 2, 4)), tf.float32)
    y = tf.nn.max_pool(tf.nn.conv2d(X, w, [1, 1, 1, 1], "SAME", dilations=[1, 1, 1, 1]),
                       [1, 2, 2, 1], [1, 2, 2, 1], "SAME", name="out")
    z = tf.nn.bias_add(tf.transpose(y, [0, 3, 1, 2]), tf.ones([4]), data_format="NCHW",
                       name="nchw")
    gd = tf.get_default_graph().as_graph_def()
    nodes = {n.name: n for n in gd.node}
    conv = next(n for n in gd.node if n.op == "Conv2D")
    assert list(conv.attr["strides"].list.i) == [1, 1, 1, 1]
    assert list(conv.attr["dilations"].list.i) == [1, 1, 1, 1]
    assert list(nodes["out"].attr["ksize"].list.i) == [1, 2, 2, 1]
    assert nodes["nchw"].attr["data_format"].s == b"NCHW"
    x = np.random.default_rng(1).random((2, 6, 6, 2), dtype=np.float32)
    with tf.Session() as sess:
        want = sess.run([y, z], {X: x})
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            got = sess.run(["out:0", "nchw:0"], {"X:0": x})
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_a_fresh_process_imports_conv_ops_on_demand():
    # conv_ops is not imported by `import tensorfluxo`; a GraphDef naming its ops still reads
    import subprocess
    import sys

    code = ("import sys, tensorfluxo as tf\n"
            "from tensorboard.compat.proto import graph_pb2\n"
            "assert 'tensorfluxo.ops.conv_ops' not in sys.modules\n"
            "gd = graph_pb2.GraphDef()\n"
            f"gd.ParseFromString(open({str(DATA.with_suffix('.pb'))!r}, 'rb').read())\n"
            "tf.import_graph_def(gd, name='')\n"
            "print(tf.get_default_graph().get_operation_by_name('Conv2D').type)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Conv2D"
