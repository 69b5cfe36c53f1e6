"""tf.strings: conversions between strings and numbers."""

from .ops.string_ops import as_string, to_number

__all__ = ["as_string", "to_number"]
