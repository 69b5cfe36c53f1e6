"""tf.compat: ``tf.compat.v1`` is tensorfluxo itself (it implements the TF1 API)."""

import sys

v1 = sys.modules["tensorfluxo"]
v2 = v1

__all__ = ["v1", "v2"]
