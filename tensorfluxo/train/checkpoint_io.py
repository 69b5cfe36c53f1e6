"""TensorFlow's V2 checkpoint format (a "tensor bundle"), written and read with NumPy.

A checkpoint with prefix ``P`` is two kinds of file:

* ``P.data-SSSSS-of-NNNNN``: the raw little-endian bytes of every tensor, one after another.
* ``P.index``: a LevelDB-style sorted table. Its first key ``""`` holds a BundleHeaderProto
  (number of data shards, endianness, version); every other key is a tensor name whose value
  is a BundleEntryProto (dtype, shape, shard, offset, size, masked CRC32C of the bytes).

The two small protobuf messages are encoded here by hand, so this module needs only NumPy.

Crash safety: a save never rewrites a file that the live index points to. New data goes to
the other shard layout than the one in use (``data-00000-of-00001`` and
``data-0000{0,1}-of-00002`` alternate), each file is written under a temporary name, flushed
and renamed, and the index is renamed last: that rename is the commit. Whatever moment a
crash happens at, ``P`` restores to one complete save, and TensorFlow itself can read it.

Example::

    write_bundle("/tmp/model.ckpt", {"w": np.ones((2, 3), np.float32)})
    with BundleReader("/tmp/model.ckpt") as reader:
        reader.list_variables()      # [('w', [2, 3])]
        reader.get_tensor("w")
"""

from __future__ import annotations

import glob
import os
import struct
from collections.abc import Iterator, Mapping

import numpy as np

from tensorfluxo.framework import errors
from tensorfluxo.kernels.crc32c import crc32c, masked

__all__ = ["BundleReader", "read_bundle", "write_bundle", "bundle_files", "bundle_exists"]

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48  # two block handles padded to 40 bytes, then the 8-byte magic number
_BLOCK_TRAILER = 5  # compression type byte + masked CRC32C
_BLOCK_SIZE = 256 * 1024  # data block size TensorFlow's table writer uses
_RESTART_INTERVAL = 16
_BUNDLE_VERSION = 1  # what TensorFlow writes as producer; readers need min_consumer <= 1

# DataType enum numbers (tensorflow/core/framework/types.proto) <-> NumPy dtypes.
_DT_STRING = 7
_DTYPES = {
    1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
    _DT_STRING: np.object_, 8: np.complex64, 9: np.int64, 10: np.bool_, 17: np.uint16,
    18: np.complex128, 19: np.float16, 22: np.uint32, 23: np.uint64,
}
_DT_OF = {np.dtype(v): k for k, v in _DTYPES.items()}


# ----------------------------------------------------------------------------- varints
def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # protobuf encodes negative int32/int64 as 10-byte two's complement
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class _Corrupt(Exception):
    """Internal: raised by the parsers, turned into DataLossError naming the file."""


