"""Screenshot TensorBoard's scalars dashboard on a demo logdir (manual check, not run in CI).

    .venv/bin/python scripts/tensorboard_screenshot.py [out.png] [--dashboard scalars|graphs]

Writes a demo logdir with tensorfluxo's FileWriter, starts `tensorboard` on a free port, and
has headless Chromium (`apt-get install -y chromium`) save a PNG of the dashboard.
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

from tensorfluxo.summary import FileWriter  # noqa: E402
from tensorfluxo.summary.summary_proto import histogram_summary, scalar_summary  # noqa: E402


def write_demo_logdir(logdir: Path) -> None:
    """Two runs of a decaying, noisy MSE curve (one summary every 10 batches) and a histogram."""
    rng = np.random.default_rng(0)
    for run, rate in (("run-lr0.01", 0.01), ("run-lr0.05", 0.05)):
        with FileWriter(logdir / run) as writer:
            for step in range(0, 1000, 10):
                mse = 0.5 + 4.0 * np.exp(-rate * step / 3) + rng.normal(0, 0.05)
                writer.add_summary(scalar_summary("loss/MSE", mse), step)
                if step % 100 == 0:
                    weights = rng.normal(0, 1 - step / 2000, 500)
                    writer.add_summary(histogram_summary("dnn/hidden1/weights", weights), step)


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
