"""Smoke tests: every benchmark script runs end to end with --quick sizes (no timing asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
import common  # noqa: E402


def run_script(*args: str) -> str:
    proc = subprocess.run([sys.executable, str(BENCH / args[0]), *args[1:]],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def has_keras() -> bool:
    import tensorfluxo

    try:
        return hasattr(tensorfluxo.keras, "Sequential")
    except Exception:  # tf.keras not written yet
        return False


needs_keras = pytest.mark.skipif(not has_keras(), reason="tensorfluxo.keras not available yet")


def test_reference_numpy_runs_both_nets_and_thread_settings():
    out = run_script("reference_numpy.py", "--quick")
    assert "batch   50 1 thread" in out and "batch  512 default threads" in out
    assert "tuned-flat" in out and "s/epoch" in out


@pytest.mark.parametrize("batch", ["50", "512"])
def test_mlp_trains_with_tensorfluxo(batch):
    out = run_script("mlp.py", "--quick", "--batch", batch, "--json")
    assert f"tensorfluxo: batch {batch}" in out and "steady" in out
    assert '"steady_epoch_s"' in out


def test_cnn_trains_with_tensorfluxo():
    out = run_script("cnn.py", "--quick", "--json")
    assert "tensorfluxo: " in out and "ms/step" in out and "peak RSS" in out
    assert '"step_s"' in out


def test_keras_tiny_session_api():
    out = run_script("keras_tiny.py", "--quick", "--api", "session")
    assert "tensorfluxo [session]" in out and "fit total" in out


@needs_keras
def test_keras_tiny_keras_api():
    out = run_script("keras_tiny.py", "--quick", "--api", "keras")
    assert "tensorfluxo [keras]" in out and "fit total" in out


def test_startup_graph_api():
    out = run_script("startup.py", "--quick", "--api", "graph")
    assert "tensorfluxo [graph]: wall" in out and "peak RSS" in out


@needs_keras
def test_startup_keras_api():
    out = run_script("startup.py", "--quick", "--api", "keras")
    assert "tensorfluxo [keras]: wall" in out


def test_compare_with_missing_interpreter_says_which():
    proc = subprocess.run([sys.executable, str(BENCH / "mlp.py"), "--quick", "--module", "none",
                           "--compare", "/nonexistent/python"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2
    assert "--compare: no Python interpreter at '/nonexistent/python'" in proc.stderr


def test_failing_child_is_reported_with_its_output():
    cmd = [sys.executable, "-c", "print('partial'); raise SystemExit('boom in child')"]
    with pytest.raises(RuntimeError, match=r"failed \(exit 1\):\npartial\nboom in child"):
        common.run_child(cmd)


def test_child_without_json_line_is_an_error():
    with pytest.raises(RuntimeError, match=r"failed \(exit 0\):\nno json here"):
        common.run_child([sys.executable, "-c", "print('no json here')"])


def test_unknown_module_is_rejected():
    with pytest.raises(ValueError, match="--module must be 'tensorfluxo' or 'tensorflow', got 'x'"):
        common.import_tf("x")


@pytest.mark.parametrize("script", ["mlp.py", "keras_tiny.py", "startup.py", "cnn.py"])
def test_module_none_needs_compare(script):
    proc = subprocess.run([sys.executable, str(BENCH / script), "--module", "none"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2
    assert "--module none measures nothing without --compare PYTHON" in proc.stderr


def test_rnn_benchmark_runs_both_cells():
    out = run_script("rnn.py", "--quick")
    assert "tensorfluxo rnn:" in out and "tensorfluxo lstm:" in out
    assert "tensorfluxo keras_lstm:" in out
def test_eager_benchmark_runs_small_ops_and_both_tape_loops():
    out = run_script("eager.py", "--quick")
    assert "small op x + y" in out and "tape loop eager" in out
    assert "tape loop tf.function" in out and "ms/step" in out


def test_word2vec_benchmark_runs_both_losses():
    out = run_script("word2vec.py", "--quick")
    assert "tensorfluxo nce-sgd:" in out and "tensorfluxo sampled-softmax-adagrad:" in out
