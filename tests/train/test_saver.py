"""tf.train.Saver and the checkpoint helpers: state file, latest_checkpoint, readers."""

import os

import numpy as np
import pytest

from tensorfluxo.framework import dtypes, errors
from tensorfluxo.train import checkpoint_io
from tensorfluxo.train import saver as saver_mod

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "checkpoints")
TF_PREFIX = os.path.join(DATA, "tf_vars.ckpt")

# What TensorFlow 2.21's tf.compat.v1 Saver wrote after three saves with max_to_keep=2, and
# what tf.train.update_checkpoint_state writes for a path with quotes, a backslash and UTF-8.
TF_STATE = """model_checkpoint_path: "/tmp/ck/model.ckpt-20"
all_model_checkpoint_paths: "/tmp/ck/model.ckpt-10"
all_model_checkpoint_paths: "/tmp/ck/model.ckpt-20"
"""
TF_STATE_ESCAPED = """model_checkpoint_path: "ação \\"x\\"\\\\y"
all_model_checkpoint_paths: "rel/a"
all_model_checkpoint_paths: "/abs/b"
all_model_checkpoint_paths: "ação \\"x\\"\\\\y"
"""


def write_text(path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ------------------------------------------------------------------ the checkpoint state file
def test_reads_tensorflow_state_files(tmp_path):
    write_text(tmp_path / "checkpoint", TF_STATE)
    state = saver_mod.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == "/tmp/ck/model.ckpt-20"
    assert state.all_model_checkpoint_paths == ["/tmp/ck/model.ckpt-10", "/tmp/ck/model.ckpt-20"]
    write_text(tmp_path / "checkpoint", TF_STATE_ESCAPED)
    state = saver_mod.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == os.path.join(str(tmp_path), 'ação "x"\\y')
    assert state.all_model_checkpoint_paths[:2] == [str(tmp_path / "rel/a"), "/abs/b"]


def test_writes_state_files_as_tensorflow_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saver_mod.update_checkpoint_state(".", 'ação "x"\\y', ["rel/a", "/abs/b"])
    with open("checkpoint", encoding="utf-8") as f:
        assert f.read() == TF_STATE_ESCAPED


def test_state_round_trip_with_timestamps_and_control_characters(tmp_path):
    odd = str(tmp_path / "tab\there\nnewline")
    saver_mod.update_checkpoint_state(str(tmp_path), odd, [], None, [1.5, 2.25], 1e9)
    state = saver_mod.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == odd
    assert state.all_model_checkpoint_paths == [odd]
    assert state.all_model_checkpoint_timestamps == [1.5, 2.25]
    assert state.last_preserved_timestamp == 1e9


def test_relative_save_paths_resolve_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("models")
    checkpoint_io.write_bundle("models/m.ckpt", {"v": np.ones(1)})
    saver_mod.update_checkpoint_state("models", "models/m.ckpt")
    with open("models/checkpoint") as f:
        assert f.readline() == 'model_checkpoint_path: "m.ckpt"\n'
    assert saver_mod.latest_checkpoint("models") == os.path.join("models", "m.ckpt")
    monkeypatch.chdir("models")
    assert saver_mod.latest_checkpoint(".") == os.path.join(".", "m.ckpt")


def test_missing_or_unreadable_state(tmp_path):
    assert saver_mod.get_checkpoint_state(str(tmp_path)) is None
    assert saver_mod.latest_checkpoint(str(tmp_path)) is None
    write_text(tmp_path / "checkpoint", "model_checkpoint_path: oops\n")
    with pytest.warns(UserWarning, match=r"checkpoint: line 1: cannot parse .*state ignored"):
        assert saver_mod.get_checkpoint_state(str(tmp_path)) is None
    write_text(tmp_path / "checkpoint", 'all_model_checkpoint_paths: "a"\n')
    with pytest.raises(ValueError, match="Invalid checkpoint state loaded from .*names no"):
        saver_mod.get_checkpoint_state(str(tmp_path))
    write_text(tmp_path / "checkpoint", 'model_checkpoint_path: "gone.ckpt"\n')
    with pytest.warns(UserWarning, match=r"Couldn't match files for checkpoint .*gone\.ckpt"):
        assert saver_mod.latest_checkpoint(str(tmp_path)) is None


def test_state_path_may_not_be_the_state_file(tmp_path):
    with pytest.raises(ValueError, match="conflicts with path used for checkpoint state"):
        saver_mod.update_checkpoint_state(str(tmp_path), str(tmp_path / "checkpoint"))


# ------------------------------------------------------------------ readers
def test_list_and_load_variables_of_a_tensorflow_checkpoint():
    listed = saver_mod.list_variables(TF_PREFIX)
    assert ("layer1/weights", [3, 4]) in listed and listed == sorted(listed)
    assert saver_mod.load_variable(TF_PREFIX, "global_step:0") == 123456789012
    with saver_mod.load_checkpoint(TF_PREFIX) as reader:
        assert reader.get_variable_to_dtype_map()["layer1/bias"] is dtypes.float64
        assert reader.has_tensor("scalar")
    with pytest.raises(errors.NotFoundError, match="Key nope not found in checkpoint"):
        saver_mod.load_variable(TF_PREFIX, "nope")


def test_checkpoint_directory_resolves_to_latest(tmp_path):
    checkpoint_io.write_bundle(str(tmp_path / "a-1"), {"x": np.int64(1)})
    checkpoint_io.write_bundle(str(tmp_path / "a-2"), {"x": np.int64(2)})
    saver_mod.update_checkpoint_state(str(tmp_path), str(tmp_path / "a-2"))
    assert saver_mod.load_variable(str(tmp_path), "x") == 2
    assert saver_mod.checkpoint_exists(str(tmp_path / "a-1"))
    saver_mod.remove_checkpoint(str(tmp_path / "a-1"))
    assert not saver_mod.checkpoint_exists(str(tmp_path / "a-1"))
    os.mkdir(tmp_path / "empty")
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file or checkpoints in"):
        saver_mod.list_variables(str(tmp_path / "empty"))
    with pytest.raises(errors.NotFoundError, match=r"missing\.index does not exist"):
        saver_mod.NewCheckpointReader(str(tmp_path / "missing"))


# ------------------------------------------------------------------ Saver on the engine
import tensorfluxo as tf  # noqa: E402


def make_vars():
    w = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4), name="layer1/weights")
    b = tf.Variable(np.linspace(-1, 1, 5), name="layer1/bias")
    step = tf.Variable(7, dtype=tf.int64, name="global_step", trainable=False)
    return w, b, step


