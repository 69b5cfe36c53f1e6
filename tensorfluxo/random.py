"""tf.random: random ops under their TF2-style names, and tf.random.Generator."""

from .nn.candidate_sampling_ops import (
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from .ops.random_ops import categorical, multinomial, set_seed, truncated_normal
from .ops.random_ops import random_normal as normal
from .ops.random_ops import random_shuffle as shuffle
from .ops.random_ops import random_uniform as uniform
from .random_generator import (
    Algorithm,
    Generator,
    get_global_generator,
    set_global_generator,
    stateless_normal,
    stateless_truncated_normal,
    stateless_uniform,
)

__all__ = ["Algorithm", "Generator", "categorical", "fixed_unigram_candidate_sampler",
           "get_global_generator", "learned_unigram_candidate_sampler",
           "log_uniform_candidate_sampler", "multinomial", "normal", "set_global_generator",
           "set_seed", "shuffle", "stateless_normal", "stateless_truncated_normal",
           "stateless_uniform", "truncated_normal", "uniform", "uniform_candidate_sampler"]
