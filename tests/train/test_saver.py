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
