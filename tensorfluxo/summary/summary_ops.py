"""tf.summary ops: graph ops whose value is a serialized `Summary` protobuf (a bytes string).

    >>> with tf.name_scope("loss"):
    ...     mse_summary = tf.summary.scalar("MSE", mse)      # tag "loss/MSE"
    >>> file_writer.add_summary(mse_summary.eval(feed_dict=feed), step)

The tag is the op's full name (name scopes included), as in TF1. The kernels are the pure
encoders of summary_proto.py.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tensorfluxo.framework import dtypes
from tensorfluxo.framework.ops import (
    GraphKeys,
    Tensor,
    apply_op,
    convert_to_tensor,
    get_default_graph,
)
from tensorfluxo.framework.registry import defop
from tensorfluxo.summary.summary_proto import (
    audio_summary,
    histogram_summary,
    image_summary,
    merge_summaries,
    scalar_summary,
    text_summary,
)

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w.]")


def _real_number_input(op, what: str) -> Tensor:
    (value,) = op.inputs
    if value.dtype is dtypes.string or value.dtype is dtypes.bool:
        raise TypeError(f"tf.summary.{what} needs a real-number tensor, got '{value.name}' of "
                        f"dtype {value.dtype.name}")
    return value


def _scalar_infer(op):
    value = _real_number_input(op, "scalar")
    if value.shape.ndims not in (None, 0):
        raise ValueError(f"tf.summary.scalar needs a scalar (shape ()), got '{value.name}' "
                         f"with shape {value.shape}")
    return dtypes.string, ()


def _histogram_infer(op):
    _real_number_input(op, "histogram")
    return dtypes.string, ()


def _text_infer(op):
    (value,) = op.inputs
    if value.dtype is not dtypes.string:
        raise TypeError(f"tf.summary.text needs a string tensor, got '{value.name}' of dtype "
                        f"{value.dtype.name}")
    return dtypes.string, ()


def _merge_infer(op):
    for t in op.inputs:
        if t.dtype is not dtypes.string:
            raise TypeError(f"tf.summary.merge needs string tensors of serialized Summaries, "
                            f"got '{t.name}' of dtype {t.dtype.name}")
    return dtypes.string, ()


def _summary(encoded: bytes) -> np.ndarray:
    return np.array(encoded, dtype=object)


defop("ScalarSummary", infer=_scalar_infer, not_differentiable=True,
      kernel=lambda value, tag: _summary(scalar_summary(tag, value)))
defop("HistogramSummary", infer=_histogram_infer, not_differentiable=True,
      kernel=lambda values, tag: _summary(histogram_summary(tag, values)))
defop("TextSummary", infer=_text_infer, not_differentiable=True,
      kernel=lambda text, tag: _summary(text_summary(tag, text)))
def _image_infer(op):
    (value,) = op.inputs
    if value.dtype not in (dtypes.uint8, dtypes.float16, dtypes.float32, dtypes.float64):
        raise TypeError(f"tf.summary.image needs a uint8 or float tensor, got '{value.name}' of "
                        f"dtype {value.dtype.name}")
    d = value.shape.as_tuple()
    if d is not None and (len(d) != 4 or d[-1] not in (1, 3, 4, None)):
        raise ValueError(f"tf.summary.image needs a 4-D [batch, height, width, channels] tensor "
                         f"with 1, 3 or 4 channels, got '{value.name}' with shape {value.shape}")
    return dtypes.string, ()


def _audio_infer(op):
    value, rate = op.inputs
    if not value.dtype.is_floating:
        raise TypeError(f"tf.summary.audio needs a float tensor of samples in [-1, 1], got "
                        f"'{value.name}' of dtype {value.dtype.name}")
    d = value.shape.as_tuple()
    if d is not None and len(d) not in (2, 3):
        raise ValueError(f"tf.summary.audio needs a [batch, frames] or [batch, frames, "
                         f"channels] tensor, got '{value.name}' with shape {value.shape}")
    return dtypes.string, ()


defop("ImageSummary", infer=_image_infer, not_differentiable=True,
      kernel=lambda images, tag, max_outputs: _summary(image_summary(tag, images, max_outputs)))
defop("AudioSummaryV2", infer=_audio_infer, not_differentiable=True,
      kernel=lambda audio, rate, tag, max_outputs: _summary(
          audio_summary(tag, audio, rate, max_outputs)))
defop("MergeSummary", infer=_merge_infer, not_differentiable=True,
      kernel=lambda *inputs: _summary(merge_summaries(inputs)))


def _summary_op(op_type: str, name: str, tensor: Any, collections, family, extra=(),
                attrs=None) -> Tensor:
    """Creates a summary op named like TF1's summary scope and files it in `collections`."""
    tensor = convert_to_tensor(tensor)
    graph = tensor.graph
    name = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    if family is not None:
        family = _INVALID_TAG_CHARACTERS.sub("_", family).lstrip("/")
        name = f"{family}/{name}"
    # The op gets the unique name the scope would ("loss/MSE", "loss/MSE_1"...); its full name
    # is the tag, prefixed once more by the family as TF1 does ("fam/fam/s").
    op_name = graph.unique_name(name, mark_as_used=False)
    tag = op_name if family is None else f"{family}/{op_name}"
    summary = apply_op(op_type, [tensor, *extra], {"tag": tag, **(attrs or {})}, name=name)
    graph.add_to_collections(
        [GraphKeys.SUMMARIES] if collections is None else list(collections), summary
    )
    return summary


