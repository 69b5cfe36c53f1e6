"""Embedding: integer ids -> rows of a trainable matrix (Keras 2's keras.layers.embeddings)."""

from __future__ import annotations

from ...framework import dtypes
from ...nn.embedding_ops import embedding_lookup
from ...ops import array_ops as A
from ...ops import math_ops as M
from .. import constraints, initializers, regularizers
from ..engine import Layer


class Embedding(Layer):
    """Looks up each id of a (batch, ...) integer input in ``embeddings`` [input_dim,
    output_dim]. ``mask_zero=True`` masks the steps whose id is 0 (the padding), for the
    recurrent layers and the loss downstream.

    >>> Embedding(10000, 64, mask_zero=True, input_length=200)   # (None, 200) -> (None, 200, 64)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and \
                input_length is not None:
            lengths = input_length if isinstance(input_length, (list, tuple)) else \
                [input_length]
            kwargs["input_shape"] = tuple(lengths)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(input_dim) <= 0 or int(output_dim) <= 0:
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive, received "
                             f"input_dim = {input_dim} and output_dim = {output_dim} "
                             f"(layer {self.name!r})")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length

    def build(self, input_shape) -> None:
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs if inputs.dtype.is_integer else A.cast(inputs, dtypes.int32)
        return embedding_lookup(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        return M.not_equal(inputs, A.zeros_like(inputs)) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.input_length is not None:
            lengths = self.input_length if isinstance(self.input_length, (list, tuple)) else \
                [self.input_length]
            if len(lengths) != len(shape) - 1:
                raise ValueError(f'"input_length" is {self.input_length}, but received input '
                                 f"has shape {shape} (layer {self.name!r})")
            for given, got in zip(lengths, shape[1:]):
                if given is not None and got is not None and int(given) != int(got):
                    raise ValueError(f'"input_length" is {self.input_length}, but received '
                                     f"input has shape {shape} (layer {self.name!r})")
            shape = (shape[0],) + tuple(g if g is not None else d
                                        for g, d in zip(lengths, shape[1:]))
        return shape + (self.output_dim,)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(input_dim=self.input_dim, output_dim=self.output_dim,
                   embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                   embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer),
                   embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                   mask_zero=self.mask_zero, input_length=self.input_length)
        return cfg
