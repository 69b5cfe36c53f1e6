"""tensorfluxo.horovod: alone (size 1) in this process, and on 2 MPI ranks through
`python -m tensorfluxo.launch -np 2` (Open MPI and mpi4py come with the test extras)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf
import tensorfluxo.horovod as hvd
from tensorfluxo.horovod import basics

WORKER = str(Path(__file__).with_name("worker.py"))
REPO = str(Path(__file__).resolve().parents[2])


@pytest.fixture
def alone():
    basics.shutdown()
    hvd.init()
    yield
    basics.shutdown()


def launch(mode, outdir, np_=2, env=None, timeout=240):
    Path(outdir).mkdir(parents=True, exist_ok=True)
    e = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "tensorfluxo.launch", "-np", str(np_), WORKER,
                        mode, str(outdir)], env=e, capture_output=True, text=True,
                       timeout=timeout)
    ranks = [json.loads(f.read_text()) for f in sorted(Path(outdir).glob("rank*.json"))]
    return p, ranks, time.monotonic() - t0


# ---- one process ------------------------------------------------------------------------------
def test_alone_the_program_is_rank_0_of_1_and_collectives_are_identities(alone):
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size()) == (0, 1, 0, 1)
    x = tf.constant([[1.0, 2.0]])
    with tf.Session() as s:
        for t in (hvd.allreduce(x), hvd.allreduce(x, op=hvd.Sum), hvd.broadcast(x, 0),
                  hvd.allgather(x)):
            assert s.run(t).tolist() == [[1.0, 2.0]]


def test_alone_a_distributed_optimizer_trains_as_the_optimizer_it_wraps(alone):
    def run(wrap):
        tf.reset_default_graph()
        w = tf.Variable([1.0, -2.0])
        loss = tf.reduce_sum(tf.square(w - 3.0))
        opt = tf.train.MomentumOptimizer(0.1, 0.9)
        train = (hvd.DistributedOptimizer(opt) if wrap else opt).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for _ in range(5):
                s.run(train)
            return s.run(w)
    np.testing.assert_array_equal(run(True), run(False))


def test_errors_before_init_and_bad_arguments():
    basics.shutdown()
    with pytest.raises(ValueError, match=r"Horovod has not been initialized; use hvd.init\(\)"):
        hvd.rank()
    hvd.init()
    try:
        with pytest.raises(ValueError, match="op must be hvd.Average or hvd.Sum"):
            hvd.allreduce(tf.constant(1.0), op="Max")
        with pytest.raises(TypeError, match="wraps a tf.train optimizer"):
            hvd.DistributedOptimizer(object())
        with pytest.raises(TypeError, match="compression must be hvd.Compression.none or "
                                            "hvd.Compression.fp16, got 'fp16'"):
            hvd.allreduce(tf.constant(1.0), compression="fp16")
        half = hvd.allreduce(tf.constant([1.0, 2.0]), compression=hvd.Compression.fp16)
        assert half.dtype == tf.float32 and half.op.inputs[0].op.inputs[0].dtype == tf.float16
    finally:
        basics.shutdown()


def test_the_runner_resolves_horovod_imports(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import horovod.tensorflow as hvd\nimport horovod.tensorflow.keras as k\n"
                      "import horovod.keras as k2\nhvd.init()\n"
                      "print(hvd.__name__, k.__name__, k2 is k, hvd.size())\n")
    out = subprocess.run([sys.executable, "-m", "tensorfluxo.run", str(script)],
                         env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True)
    assert out.stdout.split() == ["tensorfluxo.horovod", "tensorfluxo.horovod.keras", "True",
                                  "1"], out.stderr


def test_the_launcher_explains_its_usage():
    out = subprocess.run([sys.executable, "-m", "tensorfluxo.launch", "train.py"],
                         env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True)
    assert out.returncode == 2 and "usage: python -m tensorfluxo.launch -np N" in out.stderr


# ---- two ranks --------------------------------------------------------------------------------
def test_collectives_on_two_ranks(tmp_path):
    p, ranks, _ = launch("collectives", tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert [r["rank"] for r in ranks] == [0, 1] and all(r["size"] == 2 for r in ranks)
    for r in ranks:
        assert r["avg"] == [[1.5] * 3] * 2 and r["sum"] == [[3.0] * 3] * 2
        assert r["gather"] == [[0, 0], [1, 1], [1, 1]]  # rank 0 sends 1 row, rank 1 two
        assert r["bcast"] == [[2.0] * 3] * 2  # rank 1's value
        assert r["grouped"] == [[[3.0] * 3] * 2, [1]]
        # float16 on the wire (1/3 + 2/3 rounded to half precision), float32 back; ints as-is
        dtype, half, int_dtype, ints = r["fp16"]
        assert dtype == "float32" and int_dtype == "int32" and ints == [3]
        np.testing.assert_allclose(half, [1.0] * 5, atol=1e-3)
        assert half[0] == float(np.float16(np.float16(1 / 3) + np.float16(2 / 3)))
        assert r["fp16_ring"] == half
    # d/dx_r of sum_r x_r^2 through allreduce: upstream gradients summed over ranks (2)
    assert [r["grad"] for r in ranks] == [4.0, 8.0]


def test_two_ranks_keep_identical_weights_and_reach_the_single_process_accuracy(tmp_path,
                                                                              mnist_dir):
    p, ranks, _ = launch("train", tmp_path / "two")
    assert p.returncode == 0, p.stdout + p.stderr
    assert all(r["same_weights_every_step"] for r in ranks)
    assert ranks[0]["accuracy"] == ranks[1]["accuracy"] and ranks[0]["steps"] == 120
    alone = tmp_path / "one"
    alone.mkdir()
    one = subprocess.run([sys.executable, "-m", "tensorfluxo.run", WORKER, "train", str(alone)],
                         env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True)
    assert one.returncode == 0, one.stderr
    single = json.loads((alone / "rank0.json").read_text())
    assert single["steps"] == 240 and abs(single["accuracy"] - ranks[0]["accuracy"]) < 0.03


def test_keras_on_two_ranks(tmp_path, mnist_dir):
    p, ranks, _ = launch("keras", tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert ranks[0]["weights_sum"] == ranks[1]["weights_sum"]
    assert ranks[0]["loss"] == ranks[1]["loss"]  # averaged by MetricAverageCallback
    assert ranks[0]["lr"][-1] == pytest.approx(0.1)  # warmed up to 0.05 * size
    assert ranks[0]["accuracy"] > 0.8


@pytest.mark.parametrize("fault", ["exit", "hang"])
def test_a_failing_rank_stops_the_job_and_the_last_checkpoint_resumes(tmp_path, fault,
                                                                    mnist_dir):
    p, ranks, seconds = launch("fault", tmp_path, env={"FAULT": fault,
                                                       "TENSORFLUXO_HOROVOD_TIMEOUT": "5"})
    assert p.returncode != 0 and not ranks and seconds < 120
    if fault == "hang":
        assert "not every rank joined within 5 s" in p.stdout + p.stderr
    latest = tf.train.latest_checkpoint(str(tmp_path))
    assert latest is not None and latest.endswith("model.ckpt-40")
    resumed = subprocess.run([sys.executable, "-m", "tensorfluxo.run", WORKER, "fault",
                              str(tmp_path)], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=REPO, RESUME="1"))
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "rank0.json").read_text())["steps"] == 40 + 240


@pytest.mark.slow
def test_the_horovod_example_on_two_ranks_reaches_the_seed_accuracy(tmp_path, mnist_dir):
    script = str(Path(REPO) / "examples" / "horovod_mnist.py")
    p = subprocess.run([sys.executable, "-m", "tensorfluxo.launch", "-np", "2", script,
                        "--epochs", "20", "--logdir", str(tmp_path)], capture_output=True,
                       text=True, env=dict(os.environ, PYTHONPATH=REPO), timeout=1800)
    assert p.returncode == 0, p.stderr
    last = [line for line in p.stdout.splitlines() if line.startswith("epoch")][-1]
    assert float(last.split("accuracy ")[1].split()[0]) > 0.965  # seed 000 alone: 0.973
    assert (tmp_path / "checkpoint").exists() and list(tmp_path.glob("events.out.tfevents*"))
