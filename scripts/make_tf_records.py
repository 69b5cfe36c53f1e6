"""Make and cross-check the TensorFlow reference TFRecord files in tests/data/tfrecord/.

Needs the real TensorFlow (never a dependency of tensorfluxo): run it from a throwaway venv,
``/tmp/tfvenv/bin/python scripts/make_tf_records.py [write|check]``. Not run in CI.

  write   TensorFlow writes examples.tfrecord and examples.tfrecord.gz (GZIP) holding the
          Examples of ``reference_examples()``; tests/data/test_records.py reads them back.
  check   tensorfluxo writes the same Examples (plain, GZIP, ZLIB) and TensorFlow reads them with
          tf.data.TFRecordDataset + tf.io.parse_single_example; prints "check: N passed, 0 failed".
"""

import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "tests", "data", "tfrecord")


def reference_examples() -> list:
    """Feature dicts: name -> (kind, values)."""
    return [{"x": ("float", [i + 0.25, -i * 1.5]), "label": ("int64", [i]),
             "name": ("bytes", [f"item{i}".encode()]), "tags": ("int64", list(range(i)))}
            for i in range(4)]


def _proto(tf, feats):
    f = {}
    for key, (kind, vals) in feats.items():
        if kind == "float":
            f[key] = tf.train.Feature(float_list=tf.train.FloatList(value=vals))
        elif kind == "int64":
            f[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=vals))
        else:
            f[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=vals))
    return tf.train.Example(features=tf.train.Features(feature=f))


def write() -> None:
    import tensorflow as tf
    os.makedirs(OUT, exist_ok=True)
    for name, opts in [("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP")]:
        with tf.io.TFRecordWriter(os.path.join(OUT, name), opts) as w:
            for feats in reference_examples():
                w.write(_proto(tf, feats).SerializeToString())
    print("wrote", OUT)


def check() -> None:
    sys.path.insert(0, ROOT)
    import tensorflow as tf

    import tensorfluxo as tfx
    passed = failed = 0
    with tempfile.TemporaryDirectory() as d:
        for comp in ("", "GZIP", "ZLIB"):
            path = os.path.join(d, f"ours{comp}.tfrecord")
            with tfx.io.TFRecordWriter(path, comp or None) as w:
                for feats in reference_examples():
                    w.write(_proto(tfx, feats).SerializeToString())
            spec = {"x": tf.io.FixedLenFeature([2], tf.float32),
                    "label": tf.io.FixedLenFeature([], tf.int64),
                    "name": tf.io.FixedLenFeature([], tf.string),
                    "tags": tf.io.VarLenFeature(tf.int64)}
            ds = tf.data.TFRecordDataset(path, compression_type=comp).map(
                lambda r, spec=spec: tf.io.parse_single_example(r, spec))
            for i, (el, feats) in enumerate(zip(ds, reference_examples())):
                ok = (np.allclose(el["x"].numpy(), feats["x"][1]) and
                      int(el["label"]) == feats["label"][1][0] and
                      el["name"].numpy() == feats["name"][1][0] and
                      list(tf.sparse.to_dense(el["tags"]).numpy()) == feats["tags"][1])
                passed += ok
                failed += not ok
                if not ok:
                    print(f"FAILED: {comp or 'plain'} record {i}")
    print(f"check: {passed} passed, {failed} failed")


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1] if len(sys.argv) > 1 else "write"]()
