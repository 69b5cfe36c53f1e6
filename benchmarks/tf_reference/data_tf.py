"""TensorFlow side of data.py: the same pipelines under tf.compat.v1; prints one JSON line."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import data  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--source", default="?")
p.add_argument("--batch", type=int, default=50)
p.add_argument("--epochs", type=int, default=3)
args = p.parse_args()

tf = common.import_tf("tensorflow", graph_mode=True)
result = data.run(tf, common.read_data(args.data, args.source), args.batch, args.epochs)
common.emit_json({"module": "tensorflow " + tf.VERSION, **result})
