"""FileWriter: event files read back with TensorBoard's own EventAccumulator."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import graph_pb2, node_def_pb2, summary_pb2

from tensorfluxo.summary import FileWriter
from tensorfluxo.summary.summary_proto import (
    histogram_summary,
    merge_summaries,
    scalar_summary,
    text_summary,
)

REPO = Path(__file__).resolve().parents[2]


def load(logdir) -> EventAccumulator:
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


def tiny_graph_def():
    return graph_pb2.GraphDef(
        node=[node_def_pb2.NodeDef(name="loss/mse", op="Mean", input=["dnn/hidden1/Relu"]),
              node_def_pb2.NodeDef(name="dnn/hidden1/Relu", op="Relu")]
    )


def test_scalars_histograms_text_and_graph_round_trip(tmp_path):
    logdir = tmp_path / "tf_logs" / "run-1"  # created, parents included
    with FileWriter(logdir, graph_def=tiny_graph_def()) as writer:
        assert writer.get_logdir() == str(logdir)
        for step in range(0, 100, 10):
            writer.add_summary(scalar_summary("loss/MSE", 1.0 / (step + 1)), step)
        writer.add_summary(histogram_summary("w", np.arange(10.0)), global_step=np.int64(5))
        writer.add_summary(summary_pb2.Summary.FromString(text_summary("notes", "hi")), 3)
        writer.add_summary(np.array(merge_summaries([scalar_summary("acc", 0.5)]), object), 7)
        writer.add_run_metadata(object(), "step7", 7)  # accepted, ignored
    assert len(os.listdir(logdir)) == 1
    acc = load(logdir)
    scalars = acc.Scalars("loss/MSE")
    assert [e.step for e in scalars] == list(range(0, 100, 10))
    expected = [1.0 / (s + 1) for s in range(0, 100, 10)]
    np.testing.assert_allclose([e.value for e in scalars], expected, rtol=1e-6)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(7, 0.5)]
    (histo,) = acc.Histograms("w")
    assert histo.step == 5
    assert (histo.histogram_value.num, histo.histogram_value.sum) == (10, 45)
    (text,) = acc.Tensors("notes")
    assert text.step == 3 and list(text.tensor_proto.string_val) == [b"hi"]
    assert acc.SummaryMetadata("notes").plugin_data.plugin_name == "text"
    assert sorted(n.name for n in acc.Graph().node) == ["dnn/hidden1/Relu", "loss/mse"]


def test_add_graph_takes_a_graph_with_as_graph_def(tmp_path):
    class FakeGraph:
        def as_graph_def(self, add_shapes=False):
            return tiny_graph_def()

    with FileWriter(tmp_path, FakeGraph(), filename_suffix=".v1") as writer:
        pass
    (name,) = os.listdir(tmp_path)
    assert name.startswith("events.out.tfevents.") and name.endswith(".v1")
    assert len(load(tmp_path).Graph().node) == 2
    with FileWriter(tmp_path / "b") as writer:
        writer.add_graph(tiny_graph_def().SerializeToString(), global_step=1)
    assert len(load(tmp_path / "b").Graph().node) == 2


def test_events_are_written_in_the_background_and_on_flush(tmp_path):
    writer = FileWriter(tmp_path, flush_secs=3600)
    (path,) = [tmp_path / n for n in os.listdir(tmp_path)]
    writer.add_summary(scalar_summary("a", 1.0), 0)
    writer.flush()
    assert [e.value for e in load(tmp_path).Scalars("a")] == [1.0]
    writer.close()
    writer.close()  # twice is fine
    writer.flush()  # a closed writer has nothing to flush
    size = path.stat().st_size
    writer.reopen()  # a new file in the same logdir
    writer.add_summary(scalar_summary("a", 2.0), 1)
    writer.close()
    assert path.stat().st_size == size and len(os.listdir(tmp_path)) == 2
    # Both files in one second are ordered by tensorboard's process-wide file counter as text
    # (".9" after ".10"), so the reading order depends on how many writers ran before.
    assert sorted(e.value for e in load(tmp_path).Scalars("a")) == [1.0, 2.0]


def test_events_reach_the_disk_within_flush_secs_without_flush(tmp_path):
    writer = FileWriter(tmp_path, flush_secs=0.05)
    writer.add_summary(scalar_summary("a", 1.0), 0)  # fewer than max_queue: still pending
    deadline = time.monotonic() + 10  # generous: only a hung ticker thread fails this
    while not load(tmp_path).Tags()["scalars"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [e.value for e in load(tmp_path).Scalars("a")] == [1.0]
    writer.close()


def test_max_queue_events_are_handed_to_the_event_file_writer(tmp_path):
    writer = FileWriter(tmp_path, max_queue=3, flush_secs=3600)
    for step in range(7):
        writer.add_summary(scalar_summary("a", float(step)), step)
    assert len(writer._pending) == 1  # 2 hand-offs of 3, one event waiting
    writer.close()
    assert [e.step for e in load(tmp_path).Scalars("a")] == list(range(7))


def test_plugin_metadata_is_kept_on_the_first_event_of_a_tag_only(tmp_path):
    with FileWriter(tmp_path) as writer:
        writer.add_summary(text_summary("notes", "a"), 0)
        writer.add_summary(text_summary("notes", "b"), 1)
    assert [list(e.tensor_proto.string_val) for e in load(tmp_path).Tensors("notes")] == [
        [b"a"], [b"b"]]


def test_unclosed_writer_is_flushed_at_exit(tmp_path):
    script = textwrap.dedent(f"""
        from tensorfluxo.summary import FileWriter
        from tensorfluxo.summary.summary_proto import scalar_summary
        w = FileWriter({str(tmp_path)!r}, flush_secs=3600)
        for step in range(50):
            w.add_summary(scalar_summary("loss", float(step)), step)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, cwd=REPO)
    assert len(load(tmp_path).Scalars("loss")) == 50


