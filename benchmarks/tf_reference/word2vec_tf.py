"""TensorFlow side of word2vec.py: the same skip-gram model under tf.compat.v1 (graph mode).
Prints one JSON line."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import word2vec  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--case", default="nce-sgd")
for name, default in (("vocab", 50_000), ("dim", 128), ("batch", 128), ("num-sampled", 64),
                      ("steps", 200), ("warmup", 20)):
    p.add_argument("--" + name, type=int, default=default)
args = p.parse_args()

tf = common.import_tf("tensorflow")
result = word2vec.train(tf, common.read_data(args.data, args.source), args.case, args.vocab,
                        args.dim, args.batch, args.num_sampled, args.steps, args.warmup)
common.emit_json({"module": "tensorflow " + (getattr(tf, "VERSION", None) or tf.__version__),
                  **result})
