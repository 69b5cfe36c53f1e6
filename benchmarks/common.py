"""Helpers shared by the benchmark scripts: choosing the module, data, BLAS facts, child runs.

Only NumPy (and, optionally, threadpoolctl / scikit-learn) is needed here, so the TensorFlow
companions under tf_reference/ can import this file from the throwaway TF venv too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def import_tf(module: str, graph_mode: bool = True):
    """Return the `tf` a user program would see: tensorfluxo, or real TensorFlow.

    For real TensorFlow, graph_mode gives `tensorflow.compat.v1` with eager execution off (a TF1
    program); otherwise the TF2 namespace (for Keras).
    """
    if module == "tensorfluxo":
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))  # a checkout works without installing the package
        import tensorfluxo as tf

        return tf
    if module == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow

        if not graph_mode:
            return tensorflow
        tf = tensorflow.compat.v1
        tf.disable_eager_execution()
        return tf
    raise ValueError(f"--module must be 'tensorfluxo' or 'tensorflow', got {module!r}")


def shuffle_batch(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.RandomState):
    """The seed's mini-batch generator: one random permutation split into len(X)//batch parts."""
    rnd_idx = rng.permutation(len(X))
    n_batches = max(1, len(X) // batch_size)
    for batch_idx in np.array_split(rnd_idx, n_batches):
        yield X[batch_idx], y[batch_idx]


def load_mnist(n_train: int = 50_000, n_test: int = 10_000) -> dict:
    """MNIST prepared as seed 000 does (float32 in [0, 1], flat 784; int32 labels).

    Falls back to random data of the same shape, with a printed note, when no loader works.
    """
    try:
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        from tensorfluxo.keras.datasets import mnist

        (x_tr, y_tr), (x_te, y_te) = mnist.load_data()
        source = "tensorfluxo.keras.datasets.mnist"
    except Exception as exc:  # the loader is written in parallel; the timing needs only shapes
        print(f"note: MNIST not available ({type(exc).__name__}: {exc}); "
              "using random data of MNIST's shape")
        rng = np.random.default_rng(0)
        x_tr = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
        y_tr = rng.integers(0, 10, 60_000).astype(np.uint8)
        x_te = rng.integers(0, 256, (10_000, 28, 28), dtype=np.uint8)
        y_te = rng.integers(0, 10, 10_000).astype(np.uint8)
        source = "random"
    return {
        "X_train": x_tr[:n_train].astype(np.float32).reshape(-1, 28 * 28) / 255.0,
        "y_train": y_tr[:n_train].astype(np.int32),
        "X_test": x_te[:n_test].astype(np.float32).reshape(-1, 28 * 28) / 255.0,
        "y_test": y_te[:n_test].astype(np.int32),
        "source": source,
    }


def make_circles_data() -> dict:
    """Seed 004's data: make_circles(1000, noise=0.03, random_state=42), first 800 to train."""
    try:
        from sklearn.datasets import make_circles

        X, y = make_circles(1000, noise=0.03, random_state=42)
        source = "sklearn.datasets.make_circles"
    except ImportError:
        # Same construction (two noisy rings, radii 1 and 0.8) without scikit-learn.
        print("note: scikit-learn not available; generating circles with NumPy")
        rng = np.random.RandomState(42)
        t = np.linspace(0, 2 * np.pi, 500, endpoint=False)
        X = np.vstack([np.c_[np.cos(t), np.sin(t)], 0.8 * np.c_[np.cos(t), np.sin(t)]])
        y = np.r_[np.zeros(500, np.int64), np.ones(500, np.int64)]
        order = rng.permutation(1000)
        X, y = X[order] + rng.normal(scale=0.03, size=X.shape), y[order]
        source = "numpy circles"
    return {"X_train": X[:800], "y_train": y[:800], "X_test": X[800:], "y_test": y[800:],
            "source": source}


def save_data(data: dict, directory: str) -> str:
    """Write the arrays of `data` to an .npz the companion process reads (same data both sides)."""
    path = os.path.join(directory, "data.npz")
    np.savez(path, **{k: v for k, v in data.items() if isinstance(v, np.ndarray)})
    return path


def read_data(path: str, source: str) -> dict:
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    data["source"] = source
    return data


def blas_summary() -> str:
    """One line naming the BLAS library, its kernel, thread count and the env vars that slow it."""
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        text = ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
                         f"threads={i['num_threads']}" for i in blas) or "no BLAS seen"
    except ImportError:
        text = "threadpoolctl not installed"
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                      "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
           if k in os.environ}
    return f"numpy {np.__version__}; {text}; env {env or 'none of OPENBLAS_*/OMP_* set'}"