def _read_varint(buf, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _Corrupt("truncated or overlong varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


# ----------------------------------------------------------------------------- protobuf
def _field(number: int, value) -> bytes:
    """One protobuf field: int -> varint (wire type 0), bytes -> length-delimited (2)."""
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _parse_message(buf: bytes) -> dict[int, list]:
    """Fields of a protobuf message by number; varints as int, fixed32 as int, others bytes."""
    fields: dict[int, list] = {}
    pos = 0
    while pos < len(buf):
        tag, pos = _read_varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
        elif wire == 2:
            size, pos = _read_varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value = int.from_bytes(buf[pos:pos + width], "little")
            pos += width
        else:
            raise _Corrupt(f"unsupported protobuf wire type {wire}")
        if pos > len(buf):
            raise _Corrupt("truncated protobuf message")
        fields.setdefault(number, []).append(value)
    return fields


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _encode_header(num_shards: int) -> bytes:
    # BundleHeaderProto: num_shards = 1, endianness = 2 (LITTLE = 0, the default, omitted),
    # version = 3 (VersionDef: producer = 1, min_consumer = 2).
    return _field(1, num_shards) + _field(3, _field(1, _BUNDLE_VERSION))


def _encode_entry(dtype: int, shape: tuple, shard: int, offset: int, size: int,
                  crc: int) -> bytes:
    # BundleEntryProto: dtype = 1, shape = 2 (TensorShapeProto: repeated Dim dim = 2, Dim:
    # size = 1), shard_id = 3, offset = 4, size = 5, crc32c = 6 (fixed32). Zeros are omitted.
    dims = b"".join(_field(2, _field(1, d) if d else b"") for d in shape)
    out = _field(1, dtype) + _field(2, dims)
    for number, value in ((3, shard), (4, offset), (5, size)):
        if value:
            out += _field(number, value)
    return out + _varint(6 << 3 | 5) + struct.pack("<I", crc)


# ----------------------------------------------------------------------------- table writer
class _BlockBuilder:
    """A table block: keys stored as (shared prefix length, suffix) with restart points."""

    def __init__(self, restart_interval: int):
        self.buf = bytearray()
        self.restarts = [0]
        self.interval = restart_interval
        self.count = 0
        self.last_key = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.count < self.interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:  # a restart point stores its key whole, so readers can binary-search
            self.restarts.append(len(self.buf))
            self.count = 0
        self.buf += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        self.buf += key[shared:] + value
        self.last_key = key
        self.count += 1

    def size(self) -> int:
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        return bytes(self.buf) + struct.pack(f"<{len(self.restarts) + 1}I", *self.restarts,
                                             len(self.restarts))


def _separator(last: bytes, following: bytes | None) -> bytes:
    """A short key >= ``last`` and < ``following`` (any key > ``last`` when None), as
    LevelDB's comparator picks it; using it makes our index byte-identical to TensorFlow's."""
    if following is None:
        for i, b in enumerate(last):
            if b != 0xFF:
                return last[:i] + bytes([b + 1])
        return last
    common = 0
    while common < min(len(last), len(following)) and last[common] == following[common]:
        common += 1
    if common < min(len(last), len(following)) and last[common] + 1 < following[common]:
        return last[:common] + bytes([last[common] + 1])
    return last


def _build_table(items: list[tuple[bytes, bytes]], block_size: int = _BLOCK_SIZE) -> bytes:
    """A whole sorted table (data blocks, empty metaindex, index, footer) from sorted items."""
    out = bytearray()

    def emit(block: bytes) -> bytes:
        handle = _varint(len(out)) + _varint(len(block))
        out.extend(block)
        out.extend(b"\0" + struct.pack("<I", masked(crc32c(block + b"\0"))))
        return handle

    index = _BlockBuilder(1)
    block = _BlockBuilder(_RESTART_INTERVAL)
    pending = None  # a full block's handle, indexed once the next key is known
    for key, value in items:
        if pending:
            index.add(_separator(pending[0], key), pending[1])
            pending = None
        block.add(key, value)
        if block.size() >= block_size:
            pending = block.last_key, emit(block.finish())
            block = _BlockBuilder(_RESTART_INTERVAL)
    if pending:
        index.add(_separator(pending[0], None), pending[1])
    if block.count or not index.count:
        index.add(_separator(block.last_key, None), emit(block.finish()))
    meta_handle = emit(_BlockBuilder(1).finish())
    index_handle = emit(index.finish())
    footer = (meta_handle + index_handle).ljust(_FOOTER_SIZE - 8, b"\0")
    return bytes(out) + footer + struct.pack("<Q", _TABLE_MAGIC)


# ----------------------------------------------------------------------------- table reader
def _read_block(data: bytes, handle: bytes, pos: int = 0) -> tuple[bytes, int]:
    offset, pos = _read_varint(handle, pos)
    size, pos = _read_varint(handle, pos)
    end = offset + size + _BLOCK_TRAILER
    if end > len(data):
        raise _Corrupt(f"block at offset {offset} runs past the end of the file")
    block = data[offset:offset + size]
    kind, stored = data[offset + size], struct.unpack_from("<I", data, offset + size + 1)[0]
    if masked(crc32c(block + bytes([kind]))) != stored:
        raise _Corrupt(f"checksum mismatch in block at offset {offset}")
    if kind != 0:
        raise _Corrupt(f"block at offset {offset} uses compression type {kind}, "
                       "only uncompressed tables are supported")
    return block, pos


def _block_items(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise _Corrupt("block too short")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise _Corrupt("bad restart array")
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _read_varint(block, pos)
        unshared, pos = _read_varint(block, pos)
        size, pos = _read_varint(block, pos)
        if shared > len(key) or pos + unshared + size > limit:
            raise _Corrupt("bad block entry")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + size]
        pos += size


def _table_items(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    if len(data) < _FOOTER_SIZE:
        raise _Corrupt(f"file is {len(data)} bytes, shorter than a table footer")
    if struct.unpack_from("<Q", data, len(data) - 8)[0] != _TABLE_MAGIC:
        raise _Corrupt("bad magic number (not a checkpoint index, or truncated)")
    footer = data[-_FOOTER_SIZE:]
    _, pos = _read_varint(footer, _read_varint(footer, 0)[1])  # skip the metaindex handle
    index, _ = _read_block(data, footer, pos)
    for _, handle in _block_items(index):
        yield from _block_items(_read_block(data, handle)[0])


# ----------------------------------------------------------------------------- files
def _data_name(prefix: str, shard: int, num_shards: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def bundle_files(prefix: str) -> list[str]:
    """Existing files of checkpoint ``prefix`` (index and every data shard), for deletion."""
    escaped = glob.escape(prefix)
    found = glob.glob(escaped + ".data-?????-of-?????")
    return sorted(found + [p for p in (prefix + ".index",) if os.path.exists(p)])


def bundle_exists(prefix: str) -> bool:
    """True if ``prefix`` names a V2 checkpoint (its index file exists)."""
    return os.path.isfile(prefix + ".index")


def _write_atomic(path: str, chunks) -> int:
    """Write ``chunks`` to ``path`` via a flushed temporary file and a rename; returns bytes."""
    tmp = path + ".tmp"  # fixed name: a crash leaves at most one stray file per target
    written = 0
    try:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                written += f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return written


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse to fsync a directory; the rename still stands
        pass
    finally:
        os.close(fd)


def _live_num_shards(prefix: str) -> int | None:
    """num_shards of the checkpoint at ``prefix`` now, or None if there is none readable."""
    try:
        with open(prefix + ".index", "rb") as f:
            for key, value in _table_items(f.read()):
                return _parse_message(value).get(1, [1])[0] if key == b"" else None
    except (OSError, _Corrupt, struct.error):
        return None
    return None


def _tensor_bytes(name: str, array: np.ndarray) -> tuple[int, list, int]:
    """(DataType number, byte chunks, CRC32C) of one tensor as the bundle stores it."""
    dt = _DT_OF.get(array.dtype.newbyteorder("="))
    if dt is None and array.dtype.kind in "SU":
        dt = _DT_STRING
    if dt is None:
        raise TypeError(f"Cannot save tensor '{name}': dtype {array.dtype} has no "
                        f"TensorFlow checkpoint equivalent")
    if dt != _DT_STRING:
        raw = np.ascontiguousarray(array, array.dtype.newbyteorder("<")).reshape(-1)
        raw = raw.view(np.uint8)  # no copy: written and checksummed as it is
        return dt, [raw], crc32c(raw)
    items = []
    for item in array.ravel():
        if isinstance(item, (str, np.str_)):
            item = item.encode("utf-8")
        if not isinstance(item, (bytes, np.bytes_)):
            raise TypeError(f"Cannot save tensor '{name}': string tensors hold bytes or str, "
                            f"found {type(item).__name__}")
        items.append(bytes(item))
    lengths = [len(s) for s in items]
    chunks = [b"".join(map(_varint, lengths)), b"", b"".join(items)]
    chunks[1], crc = _string_checksums(lengths, chunks[2])
    return dt, chunks, crc


def _string_checksums(lengths: list[int], body) -> tuple[bytes, int]:
    """A string tensor is stored as varint lengths, a masked CRC32C of the lengths, then the
    bytes. TensorFlow checksums the lengths as uint32 (not as the varints it writes), and the
    whole tensor as those uint32 lengths + the masked CRC + the bytes."""
    as_u32 = struct.pack(f"<{len(lengths)}I", *lengths)
    length_crc = struct.pack("<I", masked(crc32c(as_u32)))
    return length_crc, crc32c(body, crc32c(length_crc, crc32c(as_u32)))


def write_bundle(prefix: str, tensors: Mapping[str, np.ndarray],
                 _block_size: int = _BLOCK_SIZE) -> int:
    """Write ``tensors`` as a TensorFlow V2 checkpoint at ``prefix``; returns bytes written.

    Names are any non-empty strings (``/`` is fine); values anything ``np.asarray`` accepts.
    An existing checkpoint at ``prefix`` stays restorable until the new one is complete.
    """
    prefix = os.fspath(prefix)
    entries = []
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"Checkpoint tensor names must be non-empty strings, got {name!r}")
        array = np.asarray(value)
        entries.append((name.encode("utf-8"), array.shape, *_tensor_bytes(name, array)))
    entries.sort(key=lambda e: e[0])
    directory = os.path.dirname(prefix)
    if directory:
        os.makedirs(directory, exist_ok=True)

    num_shards = 2 if _live_num_shards(prefix) == 1 else 1  # never overwrite live data
    items = [(b"", _encode_header(num_shards))]
    offset = 0
    for key, shape, dt, chunks, crc in entries:
        size = sum(len(c) for c in chunks)
        items.append((key, _encode_entry(dt, shape, 0, offset, size, masked(crc))))
        offset += size

    written = _write_atomic(_data_name(prefix, 0, num_shards),
                            (c for *_, chunks, _ in entries for c in chunks))
    for shard in range(1, num_shards):  # the other shards exist but hold nothing
        written += _write_atomic(_data_name(prefix, shard, num_shards), [])
    written += _write_atomic(prefix + ".index", [_build_table(items, _block_size)])
    _fsync_dir(prefix)
    live = {_data_name(prefix, s, num_shards) for s in range(num_shards)}
    for stale in bundle_files(prefix):  # data files of the layout just replaced
        if stale not in live and not stale.endswith(".index"):
            try:
                os.remove(stale)
            except OSError:
                pass
    return written


# ----------------------------------------------------------------------------- reader
class BundleReader:
    """Reads a V2 checkpoint. Opens the index and every data file at once, so a later save
    to the same prefix cannot pull files from under it."""

    def __init__(self, prefix: str):
        self._files = []
        self.prefix = prefix = os.fspath(prefix)
        index_path = prefix + ".index"
        if not os.path.isfile(index_path):
            raise errors.NotFoundError(
                None, None, f"Failed to find a checkpoint at '{prefix}': {index_path} "
                "does not exist")
        with open(index_path, "rb") as f:
            data = f.read()
        self._entries: dict[str, tuple] = {}
        try:
            items = iter(_table_items(data))
            key, header = next(items, (None, None))
            if key != b"":
                raise _Corrupt("first entry is not the bundle header")
            self._num_shards = self._check_header(_parse_message(header))
            for key, value in items:
                self._entries[key.decode("utf-8")] = self._parse_entry(key, value)
        except (_Corrupt, UnicodeDecodeError, struct.error) as e:
            raise errors.DataLossError(
                None, None, f"Checkpoint index {index_path} is corrupted: {e}") from None
        try:
            for shard in range(self._num_shards):
                path = _data_name(prefix, shard, self._num_shards)
                try:
                    self._files.append(open(path, "rb"))
                except FileNotFoundError:
                    raise errors.NotFoundError(
                        None, None, f"Checkpoint data file {path} is missing (the index "
                        f"{index_path} needs {self._num_shards} data file(s))") from None
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _check_header(fields: dict[int, list]) -> int:
        num_shards = fields.get(1, [0])[0]
        if fields.get(2, [0])[0] != 0:
            raise _Corrupt("the checkpoint was written big-endian, which is not supported")
        version = _parse_message(fields.get(3, [b""])[0])
        if version.get(2, [0])[0] > _BUNDLE_VERSION:
            raise _Corrupt(f"it needs a reader of bundle version >= {version[2][0]}")
        if not 1 <= num_shards < 100000:
            raise _Corrupt(f"bad number of shards {num_shards}")
        return num_shards

    def _parse_entry(self, key: bytes, value: bytes) -> tuple:
        fields = _parse_message(value)
        name = key.decode("utf-8")
        if 7 in fields:
            raise _Corrupt(f"tensor '{name}' is stored in slices (a partitioned variable), "
                           "which is not supported")
        dt = fields.get(1, [0])[0]
        if dt not in _DTYPES:
            raise _Corrupt(f"tensor '{name}' has unsupported DataType {dt}")
        shape_fields = _parse_message(fields.get(2, [b""])[0])
        shape = tuple(_signed64(_parse_message(d).get(1, [0])[0]) for d in shape_fields.get(2, []))
        if any(d < 0 for d in shape):
            raise _Corrupt(f"tensor '{name}' has a negative dimension in shape {list(shape)}")
        shard, offset, size = (fields.get(n, [0])[0] for n in (3, 4, 5))
        if dt != _DT_STRING and size != int(np.prod(shape)) * np.dtype(_DTYPES[dt]).itemsize:
            raise _Corrupt(f"tensor '{name}' has {size} bytes, which does not match its "
                           f"shape {list(shape)}")
        return dt, shape, shard, offset, size, fields.get(6, [0])[0]

    # -- queries
    def list_variables(self) -> list[tuple[str, list[int]]]:
        """Sorted (name, shape) pairs, as tf.train.list_variables returns them."""
        return [(name, list(e[1])) for name, e in sorted(self._entries.items())]

    def has_tensor(self, name: str) -> bool:
        return name in self._entries

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {name: list(e[1]) for name, e in self._entries.items()}

    def get_variable_to_dtype_map(self) -> dict[str, np.dtype]:
        return {name: np.dtype(_DTYPES[e[0]]) for name, e in self._entries.items()}

    def get_tensor(self, name: str) -> np.ndarray:
        """The value of tensor ``name`` as a new NumPy array (strings as an object array)."""
        entry = self._entries.get(name)
        if entry is None:
            raise errors.NotFoundError(
                None, None, f"Key {name} not found in checkpoint {self.prefix}")
        dt, shape, shard, offset, size, stored_crc = entry
        f = self._files[shard] if shard < len(self._files) else None
        where = _data_name(self.prefix, shard, self._num_shards)
        if f is None:
            raise errors.DataLossError(None, None, f"Tensor '{name}' refers to shard {shard} "
                                       f"but the checkpoint has {self._num_shards}")
        raw = os.pread(f.fileno(), size, offset) if size else b""
        if len(raw) != size:
            raise errors.DataLossError(
                None, None, f"Checkpoint data file {where} is truncated: tensor '{name}' "
                f"needs bytes {offset}..{offset + size}, the file has "
                f"{os.fstat(f.fileno()).st_size}")
        if dt == _DT_STRING:
            return self._decode_strings(name, raw, shape, where, stored_crc)
        if masked(crc32c(raw)) != stored_crc:
            raise self._checksum_error(name, where)
        return np.frombuffer(raw, np.dtype(_DTYPES[dt]).newbyteorder("<")).astype(
            _DTYPES[dt]).reshape(shape)

    @staticmethod
    def _checksum_error(name: str, where: str) -> Exception:
        return errors.DataLossError(None, None, f"Checksum mismatch for tensor '{name}' in "
                                    f"checkpoint data file {where}: the file is corrupted")

    def _decode_strings(self, name: str, raw: bytes, shape: tuple, where: str,
                        stored_crc: int) -> np.ndarray:
        count = int(np.prod(shape))
        try:
            lengths, pos = [], 0
            for _ in range(count):
                n, pos = _read_varint(raw, pos)
                lengths.append(n)
            if pos + 4 + sum(lengths) != len(raw):
                raise _Corrupt("lengths do not add up")
        except _Corrupt as e:
            raise errors.DataLossError(
                None, None, f"String tensor '{name}' in {where} is corrupted: {e}") from None
        length_crc, crc = _string_checksums(lengths, raw[pos + 4:])
        if length_crc != raw[pos:pos + 4] or masked(crc) != stored_crc:
            raise self._checksum_error(name, where)
        out = np.empty(count, dtype=object)
        pos += 4
        for i, n in enumerate(lengths):
            out[i] = raw[pos:pos + n]
            pos += n
        return out.reshape(shape)

    def close(self) -> None:
        for f in self._files:
            f.close()
        self._files = []

    __del__ = close

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_bundle(prefix: str) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint at ``prefix`` as {name: ndarray}."""
    with BundleReader(prefix) as reader:
        return {name: reader.get_tensor(name) for name, _ in reader.list_variables()}
