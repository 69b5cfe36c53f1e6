"""The real `tensorboard --logdir` serves what tf.summary wrote (scalars and the graph)."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf

TIMEOUT_SECS = 12.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def poll(url: str, ready, deadline: float) -> bytes:
    """GET url until ready(body) holds; fail at the deadline."""
    while time.monotonic() < deadline:
        body = get(url)
        if body is not None and ready(body):
            return body
        time.sleep(0.2)
    pytest.fail(f"TensorBoard did not answer {url} as expected within {TIMEOUT_SECS} s")


def test_tensorboard_serves_scalars_and_graph(tmp_path):
    X = tf.placeholder(tf.float32, shape=(None, 2), name="X")
    with tf.name_scope("dnn"):
        with tf.name_scope("hidden1"):
            hidden1 = tf.nn.relu(tf.matmul(X, tf.constant([[1.0], [2.0]])), name="relu")
    with tf.name_scope("loss"):
        mse = tf.reduce_mean(tf.square(hidden1), name="mse")
        mse_summary = tf.summary.scalar("MSE", mse)  # "loss/MSE_1": TF1 names ignore case
    with tf.summary.FileWriter(tmp_path / "run-1", tf.get_default_graph()) as writer, \
            tf.Session() as sess:
        for step in range(0, 50, 10):
            batch = np.full((1, 2), np.sqrt((10.0 - step / 10) / 9), np.float32)
            writer.add_summary(sess.run(mse_summary, {X: batch}), step)

    port = free_port()
    executable = Path(sys.executable).parent / "tensorboard"
    proc = subprocess.Popen(
        [str(executable), "--logdir", str(tmp_path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/data"
        deadline = time.monotonic() + TIMEOUT_SECS
        plugins = json.loads(poll(f"{base}/plugins_listing", lambda b: True, deadline))
        assert plugins["scalars"]["enabled"] and plugins["graphs"]["enabled"]
        tags = json.loads(poll(f"{base}/plugin/scalars/tags", lambda b: b"run-1" in b, deadline))
        assert list(tags["run-1"]) == ["loss/MSE_1"]
        series = json.loads(get(f"{base}/plugin/scalars/scalars?run=run-1&tag=loss/MSE_1"))
        assert [step for _, step, _ in series] == [0, 10, 20, 30, 40]
        np.testing.assert_allclose([value for *_, value in series], [10, 9, 8, 7, 6], rtol=1e-5)
        graph = get(f"{base}/plugin/graphs/graph?run=run-1").decode()
        assert 'name: "loss/mse"' in graph and 'input: "dnn/hidden1/relu"' in graph
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
