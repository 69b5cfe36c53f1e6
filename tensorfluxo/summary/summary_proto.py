"""Serialized `Summary` protobufs, built with the tensorboard package's own messages.

These pure functions are the kernels of the tf.summary ops and are usable on their own:

    >>> from tensorfluxo.summary.summary_proto import scalar_summary
    >>> scalar_summary("loss/MSE", 0.25)
    b'\\n\\x0f\\n\\x08loss/MSE\\x15\\x00\\x00\\x80>'

protobuf is imported on first use, so `import tensorfluxo` never pays for it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

DBL_MAX = sys.float_info.max


@functools.cache
def protos():
    """The tensorboard protobuf modules (summary_pb2, event_pb2), imported once."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    return summary_pb2, event_pb2


@functools.cache
def default_bucket_limits() -> np.ndarray:
    """TF1's histogram bucket edges: +-1e-12 growing by 10% per bucket up to 1e20, 0, +-DBL_MAX.

    Built by repeated multiplication (not 1.1**k) so the edges match TF's to the last bit.
    """
    positive = []
    edge = 1e-12
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1
    positive.append(DBL_MAX)
    pos = np.array(positive)
    limits = np.concatenate([-pos[::-1], [0.0], pos])
    limits.flags.writeable = False
    return limits


def _as_float64(values: Any, what: str, tag: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} summary '{tag}' needs numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def scalar_summary(tag: str, value: Any) -> bytes:
    """A Summary with one `simple_value` (stored as float32, as TF does)."""
    arr = _as_float64(value, "scalar", tag)
    if arr.ndim != 0:
        raise ValueError(
            f"scalar summary '{tag}' needs a single number (shape ()), got shape {arr.shape}"
        )
    summary_pb2, _ = protos()
    return summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(arr))]
    ).SerializeToString()


def histogram_proto(values: Any, tag: str = "histogram"):
    """A HistogramProto of `values` with TF1's default buckets (runs of empty buckets merged)."""
    arr = _as_float64(values, "histogram", tag).ravel()
    if np.isnan(arr).any():
        raise ValueError(f"Nan in summary histogram for: {tag}")
    if np.isinf(arr).any():
        raise ValueError(f"Infinity in summary histogram for: {tag}")
    limits = default_bucket_limits()
    # A value v belongs to the first bucket whose limit is > v (TF's upper_bound).
    index = np.minimum(np.searchsorted(limits, arr, side="right"), len(limits) - 1)
    counts = np.bincount(index, minlength=len(limits)).astype(np.float64)
    # Keep every filled bucket, and of each run of empty ones only its last (TF's encoding).
    filled = counts > 0
    keep = filled.copy()
    keep[:-1] |= filled[1:]
    keep[-1] = True
    summary_pb2, _ = protos()
    return summary_pb2.HistogramProto(
        min=float(arr.min()) if arr.size else DBL_MAX,
        max=float(arr.max()) if arr.size else -DBL_MAX,
        num=float(arr.size),
        sum=float(arr.sum()),
        sum_squares=float(np.dot(arr, arr)),
        bucket_limit=limits[keep].tolist(),
        bucket=counts[keep].tolist(),
    )


def histogram_summary(tag: str, values: Any) -> bytes:
    """A Summary with the histogram of all elements of `values` (any shape)."""
    summary_pb2, _ = protos()
    return summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, histo=histogram_proto(values, tag))]
    ).SerializeToString()


def _to_bytes(item: Any) -> bytes:
    return item if isinstance(item, bytes) else str(item).encode("utf-8")


def text_summary(tag: str, text: Any) -> bytes:
    """A Summary holding a string tensor (any shape) for TensorBoard's text plugin."""
    arr = np.asarray(text, dtype=object)
    if not all(isinstance(item, (str, bytes, np.str_, np.bytes_)) for item in arr.flat):
        raise TypeError(f"text summary '{tag}' needs strings, got {arr.dtype} values {text!r}")
    summary_pb2, _ = protos()
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=n) for n in arr.shape]
        ),
        string_val=[_to_bytes(item) for item in arr.flat],
    )
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text")
    )
    return summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)]
    ).SerializeToString()


