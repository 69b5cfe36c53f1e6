"""tf.nn.embedding_lookup (one table or a partitioned list of shards) and
tf.nn.embedding_lookup_sparse (combined embeddings of a SparseTensor of ids per row)."""

from __future__ import annotations

from ..framework import dtypes
from ..framework.ops import convert_to_tensor, name_scope
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops._util import dims, rank


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows of ``params`` for each id in ``ids``: ``params`` is a tensor or a list of shards
    (a partitioned table) whose rows are dealt out by ``partition_strategy``: "mod" (id lives
    in shard ``id % n``) or "div" (consecutive ids per shard, the first ``size % n`` shards one
    longer). ``max_norm`` clips each looked-up row to that L2 norm. The gradient of each
    shard is an IndexedSlices: optimizers update only the rows looked up."""
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Need at least one param")
        params = list(params)
    else:
        params = [params]
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    with name_scope(name, "embedding_lookup"):
        params = [convert_to_tensor(p) for p in params]
        ids = convert_to_tensor(ids)
        if ids.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"ids must be int32 or int64, got {ids.dtype.name} ({ids.name})")
        if len(params) == 1:
            return _clip_rows(A.gather(params[0], ids), max_norm, rank(ids))
        return _partitioned_lookup(params, ids, partition_strategy, max_norm)


def _partitioned_lookup(params, ids, strategy, max_norm):
    # TF's way: each id goes to its shard (DynamicPartition), each shard is gathered (so each
    # shard's gradient is an IndexedSlices), the rows are put back in order (DynamicStitch).
    n = len(params)
    flat = A.reshape(ids, [-1])
    if strategy == "mod":
        shard, row = M.floormod(flat, n), M.floordiv(flat, n)
    else:
        sizes = [dims(p)[0] if dims(p) else None for p in params]
        if None in sizes:
            raise ValueError("embedding_lookup with partition_strategy='div' needs shards whose "
                             f"first dimension is known, got {[str(p.shape) for p in params]}")
        per, extras = sum(sizes) // n, sum(sizes) % n
        # the first `extras` shards hold per + 1 ids, the others per
        shard = M.maximum(M.floordiv(flat, per + 1), M.floordiv(flat - extras, max(per, 1)))
        row = M.where(M.less(shard, extras), M.floormod(flat, per + 1),
                      M.floormod(flat - extras, max(per, 1)))
    shard = A.cast(shard, dtypes.int32)
    rows = A.dynamic_partition(row, shard, n)
    where = A.dynamic_partition(A.range(A.size(flat)), shard, n)
    parts = [_clip_rows(A.gather(p, r), max_norm, 1) for p, r in zip(params, rows)]
    out = A.dynamic_stitch(where, parts)
    dim = params[0].shape[1:]
    if dim.is_fully_defined() and ids.shape.rank is not None and ids.shape.is_fully_defined():
        return A.reshape(out, ids.shape.as_list() + dim.as_list())
    return A.reshape(out, A.concat([A.shape(ids), A.shape(params[0])[1:]], 0))


def _clip_rows(x, max_norm, ids_rank):
    """Each looked-up row (the dimensions after the ids') scaled down to L2 norm max_norm."""
    if max_norm is None:
        return x
    axes = list(range(ids_rank, rank(x))) if ids_rank is not None and rank(x) is not None else -1
    norm = M.sqrt(M.reduce_sum(M.square(x), axis=axes, keepdims=True))
    mx = A.constant(max_norm, dtype=x.dtype)
    return x * mx / M.maximum(norm, mx)



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
