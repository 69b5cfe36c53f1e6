import numpy as np

from tensorfluxo.kernels import crc32c as crc


def test_pure_python_crc32c_matches_reference_values():
    assert crc._crc32c_pure(b"123456789") == 0xE3069283  # the CRC-32C check value
    data = np.random.RandomState(2).bytes(1000)
    assert crc._crc32c_pure(data) == crc.crc32c(data)
    assert crc._crc32c_pure(data[500:], crc._crc32c_pure(data[:500])) == crc.crc32c(data)
