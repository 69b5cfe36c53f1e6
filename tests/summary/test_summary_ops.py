"""tf.summary ops on the engine: tags from name scopes, collections, merge, and their errors."""

import numpy as np
import pytest
from tensorboard.compat.proto import summary_pb2

import tensorfluxo as tf


def values(data: bytes):
    return summary_pb2.Summary.FromString(data).value


def test_scalar_tag_is_the_op_name_with_its_name_scope():
    x = tf.placeholder(tf.float32, shape=(None,), name="x")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(x), name="mse")
        mse_summary = tf.summary.scalar("MSE", mse)  # TF1 names are unique ignoring case
    again = tf.summary.scalar("MSE", mse)
    spaced = tf.summary.scalar("a b", mse)
    family = tf.summary.scalar("s", mse, family="fam")
    assert (mse_summary.op.type, mse_summary.dtype, mse_summary.shape.as_list()) == (
        "ScalarSummary", tf.string, [])
    assert [mse_summary.op.name, again.op.name, spaced.op.name, family.op.name] == [
        "loss/MSE_1", "MSE", "a_b", "fam/s"]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [mse_summary, again, spaced, family]
    with tf.Session() as sess:
        data = mse_summary.eval(feed_dict={x: [1.0, 2.0]})
        assert isinstance(data, bytes)
        (value,) = values(data)
        assert (value.tag, value.simple_value) == ("loss/MSE_1", 2.5)
        assert values(sess.run(family, {x: [1.0]}))[0].tag == "fam/fam/s"  # as TF1


def test_collections_argument():
    mine = tf.summary.scalar("a", 1.0, collections=["mine"])
    hidden = tf.summary.histogram("b", [1.0, 2.0], collections=[])
    assert tf.get_collection("mine") == [mine]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == []
    assert tf.summary.merge_all() is None
    assert values(tf.Session().run(tf.summary.merge([mine, hidden])))[1].histo.num == 2


def test_histogram_text_merge_and_merge_all():
    w = tf.placeholder(tf.float32, shape=(None, 2), name="w")
    with tf.name_scope("dnn"):
        h = tf.summary.histogram("weights", w)
    t = tf.summary.text("notes", tf.constant("olá"))
    s = tf.summary.scalar("total", tf.reduce_sum(w))
    merged = tf.summary.merge_all()
    assert merged.op.type == "MergeSummary" and list(merged.op.inputs) == [h, t, s]
    with tf.Session() as sess:
        data = sess.run(merged, feed_dict={w: np.ones((3, 2), np.float32)})
    hv, tv, sv = values(data)
    assert (hv.tag, hv.histo.num, hv.histo.sum) == ("dnn/weights", 6, 6)
    assert (tv.tag, list(tv.tensor.string_val)) == ("notes", ["olá".encode()])
    assert (sv.tag, sv.simple_value) == ("total", 6.0)
    assert tf.summary.merge_all(scope="dnn").op.inputs == (h,)
    assert tf.summary.merge_all(key="nothing here") is None


def test_errors_at_construction():
    with pytest.raises(ValueError, match=r"tf.summary.scalar needs a scalar \(shape \(\)\), got "
                                         r"'v:0' with shape \(2,\)"):
        tf.summary.scalar("mse", tf.constant([1.0, 2.0], name="v"))
    with pytest.raises(TypeError, match="tf.summary.scalar needs a real-number tensor, got "
                                        "'s:0' of dtype string"):
        tf.summary.scalar("mse", tf.constant("a", name="s"))
    with pytest.raises(TypeError, match="tf.summary.histogram needs a real-number tensor"):
        tf.summary.histogram("h", tf.constant([True]))
    with pytest.raises(TypeError, match="tf.summary.text needs a string tensor, got 'f:0' of "
                                        "dtype float32"):
        tf.summary.text("t", tf.constant(1.0, name="f"))
    with pytest.raises(ValueError, match="tf.summary.merge needs at least one summary tensor"):
        tf.summary.merge([])
    with pytest.raises(TypeError, match="tf.summary.merge needs string tensors of serialized "
                                        "Summaries, got 'f_1:0' of dtype float32"):
        tf.summary.merge([tf.constant(1.0, name="f")])


def test_errors_at_run_time_name_the_op():
    x = tf.placeholder(tf.float32, name="x")  # unknown shape: checked when it runs
    h = tf.summary.histogram("weights", x)
    s = tf.summary.scalar("loss", x)
    a = tf.summary.scalar("a", 1.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Nan in summary histogram for: weights(.|\n)*op 'weights'"):
            sess.run(h, {x: [1.0, np.nan]})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"scalar summary 'loss' needs a single number(.|\n)*op 'loss'"):
            sess.run(s, {x: [1.0, 2.0]})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Duplicate tag a found in summary inputs"):
            sess.run(tf.summary.merge([a, a]))


def test_building_summary_ops_does_not_import_protobuf():
    import subprocess
    import sys

    script = ("import sys, tensorfluxo as tf\n"
              "s = tf.summary.scalar('MSE', tf.constant(1.0))\n"
              "tf.summary.merge_all()\n"
              "assert 'google.protobuf' not in sys.modules, 'protobuf imported'\n"
              "tf.Session().run(s)\n"
              "assert 'google.protobuf' in sys.modules\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                   cwd=__file__.rsplit("/tests/", 1)[0])
