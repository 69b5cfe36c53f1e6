"""tf.data.experimental: the few helpers tutorials use."""

from __future__ import annotations

from .dataset_ops import AUTOTUNE  # noqa: F401
