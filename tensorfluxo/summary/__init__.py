"""tf.summary: summary ops for TensorBoard and the FileWriter that writes them."""

from tensorfluxo.summary.summary_ops import audio as audio
from tensorfluxo.summary.summary_ops import histogram as histogram
from tensorfluxo.summary.summary_ops import image as image
from tensorfluxo.summary.summary_ops import merge as merge
from tensorfluxo.summary.summary_ops import merge_all as merge_all
from tensorfluxo.summary.summary_ops import scalar as scalar
from tensorfluxo.summary.summary_ops import text as text
from tensorfluxo.summary.writer import FileWriter as FileWriter
from tensorfluxo.summary.writer import FileWriterCache as FileWriterCache

_PROTOS = {"Summary": "summary_pb2", "SummaryMetadata": "summary_pb2",
           "HistogramProto": "summary_pb2", "Event": "event_pb2", "SessionLog": "event_pb2"}


def __getattr__(name: str):
    # tf.summary.Summary / Event are tensorboard's protobuf classes, imported on first use so
    # that `import tensorfluxo` does not load protobuf.
    if name in _PROTOS:
        import importlib

        module = importlib.import_module(f"tensorboard.compat.proto.{_PROTOS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'tensorfluxo.summary' has no attribute {name!r}")
