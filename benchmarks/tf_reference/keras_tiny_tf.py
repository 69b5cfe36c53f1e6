"""TensorFlow side of keras_tiny.py: seed 004's model through tf.keras fit (--api keras) or the
same net as a tf.compat.v1 graph + Session loop (--api session). Prints one JSON line.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import keras_tiny  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--api", default="keras", choices=["keras", "session"])
p.add_argument("--epochs", type=int, default=100)
args = p.parse_args()

result = keras_tiny.run("tensorflow", args.api, common.read_data(args.data, args.source),
                        args.epochs)
import tensorflow  # noqa: E402  (already imported by run; only for the version string)

common.emit_json({"module": "tensorflow " + tensorflow.__version__, **result})