def comparison_parser(doc: str, companion: str, steps: tuple | None = None
                      ) -> argparse.ArgumentParser:
    """The options every benchmark shares: --module, --compare (running
    tf_reference/``companion``), --quick, --json; with ``steps=(steps, warmup)`` also --steps,
    --warmup and --repeats. Add the script's own, then ``parse_checked``."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--module", default="tensorfluxo", choices=["tensorfluxo", "tensorflow", "none"],
                   help="which `tf` runs the program in this process (none: only --compare)")
    p.add_argument("--compare", metavar="PYTHON",
                   help=f"also run tf_reference/{companion} under this interpreter (with TF)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--json", action="store_true", help="print each result as one JSON line")
    if steps is not None:
        p.add_argument("--steps", type=int, default=steps[0])
        p.add_argument("--warmup", type=int, default=steps[1])
        p.add_argument("--repeats", type=int, default=1, help="alternating runs of each side")
    return p


def parse_checked(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    check_compare_args(parser, args)
    return args


def check_compare_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject a --compare interpreter that does not exist, and --module none without --compare."""
    if args.compare and shutil.which(args.compare) is None:
        parser.error(f"--compare: no Python interpreter at {args.compare!r}")
    if args.module == "none" and not args.compare:
        parser.error("--module none measures nothing without --compare PYTHON")


def run_child(cmd: list[str], timeout: float = 3600) -> dict:
    """Run a benchmark child process and return the JSON object on its last JSON line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{tail}")
    for ln in proc.stdout.splitlines():
        if ln.startswith("note:"):
            print(f"  [child] {ln}")
    return json.loads(lines[-1])


def compare_with(python: str, companion: str, data: dict, args: list[str]) -> dict:
    """Run tf_reference/<companion> under `python` on the same data; return its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        path = save_data(data, tmp)
        cmd = [python, str(HERE / "tf_reference" / companion), "--data", path,
               "--source", data["source"], *args]
        return run_child(cmd)


def ratio_line(name: str, ours: float, theirs: float, ours_label: str = "tensorfluxo") -> str:
    return (f"{name}: {ours_label} {ours:.4g} s, tensorflow {theirs:.4g} s, "
            f"ratio {ours / theirs:.2f}x ({ours_label}/tensorflow, lower is better)")


def emit_json(result: dict) -> None:
    print(json.dumps(result), flush=True)


def alternate(args: argparse.Namespace, ours, companion: str, data: dict, child_args: list,
              report, label: str = "", keys: tuple = (("step_s", "median step"),)) -> None:
    """``args.repeats`` alternating runs: ``ours(tf)`` in this process (unless --module none)
    and tf_reference/<companion> under --compare; reports each run, then the ratio of the
    medians of every result key in ``keys`` ((key, what), e.g. ("step_s", "median step"))."""
    mine, theirs = [], []
    for _ in range(args.repeats):
        if args.module != "none":
            mine.append(ours(import_tf(args.module)))
            report(args.module, mine[-1])
            if args.json:
                emit_json({"module": args.module, **mine[-1]})
        if args.compare:
            theirs.append(compare_with(args.compare, companion, data, child_args))
            report("tensorflow", theirs[-1])
            if args.json:
                emit_json(theirs[-1])
    if mine and theirs:
        for key, what in keys:
            a, b = (float(np.median([r[key] for r in rs])) for rs in (mine, theirs))
            print(ratio_line(f"{label}{what} over {args.repeats} runs each", a, b, args.module))


def time_steps(tf, loss, train, feed, warmup: int, steps: int, cpu: list | None = None) -> tuple:
    """Initializes, runs ``warmup`` untimed steps and ``steps`` timed ones (``feed(i)`` gives
    step i's feed_dict); returns (first loss, last loss, timed seconds). ``cpu``, a list, gets
    the process's CPU seconds (all threads) over the timed steps appended: on a busy machine
    the wall time mostly says how many threads a program runs, its CPU time what it costs."""
    import time
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = float(sess.run(loss, feed(0)))
        for i in range(warmup):
            sess.run(train, feed(i))
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(warmup, warmup + steps):
            sess.run(train, feed(i))
        seconds = time.perf_counter() - t0
        if cpu is not None:
            cpu.append(time.process_time() - c0)
        return first, float(sess.run(loss, feed(0))), seconds
