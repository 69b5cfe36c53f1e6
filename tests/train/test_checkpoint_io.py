"""TensorFlow V2 checkpoint files: TF-written references, round trips, damage, crashes."""

import os
import random
import signal
import time

import numpy as np
import pytest

from tensorfluxo.train import checkpoint_io as cio

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "checkpoints")
TF_PREFIX = os.path.join(DATA, "tf_vars.ckpt")
errors = cio.errors


def expected_values() -> dict:
    with np.load(os.path.join(DATA, "expected.npz"), allow_pickle=False) as npz:
        # TensorFlow gives string tensors back as object arrays of bytes
        return {k: (v.astype(object) if v.dtype.kind == "S" else v) for k, v in npz.items()}


def assert_same(got: np.ndarray, want: np.ndarray, name: str = "") -> None:
    assert got.dtype == want.dtype and got.shape == want.shape, name
    assert np.array_equal(got, want), name


# ------------------------------------------------------------------ TensorFlow's own files
def test_reads_tensorflow_written_checkpoint():
    want = expected_values()
    got = cio.read_bundle(TF_PREFIX)
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        assert_same(got[name], value, name)


def test_reader_queries_on_tensorflow_file():
    with cio.BundleReader(TF_PREFIX) as reader:
        listed = reader.list_variables()
        assert [n for n, _ in listed] == sorted(expected_values())
        assert dict(listed)["deep/scope/ids"] == [2, 3, 2]
        assert dict(listed)["scalar"] == []
        assert reader.has_tensor("layer1/weights") and not reader.has_tensor("layer1")
        assert reader.get_variable_to_shape_map()["empty"] == [0, 3]
        assert reader.get_variable_to_dtype_map()["global_step"] == np.int64
        assert reader.get_variable_to_dtype_map()["halves"] == np.float16


def test_writer_output_is_byte_identical_to_tensorflow(tmp_path):
    prefix = str(tmp_path / "ours.ckpt")
    cio.write_bundle(prefix, expected_values())
    for suffix in (".index", ".data-00000-of-00001"):
        with open(prefix + suffix, "rb") as a, open(TF_PREFIX + suffix, "rb") as b:
            assert a.read() == b.read(), suffix


# ------------------------------------------------------------------ round trips
ALL_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
              np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128]


def test_round_trip_every_dtype_and_rank(tmp_path):
    rng = np.random.RandomState(1)
    tensors = {}
    for i, dt in enumerate(ALL_DTYPES):
        shape = [(), (7,), (2, 3), (2, 1, 4)][i % 4]
        tensors[f"t/{np.dtype(dt).name}"] = np.asarray(rng.randn(*shape) * 50).astype(dt)
    tensors["str/unicode"] = np.array(["olá", "", "x" * 300])
    tensors["str/bytes"] = np.array([[b"a", b"\x00\xff"]])
    tensors["non_contiguous"] = np.arange(24.0).reshape(4, 6)[:, ::2]
    tensors["big_endian"] = np.arange(5, dtype=">i4")
    tensors["empty"] = np.zeros((3, 0))
    tensors["nested ünïcode/name"] = np.float32(1)
    prefix = str(tmp_path / "rt")
    size = cio.write_bundle(prefix, tensors)
    assert size == sum(os.path.getsize(f) for f in cio.bundle_files(prefix))
    got = cio.read_bundle(prefix)
    for name, value in tensors.items():
        if value.dtype.kind in "SU":
            value = np.array([v.encode() if isinstance(v, str) else v for v in value.flat],
                             dtype=object).reshape(value.shape)
        assert_same(got[name], value.astype(value.dtype.newbyteorder("=")), name)


def test_many_keys_span_several_table_blocks(tmp_path):
    tensors = {f"layer_{i:04d}/kernel": np.full((2,), i, np.int32) for i in range(1500)}
    prefix = str(tmp_path / "many")
    cio.write_bundle(prefix, tensors, _block_size=512)
    got = cio.read_bundle(prefix)
    assert list(got) == sorted(tensors)
    assert all(np.array_equal(got[k], v) for k, v in tensors.items())


def test_get_tensor_returns_an_independent_writable_copy(tmp_path):
    prefix = str(tmp_path / "c")
    cio.write_bundle(prefix, {"w": np.ones(3, np.float32)})
    with cio.BundleReader(prefix) as reader:
        first = reader.get_tensor("w")
        first[0] = 9
        assert reader.get_tensor("w")[0] == 1


# ------------------------------------------------------------------ saving over a checkpoint
def test_resaving_alternates_layouts_and_removes_the_old_data(tmp_path):
    prefix = str(tmp_path / "m.ckpt")
    names = []
    for step in range(3):
        cio.write_bundle(prefix, {"step": np.int64(step)})
        names.append([os.path.basename(f) for f in cio.bundle_files(prefix)])
        assert cio.read_bundle(prefix)["step"] == step
    assert names[0] == names[2] == ["m.ckpt.data-00000-of-00001", "m.ckpt.index"]
    assert names[1] == ["m.ckpt.data-00000-of-00002", "m.ckpt.data-00001-of-00002",
                        "m.ckpt.index"]
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_open_reader_keeps_reading_its_checkpoint_during_a_resave(tmp_path):
    prefix = str(tmp_path / "m")
    cio.write_bundle(prefix, {"v": np.zeros(4)})
    with cio.BundleReader(prefix) as reader:
        cio.write_bundle(prefix, {"v": np.ones(4)})
        assert reader.get_tensor("v").sum() == 0
    assert cio.read_bundle(prefix)["v"].sum() == 4