def test_save_and_restore_every_global_variable(tmp_path):
    w, b, step = make_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(w * 2))
        path = saver.save(sess, str(tmp_path / "model.ckpt"))
        want = sess.run([w, b, step])
    assert path == str(tmp_path / "model.ckpt")
    assert tf.train.list_variables(path) == [("global_step", []), ("layer1/bias", [5]),
                                             ("layer1/weights", [3, 4])]
    with tf.Session() as sess:  # no initializer: restoring is what sets the variables
        saver.restore(sess, path)
        for got, value in zip(sess.run([w, b, step]), want):
            assert np.array_equal(got, value) and got.dtype == value.dtype


def test_seed_dict_var_list_saves_under_the_given_name(tmp_path):
    theta = tf.Variable(tf.random_uniform([3, 1], -1.0, 1.0, seed=42), name="theta")
    other = tf.Variable(1.0, name="other")
    saver = tf.train.Saver({"weights": theta})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        best_theta = theta.eval()
        saver.save(sess, str(tmp_path / "my_model_final.ckpt"))
    assert tf.train.list_variables(str(tmp_path / "my_model_final.ckpt")) == [("weights", [3, 1])]
    with tf.Session() as sess:
        saver.restore(sess, str(tmp_path / "my_model_final.ckpt"))
        assert np.array_equal(theta.eval(), best_theta)
        assert not sess.is_initialized(other)  # only what the Saver holds is restored


def test_global_step_names_the_checkpoint_and_max_to_keep_deletes_old_ones(tmp_path):
    w, b, step = make_vars()
    saver = tf.train.Saver(max_to_keep=2)
    base = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = [saver.save(sess, base, global_step=i * 1000) for i in range(3)]
        paths.append(saver.save(sess, base, global_step=step))  # a variable as global step
    assert paths == [f"{base}-0", f"{base}-1000", f"{base}-2000", f"{base}-7"]
    assert saver.last_checkpoints == paths[2:]
    assert not tf.train.checkpoint_exists(paths[0]) and not tf.train.checkpoint_exists(paths[1])
    assert not [f for f in os.listdir(tmp_path) if "ckpt-0." in f or "ckpt-1000." in f]
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[3]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == paths[2:]


