"""Run a TensorFlow 1.x / 2.x / Keras program unchanged on tensorfluxo.

    python -m tensorfluxo.run [--tf1 | --tf2] script.py [args...]
    python -m tensorfluxo.run [--tf1 | --tf2] -m package.module [args...]

While the program runs, ``import tensorflow.compat.v1`` gives tensorfluxo and ``import keras``
gives tensorfluxo.keras, submodules included; ``import tensorflow`` gives tensorfluxo in TF1
mode and tensorfluxo.v2 (TF2's namespace, eager execution on) in TF2 mode.

The mode: ``--tf1`` / ``--tf2``, else read from the program's source. A program that uses TF1's
graph API (``tf.compat.v1``, ``disable_v2_behavior`` / ``disable_eager_execution``, Sessions,
placeholders, ``global_variables_initializer``, ``tf.get_variable``, ``tf.layers``,
``tf.contrib``, ``tf.train``'s optimizers and Saver, estimators, the TF1 MNIST tutorial
helpers) runs in TF1 mode, as it needs graphs; any other program is a TF2 program and runs
eagerly, as TensorFlow 2 runs it.

Only this runner (or an explicit :func:`install`) does that: importing tensorfluxo never hides
a real TensorFlow.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import re
import runpy
import sys
import traceback
import types

# Longest prefix first: tensorflow.compat.v1 must win over tensorflow.
ALIASES: tuple[tuple[str, str], ...] = (
    ("horovod.tensorflow.keras", "tensorfluxo.horovod.keras"),
    ("horovod.tensorflow", "tensorfluxo.horovod"),
    ("horovod.keras", "tensorfluxo.horovod.keras"),
    ("horovod", "tensorfluxo.horovod"),
    ("tensorflow.compat.v1", "tensorfluxo"),
    ("tensorflow", "tensorfluxo"),
    ("keras", "tensorfluxo.keras_standalone"),
)
# A module the standalone-Keras package does not define is tensorfluxo.keras's.
FALLBACKS = {"tensorfluxo.keras_standalone": "tensorfluxo.keras"}

USAGE = ("usage: python -m tensorfluxo.run [--no-numpy-aliases] [--tf1 | --tf2] script.py "
         "[args...] | "
         "-m module [args...]")


TF1_MARKERS = re.compile(
    r"compat\.v1|disable_v2_behavior|disable_eager_execution|\bSession\(|placeholder\(|"
    r"global_variables_initializer|initialize_all_variables|get_variable\(|\btf\.layers\.|"
    r"\.contrib\b|\btrain\.[A-Za-z]*(Optimizer|Saver)|\bestimator\b|examples\.tutorials|"
    r"get_session\(|FileWriter")


def uses_tf1(source: str) -> bool:
    """True when a program's source uses TF1's graph API (it then runs in TF1 mode)."""
    return TF1_MARKERS.search(source) is not None


def target_name(fullname: str, tf2: bool = False) -> str | None:
    """The tensorfluxo module that stands for ``fullname``, or None if it is not aliased."""
    if tf2 and fullname in ("tensorflow", "tensorflow.compat.v2"):
        return "tensorfluxo.v2"
    for alias, target in ALIASES:
        if fullname == alias or fullname.startswith(alias + "."):
            return target + fullname[len(alias) :]
    return None


def _import_or_fallback(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        for prefix, other in FALLBACKS.items():
            if name.startswith(prefix + ".") and e.name is not None and \
                    (name + ".").startswith(e.name + "."):
                return importlib.import_module(other + name[len(prefix):])
        raise


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec):
        return self.module  # the tensorfluxo module itself: one object under both names

    def exec_module(self, module) -> None:
        pass  # already executed when tensorfluxo imported it


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves tensorflow.* and keras.* imports to the tensorfluxo modules that stand for them."""

    def __init__(self, tf2: bool = False) -> None:
        self.tf2 = tf2

    def find_spec(self, fullname, path=None, target=None):
        name = target_name(fullname, self.tf2)
        if name is None:
            return None
        try:
            module = _import_or_fallback(name)
        except ModuleNotFoundError as e:
            if e.name is not None and (name + ".").startswith(e.name + "."):  # target missing
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: tensorfluxo.run maps it to {name!r}, "
                    "which tensorfluxo does not provide",
                    name=fullname,
                ) from None
            raise
        # tensorfluxo.compat is a plain module whose v1 attribute is tensorfluxo; marking it a
        # package lets `import tensorflow.compat.v1` reach this finder for the v1 part.
        package = fullname == "tensorflow.compat" or None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module), is_package=package)


def install(tf2: bool = False) -> None:
    """Make ``import tensorflow`` / ``import keras`` give tensorfluxo in this process
    (``tf2=True``: TF2's namespace and eager execution)."""
    # First in line, so an installed TensorFlow or Keras is never reached.
    finder = next((f for f in sys.meta_path if isinstance(f, AliasFinder)), None)
    if finder is None:
        sys.meta_path.insert(0, AliasFinder(tf2))
    else:
        finder.tf2 = tf2
    if tf2:
        import tensorfluxo
        tensorfluxo.enable_eager_execution()


