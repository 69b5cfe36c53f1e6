import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tensorfluxo import run

REPO = Path(__file__).resolve().parents[1]


def _run(tmp_path, args, extra_path=()):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), *map(str, extra_path)]))
    return subprocess.run([sys.executable, "-m", "tensorfluxo.run", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def _script(tmp_path, body, name="prog.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


@pytest.mark.parametrize("name, target", [
    ("tensorflow", "tensorfluxo"),
    ("tensorflow.keras.layers", "tensorfluxo.keras.layers"),
    ("tensorflow.compat.v1", "tensorfluxo"),
    ("tensorflow.compat.v1.nn", "tensorfluxo.nn"),
    ("tensorflow.compat", "tensorfluxo.compat"),
    ("keras", "tensorfluxo.keras_standalone"),
    ("keras.datasets.mnist", "tensorfluxo.keras_standalone.datasets.mnist"),
    ("tensorflowx", None),
    ("kerasy", None),
    ("numpy", None),
])
def test_alias_table(name, target):
    assert run.target_name(name) == target


def test_script_sees_tensorfluxo_under_tensorflow_and_keras_names(tmp_path):
    _script(tmp_path, "VALUE = 42\n", name="helper.py")
    prog = _script(tmp_path, """
        import importlib.util, sys
        import tensorflow as tf
        import tensorflow.compat.v1 as tf1
        import keras
        from keras.datasets import mnist
        from tensorflow.examples.tutorials.mnist import input_data
        import tensorfluxo
        import helper  # the script's own folder comes first on sys.path, as with `python x.py`
        assert tf is tensorfluxo and tf1 is tensorfluxo
        print(tf.__name__, keras.__name__, mnist.__name__, input_data.__name__)
        print(importlib.util.find_spec("tensorflow.keras.datasets").name)
        print(__name__, sys.argv, helper.VALUE)
    """)
    out = _run(tmp_path, [str(prog), "--epochs", "3"])
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "tensorfluxo tensorfluxo.keras_standalone tensorfluxo.keras.datasets.mnist "
        "tensorfluxo.examples.tutorials.mnist.input_data",
        "tensorflow.keras.datasets",
        f"__main__ {[str(prog), '--epochs', '3']} 42",
    ]


def test_runner_shadows_an_installed_tensorflow_but_import_tensorfluxo_does_not(tmp_path):
    fake = tmp_path / "site"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "tensorflow" / "__init__.py").write_text("REAL = True\n")
    prog = _script(tmp_path, """
        import tensorfluxo
        import tensorflow as tf
        print(tf.__name__, getattr(tf, "REAL", False))
    """)
    out = _run(tmp_path, [str(prog)], extra_path=[fake])
    assert (out.returncode, out.stdout) == (0, "tensorfluxo.v2 False\n"), out.stderr  # TF2 prog
    plain = subprocess.run([sys.executable, str(prog)], cwd=tmp_path, capture_output=True,
                           text=True, env=dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{fake}"))
    assert (plain.returncode, plain.stdout) == (0, "tensorflow True\n"), plain.stderr


def test_tf2_programs_run_eagerly_and_tf1_programs_build_graphs(tmp_path):
    tf2 = _script(tmp_path, """
        import tensorflow as tf
        print(tf.executing_eagerly(), tf.constant(2) * 21, tf.losses.__name__)
    """, name="tf2.py")
    out = _run(tmp_path, [str(tf2)])
    assert out.stdout == "True tf.Tensor(42, shape=(), dtype=int32) tensorfluxo.keras.losses\n", \
        out.stderr
    tf1 = _script(tmp_path, """
        import tensorflow as tf
        x = tf.placeholder(tf.float32)
        print(tf.executing_eagerly(), tf.Session().run(x * 2, {x: 21}))
    """, name="tf1.py")
    out = _run(tmp_path, [str(tf1)])
    assert out.stdout == "False 42.0\n", out.stderr
    out = _run(tmp_path, ["--tf1", str(tf2)])  # the flag overrides what the source says
    assert out.stdout.startswith("False Tensor("), out.stderr
    out = _run(tmp_path, ["--tf2", str(tf1)])
    assert "no attribute 'placeholder': it is TF1 graph API; use tf.compat.v1.placeholder" \
        in out.stderr


def test_tf2_namespace_keeps_tf1_names_under_compat_v1():
    import tensorfluxo
    import tensorfluxo.v2 as tf
    # the import turns eager mode on when it first runs; an earlier test may have imported
    # tensorfluxo.v2 already (and gone back to graph mode), so switch it on as that import did
    tensorfluxo.enable_eager_execution()
    try:
        assert tf.executing_eagerly() and tf.compat.v1 is tensorfluxo
        assert tf.compat.v2 is tf and tf.metrics.__name__ == "tensorfluxo.keras.metrics"
        assert tf.optimizers.Adam is tensorfluxo.keras.optimizers.Adam
        assert tf.where(tf.constant([True, False]), 1, 0).numpy().tolist() == [1, 0]
        with pytest.raises(AttributeError, match="use tf.compat.v1.Session"):
            _ = tf.Session
        assert tf.config.list_physical_devices("GPU") == []
        assert tf.config.list_physical_devices()[0].device_type == "CPU"
    finally:
        tensorfluxo.disable_eager_execution()


def test_missing_module_names_the_alias(tmp_path):
    prog = _script(tmp_path, "import tensorflow.no_such_thing\n")
    out = _run(tmp_path, [str(prog)])
    assert out.returncode == 1
    assert ("No module named 'tensorflow.no_such_thing': tensorfluxo.run maps it to "
            "'tensorfluxo.no_such_thing', which tensorfluxo does not provide") in out.stderr


def test_run_module_and_exit_codes(tmp_path):
    _script(tmp_path, "import sys, keras\nprint(keras.__name__, sys.argv[1:])\nsys.exit(3)\n",
            name="mymod.py")
    out = _run(tmp_path, ["-m", "mymod", "x"])
    assert (out.returncode, out.stdout) == (3, "tensorfluxo.keras_standalone ['x']\n"), out.stderr


def test_keras_2_2_spellings_and_optimizer_defaults(tmp_path):
    prog = _script(tmp_path, """
        import warnings
        import numpy as np
        import keras
        import tensorflow as tf
        from keras import backend as K
        from keras.engine.topology import Layer
        from keras.layers.advanced_activations import LeakyReLU, PReLU
        from keras.layers.core import Dense, Activation
        from keras.layers.merge import concatenate
        from keras.layers.recurrent import LSTM, GRU
        from keras.layers.embeddings import Embedding
        from keras.layers.wrappers import Bidirectional, TimeDistributed
        from keras.preprocessing import sequence
        from keras.models import Sequential, Model
        from keras.optimizers import Adadelta, Adagrad, Nadam
        from keras.utils.generic_utils import Progbar
        from keras.utils.np_utils import to_categorical
        from keras.backend.tensorflow_backend import set_session
        from keras.optimizers.schedules import ExponentialDecay
        from tensorflow.keras.optimizers.schedules import CosineDecay
        config = tf.ConfigProto()
        config.gpu_options.allow_growth = True
        set_session(tf.Session(config=config))
        print(Adadelta().get_config()["learning_rate"],
              Adagrad().get_config()["learning_rate"], Nadam().get_config()["learning_rate"],
              tf.keras.optimizers.Adadelta().get_config()["learning_rate"])
        model = Sequential([Dense(2, input_shape=(3,)), LeakyReLU(), Dense(2)])
        model.compile("adadelta", "mse")
        print(model.optimizer.get_config()["learning_rate"], issubclass(Model, tf.keras.Model))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            model.fit(np.ones((4, 3)), to_categorical([0, 1, 0, 1]), nb_epoch=2, verbose=0)
        print(len(model.history.epoch), "renamed `epochs`" in str(w[0].message))
    """)
    out = _run(tmp_path, [str(prog)])
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["1.0 0.01 0.002 0.001", "1.0 True", "2 True"]


def test_usage_errors(tmp_path):
    out = _run(tmp_path, [])
    assert out.returncode == 2
    assert "usage: python -m tensorfluxo.run [--no-numpy-aliases] [--tf1 | --tf2] script.py" \
        in out.stderr
    out = _run(tmp_path, ["missing.py"])
    assert out.returncode == 2 and "can't open file 'missing.py'" in out.stderr


def test_errors_show_the_programs_traceback_not_the_runners(tmp_path):
    prog = _script(tmp_path, """
        import tensorflow as tf
        def f():
            raise ValueError("bad")
        f()
    """)
    out = _run(tmp_path, [str(prog)])
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == f'  File "{prog}", line 5, in <module>'
    assert lines[-1] == "ValueError: bad"
    assert "runpy" not in out.stderr and "tensorfluxo/run.py" not in out.stderr


def test_tensorboard_logging_under_the_runner(tmp_path):
    # tensorboard's writer looks for TensorFlow; under the runner "tensorflow" is tensorfluxo,
    # which it must not take for TensorFlow
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import tensorflow as tf\n"
        "x = tf.constant(2.0)\n"
        "s = tf.summary.scalar('x', x)\n"
        "with tf.Session() as sess:\n"
        "    w = tf.summary.FileWriter('logs', sess.graph)\n"
        "    w.add_summary(sess.run(s), 1)\n"
        "    w.close()\n"
        "print('ok')\n")
    out = _run(tmp_path, [str(prog)])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))


