"""CRC32C (Castagnoli) and LevelDB's masking, shared by checkpoints and TFRecord files."""

from __future__ import annotations

import functools


@functools.cache
def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


def _crc32c_pure(data, crc: int = 0) -> int:
    """Bytewise table CRC32C (Castagnoli): the fallback when google-crc32c is missing."""
    table = _crc32c_table()
    crc ^= 0xFFFFFFFF
    for b in memoryview(data).cast("B"):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


try:  # the C implementation is ~1000x faster; fall back to pure Python when absent
    import google_crc32c as _gcrc

    def crc32c(data, crc: int = 0) -> int:
        return _gcrc.extend(crc, data)  # takes bytes or a NumPy uint8 array, not memoryview

except ImportError:  # pragma: no cover - depends on the environment
    crc32c = _crc32c_pure


def masked(crc: int) -> int:
    # LevelDB stores CRCs "masked" so that a CRC of data containing CRCs stays well-mixed.
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF
