"""The real `tensorboard --logdir` serves what FileWriter wrote (scalars and the graph)."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tensorboard.compat.proto import graph_pb2, node_def_pb2

from tensorfluxo.summary import FileWriter
from tensorfluxo.summary.summary_proto import scalar_summary

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
    graph_def = graph_pb2.GraphDef(node=[
        node_def_pb2.NodeDef(name="X", op="Placeholder"),
        node_def_pb2.NodeDef(name="loss/mse", op="Mean", input=["X"]),
    ])
    with FileWriter(tmp_path / "run-1", graph_def=graph_def) as writer:
        for step in range(0, 50, 10):
            writer.add_summary(scalar_summary("loss/MSE", 10.0 - step / 10), step)

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
        assert list(tags["run-1"]) == ["loss/MSE"]
        series = json.loads(get(f"{base}/plugin/scalars/scalars?run=run-1&tag=loss/MSE"))
        assert [(step, value) for _, step, value in series] == [
            (0, 10.0), (10, 9.0), (20, 8.0), (30, 7.0), (40, 6.0)]
        graph = get(f"{base}/plugin/graphs/graph?run=run-1").decode()
        assert 'name: "loss/mse"' in graph and 'input: "X"' in graph
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