def scalar(name: str, tensor: Any, collections: list | None = None,
           family: str | None = None) -> Tensor:
    """A summary op holding the value of the scalar `tensor` (tf.summary.scalar)."""
    return _summary_op("ScalarSummary", name, tensor, collections, family)


def histogram(name: str, values: Any, collections: list | None = None,
              family: str | None = None) -> Tensor:
    """A summary op holding a histogram of all elements of `values` (tf.summary.histogram)."""
    return _summary_op("HistogramSummary", name, values, collections, family)


def image(name: str, tensor: Any, max_outputs: int = 3, collections: list | None = None,
          family: str | None = None) -> Tensor:
    """A summary op holding up to ``max_outputs`` images of the [batch, height, width,
    channels] ``tensor`` as PNG (TensorBoard's Images tab); float pixels are scaled per image as
    TF1 does, uint8 pixels are kept."""
    return _summary_op("ImageSummary", name, tensor, collections, family,
                       attrs={"max_outputs": int(max_outputs)})


def audio(name: str, tensor: Any, sample_rate: Any, max_outputs: int = 3,
          collections: list | None = None, family: str | None = None) -> Tensor:
    """A summary op holding up to ``max_outputs`` clips of the [batch, frames(, channels)]
    ``tensor`` (samples in [-1, 1]) as WAV, for TensorBoard's Audio tab."""
    rate = convert_to_tensor(sample_rate, dtype=dtypes.float32)
    return _summary_op("AudioSummaryV2", name, tensor, collections, family, extra=[rate],
                       attrs={"max_outputs": int(max_outputs)})


def text(name: str, tensor: Any, collections: list | None = None) -> Tensor:
    """A summary op showing the string `tensor` in TensorBoard's Text tab (tf.summary.text)."""
    return _summary_op("TextSummary", name, tensor, collections, None)


def merge(inputs: list, collections: list | None = None, name: str | None = None) -> Tensor:
    """One summary op holding the values of all summary tensors in `inputs` (tf.summary.merge)."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("tf.summary.merge needs at least one summary tensor, got an empty list")
    summary = apply_op("MergeSummary", inputs, name=name or "Merge")
    if collections:
        summary.graph.add_to_collections(list(collections), summary)
    return summary


def merge_all(key: str = GraphKeys.SUMMARIES, scope: str | None = None,
              name: str | None = None) -> Tensor | None:
    """Merges every summary of collection `key` (default graph), or None if there are none."""
    summaries = get_default_graph().get_collection(key, scope)
    return merge(summaries, name=name) if summaries else None
