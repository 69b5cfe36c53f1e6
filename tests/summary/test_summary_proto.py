"""Serialized Summary protobufs: values, TF1 histogram buckets, text, merge and their errors."""

from pathlib import Path

import numpy as np
import pytest
from tensorboard.compat.proto import summary_pb2

from tensorfluxo.summary.summary_proto import (
    DBL_MAX,
    default_bucket_limits,
    histogram_summary,
    merge_summaries,
    scalar_summary,
    text_summary,
)

DATA = Path(__file__).parent / "data"


def parse(data: bytes):
    return summary_pb2.Summary.FromString(data).value


def test_scalar_is_a_float32_simple_value():
    (value,) = parse(scalar_summary("loss/MSE", np.float64(0.1)))
    assert value.tag == "loss/MSE"
    assert value.simple_value == np.float32(0.1)
    (value,) = parse(scalar_summary("steps", np.array(7, np.int64)))
    assert value.simple_value == 7.0


def test_scalar_rejects_non_scalars_and_strings():
    with pytest.raises(ValueError, match=r"scalar summary 'mse' needs a single number.*\(2,\)"):
        scalar_summary("mse", [1.0, 2.0])
    with pytest.raises(TypeError, match=r"scalar summary 'mse' needs numbers, got dtype <U1"):
        scalar_summary("mse", "a")


def test_bucket_limits_are_tf1s():
    limits = default_bucket_limits()
    assert len(limits) == 1551  # 775 positive edges, their negatives, 0
    assert limits[775] == 0.0 and limits[776] == 1e-12 and limits[-1] == DBL_MAX
    np.testing.assert_array_equal(limits[:775], -limits[776:][::-1])
    assert limits[777] == 1e-12 * 1.1 and limits[-2] < 1e20 <= limits[-2] * 1.1


def test_histogram_matches_tensorflow_reference():
    # The reference was made once by TF 2.21's tf.compat.v1.summary.histogram on these values.
    values = np.load(DATA / "histogram_values.npy")
    (ref,) = parse((DATA / "tf_histogram_reference.pb").read_bytes())
    (mine,) = parse(histogram_summary("weights", values))
    assert mine.tag == "weights"
    assert list(mine.histo.bucket_limit) == list(ref.histo.bucket_limit)
    assert list(mine.histo.bucket) == list(ref.histo.bucket)
    for field in ("min", "max", "num", "sum", "sum_squares"):
        assert getattr(mine.histo, field) == pytest.approx(getattr(ref.histo, field), rel=1e-12)


def test_histogram_small_cases():
    (value,) = parse(histogram_summary("h", np.array([1.0, 2.0, -3.0, 0.0, 1e-13], np.float32)))
    histo = value.histo
    assert (histo.min, histo.max, histo.num, histo.sum_squares) == (-3.0, 2.0, 5.0, 14.0)
    # Runs of empty buckets collapse into one entry at the run's last limit; 0 and 1e-13 share
    # the bucket [0, 1e-12).
    assert list(histo.bucket) == [0, 1, 0, 2, 0, 1, 0, 1, 0]
    assert histo.bucket_limit[2:4] == [0.0, 1e-12] and histo.bucket_limit[-1] == DBL_MAX
    (value,) = parse(histogram_summary("empty", []))
    assert (value.histo.min, value.histo.max, value.histo.num) == (DBL_MAX, -DBL_MAX, 0.0)
    assert list(value.histo.bucket_limit) == [DBL_MAX] and list(value.histo.bucket) == [0.0]


def test_histogram_rejects_nan_inf_and_strings():
    with pytest.raises(ValueError, match="Nan in summary histogram for: w"):
        histogram_summary("w", [1.0, np.nan])
    with pytest.raises(ValueError, match="Infinity in summary histogram for: w"):
        histogram_summary("w", [[-np.inf]])
    with pytest.raises(TypeError, match="histogram summary 'w' needs numbers"):
        histogram_summary("w", ["a"])


def test_text_is_a_string_tensor_for_the_text_plugin():
    (value,) = parse(text_summary("notes", "olá"))
    assert value.metadata.plugin_data.plugin_name == "text"
    assert list(value.tensor.string_val) == ["olá".encode()]
    assert list(value.tensor.tensor_shape.dim) == []
    (value,) = parse(text_summary("table", np.array([["a", "b"]])))
    assert [d.size for d in value.tensor.tensor_shape.dim] == [1, 2]
    assert list(value.tensor.string_val) == [b"a", b"b"]
    with pytest.raises(TypeError, match="text summary 'notes' needs strings"):
        text_summary("notes", 1.5)


def test_merge_keeps_all_values_in_order():
    merged = merge_summaries(
        [scalar_summary("a", 1.0), np.array(scalar_summary("b", 2.0), dtype=object),
         merge_summaries([histogram_summary("c", [1.0]), text_summary("d", "x")])]
    )
    assert [v.tag for v in parse(merged)] == ["a", "b", "c", "d"]
    assert merge_summaries([]) == b""


def test_merge_errors():
    with pytest.raises(ValueError, match="Duplicate tag a found in summary inputs"):
        merge_summaries([scalar_summary("a", 1.0), scalar_summary("a", 2.0)])
    with pytest.raises(ValueError, match="Could not parse one of the summary inputs"):
        merge_summaries([b"\xff\xff\xff"])
    with pytest.raises(TypeError, match="merge needs serialized Summary bytes, got float"):
        merge_summaries([1.5])
