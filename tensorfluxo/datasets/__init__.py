"""Dataset loaders shared by tf.keras.datasets and the tutorial helpers."""
