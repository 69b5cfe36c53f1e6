"""Make and cross-check the TensorFlow reference checkpoints in tests/data/checkpoints/.

Needs the real TensorFlow, which is never a dependency of tensorfluxo: run it with a throwaway
environment, e.g. ``/tmp/tfvenv/bin/python scripts/make_tf_checkpoints.py``. Not run in CI.

  write   (default) TensorFlow's tf.compat.v1 Saver writes tests/data/checkpoints/tf_vars.ckpt.*
          and NumPy writes the same values to expected.npz, which the tests compare with.
  check   tensorfluxo's writer makes bundles (one shard, the alternate two-shard layout, many
          small table blocks) and TensorFlow reads them with tf.train.load_checkpoint and with a
          tf.compat.v1 Saver restore into an equivalent graph; then a checkpoint made by
          tensorfluxo's tf.train.Saver is found by TF's latest_checkpoint and restored by TF's
          Saver; prints "check: N passed, 0 failed".
"""

import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "tests", "data", "checkpoints")


def reference_values() -> dict:
    """Small tensors covering the dtypes, ranks and names a checkpoint must carry."""
    rng = np.random.RandomState(0)
    values = {
        "scalar": np.float32(3.5),
        "layer1/weights": rng.randn(3, 4).astype(np.float32),
        "layer1/bias": np.linspace(-1, 1, 5),
        "global_step": np.int64(123456789012),
        "deep/scope/ids": np.arange(-6, 6, dtype=np.int64).reshape(2, 3, 2),
        "int32s": np.array([1, -2, 2**31 - 1, -(2**31)], np.int32),
        "flags": np.array([[True, False], [False, True]]),
        "halves": np.array([0.5, -2.0, 65504.0], np.float16),
        "bytes_u8": np.array([0, 1, 254, 255], np.uint8),
        "names": np.array([b"ab", b"", "ação".encode()], dtype=object),
        "empty": np.zeros((0, 3), np.float32),
    }
    for i in range(20):  # more than 16 keys: the index block gets a second restart point
        values[f"many/v{i:02d}"] = np.float32(i) * 0.25
    return values


def build_graph(tf1, values: dict):
    """A graph with one variable per value, named as the keys; returns the variables."""
    variables = []
    for name, value in values.items():
        dtype = tf1.string if np.asarray(value).dtype == object else None
        variables.append(tf1.Variable(value.tolist() if dtype else value, name=name,
                                      dtype=dtype))
    return variables


def write() -> None:
    import tensorflow as tf
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    values = reference_values()
    os.makedirs(OUT, exist_ok=True)
    with tf1.Graph().as_default():
        build_graph(tf1, values)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            saver.save(sess, os.path.join(OUT, "tf_vars.ckpt"), write_meta_graph=False,
                       write_state=False)
    np.savez(os.path.join(OUT, "expected.npz"),
             **{k: np.asarray(v, dtype="S") if np.asarray(v).dtype == object else v
                for k, v in values.items()})
    print("wrote", sorted(os.listdir(OUT)))


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.all(a == b))


def check() -> int:
    import tensorflow as tf
    sys.path.insert(0, ROOT)
    from tensorfluxo.train import checkpoint_io

    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    values = reference_values()
    passed = failed = 0

    def expect(ok: bool, what: str) -> None:
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            print("FAILED:", what)

    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "saver"))
        for label, block_size, saves in (("one shard", None, 1), ("two shards", None, 2),
                                         ("64-byte blocks", 64, 1)):
            prefix = os.path.join(tmp, label.replace(" ", "_"), "ours.ckpt")
            for _ in range(saves):  # the second save to a prefix uses the other layout
                kwargs = {"_block_size": block_size} if block_size else {}
                checkpoint_io.write_bundle(prefix, values, **kwargs)
            reader = tf.train.load_checkpoint(prefix)
            expect(sorted(reader.get_variable_to_shape_map()) == sorted(values),
                   f"{label}: variable names")
            for name, value in values.items():
                expect(same(reader.get_tensor(name), value), f"{label}: load_checkpoint {name}")
            with tf1.Graph().as_default():
                blank = {k: np.full_like(v, b"" if np.asarray(v).dtype == object else 0)
                         for k, v in values.items()}
                variables = build_graph(tf1, blank)
                with tf1.Session() as sess:
                    tf1.train.Saver().restore(sess, prefix)  # no initializer: restore sets all
                    for (name, value), got in zip(values.items(), sess.run(variables)):
                        expect(same(got, value), f"{label}: Saver.restore {name}")
        # tensorfluxo's own Saver (same graph built with `import tensorfluxo as tf`), restored
        # by TensorFlow's Saver: variable names and the checkpoint state file must fit.
        import tensorfluxo as tfx
        numeric = {k: v for k, v in values.items() if np.asarray(v).dtype != object}
        with tfx.Graph().as_default():
            for name, value in numeric.items():
                tfx.Variable(value, name=name)
            with tfx.Session() as sess:
                sess.run(tfx.global_variables_initializer())
                saved = tfx.train.Saver().save(sess, os.path.join(tmp, "saver", "m.ckpt"),
                                               global_step=5, write_meta_graph=False)
        expect(tf.train.latest_checkpoint(os.path.join(tmp, "saver")) == saved,
               "TF's latest_checkpoint finds our Saver's checkpoint")
        with tf1.Graph().as_default():
            variables = build_graph(tf1, {k: np.zeros_like(v) for k, v in numeric.items()})
            with tf1.Session() as sess:
                tf1.train.Saver().restore(sess, saved)
                for (name, value), got in zip(numeric.items(), sess.run(variables)):
                    expect(same(got, value), f"tensorfluxo Saver -> TF Saver.restore {name}")
    print(f"check: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "write"
    sys.exit(check() if mode == "check" else write())