def test_seed_style_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w, _, _ = make_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert saver.save(sess, "./my_model_final.ckpt") == "./my_model_final.ckpt"
        assert saver.save(sess, "bare.ckpt", global_step=3) == "bare.ckpt-3"
    with open("checkpoint") as f:
        assert f.read() == ('model_checkpoint_path: "bare.ckpt-3"\n'
                            'all_model_checkpoint_paths: "my_model_final.ckpt"\n'
                            'all_model_checkpoint_paths: "bare.ckpt-3"\n')
    assert tf.train.latest_checkpoint(".") == os.path.join(".", "bare.ckpt-3")
    with tf.Session() as sess:
        saver.restore(sess, "./my_model_final.ckpt")
        assert w.eval()[2, 3] == 11


def test_max_to_keep_none_keeps_everything(tmp_path):
    make_vars()
    saver = tf.train.Saver(max_to_keep=None)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = [saver.save(sess, str(tmp_path / "m"), global_step=i) for i in range(7)]
    assert all(tf.train.checkpoint_exists(p) for p in paths)
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]


def test_saving_again_to_one_path_replaces_it(tmp_path):
    w, _, _ = make_vars()
    saver = tf.train.Saver()
    path = str(tmp_path / "m.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            sess.run(w.assign(tf.fill([3, 4], float(i))))
            saver.save(sess, path)
    assert saver.last_checkpoints == [path]
    assert np.all(tf.train.load_variable(path, "layer1/weights") == 2)


def test_restores_a_checkpoint_written_by_tensorflow():
    w = tf.Variable(tf.zeros([3, 4]), name="w")
    ids = tf.Variable(tf.zeros([2, 3, 2], tf.int64), name="ids")
    saver = tf.train.Saver({"layer1/weights": w, "deep/scope/ids": ids})
    with tf.Session() as sess:
        saver.restore(sess, TF_PREFIX)
        with np.load(os.path.join(DATA, "expected.npz")) as expected:
            assert np.array_equal(w.eval(), expected["layer1/weights"])
            assert np.array_equal(ids.eval(), expected["deep/scope/ids"])


# ------------------------------------------------------------------ Saver errors
def test_restore_missing_variable_names_it(tmp_path):
    w, _, _ = make_vars()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver([w]).save(sess, str(tmp_path / "m"))
    extra = tf.Variable(0.0, name="extra")
    with tf.Session() as sess:
        with pytest.raises(errors.NotFoundError,
                           match=r"Key extra not found in checkpoint .*m \(needed to restore "
                                 r"variable 'extra'\); it holds: layer1/weights"):
            tf.train.Saver([w, extra]).restore(sess, path)
        assert not sess.is_initialized(w)  # nothing restored when one variable is missing


def test_restore_wrong_shape_or_dtype_names_variable_and_both(tmp_path):
    w, b, _ = make_vars()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver({"w": w, "b": b}).save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    w2 = tf.Variable(tf.zeros([4, 3]), name="layer1/weights")
    b2 = tf.Variable(tf.zeros([5], tf.float32), name="layer1/bias")
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"restore variable 'layer1/weights' of shape \[4, 3\] from 'w' "
                                 r"of shape \[3, 4\]"):
            tf.train.Saver({"w": w2}).restore(sess, path)
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"restore variable 'layer1/bias' of dtype float32 from 'b' of "
                                 r"dtype float64"):
            tf.train.Saver({"b": b2}).restore(sess, path)


def test_restore_bad_paths(tmp_path):
    make_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="Can't load save_path when it is None"):
            saver.restore(sess, None)
        with pytest.raises(ValueError, match=r"not a valid checkpoint: .*nothing\.ckpt"):
            saver.restore(sess, str(tmp_path / "nothing.ckpt"))


def test_save_errors(tmp_path):
    w, _, _ = make_vars()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value layer1"):
            saver.save(sess, str(tmp_path / "m"))
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match=r"Parent directory of .*no/such/m doesn't exist"):
            saver.save(sess, str(tmp_path / "no/such/m"))
        with pytest.raises(ValueError, match="conflicts with path used for checkpoint state"):
            saver.save(sess, str(tmp_path / "checkpoint"))
        with pytest.raises(TypeError, match="'sess' must be a Session"):
            saver.save(None, str(tmp_path / "m"))
    with pytest.raises(RuntimeError, match="closed Session .to restore"):
        saver.restore(sess, TF_PREFIX)
    assert checkpoint_io.bundle_files(str(tmp_path / "m")) == []
    with tf.Graph().as_default(), tf.Session() as other:
        with pytest.raises(ValueError, match="session's graph is not the graph of the Saver"):
            saver.save(other, str(tmp_path / "m"))


