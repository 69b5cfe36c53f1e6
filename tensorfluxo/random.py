"""tf.random: random ops under their TF2-style names (graph mode)."""

from .ops.random_ops import categorical, multinomial, truncated_normal
from .ops.random_ops import random_normal as normal
from .ops.random_ops import random_shuffle as shuffle
from .ops.random_ops import random_uniform as uniform
from .ops.random_ops import set_random_seed as set_seed

__all__ = ["categorical", "multinomial", "normal", "set_seed", "shuffle", "truncated_normal",
           "uniform"]
