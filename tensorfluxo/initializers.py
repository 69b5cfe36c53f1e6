"""tf.initializers: the initializer classes under their short names."""

from .ops.init_ops import Constant as constant
from .ops.init_ops import GlorotNormal as glorot_normal
from .ops.init_ops import GlorotUniform as glorot_uniform
from .ops.init_ops import Ones as ones
from .ops.init_ops import RandomNormal as random_normal
from .ops.init_ops import RandomUniform as random_uniform
from .ops.init_ops import TruncatedNormal as truncated_normal
from .ops.init_ops import VarianceScaling as variance_scaling
from .ops.init_ops import Zeros as zeros
from .variables import global_variables_initializer as global_variables
from .variables import local_variables_initializer as local_variables
from .variables import variables_initializer as variables

__all__ = ["constant", "glorot_normal", "glorot_uniform", "global_variables",
           "local_variables", "ones", "random_normal", "random_uniform", "truncated_normal",
           "variables", "variance_scaling", "zeros"]
