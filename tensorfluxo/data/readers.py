"""File datasets (TextLineDataset, TFRecordDataset, FixedLengthRecordDataset) and TFRecord files.

A TFRecord file is a sequence of records, each framed as: length (uint64, little-endian), the
masked CRC32C of those 8 bytes, the data, the masked CRC32C of the data; optionally the whole
file is GZIP or ZLIB compressed. Files written here are read by TensorFlow and the other way
round; a damaged record raises DataLossError naming the file and the record's offset.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from collections.abc import Iterator

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import convert_to_tensor
from ..framework.tensor_shape import TensorShape
from ..kernels.crc32c import crc32c, masked
from .dataset_ops import Dataset, _Leaf, _Stream


def _text(x) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def _open(path: str, mode: str = "rb", compression: str | None = None):
    try:
        f = open(path, mode)  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
    kind = (compression or "").upper()
    if kind == "GZIP":
        return gzip.GzipFile(fileobj=f, mode=mode)
    if kind == "ZLIB":
        if "r" in mode:
            data = zlib.decompress(f.read())
            f.close()
            return io.BytesIO(data)
        return _ZlibWriter(f)
    if kind:
        raise ValueError(f"Unknown compression type {compression!r}: use '', 'GZIP' or 'ZLIB'")
    return f


class _ZlibWriter:
    def __init__(self, f):
        self._f, self._z = f, zlib.compressobj()

    def write(self, data: bytes) -> None:
        self._f.write(self._z.compress(data))

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.write(self._z.flush())
        self._f.close()


# ---- TFRecord files ----------------------------------------------------------------------------
def tf_record_iterator(path: str, options=None) -> Iterator[bytes]:
    """The records of a TFRecord file (``tf.io.tf_record_iterator``)."""
    compression = _compression(options)
    with _open(_text(path), "rb", compression) as f:
        offset = 0
        while True:
            head = f.read(12)
            if not head:
                return
            if len(head) < 12:
                raise errors.DataLossError(None, None, f"truncated record at {offset} in "
                                           f"'{_text(path)}' (the file ends inside a header)")
            length, = struct.unpack("<Q", head[:8])
            if masked(crc32c(head[:8])) != struct.unpack("<I", head[8:])[0]:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in "
                                           f"'{_text(path)}' (length checksum mismatch)")
            data = f.read(length)
            tail = f.read(4)
            if len(data) < length or len(tail) < 4:
                raise errors.DataLossError(None, None, f"truncated record at {offset} in "
                                           f"'{_text(path)}' (the file ends inside a record)")
            if masked(crc32c(data)) != struct.unpack("<I", tail)[0]:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in "
                                           f"'{_text(path)}' (data checksum mismatch)")
            yield data
            offset += 16 + length


class TFRecordOptions:
    """``tf.io.TFRecordOptions(compression_type)``: '' / 'GZIP' / 'ZLIB'."""

    def __init__(self, compression_type: str | None = None, **kwargs):
        self.compression_type = compression_type or ""

    @staticmethod
    def get_compression_type_string(options) -> str:
        return _compression(options)


class TFRecordCompressionType:
    NONE, ZLIB, GZIP = 0, 1, 2


def _compression(options) -> str:
    if options is None:
        return ""
    if isinstance(options, str):
        return options
    if isinstance(options, int):
        return {0: "", 1: "ZLIB", 2: "GZIP"}[options]
    return options.compression_type or ""


class TFRecordWriter:
    """Writes records to a TFRecord file: ``with tf.io.TFRecordWriter(path) as w: w.write(b)``.

    The file is written under a temporary name and renamed on close, so a crash never leaves a
    truncated file under the final name."""

    def __init__(self, path: str, options=None):
        self._path = _text(path)
        self._tmp = f"{self._path}.tmp{os.getpid()}"
        self._f = _open(self._tmp, "wb", _compression(options))

    def write(self, record) -> None:
        if isinstance(record, str):
            record = record.encode()
        elif not isinstance(record, (bytes, bytearray)):
            raise TypeError(f"TFRecordWriter.write takes bytes (e.g. example.SerializeToString())"
                            f", got {type(record).__name__}")
        head = struct.pack("<Q", len(record))
        self._f.write(head + struct.pack("<I", masked(crc32c(head))) + bytes(record) +
                      struct.pack("<I", masked(crc32c(bytes(record)))))

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
            os.replace(self._tmp, self._path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---- file datasets -----------------------------------------------------------------------------
class _FileDataset(Dataset):
    """Elements read from each file of ``filenames`` in turn (a string, a list, or a tensor)."""

    def __init__(self, filenames, compression_type=None):
        t = convert_to_tensor(filenames, dtype=dtypes.string) if not hasattr(filenames, "dtype") \
            else filenames
        if t.dtype is not dtypes.string:
            raise TypeError(f"{type(self).__name__}: filenames must be strings, got "
                            f"{t.dtype.name} ({t.name})")
        if t.shape.ndims not in (None, 0, 1):
            raise ValueError(f"{type(self).__name__}: filenames must be a scalar or a vector, "
                             f"got shape {t.shape}")
        super().__init__(_Leaf(dtypes.string, TensorShape([])))
        self._captures = [t]
        self._compression = compression_type

    def _stream(self, ctx):
        names = [_text(x) for x in np.asarray(ctx.values[self._captures[0]]).reshape(-1)]
        return _Stream((np.asarray(r, dtype=object),) for name in names
                       for r in self._records(name))


class TFRecordDataset(_FileDataset):
    """The records (serialized tf.train.Example protos, usually) of TFRecord files."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None):
        super().__init__(filenames, compression_type)

    def _records(self, name):
        return tf_record_iterator(name, self._compression)


class TextLineDataset(_FileDataset):
    """The lines of text files, without their line endings."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None):
        super().__init__(filenames, compression_type)

    def _records(self, name):
        with _open(name, "rb", self._compression) as f:
            for line in f:
                yield line.rstrip(b"\r\n") if line.endswith(b"\n") else line


class FixedLengthRecordDataset(_FileDataset):
    """Fixed-size records of binary files (CIFAR's format), after a header and before a
    footer."""

    def __init__(self, filenames, record_bytes: int, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None):
        super().__init__(filenames, compression_type)
        self._size = int(record_bytes)
        self._header, self._footer = int(header_bytes or 0), int(footer_bytes or 0)

    def _records(self, name):
        return fixed_length_records(name, self._size, self._header, self._footer,
                                    self._compression)


def fixed_length_records(path, size, header=0, footer=0, compression=None):
    """The ``size``-byte records of a file between its header and footer."""
    with _open(path, "rb", compression) as f:
        data = f.read()
    body = data[header:len(data) - footer]
    if len(body) % size:
        raise errors.DataLossError(None, None, f"'{path}': {len(body)} bytes of records is not "
                                   f"a multiple of record_bytes={size}")
    for i in range(0, len(body), size):
        yield body[i:i + size]