NUMPY_1 = """
    import numpy as np
    a = np.zeros(2, dtype=np.float)
    print(a.dtype, np.array([1], np.int).dtype, np.infty, np.NaN, np.float_.__name__,
          np.product([2, 3]))
    print(np.object is object, np.complex_ is np.complex128)
"""


def test_numpy_1_aliases_resolve_under_the_runner_with_one_warning(tmp_path):
    script = _script(tmp_path, NUMPY_1)
    out = _run(tmp_path, [str(script)])
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["float64 int64 inf nan float64 6", "True True"]
    assert out.stderr.count("Warning") == 1  # one warning for the whole program
    assert "prog.py:3: FutureWarning: np.float was removed in NumPy 2" in out.stderr
    assert "--no-numpy-aliases" in out.stderr


def test_no_numpy_aliases_flag_and_plain_import_leave_numpy_alone(tmp_path):
    script = _script(tmp_path, NUMPY_1)
    out = _run(tmp_path, ["--no-numpy-aliases", str(script)])
    assert out.returncode == 1 and "AttributeError" in out.stderr
    assert "np.float` was a deprecated alias" in out.stderr  # NumPy's own message
    plain = subprocess.run([sys.executable, "-c", "import tensorfluxo, numpy; numpy.float"],
                           capture_output=True, text=True, timeout=120)
    assert plain.returncode == 1 and "AttributeError" in plain.stderr
