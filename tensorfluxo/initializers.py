"""tf.initializers: the initializer classes under their short names."""

from .ops.init_ops import (Constant as constant, GlorotNormal as glorot_normal,
                           GlorotUniform as glorot_uniform, Ones as ones,
                           RandomNormal as random_normal, RandomUniform as random_uniform,
                           TruncatedNormal as truncated_normal, VarianceScaling as variance_scaling,
                           Zeros as zeros)
from .variables import global_variables_initializer as global_variables
from .variables import local_variables_initializer as local_variables
from .variables import variables_initializer as variables

__all__ = ["constant", "glorot_normal", "glorot_uniform", "global_variables",
           "local_variables", "ones", "random_normal", "random_uniform", "truncated_normal",
           "variables", "variance_scaling", "zeros"]
