"""Helpers of the classic TensorFlow tutorials (tf.examples)."""
