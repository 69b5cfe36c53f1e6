"""TFRecord files, tf.train.Example, parsing and decoding ops, gfile."""

import gzip

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.data import Dataset, TextLineDataset, TFRecordDataset
from tensorfluxo.io import example_proto


def _example(i):
    ep = example_proto
    return ep.Example(features=ep.Features(feature={
        "x": ep.Feature(float_list=ep.FloatList(value=[i, i + 0.5])),
        "y": ep.Feature(int64_list=ep.Int64List(value=[i])),
        "tags": ep.Feature(bytes_list=ep.BytesList(value=[b"t"] * i)),
    }))


def _write(path, n, options=None):
    with tf.io.TFRecordWriter(str(path), options) as w:
        for i in range(n):
            w.write(_example(i).SerializeToString())


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
def test_tfrecord_round_trip_through_a_dataset(tmp_path, compression):
    path = tmp_path / "d.tfrecord"
    _write(path, 3, compression)
    assert [example_proto.Example.FromString(r).features.feature["y"].int64_list.value[0]
            for r in tf.io.tf_record_iterator(str(path), compression)] == [0, 1, 2]
    spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64),
            "tags": tf.io.VarLenFeature(tf.string)}
    ds = TFRecordDataset(str(path), compression_type=compression).map(
        lambda r: tf.io.parse_single_example(r, spec))
    el = ds.make_one_shot_iterator().get_next()
    assert el["x"].shape.as_list() == [2] and el["y"].dtype == tf.int64
    dense_tags = tf.sparse.to_dense(el["tags"])
    with tf.Session() as sess:
        got = [sess.run([el["x"], el["y"], dense_tags]) for _ in range(3)]
    np.testing.assert_array_equal(got[2][0], [2.0, 2.5])
    assert got[1][1] == 1 and list(got[2][2]) == [b"t", b"t"] and len(got[0][2]) == 0


def test_the_writer_frames_records_as_tensorflow_does(tmp_path):
    # length, masked crc of the length, data, masked crc of the data (values from TF's format)
    path = tmp_path / "one.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        w.write(b"abc")
    raw = path.read_bytes()
    assert raw[:8] == (3).to_bytes(8, "little") and raw[12:15] == b"abc" and len(raw) == 19
    from tensorfluxo.kernels.crc32c import crc32c, masked
    assert int.from_bytes(raw[8:12], "little") == masked(crc32c(raw[:8]))
    assert int.from_bytes(raw[15:], "little") == masked(crc32c(b"abc"))


def test_parse_example_batches_and_defaults():
    ser = tf.constant([_example(1).SerializeToString(), _example(2).SerializeToString()])
    out = tf.io.parse_example(ser, {"y": tf.io.FixedLenFeature([], tf.int64),
                                    "missing": tf.io.FixedLenFeature([2], tf.float32,
                                                                     default_value=7.0),
                                    "tags": tf.io.VarLenFeature(tf.string)})
    with tf.Session() as sess:
        y, m, idx, shape = sess.run([out["y"], out["missing"], out["tags"].indices,
                                     out["tags"].dense_shape])
    assert list(y) == [1, 2] and m.tolist() == [[7.0, 7.0]] * 2
    assert idx.tolist() == [[0, 0], [1, 0], [1, 1]] and shape.tolist() == [2, 2]


def test_damaged_and_missing_files_raise_tf_errors_naming_them(tmp_path):
    path = tmp_path / "d.tfrecord"
    _write(path, 2)
    raw = path.read_bytes()
    path.write_bytes(raw[:-5])
    nxt = TFRecordDataset(str(path)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(nxt)
        with pytest.raises(tf.errors.DataLossError,
                           match=r"truncated record at \d+ in '.*d.tfrecord'"):
            sess.run(nxt)
    bad = bytearray(raw)
    bad[14] ^= 0xFF
    path.write_bytes(bytes(bad))
    with pytest.raises(tf.errors.DataLossError, match="corrupted record at 0 .*data checksum"):
        list(tf.io.tf_record_iterator(str(path)))
    nxt = TFRecordDataset(str(tmp_path / "nope.tfrecord")).make_one_shot_iterator().get_next()
    with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError, match="nope.tfrecord"):
        sess.run(nxt)


def test_a_parse_spec_that_does_not_match_names_the_feature():
    ser = tf.constant(_example(1).SerializeToString())
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Feature 'y' of record 0 is a int64_list, but the parse spec "
                                 "asks for float32"):
            sess.run(tf.io.parse_single_example(ser, {"y": tf.io.FixedLenFeature([], tf.float32)}))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Feature 'z' .* is required but could not be found"):
            sess.run(tf.io.parse_single_example(ser, {"z": tf.io.FixedLenFeature([], tf.int64)}))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Key: x.* needs 3"):
            sess.run(tf.io.parse_single_example(ser, {"x": tf.io.FixedLenFeature([3], tf.float32)}))
    with pytest.raises(ValueError, match="needs a fully defined shape"):
        tf.io.parse_single_example(ser, {"x": tf.io.FixedLenFeature([None], tf.float32)})


