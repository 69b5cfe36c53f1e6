"""TF's checkpoint ops run in tensorfluxo: the save graph of a sharded TF Saver (StringJoin,
ShardedFilename, SaveV2, MergeV2Checkpoints) and RestoreV2, built as TF builds them."""

import numpy as np
import pytest

import tensorfluxo as tf
import tensorfluxo.train.saver_ops  # noqa: F401 - declares the ops
from tensorfluxo.framework.ops import apply_op


def strings(*values):
    return tf.constant(np.array([v.encode() for v in values], dtype=object))


def test_tensorflow_sharded_save_graph_runs(tmp_path):
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    step = tf.Variable(np.int64(7), name="step")
    prefix = tf.placeholder(tf.string, (), name="prefix")
    remote = apply_op("StaticRegexFullMatch", [prefix], {"pattern": "^s3://.*"})
    suffix = tf.where(remote, tf.constant(b".part"), tf.constant(b"_temp/part"))
    tmp = apply_op("StringJoin", [prefix, suffix], {"separator": ""})
    shard = apply_op("ShardedFilename", [tmp, tf.constant(0), tf.constant(1)])
    save = apply_op("SaveV2", [shard, strings("w", "step"), strings("", ""), w, step],
                    {"dtypes": [tf.float32, tf.int64]})
    with tf.control_dependencies([save]):
        merge = apply_op("MergeV2Checkpoints", [tf.reshape(shard, [1]), prefix],
                         {"delete_old_dirs": True})
    restored = apply_op("RestoreV2", [prefix, strings("w", "step"), strings("", "")],
                        {"dtypes": [tf.float32, tf.int64]})
    path = str(tmp_path / "model")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(shard, {prefix: path}) == f"{path}_temp/part-00000-of-00001".encode()
        assert sess.run(remote, {prefix: "s3://bucket/m"})
        sess.run(merge, {prefix: path})
        got_w, got_step = sess.run(list(restored), {prefix: path})
    np.testing.assert_array_equal(got_w, np.arange(6).reshape(2, 3))
    assert got_step == 7 and got_step.dtype == np.int64
    assert tf.train.load_variable(path, "w").shape == (2, 3)


def test_restore_checks_dtypes_and_partitions(tmp_path):
    tf.train.Saver([tf.Variable(1.0, name="v")])
    path = str(tmp_path / "m")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, path)
    wrong = apply_op("RestoreV2", [tf.constant(path), strings("v"), strings("")],
                     {"dtypes": [tf.int32]}, name="wrong")
    sliced = apply_op("RestoreV2", [tf.constant(path), strings("v"), strings("2 0,1")],
                      {"dtypes": [tf.float32]}, name="sliced")
    with tf.Session() as sess:
        with pytest.raises(Exception, match="RestoreV2 'wrong': 'v' in .* has dtype float32, "
                                            "expected int32"):
            sess.run(wrong)
        with pytest.raises(Exception, match="Partitioned variables .* are not supported"):
            sess.run(sliced)
