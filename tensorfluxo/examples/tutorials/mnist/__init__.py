"""tf.examples.tutorials.mnist: ``from tensorfluxo.examples.tutorials.mnist import input_data``."""

from tensorfluxo.examples.tutorials.mnist import input_data as input_data
