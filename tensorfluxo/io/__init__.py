"""tf.io (and tf.python_io): TFRecord files, Example parsing, decoding, gfile."""

from ..data.readers import (
    TFRecordCompressionType,
    TFRecordOptions,
    TFRecordWriter,
    tf_record_iterator,
)
from . import gfile
from .parsing_ops import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseTensor,
    VarLenFeature,
    decode_csv,
    decode_raw,
    parse_example,
    parse_single_example,
)

__all__ = ["gfile", "FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature",
           "SparseTensor", "decode_csv", "decode_raw", "parse_example", "parse_single_example",
           "TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "tf_record_iterator"]
