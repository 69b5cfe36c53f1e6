"""Hand-written NumPy training of the two benchmark nets: the floor for an engine on NumPy kernels.

    python benchmarks/reference_numpy.py    # MLP batch 50 and 512, tiny; 1 vs default threads
    python benchmarks/reference_numpy.py --quick

MLP: seed 000's 784-300-100-10 ReLU net, sparse softmax cross-entropy (mean), SGD 0.01, batches
from the seed's shuffle_batch over 50,000 MNIST images; steady s/epoch after one warm-up epoch.
Tiny: seed 004's 2-4-4-1 net, sigmoid + binary cross-entropy, Adam 0.01, batch 32, 100 epochs of
800 circles, with Keras' per-batch loss and accuracy; total s.

Each net is written twice: "plain" (the obvious NumPy expressions, which allocate every result)
and "tuned" (float32 end to end, preallocated buffers via out=, in-place updates, fused softmax /
sigmoid cross-entropy gradient). For the tiny net "tuned-flat" also keeps all parameters, gradients
and Adam slots as views of single flat arrays so that Adam is a handful of ufunc calls in all.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

F32 = np.float32


def truncated_normal(rng: np.random.Generator, shape: tuple, stddev: float) -> np.ndarray:
    """Normal samples redrawn until within two standard deviations, as tf.truncated_normal."""
    out = rng.normal(0, stddev, shape)
    bad = np.abs(out) > 2 * stddev
    while bad.any():
        out[bad] = rng.normal(0, stddev, bad.sum())
        bad = np.abs(out) > 2 * stddev
    return out.astype(F32)


# ---------------------------------------------------------------------------------------- MLP
def hidden_forward(X, W1, b1, W2, b2, h1, h2) -> None:
    """h2 = relu(relu(X W1 + b1) W2 + b2), into the buffers h1 and h2 (both nets share it)."""
    np.dot(X, W1, out=h1)
    h1 += b1
    np.maximum(h1, 0, out=h1)
    np.dot(h1, W2, out=h2)
    h2 += b2
    np.maximum(h2, 0, out=h2)


def backward(X, h1, h2, dz, W2, W3, grads, d1, d2, m1, m2) -> None:
    """Gradients of both nets' three layers from the output gradient dz, into ``grads``."""
    gW1, gb1, gW2, gb2, gW3, gb3 = grads
    np.dot(h2.T, dz, out=gW3)
    dz.sum(axis=0, out=gb3)
    np.dot(dz, W3.T, out=d2)
    np.greater(h2, 0, out=m2)
    d2 *= m2
    np.dot(h1.T, d2, out=gW2)
    d2.sum(axis=0, out=gb2)
    np.dot(d2, W2.T, out=d1)
    np.greater(h1, 0, out=m1)
    d1 *= m1
    np.dot(X.T, d1, out=gW1)
    d1.sum(axis=0, out=gb1)


class MLP:
    """784-300-100-10 ReLU net trained by SGD on sparse softmax cross-entropy."""

    def __init__(self, sizes=(784, 300, 100, 10), lr: float = 0.01, seed: int = 42):
        rng = np.random.default_rng(seed)
        self.W = [truncated_normal(rng, (a, b), 2 / np.sqrt(a)) for a, b in zip(sizes, sizes[1:])]
        self.b = [np.zeros(b, F32) for b in sizes[1:]]
        self.gW = [np.empty_like(w) for w in self.W]
        self.gb = [np.empty_like(b) for b in self.b]
        self.lr = F32(lr)
        self.sizes = sizes
        self._bufs: dict[int, tuple] = {}

    def buffers(self, n: int) -> tuple:
        """Activations, their gradients and ReLU masks for a batch of n (array_split varies n)."""
        if n not in self._bufs:
            h = [np.empty((n, s), F32) for s in self.sizes[1:]]
            d = [np.empty((n, s), F32) for s in self.sizes[1:-1]]
            m = [np.empty((n, s), bool) for s in self.sizes[1:-1]]
            self._bufs[n] = (h, d, m, np.arange(n))
        return self._bufs[n]

    def step_tuned(self, X: np.ndarray, y: np.ndarray) -> None:
        (h1, h2, z), (d1, d2), (m1, m2), rows = self.buffers(len(X))
        (W1, W2, W3), (b1, b2, b3) = self.W, self.b
        (gW1, gW2, gW3), (gb1, gb2, gb3) = self.gW, self.gb
        n = len(X)
        hidden_forward(X, W1, b1, W2, b2, h1, h2)
        np.dot(h2, W3, out=z)
        z += b3
        # Fused softmax + cross-entropy gradient of the batch mean: (softmax(z) - onehot(y)) / n.
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z *= (F32(1) / n) / z.sum(axis=1, keepdims=True)
        z[rows, y] -= F32(1) / n
        backward(X, h1, h2, z, W2, W3, (gW1, gb1, gW2, gb2, gW3, gb3), d1, d2, m1, m2)
        for p, g in zip(self.W + self.b, self.gW + self.gb):
            g *= self.lr
            p -= g

    def step_plain(self, X: np.ndarray, y: np.ndarray) -> None:
        (W1, W2, W3), (b1, b2, b3) = self.W, self.b
        n = len(X)
        h1 = np.maximum(X @ W1 + b1, 0)
        h2 = np.maximum(h1 @ W2 + b2, 0)
        z = h2 @ W3 + b3
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = p
        dz[np.arange(n), y] -= 1
        dz /= n
        d2 = (dz @ W3.T) * (h2 > 0)
        d1 = (d2 @ W2.T) * (h1 > 0)
        grads = [X.T @ d1, h1.T @ d2, h2.T @ dz, d1.sum(0), d2.sum(0), dz.sum(0)]
        for param, g in zip(self.W + self.b, grads):
            param -= self.lr * g

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        h = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            h = h @ W + b
            if i < 2:
                h = np.maximum(h, 0)
        return float((h.argmax(1) == y).mean())


