"""Cold start: a fresh process imports the framework, builds a small model, predicts once.

    python benchmarks/startup.py                   # tensorfluxo, Keras model (--api graph: TF1)
    python benchmarks/startup.py --compare /tmp/tfvenv/bin/python

Each repeat is a new interpreter. Figures: wall time of the whole process as the parent sees it,
and inside the child the import time, the model + prediction time and the peak RSS
(resource.getrusage). Medians over the repeats are printed.
"""

# The child part runs before anything heavy is imported: keep the module top free of numpy.
import sys
import time

T_START = time.perf_counter()


def child(module: str, api: str) -> None:
    """Import `module` as tf, build seed 004's small model, predict one sample, print JSON."""
    import json
    import os
    import resource

    if module == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    else:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        import tensorfluxo as tf
    t_import = time.perf_counter()
    import numpy as np

    x = np.array([[0.5, -0.25]], dtype=np.float32)
    if api == "keras":
        model = tf.keras.Sequential([
            tf.keras.layers.Dense(4, activation="relu", input_shape=(2,)),
            tf.keras.layers.Dense(4, activation="relu"),
            tf.keras.layers.Dense(1, activation="sigmoid"),
        ])
        pred = model.predict(x, verbose=0)
    else:
        if module == "tensorflow":
            tf = tf.compat.v1
            tf.disable_eager_execution()
        X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
        h = X
        for n_in, n_out in [(2, 4), (4, 4), (4, 1)]:
            W = tf.Variable(tf.random_uniform([n_in, n_out], -1.0, 1.0))
            h = tf.matmul(h, W) + tf.Variable(tf.zeros([n_out]))
            h = tf.nn.relu(h) if n_out == 4 else tf.sigmoid(h)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            pred = sess.run(h, feed_dict={X: x})
    t_end = time.perf_counter()
    assert np.shape(pred) == (1, 1), np.shape(pred)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"import_s": t_import - T_START, "model_predict_s": t_end - t_import,
                      "in_process_s": t_end - T_START, "peak_rss_mib": peak_kib / 1024}))


def measure(cmd: list[str], repeat: int) -> dict:
    """Run `cmd` `repeat` times in fresh processes; medians of wall time and the child's figures."""
    import statistics

    import common

    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = common.run_child(cmd, timeout=600)
        r["wall_s"] = time.perf_counter() - t0  # includes interpreter start and exit
        runs.append(r)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {"repeat": repeat}


def report(label: str, api: str, r: dict) -> None:
    print(f"{label} [{api}]: wall {r['wall_s']:.3f} s | import {r['import_s']:.3f} s | "
          f"model+predict {r['model_predict_s']:.3f} s | peak RSS {r['peak_rss_mib']:.0f} MiB "
          f"(median of {r['repeat']})")


def main(argv=None) -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", default="tensorfluxo",
                   choices=["tensorfluxo", "tensorflow", "none"],
                   help="what this run measures (none: only --compare)")
    p.add_argument("--api", default="keras", choices=["keras", "graph"])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--compare", metavar="PYTHON",
                   help="also measure `import tensorflow` under this interpreter")
    p.add_argument("--quick", action="store_true", help="one repeat, for a smoke test")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.module, args.api)
        return
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    import common

    common.check_compare_args(p, args)
    repeat = 1 if args.quick else args.repeat
    ours = None
    if args.module != "none":
        cmd = [sys.executable, str(here / "startup.py"), "--child", "--module", args.module,
               "--api", args.api]
        ours = measure(cmd, repeat)
        report(args.module, args.api, ours)
    if args.compare:
        companion = str(here / "tf_reference" / "startup_tf.py")
        theirs = measure([args.compare, companion, "--api", args.api], repeat)
        report("tensorflow", args.api, theirs)
        if ours:
            for key in ("wall_s", "peak_rss_mib"):
                unit = "s" if key == "wall_s" else "MiB"
                print(f"{key}: {args.module} {ours[key]:.3f} {unit}, tensorflow "
                      f"{theirs[key]:.3f} {unit}, ratio {ours[key] / theirs[key]:.2f}x "
                      "(lower is better)")


if __name__ == "__main__":
    main()
