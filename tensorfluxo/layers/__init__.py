"""tf.layers: dense, dropout, batch_normalization, flatten (functions and Layer classes)."""

from .base import Layer
from .core import Dense, Dropout, Flatten, dense, dropout, flatten
from .normalization import BatchNormalization, batch_normalization

BatchNorm = BatchNormalization

__all__ = ["BatchNorm", "BatchNormalization", "Dense", "Dropout", "Flatten", "Layer",
           "batch_normalization", "dense", "dropout", "flatten"]
