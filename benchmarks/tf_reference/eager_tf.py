"""TensorFlow side of eager.py: the same small ops and tape loops on TF 2.x. Prints one JSON
line."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import eager  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--data", required=True, help=".npz written by the parent (same data both sides)")
p.add_argument("--source", default="?")
p.add_argument("--steps", type=int, default=2500)
p.add_argument("--repeats", type=int, default=20000)
args = p.parse_args()

result = eager.run("tensorflow", common.read_data(args.data, args.source), args.steps,
                   args.repeats)
import tensorflow  # noqa: E402  (already imported by run; only for the version string)

common.emit_json({"module": "tensorflow " + tensorflow.__version__, **result})
