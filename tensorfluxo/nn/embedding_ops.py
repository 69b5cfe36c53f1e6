"""tf.nn.embedding_lookup_sparse: combined embeddings of a SparseTensor of ids per row."""

from __future__ import annotations

from ..framework import dtypes
from ..framework.ops import name_scope
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops._util import rank
from ..ops.nn_ops import embedding_lookup


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy: str = "mod",
                            name=None, combiner=None, max_norm=None):
    """One combined embedding per row of the SparseTensor ``sp_ids`` [batch, max_ids]: the
    rows of ``params`` (a table or a list of shards) for the row's ids, weighted by
    ``sp_weights`` (None: weight 1) and combined by ``combiner``: "sum", "mean" (divided by
    the weights' sum; the default) or "sqrtn" (by the root of the squared weights' sum), 0 for
    a row without ids. As TF, the result has ``max(row index) + 1`` rows; the table's
    gradient is sparse.

    >>> tf.nn.embedding_lookup_sparse(table, sp_ids, None, combiner="sum")
    """
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner!r}")
    for sp, what in ((sp_ids, "sp_ids"), (sp_weights, "sp_weights")):
        if sp is not None and not (hasattr(sp, "indices") and hasattr(sp, "dense_shape")):
            raise TypeError(f"{what} must be a SparseTensor, got {type(sp).__name__}")
    with name_scope(name, "embedding_lookup_sparse"):
        rows = A.cast(sp_ids.indices[:, 0], dtypes.int32)
        ids, where = A.unique(sp_ids.values)
        found = A.gather(embedding_lookup(params, ids, partition_strategy=partition_strategy,
                                          max_norm=max_norm), where)
        r = rank(found)
        if r is None:
            raise ValueError("embedding_lookup_sparse needs params of known rank")
        n = M.reduce_max(rows) + 1
        weights = A.ones_like(A.cast(rows, found.dtype)) if sp_weights is None else \
            A.cast(sp_weights.values, found.dtype)
        total = A.unsorted_segment_sum(found * A.reshape(weights, [-1] + [1] * (r - 1)),
                                       rows, n)
        if combiner == "sum":
            return total
        norm = A.unsorted_segment_sum(weights if combiner == "mean" else M.square(weights),
                                      rows, n)
        if combiner == "sqrtn":
            norm = M.sqrt(norm)
        # a row without ids (or whose weights sum to 0) gives 0, as TF's div_no_nan
        return M.div_no_nan(total, A.reshape(norm, [-1] + [1] * (r - 1)))
