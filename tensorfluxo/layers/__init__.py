"""tf.layers: dense, dropout, batch_normalization, flatten, convolution and pooling (functions
and Layer classes)."""

from .base import Layer
from .convolutional import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    MaxPooling1D,
    MaxPooling2D,
    SeparableConv2D,
    average_pooling1d,
    average_pooling2d,
    conv1d,
    conv2d,
    conv2d_transpose,
    max_pooling1d,
    max_pooling2d,
    separable_conv2d,
)
from .core import Dense, Dropout, Flatten, dense, dropout, flatten
from .normalization import BatchNormalization, batch_normalization

BatchNorm = BatchNormalization
Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
MaxPool1D, MaxPool2D, AveragePool1D, AveragePool2D = (MaxPooling1D, MaxPooling2D,
                                                      AveragePooling1D, AveragePooling2D)
SeparableConvolution2D = SeparableConv2D

__all__ = ["BatchNorm", "BatchNormalization", "Dense", "Dropout", "Flatten", "Layer",
           "batch_normalization", "dense", "dropout", "flatten"]
__all__ += ["AveragePool1D", "AveragePool2D", "AveragePooling1D", "AveragePooling2D", "Conv1D",
            "Conv2D", "Conv2DTranspose", "Convolution1D", "Convolution2D",
            "Convolution2DTranspose", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
            "SeparableConv2D", "SeparableConvolution2D", "average_pooling1d", "average_pooling2d",
            "conv1d", "conv2d", "conv2d_transpose", "max_pooling1d", "max_pooling2d",
            "separable_conv2d"]
