"""TensorFlow side of cnn.py: the same LeNet program under tf.compat.v1 (graph + Session).

Run by `cnn.py --compare PYTHON` with an interpreter that has tensorflow; prints one JSON line.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import cnn  # noqa: E402
import common  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--batch", type=int, default=64)
p.add_argument("--steps", type=int, default=200)
p.add_argument("--warmup", type=int, default=20)
args = p.parse_args()

tf = common.import_tf("tensorflow", graph_mode=True)
result = cnn.train_cnn(tf, common.read_data(args.data, args.source), args.batch, args.steps,
                       args.warmup)
common.emit_json({"module": "tensorflow " + tf.VERSION, **result})
