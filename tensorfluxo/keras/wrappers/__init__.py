"""tf.keras.wrappers: the scikit-learn bridge (wrappers.scikit_learn)."""

from . import scikit_learn as scikit_learn