def bench_mlp(data: dict, batch: int, epochs: int, variant: str) -> dict:
    net = MLP()
    step = net.step_tuned if variant == "tuned" else net.step_plain
    rng = np.random.RandomState(42)
    epoch_s = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for X_batch, y_batch in common.shuffle_batch(data["X_train"], data["y_train"], batch, rng):
            step(X_batch, y_batch)
        epoch_s.append(time.perf_counter() - t0)
    steps = len(data["X_train"]) // batch
    steady = float(np.median(epoch_s[1:] or epoch_s))
    return {"first_epoch_s": epoch_s[0], "steady_epoch_s": steady,
            "steady_step_ms": 1000 * steady / steps,
            "test_accuracy": net.accuracy(data["X_test"], data["y_test"])}


# --------------------------------------------------------------------------------------- tiny
class Tiny:
    """2-4-4-1 net: ReLU, ReLU, sigmoid; binary cross-entropy; Adam (Keras defaults)."""

    def __init__(self, lr: float = 0.01, flat: bool = False, seed: int = 42):
        rng = np.random.default_rng(seed)
        shapes = [(2, 4), (4,), (4, 4), (4,), (4, 1), (1,)]
        sizes = [int(np.prod(s)) for s in shapes]
        # With flat=True every parameter / gradient / slot is a view of one flat array.
        self.flat = [np.zeros(sum(sizes), F32) for _ in range(5)] if flat else None
        views = []
        for k in range(5):  # params, grads, m, v, scratch
            if flat:
                parts = np.split(self.flat[k], np.cumsum(sizes)[:-1])
                views.append([p.reshape(s) for p, s in zip(parts, shapes)])
            else:
                views.append([np.zeros(s, F32) for s in shapes])
        self.params, self.grads, self.m, self.v, self.tmp = views
        for p, s in zip(self.params, shapes):
            if len(s) == 2:  # Glorot uniform, Keras' Dense default
                limit = np.sqrt(6 / (s[0] + s[1]))
                p[...] = rng.uniform(-limit, limit, s)
        self.lr, self.b1, self.b2, self.eps = lr, 0.9, 0.999, 1e-7
        self.t = 0
        self._bufs: dict[int, tuple] = {}

    def buffers(self, n: int) -> tuple:
        if n not in self._bufs:
            self._bufs[n] = tuple(np.empty((n, k), F32) for k in (4, 4, 1, 4, 4)) + (
                np.empty((n, 4), bool), np.empty((n, 4), bool), np.empty((n, 1), F32))
        return self._bufs[n]

    def step(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """One Adam step on (X, y) (y of shape (n, 1)); returns Keras' batch loss and accuracy."""
        h1, h2, p, d2, d1, m1, m2, scratch = self.buffers(len(X))
        W1, b1, W2, b2, W3, b3 = self.params
        gW1, gb1, gW2, gb2, gW3, gb3 = self.grads
        n = len(X)
        hidden_forward(X, W1, b1, W2, b2, h1, h2)
        np.dot(h2, W3, out=p)
        p += b3
        np.negative(p, out=p)  # sigmoid in place: 1 / (1 + exp(-z))
        np.exp(p, out=p)
        p += 1
        np.reciprocal(p, out=p)
        # Keras' metrics: clipped binary cross-entropy and thresholded accuracy.
        np.clip(p, 1e-7, 1 - 1e-7, out=scratch)
        loss = -float(np.mean(y * np.log(scratch) + (1 - y) * np.log1p(-scratch)))
        acc = float(np.mean((p > 0.5) == y))
        # Fused sigmoid + cross-entropy gradient of the batch mean: (p - y) / n.
        p -= y
        p *= F32(1) / n
        backward(X, h1, h2, p, W2, W3, (gW1, gb1, gW2, gb2, gW3, gb3), d1, d2, m1, m2)
        self.adam()
        return loss, acc

    def adam(self) -> None:
        self.t += 1
        lr_t = F32(self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t))
        groups = ([self.flat] if self.flat is not None else
                  zip(self.params, self.grads, self.m, self.v, self.tmp))
        for p, g, m, v, tmp in groups:
            m *= F32(self.b1)
            np.multiply(g, F32(1 - self.b1), out=tmp)
            m += tmp
            v *= F32(self.b2)
            np.square(g, out=tmp)
            tmp *= F32(1 - self.b2)
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += F32(self.eps)
            np.divide(m, tmp, out=tmp)
            tmp *= lr_t
            p -= tmp


