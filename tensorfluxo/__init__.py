"""tensorfluxo: the TensorFlow 1.x graph API (and Keras) on NumPy kernels.

    import tensorfluxo as tf
    x = tf.Variable(3, name="x"); y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(f.eval())  # 42

Every public name is listed in ``_EXPORTS`` below (name -> module). The engine is imported
eagerly (it installs the Tensor operators); everything else is imported on first use, so
``import tensorfluxo`` stays light.
"""

from __future__ import annotations

import importlib

from .framework import dtypes as _dtypes
from .framework.dtypes import (
    DType,
    as_dtype,
    bool,
    complex64,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)

__version__ = "0.1.0"
VERSION = __version__

_M = "tensorfluxo."
_FW = _M + "framework.ops"
_ARR = _M + "ops.array_ops"
_MATH = _M + "ops.math_ops"
_NN = _M + "ops.nn_ops"
_RND = _M + "ops.random_ops"
_INIT = _M + "ops.init_ops"
_VARS = _M + "variables"
_VS = _M + "ops.variable_scope"
_ST = _M + "ops.state_ops"
_CF = _M + "ops.control_flow_ops"
_CLIP = _M + "ops.clip_ops"
_CHK = _M + "ops.check_ops"
_PARSE = _M + "io.parsing_ops"
_DFO = _M + "ops.data_flow_ops"
_INP = _M + "train.input"

