"""tf.sparse: SparseTensor and the conversion to a dense tensor."""

from .io.parsing_ops import SparseTensor, SparseTensorValue
from .io.parsing_ops import sparse_to_dense as to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense"]