def bench_tiny(data: dict, epochs: int, flat: bool, batch: int = 32) -> dict:
    net = Tiny(flat=flat)
    X = data["X_train"].astype(F32)
    y = data["y_train"].astype(F32).reshape(-1, 1)
    rng = np.random.RandomState(42)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        losses, accs = [], []
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            loss, acc = net.step(X[idx], y[idx])
            losses.append(loss)
            accs.append(acc)
        epoch_loss = float(np.mean(losses))  # what History records
    total = time.perf_counter() - t0
    steps = epochs * -(-len(X) // batch)
    return {"total_s": total, "step_ms": 1000 * total / steps, "final_loss": epoch_loss}


# ---------------------------------------------------------------------------------------- main
def blas_threads(n: int | None):
    """Limit BLAS to n threads (None: leave the default) with threadpoolctl."""
    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, nargs="+", default=[50, 512])
    p.add_argument("--epochs", type=int, default=4, help="MLP epochs; the first is the warm-up")
    p.add_argument("--images", type=int, default=50_000, help="MLP training images")
    p.add_argument("--tiny-epochs", type=int, default=100)
    p.add_argument("--threads", default="both", choices=["both", "1", "default"])
    p.add_argument("--variants", nargs="+", default=["tuned", "plain"],
                   choices=["tuned", "plain"])
    p.add_argument("--skip", nargs="*", default=[], choices=["mlp", "tiny"])
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--json", action="store_true", help="also print each result as a JSON line")
    args = p.parse_args(argv)
    n_images = min(args.images, 1000) if args.quick else args.images
    epochs, tiny_epochs = (2, 2) if args.quick else (args.epochs, args.tiny_epochs)
    try:
        import threadpoolctl  # noqa: F401

        threads = {"both": [1, None], "1": [1], "default": [None]}[args.threads]
    except ImportError:
        print("note: threadpoolctl not installed; BLAS thread count left at its default")
        threads = [None]
    print(common.blas_summary())

    if "mlp" not in args.skip:
        data = common.load_mnist(n_images, 500 if args.quick else 10_000)
        print(f"MLP 784-300-100-10, SGD 0.01, {n_images} images ({data['source']}), "
              f"{epochs} epochs (first = warm-up)")
        for batch in args.batches:
            for variant in args.variants:
                for n in threads:
                    with blas_threads(n):
                        r = bench_mlp(data, batch, epochs, variant)
                    label = "1 thread" if n == 1 else "default threads"
                    print(f"  numpy {variant:5s} batch {batch:4d} {label:15s}: steady "
                          f"{r['steady_epoch_s']:.3f} s/epoch = {r['steady_step_ms']:.3f} ms/step "
                          f"(first {r['first_epoch_s']:.3f} s, test acc {r['test_accuracy']:.4f})")
                    if args.json:
                        common.emit_json({"net": "mlp", "variant": variant, "batch": batch,
                                          "threads": n or "default", **r})

    if "tiny" not in args.skip:
        data = common.make_circles_data()
        print(f"Tiny 2-4-4-1, Adam 0.01, batch 32, {tiny_epochs} epochs of 800 ({data['source']})")
        for flat in (False, True):
            for n in threads:
                with blas_threads(n):
                    r = bench_tiny(data, tiny_epochs, flat)
                name = "tuned-flat" if flat else "tuned"
                label = "1 thread" if n == 1 else "default threads"
                print(f"  numpy {name:10s} {label:15s}: total {r['total_s']:.3f} s = "
                      f"{r['step_ms'] * 1000:.1f} us/step (final epoch loss {r['final_loss']:.4f})")
                if args.json:
                    common.emit_json({"net": "tiny", "variant": name,
                                      "threads": n or "default", **r})


if __name__ == "__main__":
    main()