def test_var_list_errors():
    w, _, _ = make_vars()
    with pytest.raises(TypeError, match="var_list must hold variables, got <tf.Tensor"):
        tf.train.Saver([w * 2])
    with pytest.raises(TypeError, match=r"var_list\['x'\] must be a variable"):
        tf.train.Saver({"x": 3.0})
    with pytest.raises(TypeError, match="keys must be strings"):
        tf.train.Saver({1: w})
    with pytest.raises(ValueError, match="two variables have the same name: layer1/weights"):
        tf.train.Saver([w, w])
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            tf.train.Saver()
        assert tf.train.Saver(allow_empty=True).last_checkpoints == []


# ------------------------------------------------------------------ meta graphs
def build_small_net():
    X = tf.placeholder(tf.float32, [None, 4], name="X")
    with tf.name_scope("dnn"):
        W = tf.Variable(tf.random_normal([4, 3], seed=1), name="W")
        b = tf.Variable(tf.zeros([3]), name="b")
        logits = tf.add(tf.matmul(X, W), b, name="logits")
    tf.add_to_collection("my_ops", logits)
    step = tf.train.get_or_create_global_step()
    loss = tf.reduce_mean(tf.square(logits))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    tf.add_to_collection("train_op", train)
    return X, logits, train


def test_import_meta_graph_rebuilds_graph_collections_and_saver(tmp_path):
    X, logits, train = build_small_net()
    x = np.ones((2, 4), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {X: x})
        path = tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=1)
        want = sess.run(logits, {X: x})
    assert os.path.isfile(path + ".meta")
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(path + ".meta")
    assert sorted(v.op.name for v in tf.trainable_variables()) == ["dnn/W", "dnn/b"]
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert np.array_equal(sess.run("dnn/logits:0", {"X:0": x}), want)
        assert tf.get_collection("my_ops")[0].name == "dnn/logits:0"
        sess.run(tf.get_collection("train_op")[0], {"X:0": x})  # training goes on
        assert sess.run(tf.train.get_global_step()) == 2


def test_import_meta_graph_under_a_scope_and_as_text(tmp_path):
    build_small_net()
    tf.train.export_meta_graph(str(tmp_path / "g.pbtxt"), as_text=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m"), write_meta_graph=False)
        want = sess.run("dnn/W:0")
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(str(tmp_path / "g.pbtxt"), import_scope="copy")
    with tf.Session() as sess:
        saver.restore(sess, path)  # checkpoint keys are the original names
        assert np.array_equal(sess.run("copy/dnn/W:0"), want)


def test_meta_graph_errors_and_edge_cases(tmp_path):
    with pytest.raises(OSError, match=r"File .*absent\.meta does not exist"):
        tf.train.import_meta_graph(str(tmp_path / "absent.meta"))
    with open(tmp_path / "junk.meta", "wb") as f:
        f.write(b"\xff\xfe not a proto")
    with pytest.raises(errors.DataLossError, match=r"junk\.meta is neither a binary nor a text"):
        tf.train.import_meta_graph(str(tmp_path / "junk.meta"))
    tf.constant(1.0, name="c")
    tf.add_to_collection("python_things", object())
    with pytest.warns(UserWarning, match="Collection 'python_things' is not saved"):
        meta = tf.train.export_meta_graph(str(tmp_path / "novars.meta"))
    assert "python_things" not in meta.collection_def
    tf.reset_default_graph()
    assert tf.train.import_meta_graph(str(tmp_path / "novars.meta")) is None  # no variables
    assert tf.get_default_graph().get_tensor_by_name("c:0") is not None


def test_max_to_keep_deletes_meta_files_too(tmp_path):
    make_vars()
    saver = tf.train.Saver(max_to_keep=1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            saver.save(sess, str(tmp_path / "m"), global_step=i)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-2.data-00000-of-00001", "m-2.index",
                                            "m-2.meta"]
