"""Data-parallel scaling of seed 000's MNIST MLP on MPI ranks (tensorfluxo.horovod).

    python benchmarks/scale.py                   # 1 and 2 ranks, batch 50 and 256 per rank

Each configuration is launched with `python -m tensorfluxo.launch -np N`; every rank trains on
its own shard with DistributedOptimizer (one fused allreduce of all gradients per step) and
reports its step time and the time inside the allreduce. Printed: samples/s, allreduce ms per
step, scaling efficiency against 1 rank, and the projected allreduce cost at 8 and 64 ranks from
the measured message size and a ring-allreduce network model (below).

Reading the figures on a 2-core machine: the 1-rank baseline uses both cores (2 BLAS threads;
the launcher does not bind ranks to cores, as horovodrun), while each of 2 ranks gets one. The
ceiling for 2 ranks is then two independent 1-thread processes with no communication at all:
measured on the idle machine (05:12 UTC), one process at batch 256 takes 1.85 ms/step with 2
threads and 2.5 ms/step with 1 (two such processes side by side: 2.5 ms each), so 2 ranks can
reach at most 2 x 1.85 / 2.5 = 1.48x the single process whatever the allreduce costs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Ring allreduce of S bytes on N ranks: 2(N-1)/N * S / bandwidth + 2(N-1) * latency.
BANDWIDTH = 1.25e9   # bytes/s: 10 Gb/s Ethernet
LATENCY = 25e-6      # s per message step (TCP on a LAN)


def ring_seconds(n: int, nbytes: int) -> float:
    return 2 * (n - 1) / n * nbytes / BANDWIDTH + 2 * (n - 1) * LATENCY


def worker(batch: int, steps: int, out: str, fp16: bool = False) -> None:
    sys.path.insert(0, str(REPO))
    import numpy as np

    import tensorfluxo as tf
    import tensorfluxo.horovod as hvd
    from tensorfluxo.horovod import basics
    sys.path.insert(0, str(HERE))
    import mlp

    hvd.init()
    rng = np.random.default_rng(hvd.rank())
    X = rng.random((batch * 8, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch * 8).astype(np.int64)
    tf.set_random_seed(42)
    Xp = tf.placeholder(tf.float32, (None, 784))
    yp = tf.placeholder(tf.int64, (None,))
    import tensorfluxo.train as train_mod
    real = train_mod.GradientDescentOptimizer
    comp = hvd.Compression.fp16 if fp16 else hvd.Compression.none
    train_mod.GradientDescentOptimizer = lambda lr: hvd.DistributedOptimizer(
        real(lr * hvd.size()), compression=comp)
    try:
        train, _, init = mlp.build_mlp(tf, Xp, yp)
    finally:
        train_mod.GradientDescentOptimizer = real
    nparams = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
    with tf.Session() as s:
        s.run(init)
        s.run(hvd.broadcast_global_variables(0))
        for i in range(20):
            s.run(train, {Xp: X[(i % 8) * batch:(i % 8 + 1) * batch], yp: y[:batch]})
        basics.G.allreduce_seconds, basics.G.allreduce_calls = 0.0, 0
        t0 = time.perf_counter()
        for i in range(steps):
            k = i % 8
            s.run(train, {Xp: X[k * batch:(k + 1) * batch], yp: y[k * batch:(k + 1) * batch]})
        seconds = time.perf_counter() - t0
    with open(os.path.join(out, f"rank{hvd.rank()}.json"), "w") as f:
        json.dump({"seconds": seconds, "steps": steps, "batch": batch, "size": hvd.size(),
                   "allreduce_s": basics.G.allreduce_seconds, "params": nparams}, f)


def run(n: int, batch: int, steps: int, fp16: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, "-m", "tensorfluxo.launch", "-np", str(n), __file__, "--worker",
               "--batch", str(batch), "--steps", str(steps), "--out", d] + \
            (["--fp16"] if fp16 else [])
        subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
        ranks = [json.loads(p.read_text()) for p in Path(d).glob("rank*.json")]
    slowest = max(r["seconds"] for r in ranks)
    return {"ranks": n, "batch": batch, "samples_per_s": n * batch * steps / slowest,
            "step_ms": 1000 * slowest / steps,
            "allreduce_ms": 1000 * max(r["allreduce_s"] for r in ranks) / steps,
            "params": ranks[0]["params"]}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--out", default=".")
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--batches", default="50,256")
    p.add_argument("--fp16", action="store_true", help="gradients travel as float16 "
                   "(hvd.Compression.fp16)")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.batch, args.steps, args.out, args.fp16)
        return
    for batch in [int(b) for b in args.batches.split(",")]:
        base = None
        for n in [int(r) for r in args.ranks.split(",")]:
            r = run(n, batch, args.steps, args.fp16 and n > 1)
            base = base or r["samples_per_s"]
            eff = r["samples_per_s"] / (base * n)
            print(f"batch {batch}/rank, {n} rank(s): {r['samples_per_s']:.0f} samples/s, "
                  f"{r['step_ms']:.2f} ms/step, allreduce {r['allreduce_ms']:.2f} ms/step, "
                  f"speed-up {r['samples_per_s'] / base:.2f}x, efficiency {eff:.0%}")
        nbytes = (2 if args.fp16 else 4) * r["params"]
        compute_ms = r["step_ms"] - r["allreduce_ms"]
        for n in (8, 64):
            ar = 1000 * ring_seconds(n, nbytes)
            print(f"  projected at {n} ranks (ring allreduce of {nbytes / 1e6:.2f} MB on 10 Gb/s, "
                  f"{LATENCY * 1e6:.0f} us/message): allreduce {ar:.2f} ms/step, efficiency "
                  f"{compute_ms / (compute_ms + ar):.0%} of linear")


if __name__ == "__main__":
    main()
