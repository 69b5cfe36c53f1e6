"""tf.random: random ops under their TF2-style names (graph mode)."""

from .ops.random_ops import categorical, multinomial, set_seed, truncated_normal
from .ops.random_ops import random_normal as normal
from .ops.random_ops import random_shuffle as shuffle
from .ops.random_ops import random_uniform as uniform

__all__ = ["categorical", "multinomial", "normal", "set_seed", "shuffle", "truncated_normal",
           "uniform"]
