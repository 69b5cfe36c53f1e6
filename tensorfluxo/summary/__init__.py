"""tf.summary: summaries for TensorBoard and the FileWriter that writes them."""

from tensorfluxo.summary.writer import FileWriter as FileWriter
