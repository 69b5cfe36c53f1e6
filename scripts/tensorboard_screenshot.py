"""Screenshot TensorBoard's scalars dashboard on a demo logdir (manual check, not run in CI).

    .venv/bin/python scripts/tensorboard_screenshot.py [out.png] [--dashboard scalars|graphs]

Writes a demo logdir with tensorfluxo (the seed-002 TensorBoard program), starts `tensorboard`
on a free port, and has headless Chromium (`apt-get install -y chromium`) save a PNG of the
dashboard.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tensorfluxo as tf  # noqa: E402


def write_demo_logdir(logdir: Path) -> None:
    """The course's (seed 002) mini-batch linear regression, logged as it teaches: the graph,
    MSE every 10 batches, plus a histogram of theta, for two learning rates."""
    rng = np.random.RandomState(42)
    m, n = 2000, 8
    data = rng.randn(m, n) * rng.uniform(1, 5, n)
    target = data @ rng.randn(n) + 2.0 + 0.3 * rng.randn(m)
    scaled = np.c_[np.ones((m, 1)), (data - data.mean(0)) / data.std(0)]
    batch_size, n_epochs = 50, 10
    n_batches = m // batch_size
    for learning_rate in (0.003, 0.01):
        tf.reset_default_graph()
        X = tf.placeholder(tf.float32, shape=(None, n + 1), name="X")
        y = tf.placeholder(tf.float32, shape=(None, 1), name="y")
        theta = tf.Variable(tf.random_uniform([n + 1, 1], -1.0, 1.0, seed=42), name="theta")
        y_pred = tf.matmul(X, theta, name="predictions")
        with tf.name_scope("loss"):
            error = y_pred - y
            mse = tf.reduce_mean(tf.square(error), name="mse")
        training_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(mse)
        mse_summary = tf.summary.scalar("MSE", mse)
        theta_summary = tf.summary.histogram("theta", theta)
        writer = tf.summary.FileWriter(logdir / f"run-lr{learning_rate}", tf.get_default_graph())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for epoch in range(n_epochs):
                for batch_index in range(n_batches):
                    indices = rng.randint(m, size=batch_size)
                    feed = {X: scaled[indices], y: target.reshape(-1, 1)[indices]}
                    step = epoch * n_batches + batch_index
                    if batch_index % 10 == 0:
                        writer.add_summary(mse_summary.eval(feed_dict=feed), step)
                    if batch_index == 0:
                        writer.add_summary(theta_summary.eval(), step)
                    sess.run(training_op, feed_dict=feed)
        writer.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if b"run-" in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"TensorBoard did not serve {url} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="tensorboard_scalars.png")
    parser.add_argument("--dashboard", default="scalars")
    parser.add_argument("--logdir", help="existing logdir to show instead of the demo one")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get update && apt-get install -y chromium")

    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(args.logdir) if args.logdir else Path(tmp) / "tf_logs"
        if not args.logdir:
            write_demo_logdir(logdir)
        port = free_port()
        tensorboard = Path(sys.executable).parent / "tensorboard"
        server = subprocess.Popen(
            [str(tensorboard), "--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/data/runs")
            out = Path(args.out).resolve()
            subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={Path(tmp) / 'chrome'}",
                 f"--screenshot={out}", "--window-size=1400,900",
                 "--virtual-time-budget=15000",
                 f"http://127.0.0.1:{port}/#{args.dashboard}"],
                check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            print(f"saved {out}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
