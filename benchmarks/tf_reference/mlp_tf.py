"""TensorFlow side of mlp.py: the same seed-000 program under tf.compat.v1 (graph + Session).

Run by `mlp.py --compare PYTHON` with an interpreter that has tensorflow; prints one JSON line.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import mlp  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--batch", type=int, default=50)
p.add_argument("--epochs", type=int, default=3)
args = p.parse_args()

tf = common.import_tf("tensorflow", graph_mode=True)
result = mlp.train_mlp(tf, common.read_data(args.data, args.source), args.batch, args.epochs)
common.emit_json({"module": "tensorflow " + tf.VERSION, **result})
