"""Every name ../shared/API.md lists resolves (tf.*, tf.nn, tf.train, tf.summary, tf.layers,
tf.contrib, tf.estimator, Keras), and `import tensorfluxo` stays light."""

import subprocess
import sys

import pytest

import tensorfluxo as tf

TF = """Graph get_default_graph reset_default_graph Operation Tensor TensorShape Dimension
name_scope control_dependencies group no_op identity device add_to_collection get_collection
GraphKeys Session InteractiveSession get_default_session errors float16 float32 float64 int8
int16 int32 int64 uint8 bool string as_dtype DType constant Variable placeholder
placeholder_with_default zeros ones zeros_like ones_like fill range linspace eye
global_variables_initializer variables_initializer local_variables_initializer global_variables
trainable_variables report_uninitialized_variables assign assign_add assign_sub variable_scope
AUTO_REUSE get_variable get_variable_scope constant_initializer zeros_initializer
ones_initializer random_normal_initializer truncated_normal_initializer
random_uniform_initializer glorot_uniform_initializer glorot_normal_initializer
variance_scaling_initializer set_random_seed random_normal random_uniform truncated_normal
random_shuffle multinomial add subtract multiply divide truediv floordiv mod pow negative abs
sign square sqrt rsqrt exp log log1p sin cos tanh sigmoid maximum minimum add_n matmul
tensordot transpose matrix_inverse matrix_determinant reduce_sum reduce_mean reduce_max
reduce_min reduce_prod reduce_any reduce_all argmax argmin cumsum equal not_equal less
less_equal greater greater_equal logical_and logical_or logical_not where cast round floor ceil
clip_by_value clip_by_norm clip_by_global_norm stop_gradient reshape shape size rank
expand_dims squeeze concat stack unstack split tile pad gather gather_nd one_hot slice
boolean_mask sequence_mask newaxis gradients""".split()

NN = """relu relu6 elu selu leaky_relu softplus sigmoid tanh softmax log_softmax
sparse_softmax_cross_entropy_with_logits softmax_cross_entropy_with_logits
softmax_cross_entropy_with_logits_v2 sigmoid_cross_entropy_with_logits in_top_k top_k l2_loss
l2_normalize dropout bias_add moments batch_normalization embedding_lookup""".split()

TRAIN = """GradientDescentOptimizer MomentumOptimizer AdagradOptimizer RMSPropOptimizer
AdamOptimizer get_or_create_global_step exponential_decay piecewise_constant Saver
latest_checkpoint import_meta_graph checkpoint_exists""".split()

SUMMARY = "scalar histogram merge_all merge FileWriter".split()

MATH_RANDOM = {"math": ["log", "reduce_sum", "sigmoid"], "random": ["set_seed", "normal",
                                                                   "uniform", "shuffle"]}

LAYERS = "dense dropout batch_normalization".split()
CONTRIB_LAYERS = """fully_connected l1_regularizer l2_regularizer
variance_scaling_initializer""".split()
CONTRIB_LEARN = "DNNClassifier infer_real_valued_columns_from_input SKCompat".split()

KERAS = {
    "models": "Sequential Model load_model clone_model model_from_json",
    "layers": "Dense InputLayer Input Dropout BatchNormalization Activation Flatten Reshape "
              "LeakyReLU Lambda",
    "activations": "linear relu sigmoid tanh softmax elu selu softplus gelu swish",
    "losses": "MeanSquaredError MeanAbsoluteError BinaryCrossentropy CategoricalCrossentropy "
              "SparseCategoricalCrossentropy Huber binary_crossentropy mae mse",
    "metrics": "AUC Precision Recall",
    "optimizers": "SGD Adam RMSprop Adagrad Adadelta Nadam",
    "callbacks": "History EarlyStopping LearningRateScheduler ModelCheckpoint TensorBoard "
                 "CSVLogger ReduceLROnPlateau TerminateOnNaN LambdaCallback Callback",
    "utils": "to_categorical",
    "backend": "clear_session get_session set_session",
    "wrappers.scikit_learn": "KerasClassifier KerasRegressor",
    "datasets.mnist": "load_data",
}


@pytest.mark.parametrize("name", TF)
def test_tf_names(name):
    assert getattr(tf, name) is not None or name == "newaxis"


@pytest.mark.parametrize("ns,names", [("nn", NN), ("train", TRAIN), ("summary", SUMMARY)]
                         + list(MATH_RANDOM.items()))
def test_sub_namespaces(ns, names):
    module = getattr(tf, ns)
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"tf.{ns} lacks {missing}"


def test_high_level_namespaces():
    missing = [n for n in LAYERS if not hasattr(tf.layers, n)]
    missing += [n for n in CONTRIB_LAYERS if not hasattr(tf.contrib.layers, n)]
    missing += [n for n in CONTRIB_LEARN if not hasattr(tf.contrib.learn, n)]
    assert hasattr(tf.estimator, "DNNClassifier") and hasattr(tf.estimator.inputs,
                                                               "numpy_input_fn")
    assert hasattr(tf.feature_column, "numeric_column")
    from tensorfluxo.examples.tutorials.mnist import input_data
    assert hasattr(input_data, "read_data_sets")
    assert not missing, missing


@pytest.mark.parametrize("sub,names", KERAS.items())
def test_keras_names(sub, names):
    import importlib
    module = importlib.import_module("tensorfluxo.keras." + sub)
    missing = [n for n in names.split() if not hasattr(module, n)]
    assert not missing, f"tensorfluxo.keras.{sub} lacks {missing}"
    parts = sub.split(".")
    obj = tf.keras
    for p in parts:
        obj = getattr(obj, p)
    assert obj is module


def test_unknown_name_error():
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        tf.nonexistent  # noqa: B018


def test_import_is_light():
    code = ("import sys, time; t = time.perf_counter(); import tensorfluxo; "
            "heavy = [m for m in ('google.protobuf', 'h5py', 'sklearn', 'tensorboard', "
            "'tensorflow', 'torch', 'jax', 'scipy') if m in sys.modules]; "
            "print(heavy, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]", f"import tensorfluxo imported {heavy}"


def test_public_functions_are_not_shadowed_by_submodules():
    # importing a submodule sets it as a package attribute: no module may share a tf.* name
    # that is a function (this once made tf.variable_scope a module)
    import importlib
    import pkgutil
    modules = {m.name for m in pkgutil.iter_modules(tf.__path__)}
    for name, target in tf._EXPORTS.items():
        if name in modules and not target.endswith(":"):
            raise AssertionError(f"tensorfluxo/{name}.py shadows tf.{name}")
    importlib.import_module("tensorfluxo.ops.variable_scope")
    assert callable(tf.variable_scope)