def _program_source(argv: list[str]) -> str:
    """The text of the script (or -m module) about to run, '' when it cannot be read."""
    try:
        if argv[0] == "-m":
            spec = importlib.util.find_spec(argv[1])
            path = spec.origin if spec is not None else None
        else:
            path = argv[0]
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except (OSError, ImportError, ValueError, TypeError, AttributeError):
        return ""


# NumPy names that NumPy 2 removed, as NumPy 1.x defined them (old TF material uses them).
def _numpy_1_names() -> dict:
    import numpy as np

    return {
        "int": int, "float": float, "bool": bool, "object": object, "complex": complex,
        "str": str, "long": int, "unicode": str, "infty": np.inf, "Inf": np.inf,
        "Infinity": np.inf, "PINF": np.inf, "NINF": -np.inf, "NaN": np.nan, "NAN": np.nan,
        "PZERO": 0.0, "NZERO": -0.0, "float_": np.float64, "complex_": np.complex128,
        "cfloat": np.complex128, "singlecomplex": np.complex64, "longfloat": np.longdouble,
        "longcomplex": np.clongdouble, "clongfloat": np.clongdouble, "string_": np.bytes_,
        "unicode_": np.str_, "int0": np.intp, "uint0": np.uintp, "bool8": np.bool_,
        "object0": np.object_, "str0": np.str_, "bytes0": np.bytes_, "void0": np.void,
        "product": np.prod, "cumproduct": np.cumprod, "sometrue": np.any, "alltrue": np.all,
        "round_": np.round, "msort": lambda a: np.sort(a, axis=0),
        "asfarray": lambda a, dtype=np.float64: np.asarray(a, dtype=dtype),
    }


def install_numpy_aliases() -> None:
    """Make ``np.int``, ``np.float``, ``np.infty``... resolve as in NumPy 1.x in this process,
    warning once (at the first use, naming it). Only the runner calls this: ``import
    tensorfluxo`` never changes NumPy."""
    import warnings

    import numpy as np

    old = getattr(np, "__getattr__", None)
    if getattr(old, "_tensorfluxo_aliases", False):
        return
    names = {k: v for k, v in _numpy_1_names().items() if k not in vars(np)}
    warned = []

    def __getattr__(name):  # noqa: N807 - a module's attribute hook (PEP 562)
        if name not in names:
            if old is None:
                raise AttributeError(f"module 'numpy' has no attribute {name!r}")
            return old(name)
        if not warned:
            warned.append(name)
            caller = sys._getframe(1)
            warnings.warn_explicit(
                f"np.{name} was removed in NumPy 2; tensorfluxo.run resolves it and the other "
                f"removed aliases as NumPy 1.x did (np.{name} -> {names[name]!r}). Write the "
                "builtin or NumPy 2 name instead, or run with --no-numpy-aliases to turn this "
                "off.", FutureWarning, caller.f_code.co_filename, caller.f_lineno)
        return names[name]

    __getattr__._tensorfluxo_aliases = True
    np.__getattr__ = __getattr__


def main(argv: list[str] | None = None) -> None:
    """Run a script (or ``-m module``) as ``python`` would, with the TensorFlow aliases on
    (and NumPy 1.x's removed names, unless ``--no-numpy-aliases`` comes first)."""
    argv = sys.argv[1:] if argv is None else argv
    numpy_aliases, mode = True, None
    while argv and argv[0] in ("--no-numpy-aliases", "--tf1", "--tf2"):
        if argv[0] == "--no-numpy-aliases":
            numpy_aliases = False
        else:
            mode = argv[0]
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help") or argv[:1] == ["-m"] and len(argv) < 2:
        print(USAGE, file=sys.stderr)
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    if mode is None and argv[0] != "-m" and not os.path.exists(argv[0]):
        mode = "--tf1"  # reported below as a missing file
    install(tf2=mode == "--tf2" if mode else not uses_tf1(_program_source(argv)))
    if numpy_aliases:
        install_numpy_aliases()
    try:
        if argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]  # runpy puts the module's file in argv[0]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
            return
        script = argv[0]
        if not os.path.exists(script):
            print(f"tensorfluxo.run: can't open file {script!r}: no such file", file=sys.stderr)
            raise SystemExit(2)
        sys.argv = list(argv)
        # `python script.py` puts the script's folder first on sys.path; `-m tensorfluxo.run`
        # put the current folder there instead.
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
    except Exception as e:
        # Report the program's error as `python script.py` would: without the runner's frames.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename in _RUNNER_FILES:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        raise SystemExit(1) from None


_RUNNER_FILES = {__file__, runpy.__file__, "<frozen runpy>"}


if __name__ == "__main__":
    main()
