"""tf.data: ``Dataset`` pipelines and the iterators whose ``get_next`` ops feed a graph."""

from . import experimental
from .dataset_ops import AUTOTUNE, Dataset, TensorSpec
from .iterator_ops import (
    Iterator,
    get_output_shapes,
    get_output_types,
    make_initializable_iterator,
    make_one_shot_iterator,
)
from .readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset

__all__ = ["AUTOTUNE", "Dataset", "Iterator", "TensorSpec", "TextLineDataset", "TFRecordDataset",
           "FixedLengthRecordDataset", "experimental", "make_one_shot_iterator",
           "make_initializable_iterator", "get_output_types", "get_output_shapes"]