def test_tensorflow_is_never_imported(tmp_path):
    # A 'tensorflow' that explodes on import: tensorboard's writer must not reach for it.
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "tensorflow" / "__init__.py").write_text("raise RuntimeError('tensorflow imported')")
    script = textwrap.dedent(f"""
        import sys
        from tensorfluxo.summary import FileWriter
        from tensorfluxo.summary.summary_proto import scalar_summary
        with FileWriter({str(tmp_path / "logs")!r}) as w:
            w.add_summary(scalar_summary("loss", 1.0), 0)
        assert "tensorflow" not in sys.modules
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), str(REPO)]))
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, env=env)
    assert len(load(tmp_path / "logs").Scalars("loss")) == 1


def test_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="FileWriter logdir '.*file' exists and is not a"):
        FileWriter(tmp_path / "file")
    writer = FileWriter(tmp_path / "logs")

    class Tensor:
        name = "loss/MSE:0"
        op = None

    with pytest.raises(TypeError, match=r"got Tensor 'loss/MSE:0'; evaluate the summary op first"):
        writer.add_summary(Tensor(), 0)
    with pytest.raises(TypeError, match="needs serialized Summary bytes or a Summary proto, got "
                                        "float"):
        writer.add_summary(0.5, 0)
    with pytest.raises(ValueError, match="add_summary: 3 bytes are not a serialized Summary"):
        writer.add_summary(b"\xff\xff\xff", 0)
    with pytest.raises(TypeError, match="FileWriter needs a Graph or a GraphDef.*got int"):
        writer.add_graph(3)
    with pytest.raises(TypeError, match="add_event needs an Event protobuf, got bytes"):
        writer.add_event(b"")
    with pytest.raises(ValueError, match="give either graph or graph_def, not both"):
        writer.add_graph(tiny_graph_def(), graph_def=tiny_graph_def())
    writer.close()
    with pytest.raises(RuntimeError, match="FileWriter for '.*logs' is closed; call reopen()"):
        writer.add_summary(scalar_summary("a", 1.0), 0)