# name -> module that defines it ("module:attr" renames; "module:" is the module itself).
_EXPORTS: dict[str, str] = {
    # graph
    "Graph": _FW, "Operation": _FW, "Tensor": _FW, "GraphKeys": _FW,
    "get_default_graph": _FW, "reset_default_graph": _FW, "name_scope": _FW,
    "control_dependencies": _FW, "device": _FW, "add_to_collection": _FW,
    "add_to_collections": _FW, "get_collection": _FW, "get_collection_ref": _FW,
    "convert_to_tensor": _FW, "register_tensor_conversion_function": _FW,
    "TensorShape": _M + "framework.tensor_shape", "Dimension": _M + "framework.tensor_shape",
    "RegisterGradient": _M + "framework.registry", "NotDifferentiable": _M + "framework.registry",
    "import_graph_def": _M + "framework.graph_io",
    # session
    "Session": _M + "client.session", "InteractiveSession": _M + "client.session",
    "ConfigProto": _M + "client.config", "GPUOptions": _M + "client.config",
    "GraphOptions": _M + "client.config", "OptimizerOptions": _M + "client.config",
    "RunOptions": _M + "client.config", "RunMetadata": _M + "client.config",
    "get_default_session": _M + "framework.ops",
    # sources and arrays
    "constant": _ARR, "placeholder": _ARR, "placeholder_with_default": _ARR, "identity": _ARR,
    "stop_gradient": _ARR, "shape": _ARR, "size": _ARR, "rank": _ARR + ":rank_op",
    "reshape": _ARR, "transpose": _ARR, "expand_dims": _ARR, "squeeze": _ARR, "cast": _ARR,
    "to_float": _ARR, "to_int32": _ARR, "to_int64": _ARR, "fill": _ARR, "zeros": _ARR,
    "ones": _ARR, "zeros_like": _ARR, "ones_like": _ARR, "stack": _ARR, "unstack": _ARR,
    "newaxis": _ARR, "concat": _ARR, "split": _ARR, "tile": _ARR, "pad": _ARR, "gather": _ARR,
    "gather_nd": _ARR, "one_hot": _ARR, "slice": _ARR, "boolean_mask": _ARR,
    "sequence_mask": _ARR, "range": _ARR, "linspace": _ARR, "eye": _ARR, "reverse": _ARR,
    "broadcast_to": _ARR, "unique": _ARR, "meshgrid": _ARR, "lin_space": _ARR,
    "reverse_v2": _ARR, "unsorted_segment_sum": _ARR, "dynamic_partition": _ARR,
    "dynamic_stitch": _ARR,
    "IndexedSlices": _M + "ops.indexed_slices", "IndexedSlicesValue": _M + "ops.indexed_slices",
    "space_to_depth": _M + "image", "depth_to_space": _M + "image",
    "image": _M + "image:",
    # math
    "add": _MATH, "subtract": _MATH, "multiply": _MATH, "divide": _MATH, "truediv": _MATH,
    "div_no_nan": _MATH,
    "div": _MATH, "floordiv": _MATH, "floormod": _MATH, "mod": _MATH, "pow": _MATH,
    "negative": _MATH, "abs": _MATH, "sign": _MATH, "square": _MATH, "sqrt": _MATH,
    "rsqrt": _MATH, "exp": _MATH, "log": _MATH, "log1p": _MATH, "expm1": _MATH, "sin": _MATH,
    "cos": _MATH, "tan": _MATH, "tanh": _MATH, "sigmoid": _MATH, "reciprocal": _MATH,
    "floor": _MATH, "ceil": _MATH, "round": _MATH, "maximum": _MATH, "minimum": _MATH,
    "squared_difference": _MATH, "add_n": _MATH, "matmul": _MATH, "tensordot": _MATH,
    "matrix_inverse": _MATH, "matrix_determinant": _MATH, "reduce_sum": _MATH,
    "reduce_mean": _MATH, "reduce_max": _MATH, "reduce_min": _MATH, "reduce_prod": _MATH,
    "reduce_any": _MATH, "reduce_all": _MATH, "reduce_logsumexp": _MATH, "argmax": _MATH,
    "argmin": _MATH,
    "arg_max": _MATH + ":argmax", "arg_min": _MATH + ":argmin",
    "cumsum": _MATH, "equal": _MATH, "not_equal": _MATH, "less": _MATH, "less_equal": _MATH,
    "greater": _MATH, "greater_equal": _MATH, "logical_and": _MATH, "logical_or": _MATH,
    "logical_not": _MATH, "logical_xor": _MATH, "where": _MATH, "where_v2": _MATH,
    "clip_by_value": _MATH, "is_nan": _MATH, "is_finite": _MATH, "is_inf": _MATH,
    "clip_by_norm": _CLIP, "clip_by_global_norm": _CLIP, "global_norm": _CLIP,
    "norm": _CLIP,
    # assertions, numerics checks and printing (tf.debugging.*)
    "assert_equal": _CHK, "assert_none_equal": _CHK, "assert_less": _CHK, "assert_less_equal":
    _CHK, "assert_greater": _CHK, "assert_greater_equal": _CHK, "assert_positive": _CHK,
    "assert_negative": _CHK, "assert_non_negative": _CHK, "assert_non_positive": _CHK,
    "assert_rank": _CHK, "assert_rank_at_least": _CHK, "assert_scalar": _CHK, "assert_type": _CHK,
    "assert_integer": _CHK, "is_numeric_tensor": _CHK, "check_numerics": _CHK,
    "verify_tensor_all_finite": _CHK, "add_check_numerics_ops": _CHK, "Print": _CHK,
    # variables
    "Variable": _VARS, "global_variables": _VARS, "all_variables": _VARS,
    "trainable_variables": _VARS, "local_variables": _VARS, "model_variables": _VARS,
    "variables_initializer": _VARS, "global_variables_initializer": _VARS,
    "initialize_all_variables": _VARS, "local_variables_initializer": _VARS,
    "is_variable_initialized": _VARS, "assert_variables_initialized": _VARS,
    "report_uninitialized_variables": _ST, "assign": _ST, "assign_add": _ST, "assign_sub": _ST,
    "variable_scope": _VS, "get_variable": _VS, "get_variable_scope": _VS, "AUTO_REUSE": _VS,
    "VariableScope": _VS,
    # initializers
    "constant_initializer": _INIT, "zeros_initializer": _INIT, "ones_initializer": _INIT,
    "random_normal_initializer": _INIT, "truncated_normal_initializer": _INIT,
    "random_uniform_initializer": _INIT, "glorot_uniform_initializer": _INIT,
    "glorot_normal_initializer": _INIT, "variance_scaling_initializer": _INIT,
    # random
    "set_random_seed": _RND, "random_normal": _RND, "truncated_normal": _RND,
    "random_uniform": _RND, "random_shuffle": _RND, "multinomial": _RND,
    # control
    "group": _CF, "no_op": _CF, "tuple": _CF, "cond": _CF, "while_loop": _CF, "case": _CF,
    "Assert": _CF, "TensorArray": _M + "ops.tensor_array_ops",
    "map_fn": _M + "ops.functional_ops", "scan": _M + "ops.functional_ops",
    "foldl": _M + "ops.functional_ops", "foldr": _M + "ops.functional_ops",
    "nest": _M + "framework.nest:", "reverse_sequence": _ARR,
    # autodiff
    "gradients": _M + "ops.gradients_impl", "GradientTape": _M + "backprop",
    "function": _M + "def_function",
    "print": _M + "logging_ops:print_v2",
    "UnconnectedGradients": _M + "backprop",
    # modes: TF1 graphs by default, eager execution on request
    "disable_v2_behavior": _M + "client.eager",
    "disable_eager_execution": _M + "client.eager",
    "enable_eager_execution": _M + "client.eager", "enable_v2_behavior": _M + "client.eager",
    "executing_eagerly": _M + "client.eager", "init_scope": _M + "client.eager",
    "disable_resource_variables": _M + "client.eager",
    # protobuf messages TF1 code builds by hand (writer.add_summary(tf.Summary(value=[...])))
    "Summary": _M + "summary", "Event": _M + "summary",
    # sub-namespaces: "module:" means the module itself
    "nn": _M + "nn:", "train": _M + "train:", "errors": _M + "framework.errors:",
    "math": _M + "math:", "random": _M + "random:", "initializers": _M + "initializers:",
    "summary": _M + "summary:", "layers": _M + "layers:", "contrib": _M + "contrib:",
    "estimator": _M + "estimator:", "feature_column": _M + "feature_column:",
    "keras": _M + "keras:", "examples": _M + "examples:", "compat": _M + "compat:",
    "losses": _M + "losses:", "metrics": _M + "metrics:", "dtypes": _M + "framework.dtypes:",
    "test": _M + "testing:", "logging": _M + "logging:",
    "app": _M + "app:", "flags": _M + "flags:", "debugging": _M + "debugging:",
    "config": _M + "config:",
    "strings": _M + "strings:", "string_to_number": _M + "ops.string_ops", "as_string":
    _M + "ops.string_ops",
    "data": _M + "data:", "io": _M + "io:", "python_io": _M + "io:", "gfile": _M + "io.gfile:",
    "sparse": _M + "sparse:", "saved_model": _M + "saved_model:",
    "TensorSpec": _M + "framework.tensor_spec",
    # parsing and sparse tensors (TF1's top-level spellings)
    "SparseTensor": _PARSE, "SparseTensorValue": _PARSE,
    "sparse_tensor_to_dense": _PARSE + ":sparse_to_dense", "FixedLenFeature": _PARSE,
    "VarLenFeature": _PARSE, "FixedLenSequenceFeature": _PARSE, "parse_example": _PARSE,
    "parse_single_example": _PARSE, "decode_raw": _PARSE, "decode_csv": _PARSE,
    # TF1 queues and readers
    "QueueBase": _DFO, "FIFOQueue": _DFO, "RandomShuffleQueue": _DFO, "PaddingFIFOQueue": _DFO,
    "queue": _M + "ops.data_flow_ops:",
    "ReaderBase": _INP, "TextLineReader": _INP, "TFRecordReader": _INP,
    "WholeFileReader": _INP, "FixedLengthRecordReader": _INP,
}

__all__ = sorted(set(_EXPORTS) | {"DType", "as_dtype", "bool", "complex64", "double",
                                  "float16", "float32", "float64", "half", "int8", "int16",
                                  "int32", "int64", "string", "uint8", "uint16", "uint32",
                                  "uint64", "VERSION",
                                  "__version__"})


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'tensorfluxo' has no attribute {name!r}")
    module_name, colon, attr = target.partition(":")
    module = importlib.import_module(module_name)
    if colon and not attr:  # a sub-namespace (tf.nn, tf.errors)
        value = module
    else:
        value = getattr(module, attr or name)
    globals()[name] = value
    return value


def __dir__():
    return __all__


# The engine: installs Tensor operators and registers the core ops.
from . import variables as _variables  # noqa: E402,F401
from .ops import array_ops as _array_ops  # noqa: E402,F401
from .ops import math_ops as _math_ops  # noqa: E402,F401
from .ops import nn_ops as _nn_ops  # noqa: E402,F401
from .ops import state_ops as _state_ops  # noqa: E402,F401

del _dtypes