def merge_summaries(inputs: Iterable[Any]) -> bytes:
    """One Summary holding the values of all serialized Summaries in `inputs` (nested ok)."""
    summary_pb2, _ = protos()
    merged = summary_pb2.Summary()
    seen: set[str] = set()
    for item in np.asarray(list(inputs), dtype=object).ravel():
        if isinstance(item, np.ndarray):  # a 0-d object array from a session run
            item = item.item()
        if not isinstance(item, (bytes, np.bytes_)):
            raise TypeError(
                f"merge needs serialized Summary bytes, got {type(item).__name__}: {item!r:.80}"
            )
        try:
            part = summary_pb2.Summary.FromString(bytes(item))
        except Exception as exc:  # protobuf's DecodeError type varies by backend
            raise ValueError(
                f"Could not parse one of the summary inputs ({len(item)} bytes): {exc}"
            ) from None
        for value in part.value:
            if value.tag in seen:
                raise ValueError(f"Duplicate tag {value.tag} found in summary inputs")
            seen.add(value.tag)
        merged.value.extend(part.value)
    return merged.SerializeToString()


def _png(pixels: np.ndarray) -> bytes:
    """A PNG file of an (h, w, c) uint8 image (c = 1 gray, 3 RGB, 4 RGBA), unfiltered rows."""
    import struct
    import zlib

    h, w, c = pixels.shape
    raw = b"".join(b"\x00" + pixels[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    color = {1: 0, 3: 2, 4: 6}[c]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """TF's per-image scaling of float pixels (values checked against TF 2.21): non-negative
    images so the largest value is 255; others so 0 sits at 128 and the largest magnitude at
    1 or 255; fractions truncated."""
    if image.dtype == np.uint8:
        return image
    x = np.nan_to_num(image.astype(np.float64))
    lo, hi = x.min(initial=0.0), x.max(initial=0.0)
    if lo >= 0:
        scaled = x * (255.0 / hi if hi > 0 else 0.0)
    else:
        scaled = x * (127.0 / max(-lo, hi)) + 128.0
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _numbered(tag: str, kind: str, n: int, max_outputs: int) -> list:
    """TF1's tags: "tag/image" for max_outputs 1, else "tag/image/0", "tag/image/1"..."""
    return [f"{tag}/{kind}" if max_outputs == 1 else f"{tag}/{kind}/{i}" for i in range(n)]


def image_summary(tag: str, images: Any, max_outputs: int = 3) -> bytes:
    """A Summary of up to ``max_outputs`` PNG images from a [batch, h, w, c] tensor."""
    arr = np.asarray(images)
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3, 4):
        raise ValueError(f"image summary '{tag}' needs a [batch, height, width, channels] "
                         f"tensor with 1, 3 or 4 channels, got shape {arr.shape}")
    summary_pb2, _ = protos()
    arr = arr[:max_outputs]
    values = [summary_pb2.Summary.Value(tag=t, image=summary_pb2.Summary.Image(
        height=im.shape[0], width=im.shape[1], colorspace=im.shape[2],
        encoded_image_string=_png(_to_uint8(im))))
        for t, im in zip(_numbered(tag, "image", len(arr), max_outputs), arr)]
    return summary_pb2.Summary(value=values).SerializeToString()


def _wav(samples: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV file of (frames, channels) samples in [-1, 1]."""
    import io
    import wave

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def audio_summary(tag: str, audio: Any, sample_rate: Any, max_outputs: int = 3) -> bytes:
    """A Summary of up to ``max_outputs`` WAV clips from a [batch, frames(, channels)] tensor
    of samples in [-1, 1]."""
    arr = np.asarray(audio, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"audio summary '{tag}' needs a [batch, frames] or [batch, frames, "
                         f"channels] tensor, got shape {arr.shape}")
    rate = float(np.asarray(sample_rate))
    summary_pb2, _ = protos()
    arr = arr[:max_outputs]
    values = [summary_pb2.Summary.Value(tag=t, audio=summary_pb2.Summary.Audio(
        sample_rate=rate, num_channels=clip.shape[1], length_frames=clip.shape[0],
        encoded_audio_string=_wav(clip, int(rate)), content_type="audio/wav"))
        for t, clip in zip(_numbered(tag, "audio", len(arr), max_outputs), arr)]
    return summary_pb2.Summary(value=values).SerializeToString()
