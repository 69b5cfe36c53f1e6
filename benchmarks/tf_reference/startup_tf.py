"""TensorFlow side of startup.py: a fresh process runs `import tensorflow as tf`, builds the small
Keras model (or, with --api graph, the TF1 graph) and predicts once. Prints one JSON line.
"""

import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0])  # benchmarks/, without importing pathlib/numpy
import startup  # noqa: E402

startup.child("tensorflow", "graph" if "graph" in sys.argv[1:] else "keras")
