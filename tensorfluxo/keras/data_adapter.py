"""What Keras's fit/evaluate/predict accept besides arrays: tf.data datasets, Python generators
and keras.utils.Sequence. Each becomes a source of (x, y, sample_weight) batches per epoch."""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Iterator


class Sequence:
    """``keras.utils.Sequence``: batches by index. Subclasses define ``__len__`` (batches per
    epoch) and ``__getitem__(i)``; ``on_epoch_end`` runs after each epoch."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def is_batch_source(x) -> bool:
    from ..data.dataset_ops import Dataset
    return isinstance(x, (Dataset, Sequence)) or inspect.isgenerator(x) or (
        isinstance(x, Iterator) and not hasattr(x, "shape"))


def _split(element, what: str):
    if isinstance(element, tuple):
        if len(element) == 1:
            return element[0], None, None
        if len(element) == 2:
            return element[0], element[1], None
        if len(element) == 3:
            return element
        raise ValueError(f"{what} must yield x, (x, y) or (x, y, sample_weight); got a tuple "
                         f"of {len(element)} items")
    return element, None, None


class BatchSource:
    """Batches of a dataset, generator or Sequence, epoch by epoch.

    With ``steps`` (steps_per_epoch) each epoch takes that many batches, continuing the same
    iterator (as Keras does); without it an epoch is one full pass (a dataset is restarted, a
    Sequence is read in order; a generator must then be finite)."""

    def __init__(self, x, steps, what: str, session, shuffle: bool = False):
        self.x, self.what, self.session, self.shuffle = x, what, session, shuffle
        if isinstance(x, Sequence):
            n = len(x)
            self.steps = n if steps is None else min(int(steps), n)
        else:
            self.steps = None if steps is None else int(steps)
        if self.steps is not None and self.steps <= 0:
            raise ValueError(f"{what}: steps must be positive, got {self.steps}")
        self._it = None
        self._peeked = []
        self.exhausted = False

    def _new_iterator(self):
        from ..data.dataset_ops import Dataset, iterate
        if isinstance(self.x, Dataset):
            return iterate(self.x, self.session)
        if isinstance(self.x, Sequence):
            order = list(range(len(self.x)))
            if self.shuffle:
                import random
                random.shuffle(order)
            return (self.x[i] for i in order)
        if self._it is not None:  # a generator cannot restart
            return self._it
        return iter(self.x)

    def peek(self):
        """The first batch (for building the model and its training function)."""
        if not self._peeked:
            self._it = self._new_iterator()
            try:
                self._peeked.append(_split(next(self._it), self.what))
            except StopIteration:
                raise ValueError(f"{self.what} yielded no batches") from None
        return self._peeked[0]

    def epoch(self):
        """This epoch's (x, y, sample_weight) batches."""
        from ..data.dataset_ops import Dataset
        restart = self.steps is None and not self._peeked and (
            isinstance(self.x, (Dataset, Sequence)))
        if self._it is None or restart:
            self._it = self._new_iterator()
        count = 0
        while self.steps is None or count < self.steps:
            if self._peeked:
                yield self._peeked.pop()
            else:
                try:
                    element = next(self._it)
                except StopIteration:
                    if self.steps is not None:
                        if isinstance(self.x, Dataset) and count == 0:
                            self._it = self._new_iterator()  # an epoch ended exactly here
                            continue
                        warnings.warn(f"{self.what} ran out of data after {count} of "
                                      f"{self.steps} steps; stopping (use .repeat() or a "
                                      "longer generator)", stacklevel=4)
                        self.exhausted = True
                    break
                yield _split(element, self.what)
            count += 1
        if isinstance(self.x, Sequence):
            self.x.on_epoch_end()
            self._it = None


def steps_for(n: int, batch_size: int) -> int:
    return max(1, math.ceil(n / batch_size))