def test_survives_being_killed_at_random_moments_while_saving(tmp_path):
    """A child saves again and again to one prefix; SIGKILL it at random moments. After every
    kill the prefix must hold one complete save: every tensor from the same step."""
    prefix = str(tmp_path / "crash.ckpt")
    start = time.perf_counter()
    cio.write_bundle(prefix, {"a": np.zeros(50_000), "b": np.zeros(10, np.int64)})
    one_save = time.perf_counter() - start  # kills land within ~4 saves, whatever the speed
    rng = random.Random(3)
    last_step = 0
    for round_ in range(40):
        pid = os.fork()
        if pid == 0:  # child: save forever, each save tagged with a growing step number
            try:
                step = (round_ + 1) * 1_000_000
                while True:
                    step += 1
                    cio.write_bundle(prefix, {"a": np.full(50_000, step, np.float64),
                                              "b": np.full(10, step, np.int64)})
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 4 * one_save + 0.005))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        got = cio.read_bundle(prefix)
        step = int(got["b"][0])
        assert np.all(got["a"] == step) and np.all(got["b"] == step), round_
        assert step >= last_step
        last_step = step
    assert last_step > 0  # some saves completed between kills
    cio.write_bundle(prefix, {"a": np.ones(1)})  # and saving after a crash still works
    assert cio.read_bundle(prefix)["a"][0] == 1


# ------------------------------------------------------------------ errors users can hit
def test_missing_checkpoint_is_not_found(tmp_path):
    with pytest.raises(errors.NotFoundError, match=r"nope\.index does not exist"):
        cio.read_bundle(str(tmp_path / "nope"))


def test_missing_key_names_it(tmp_path):
    with cio.BundleReader(TF_PREFIX) as reader:
        with pytest.raises(errors.NotFoundError, match="Key layer2/weights not found"):
            reader.get_tensor("layer2/weights")


def copy_of_tf_checkpoint(tmp_path) -> str:
    prefix = str(tmp_path / "copy")
    for suffix in (".index", ".data-00000-of-00001"):
        with open(TF_PREFIX + suffix, "rb") as src, open(prefix + suffix, "wb") as dst:
            dst.write(src.read())
    return prefix


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-1], "bad magic number"),
    (lambda b: b[:30], "shorter than a table footer"),
    (lambda b: b"", "shorter than a table footer"),
    (lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], "checksum mismatch in block"),
    (lambda b: b[-60:], "runs past the end of the file"),
])
def test_damaged_index_is_data_loss_naming_the_file(tmp_path, damage, message):
    prefix = copy_of_tf_checkpoint(tmp_path)
    with open(prefix + ".index", "rb") as f:
        data = f.read()
    with open(prefix + ".index", "wb") as f:
        f.write(damage(data))
    with pytest.raises(errors.DataLossError, match=rf"copy\.index is corrupted: .*{message}"):
        cio.read_bundle(prefix)


def test_truncated_data_file_is_data_loss_naming_file_and_tensor(tmp_path):
    prefix = copy_of_tf_checkpoint(tmp_path)
    os.truncate(prefix + ".data-00000-of-00001", 100)
    with cio.BundleReader(prefix) as reader:
        assert reader.get_tensor("bytes_u8").tolist() == [0, 1, 254, 255]  # early bytes intact
        with pytest.raises(errors.DataLossError,
                           match=r"copy\.data-00000-of-00001 is truncated: tensor 'scalar'"):
            reader.get_tensor("scalar")


@pytest.mark.parametrize("name", ["layer1/weights", "names"])
def test_flipped_data_byte_is_a_checksum_error(tmp_path, name):
    prefix = copy_of_tf_checkpoint(tmp_path)
    with cio.BundleReader(prefix) as reader:
        offset = reader._entries[name][3]
    with open(prefix + ".data-00000-of-00001", "r+b") as f:
        f.seek(offset + 5)
        byte = f.read(1)
        f.seek(offset + 5)
        f.write(bytes([byte[0] ^ 0x10]))
    with pytest.raises(errors.DataLossError,
                       match=rf"Checksum mismatch for tensor '{name}' in .*copy\.data-00000"):
        cio.read_bundle(prefix)


def test_missing_data_file_is_not_found_naming_it(tmp_path):
    prefix = copy_of_tf_checkpoint(tmp_path)
    os.remove(prefix + ".data-00000-of-00001")
    with pytest.raises(errors.NotFoundError,
                       match=r"copy\.data-00000-of-00001 is missing"):
        cio.BundleReader(prefix)


def test_unsupported_values_are_refused_before_writing(tmp_path):
    prefix = str(tmp_path / "bad")
    with pytest.raises(TypeError, match=r"tensor 'obj': string tensors hold bytes or str, "
                                        "found dict"):
        cio.write_bundle(prefix, {"ok": np.ones(2), "obj": np.array([{}, 1], dtype=object)})
    with pytest.raises(TypeError, match=r"tensor 'when': dtype datetime64"):
        cio.write_bundle(prefix, {"when": np.array(["2020-01-01"], "datetime64[D]")})
    with pytest.raises(ValueError, match="non-empty strings, got ''"):
        cio.write_bundle(prefix, {"": np.ones(2)})
    assert cio.bundle_files(prefix) == []  # nothing half-written
