"""TensorFlow side of rnn.py: the same ch14 classifier under tf.compat.v1 with TF's TF1 cells
(from the legacy Keras package tf_keras, see rnn.py). Prints one JSON line."""

import argparse
import os
import sys
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--cell", default="rnn")
p.add_argument("--batch", type=int, default=150)
p.add_argument("--steps", type=int, default=50)
p.add_argument("--warmup", type=int, default=5)
args = p.parse_args()

# tf.compat.v1.nn.rnn_cell lives in tf_keras (legacy Keras); keras3_lstm uses TF's default Keras 3
os.environ["TF_USE_LEGACY_KERAS"] = "0" if args.cell == "keras3_lstm" else "1"
sys.path.append(os.environ.get("TF_KERAS_SITE", "/tmp/tfk_site"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import rnn  # noqa: E402

# the TF1 cells in a compat.v1 graph; the Keras LSTM in TF 2's own fit (tf.function)
tf = common.import_tf("tensorflow", graph_mode="keras" not in args.cell)
result = rnn.train(tf, common.read_data(args.data, args.source), args.cell, args.batch,
                   args.steps, args.warmup)
common.emit_json({"module": "tensorflow " + (getattr(tf, "VERSION", None) or tf.__version__),
                  **result})
