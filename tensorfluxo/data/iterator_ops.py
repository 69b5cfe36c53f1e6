"""Iterators over datasets: ``initializer`` and ``get_next`` are graph ops.

An iterator's Python state (the element stream) lives in the session's ``RunState.resources``,
keyed by the iterator, so two sessions iterate independently and closing a session frees it.
``MakeIterator`` takes the dataset's captured tensors as inputs: running it evaluates them (with
the feeds given to that run) and starts a new stream. ``IteratorGetNext`` pulls the next element
and raises OutOfRangeError at the end. A one-shot iterator's ``get_next`` starts the stream itself
on its first run.
"""

from __future__ import annotations

from ..framework import errors, nest
from ..framework.ops import Operation, apply_op, get_default_graph
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from .dataset_ops import Dataset, Structured, _Leaf, _pairs, make_stream, to_user


class _Handle:
    """The identity of one iterator (the key of its stream in a session's resources)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<iterator {self.name}>"


def _start(state, handle, dataset, caps, values):
    state.resources[handle] = make_stream(dataset, state, dict(zip(caps, values)))


def _make_iterator_bind(op, state):
    handle, ds = op.attrs["handle"], op.attrs["dataset"]
    caps = list(op.inputs)

    def run(*values):
        _start(state, handle, ds, caps, values)
    return run


def _get_next_bind(op, state):
    handle, ds = op.attrs["handle"], op.attrs["dataset"]
    caps = list(op.inputs)
    n_out = len(op.outputs)

    def run(*values):
        stream = state.resources.get(handle)
        if stream is None:
            if not op.attrs["one_shot"]:
                raise errors.FailedPreconditionError(
                    None, op, f"GetNext() failed because the iterator '{handle.name}' has not "
                    "been initialized. Ensure that you have run the initializer operation for "
                    "this iterator before getting the next element.")
            _start(state, handle, ds, caps, values)
            stream = state.resources[handle]
        try:
            element = next(stream)
        except StopIteration:
            raise errors.OutOfRangeError(None, op, "End of sequence") from None
        except errors.OpError as e:  # a dataset error: name the iterator op that ran it
            raise type(e)(None, op, f"{e.message}\n  while getting the next element of "
                          f"'{op.name}'") from e
        return element[0] if n_out == 1 else element
    return run


def _get_next_infer(op):
    return list(op.attrs["specs"])


defop("MakeIterator", infer=lambda op: [], bind=_make_iterator_bind, stateful=True,
      not_differentiable=True)
defop("IteratorGetNext", infer=_get_next_infer, bind=_get_next_bind, stateful=True,
      not_differentiable=True)


class Iterator(Structured):
    """``tf.data.Iterator``: ``get_next()`` gives tensors that yield the next element per run."""

    def __init__(self, spec, dataset: Dataset | None, one_shot: bool, name: str):
        self._spec = spec
        self._dataset = dataset
        self._one_shot = one_shot
        graph = get_default_graph()
        self._graph = graph
        self._handle = _Handle(graph.unique_name(name))
        self._initializer = None if one_shot or dataset is None else self.make_initializer(dataset)

    @classmethod
    def _one_shot(cls, dataset: Dataset) -> Iterator:
        return cls(dataset._spec, dataset, True, "OneShotIterator")

    @classmethod
    def _initializable(cls, dataset: Dataset) -> Iterator:
        return cls(dataset._spec, dataset, False, "Iterator")

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None) -> Iterator:
        """An iterator for any dataset of this structure; ``make_initializer(ds)`` switches it
        to ``ds`` (train and validation sets through one ``get_next``)."""
        from ..framework import dtypes
        types = nest.map_structure(dtypes.as_dtype, output_types)
        flat_t = nest.flatten(types)
        if output_shapes is None:
            flat_s = [TensorShape(None)] * len(flat_t)
        else:
            from .dataset_ops import _flat_shapes
            flat_s = _flat_shapes(output_shapes, len(flat_t))
        spec = nest.pack_sequence_as(types, [_Leaf(t, s) for t, s in zip(flat_t, flat_s)])
        return Iterator(spec, None, False, "Iterator")

    @staticmethod
    def from_string_handle(*args, **kwargs):
        raise errors.UnimplementedError(
            None, None, "Iterator.from_string_handle is not supported; use "
            "Iterator.from_structure(...).make_initializer(dataset) to switch datasets")

    @property
    def initializer(self) -> Operation:
        if self._one_shot:
            raise ValueError("A one-shot iterator has no initializer: it starts on its first "
                             "get_next(). Use dataset.make_initializable_iterator().")
        if self._initializer is None:
            raise ValueError("This iterator was created by Iterator.from_structure: use "
                             "iterator.make_initializer(dataset)")
        return self._initializer

    # ---- ops -------------------------------------------------------------------------------
    def make_initializer(self, dataset: Dataset, name=None) -> Operation:
        """An op that (re)starts this iterator on ``dataset``."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer expects a Dataset, got {dataset!r}")
        mine = [(leaf.dtype, leaf.shape) for leaf in nest.flatten(self._spec)]
        theirs = _pairs(dataset)
        if not nest.same_structure(self._spec, dataset._spec) or len(mine) != len(theirs) or \
                any(a[0] is not b[0] or not a[1].is_compatible_with(b[1])
                    for a, b in zip(mine, theirs)):
            raise TypeError(
                f"Expected output types/shapes {self._describe(self._spec)} but got dataset "
                f"with output types/shapes {self._describe(dataset._spec)} ({dataset!r})")
        caps = dataset.all_captures()
        with self._graph.as_default():
            return apply_op("MakeIterator", caps, {"handle": self._handle, "dataset": dataset},
                            name=name or "MakeIterator", graph=self._graph)

    @staticmethod
    def _describe(spec) -> str:
        return str(nest.map_structure(lambda leaf: f"{leaf.dtype.name}{leaf.shape}", spec))

    def get_next(self, name=None):
        """Tensors holding the next element each time they are run (OutOfRangeError at the
        end)."""
        pairs = [(leaf.dtype, leaf.shape) for leaf in nest.flatten(self._spec)]
        ds = self._dataset
        caps = ds.all_captures() if self._one_shot else []
        with self._graph.as_default():
            outs = apply_op("IteratorGetNext", caps,
                            {"handle": self._handle, "dataset": ds, "one_shot": self._one_shot,
                             "specs": tuple(pairs)},
                            name=name or "IteratorGetNext", graph=self._graph)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        return to_user(nest.pack_sequence_as(self._spec, outs))

    def string_handle(self, name=None):
        return self.from_string_handle()


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """``tf.compat.v1.data.make_one_shot_iterator(dataset)``."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset: Dataset, shared_name=None) -> Iterator:
    """``tf.compat.v1.data.make_initializable_iterator(dataset)``."""
    return dataset.make_initializable_iterator()


def get_output_types(dataset_or_iterator):
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    return dataset_or_iterator.output_shapes