def test_text_lines_decode_csv_and_decode_raw(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("1.5,2,abc\n,3,\"d,e\"\n")
    gz = tmp_path / "b.txt.gz"
    with gzip.open(gz, "wb") as f:
        f.write(b"x\ny\n")
    ds = TextLineDataset(str(p)).map(
        lambda line: tf.io.decode_csv(line, [[0.0], [0], [""]]))
    a, b, c = ds.make_one_shot_iterator().get_next()
    lines = TextLineDataset(str(gz), compression_type="GZIP").make_one_shot_iterator().get_next()
    raw = tf.io.decode_raw(tf.constant(np.arange(3, dtype=np.int16).tobytes()), tf.int16)
    with tf.Session() as sess:
        assert sess.run([a, b, c]) == [1.5, 2, b"abc"]
        assert sess.run([a, b, c]) == [0.0, 3, b"d,e"]
        assert [sess.run(lines), sess.run(lines)] == [b"x", b"y"]
        assert sess.run(raw).tolist() == [0, 1, 2]
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expect 2 fields but have 3"):
            sess.run(tf.io.decode_csv(tf.constant("1,2,3"), [[0], [0]]))


def test_gfile_basics(tmp_path):
    d = tmp_path / "a" / "b"
    tf.io.gfile.makedirs(str(d))
    with tf.io.gfile.GFile(str(d / "f.txt"), "w") as f:
        f.write("hi")
    assert tf.io.gfile.exists(str(d / "f.txt")) and tf.io.gfile.isdir(str(d))
    assert tf.io.gfile.listdir(str(d)) == ["f.txt"]
    assert tf.io.gfile.glob(str(tmp_path / "a" / "*" / "*.txt")) == [str(d / "f.txt")]
    with pytest.raises(tf.errors.NotFoundError, match="nope"):
        tf.io.gfile.GFile(str(tmp_path / "nope"))


def test_datasets_of_records_batch_into_a_model():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    ds = Dataset.from_tensor_slices(X).batch(3)
    x = ds.make_one_shot_iterator().get_next()
    w = tf.Variable([[1.0], [1.0]])
    y = tf.matmul(x, w)
    with tf.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(y).ravel().tolist() == [1.0, 5.0, 9.0]


@pytest.mark.parametrize("name, compression", [("examples.tfrecord", None),
                                               ("examples.tfrecord.gz", "GZIP")])
def test_files_written_by_tensorflow_parse_to_the_reference_values(name, compression):
    # written by TF 2.21: see tests/data/tfrecord/README.md
    from pathlib import Path
    path = str(Path(__file__).parent / "tfrecord" / name)
    spec = {"x": tf.io.FixedLenFeature([2], tf.float32),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "name": tf.io.FixedLenFeature([], tf.string),
            "tags": tf.io.VarLenFeature(tf.int64)}
    ds = TFRecordDataset(path, compression_type=compression).map(
        lambda r: tf.io.parse_single_example(r, spec))
    el = ds.make_one_shot_iterator().get_next()
    tags = tf.sparse.to_dense(el["tags"])
    with tf.Session() as sess:
        for i in range(4):
            x, label, nm, tg = sess.run([el["x"], el["label"], el["name"], tags])
            np.testing.assert_allclose(x, [i + 0.25, -i * 1.5])
            assert (label, nm, tg.tolist()) == (i, f"item{i}".encode(), list(range(i)))
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(el["x"])


def test_make_csv_dataset_infers_types_and_splits_the_label(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("age,fare,name,survived\n22,7.25,a,0\n38,71.3,b,1\n26,7.9,c,1\n")
    ds = tf.data.experimental.make_csv_dataset(str(p), batch_size=2, label_name="survived",
                                               num_epochs=1, shuffle=False)
    features, label = ds.make_one_shot_iterator().get_next()
    assert sorted(features) == ["age", "fare", "name"]
    assert (features["age"].dtype, features["fare"].dtype, features["name"].dtype,
            label.dtype) == (tf.int32, tf.float32, tf.string, tf.int32)
    with tf.Session() as sess:
        f, lab = sess.run([features, label])
        assert f["age"].tolist() == [22, 38] and lab.tolist() == [0, 1]
        assert f["name"].tolist() == [b"a", b"b"]
        f, lab = sess.run([features, label])
        assert f["fare"].tolist() == pytest.approx([7.9]) and lab.tolist() == [1]
    with pytest.raises(ValueError, match="label_name 'nope' is not a column"):
        tf.data.experimental.make_csv_dataset(str(p), 2, label_name="nope")
