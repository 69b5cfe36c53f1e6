"""tf.data.experimental: the helpers tutorials use (make_csv_dataset, AUTOTUNE)."""

from __future__ import annotations

import csv
import glob

from ..framework import dtypes
from .dataset_ops import AUTOTUNE, Dataset

__all__ = ["AUTOTUNE", "make_csv_dataset"]


def _infer_type(texts: list) -> dtypes.DType:
    def all_parse(kind):
        try:
            for t in texts:
                if t != "":
                    kind(t)
            return True
        except ValueError:
            return False
    if all_parse(int):
        return dtypes.int32
    if all_parse(float):
        return dtypes.float32
    return dtypes.string


def make_csv_dataset(file_pattern, batch_size: int, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim: str = ",",
                     use_quote_delim: bool = True, na_value: str = "", header: bool = True,
                     num_epochs=None, shuffle: bool = True, shuffle_buffer_size: int = 10000,
                     shuffle_seed=None, prefetch_buffer_size=None, num_parallel_reads=None,
                     sloppy=False, num_rows_for_inference: int = 100, compression_type=None,
                     ignore_errors: bool = False) -> Dataset:
    """Batches of ``(features, label)`` from CSV files: ``features`` maps column names to
    batched tensors; column types are inferred from the first rows unless
    ``column_defaults`` gives them."""
    from ..io.parsing_ops import decode_csv
    from .readers import TextLineDataset
    patterns = [file_pattern] if isinstance(file_pattern, str) else list(file_pattern)
    files = sorted(f for p in patterns for f in glob.glob(p))
    if not files:
        raise ValueError(f"make_csv_dataset: no files match {file_pattern!r}")
    with open(files[0], newline="") as f:
        rows = list(csv.reader(f, delimiter=field_delim))[:num_rows_for_inference + 1]
    if column_names is None:
        if not header:
            raise ValueError("make_csv_dataset: give column_names when the files have no header")
        column_names = rows[0]
    body = rows[1:] if header else rows
    names = list(column_names)
    if select_columns is not None:
        idx = [names.index(c) if isinstance(c, str) else int(c) for c in select_columns]
    else:
        idx = list(range(len(names)))
    if column_defaults is None:
        types = [_infer_type([r[i] for r in body if i < len(r)]) for i in idx]
        defaults = [[""] if t is dtypes.string else [t.np.type(0)] for t in types]
    else:
        defaults = list(column_defaults)
    picked = [names[i] for i in idx]
    if label_name is not None and label_name not in picked:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not a column "
                         f"({picked})")

    def lines(path):
        ds = TextLineDataset(path, compression_type=compression_type)
        return ds.skip(1) if header else ds

    ds = Dataset.from_tensor_slices(files).flat_map(lines) if len(files) > 1 else lines(files[0])
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)

    def parse(batch):
        cols = decode_csv(batch, defaults, field_delim=field_delim,
                          use_quote_delim=use_quote_delim, na_value=na_value,
                          select_cols=idx if select_columns is not None else None)
        features = dict(zip(picked, cols))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label
    return ds.batch(batch_size).map(parse)
