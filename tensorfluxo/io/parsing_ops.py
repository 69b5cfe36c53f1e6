"""Parsing ops: tf.io.parse_example / parse_single_example, decode_raw, decode_csv; SparseTensor.

A parse spec maps feature names to ``FixedLenFeature(shape, dtype, default_value)`` (a dense
tensor) or ``VarLenFeature(dtype)`` (a ``SparseTensor``, as in TensorFlow). Each parse is one op
whose outputs are the sparse parts (indices, values, dense_shape per VarLenFeature) followed by
the dense values; a record that does not match the spec raises InvalidArgumentError naming the
feature, the record and the types involved.
"""

from __future__ import annotations

import csv
from collections import namedtuple

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Tensor, apply_op, convert_to_tensor
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, as_shape

FixedLenFeature = namedtuple("FixedLenFeature", "shape dtype default_value",
                             defaults=(None,))
VarLenFeature = namedtuple("VarLenFeature", "dtype")
FixedLenSequenceFeature = namedtuple("FixedLenSequenceFeature",
                                     "shape dtype allow_missing default_value",
                                     defaults=(False, None))

_KINDS = {"float32": "float_list", "int64": "int64_list", "string": "bytes_list"}


class SparseTensor:
    """``tf.SparseTensor(indices, values, dense_shape)``: the non-zero entries of a tensor."""

    def __init__(self, indices, values, dense_shape):
        self.indices = convert_to_tensor(indices, dtype=dtypes.int64)
        self.values = convert_to_tensor(values)
        self.dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def graph(self):
        return self.values.graph

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices}, values={self.values}, "
                f"dense_shape={self.dense_shape})")


SparseTensorValue = namedtuple("SparseTensorValue", "indices values dense_shape")


def _to_dense_kernel(indices, values, shape, default):
    out = np.full(tuple(shape), default, dtype=values.dtype)
    if len(values):
        out[tuple(indices.T)] = values
    return out


defop("SparseToDense",
      infer=lambda op: (op.inputs[1].dtype, TensorShape(None) if op.inputs[0].shape.ndims is None
                        or op.inputs[0].shape.as_tuple()[1] is None
                        else TensorShape([None] * op.inputs[0].shape.as_tuple()[1])),
      kernel=_to_dense_kernel, not_differentiable=True)


def sparse_to_dense(sp_input: SparseTensor, default_value=None, validate_indices=True,
                    name=None) -> Tensor:
    """``tf.sparse.to_dense``: the dense tensor, with ``default_value`` (0 / b'') elsewhere."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"tf.sparse.to_dense expects a SparseTensor, got {sp_input!r}")
    dt = sp_input.dtype
    if default_value is None:
        default_value = b"" if dt is dtypes.string else 0
    default = convert_to_tensor(default_value, dtype=dt)
    return apply_op("SparseToDense", [sp_input.indices, sp_input.values, sp_input.dense_shape,
                                      default], name=name or "SparseToDense")


# ---- parse_example -----------------------------------------------------------------------------
def _check_spec(features: dict):
    if not isinstance(features, dict) or not features:
        raise ValueError("parse_example: `features` must be a non-empty dict of "
                         "FixedLenFeature / VarLenFeature")
    dense, sparse = [], []
    for key, f in sorted(features.items()):
        dt = dtypes.as_dtype(f.dtype)
        if dt.name not in _KINDS:
            raise ValueError(f"parse_example: feature '{key}' has dtype {dt.name}; Example "
                             "features are float32, int64 or string")
        if isinstance(f, FixedLenFeature):
            shape = as_shape(f.shape)
            if not shape.is_fully_defined():
                raise ValueError(f"parse_example: FixedLenFeature '{key}' needs a fully defined "
                                 f"shape, got {shape}")
            default = None if f.default_value is None else np.broadcast_to(
                np.asarray(f.default_value, dt.np), shape.as_tuple()).copy()
            dense.append((key, dt, shape.as_tuple(), default))
        elif isinstance(f, VarLenFeature):
            sparse.append((key, dt))
        else:
            raise TypeError(f"parse_example: feature '{key}' must be a FixedLenFeature or "
                            f"VarLenFeature, got {f!r}")
    return tuple(dense), tuple(sparse)


def _feature_values(example, key, dt, record):
    feats = example.features.feature
    if key not in feats:
        return None
    f = feats[key]
    kind = f.WhichOneof("kind")
    want = _KINDS[dt.name]
    if kind is None:
        return np.zeros(0, dt.np if dt is not dtypes.string else object)
    if kind != want:
        raise errors.InvalidArgumentError(
            None, None, f"Feature '{key}' of record {record} is a {kind}, but the parse spec "
            f"asks for {dt.name} ({want})")
    vals = getattr(f, kind).value
    return np.array(list(vals), dtype=object) if dt is dtypes.string else \
        np.asarray(vals, dtype=dt.np)


def _parse_kernel(serialized, dense, sparse, single):
    from .example_proto import messages
    example_cls = messages()["Example"]
    records = [serialized[()]] if single else list(np.asarray(serialized).reshape(-1))
    examples = []
    for i, r in enumerate(records):
        try:
            examples.append(example_cls.FromString(bytes(r)))
        except Exception as e:  # noqa: BLE001 - protobuf's DecodeError and friends
            raise errors.InvalidArgumentError(None, None, f"Could not parse record {i} as a "
                                              f"tf.train.Example: {e}") from None
    outs = []
    for key, dt in sparse:
        idx, vals = [], []
        longest = 0
        for i, ex in enumerate(examples):
            v = _feature_values(ex, key, dt, i)
            v = np.zeros(0, dt.np if dt is not dtypes.string else object) if v is None else v
            longest = max(longest, len(v))
            idx.extend((i, j) for j in range(len(v)))
            vals.append(v)
        values = np.concatenate(vals) if vals else np.zeros(0, dt.np)
        indices = np.asarray(idx, np.int64).reshape(-1, 2)
        if single:
            outs += [indices[:, 1:].copy(), values, np.asarray([longest], np.int64)]
        else:
            outs += [indices, values, np.asarray([len(examples), longest], np.int64)]
    for key, dt, shape, default in dense:
        rows = []
        for i, ex in enumerate(examples):
            v = _feature_values(ex, key, dt, i)
            if v is None:
                if default is None:
                    raise errors.InvalidArgumentError(
                        None, None, f"Feature '{key}' (data type: {dt.name}) is required but "
                        f"could not be found in record {i}.")
                rows.append(default)
                continue
            if v.size != int(np.prod(shape)):
                raise errors.InvalidArgumentError(
                    None, None, f"Key: {key}. Can't parse serialized Example {i}: it has "
                    f"{v.size} values, the FixedLenFeature shape {list(shape)} needs "
                    f"{int(np.prod(shape))}.")
            rows.append(v.reshape(shape))
        arr = np.stack(rows) if rows else np.zeros((0, *shape), dt.np)
        if dt is dtypes.string:
            arr = arr.astype(object)
        outs.append(arr[0] if single else arr)
    return tuple(outs)


def _parse_infer(op):
    single = op.attrs["single"]
    batch = [] if single else [op.inputs[0].shape.as_tuple()[0]
                               if op.inputs[0].shape.ndims else None]
    specs = []
    for _, dt in op.attrs["sparse"]:
        specs += [(dtypes.int64, TensorShape([None, 1 if single else 2])),
                  (dt, TensorShape([None])), (dtypes.int64, TensorShape([1 if single else 2]))]
    for _, dt, shape, _ in op.attrs["dense"]:
        specs.append((dt, TensorShape(batch + list(shape))))
    return specs


defop("ParseExample", infer=_parse_infer, kernel=_parse_kernel, not_differentiable=True)


def _parse(serialized, features, single, name):
    s = convert_to_tensor(serialized, dtype=dtypes.string)
    want = 0 if single else 1
    if s.shape.ndims is not None and s.shape.ndims != want:
        raise ValueError(f"{'parse_single_example' if single else 'parse_example'}: serialized "
                         f"must be a {'scalar' if single else 'vector'} of strings, got shape "
                         f"{s.shape} ({s.name})")
    dense, sparse = _check_spec(features)
    outs = apply_op("ParseExample", [s], {"dense": dense, "sparse": sparse, "single": single},
                    name=name or "ParseExample")
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    result = {}
    for k, (key, _) in enumerate(sparse):
        result[key] = SparseTensor(*outs[3 * k:3 * k + 3])
    for k, (key, *_) in enumerate(dense):
        result[key] = outs[3 * len(sparse) + k]
    return result


def parse_example(serialized, features: dict, name=None, example_names=None) -> dict:
    """Parses a vector of serialized Examples into a dict of batched tensors."""
    return _parse(serialized, features, False, name)


def parse_single_example(serialized, features: dict, name=None, example_names=None) -> dict:
    """Parses one serialized Example into a dict of tensors (SparseTensors for VarLenFeature)."""
    return _parse(serialized, features, True, name)


# ---- decoding ----------------------------------------------------------------------------------
def _decode_raw_kernel(b, out_type, little_endian):
    npdt = np.dtype(out_type.np).newbyteorder("<" if little_endian else ">")
    items = np.asarray(b, dtype=object).reshape(-1)
    rows = [np.frombuffer(bytes(x), dtype=npdt).astype(out_type.np) for x in items]
    if len({len(r) for r in rows}) > 1:
        raise errors.InvalidArgumentError(None, None, "DecodeRaw requires input strings to all "
                                          f"be the same size; got sizes {[len(r) for r in rows]}")
    width = len(rows[0]) if rows else 0
    return np.stack(rows).reshape(*np.shape(b), width) if rows else \
        np.zeros((*np.shape(b), 0), out_type.np)


defop("DecodeRaw",
      infer=lambda op: (op.attrs["out_type"], op.inputs[0].shape.concatenate([None])
                        if op.inputs[0].shape.ndims is not None else TensorShape(None)),
      kernel=_decode_raw_kernel, not_differentiable=True)


def decode_raw(input_bytes, out_type, little_endian: bool = True, fixed_length=None, name=None,
               bytes=None) -> Tensor:  # noqa: A002 - TensorFlow's keyword
    """Reinterprets the bytes of each string as a vector of ``out_type`` numbers."""
    t = convert_to_tensor(input_bytes if input_bytes is not None else bytes, dtype=dtypes.string)
    dt = dtypes.as_dtype(out_type)
    if dt is dtypes.string or dt.is_bool:
        raise TypeError(f"decode_raw: out_type must be a number type, got {dt.name}")
    return apply_op("DecodeRaw", [t], {"out_type": dt, "little_endian": bool(little_endian)},
                    name=name or "DecodeRaw")


def _decode_csv_kernel(records, *defaults, field_delim, use_quote_delim, na_value, select,
                       n_fields):
    recs = np.asarray(records, dtype=object)
    lines = [x.decode() if isinstance(x, bytes) else str(x) for x in recs.reshape(-1)]
    reader = csv.reader(lines, delimiter=field_delim,
                        quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)
    cols: list = [[] for _ in defaults]
    for r, row in enumerate(reader):
        if (len(row) != n_fields) if n_fields else len(row) <= max(select):
            raise errors.InvalidArgumentError(
                None, None, f"Expect {n_fields or max(select) + 1} fields but have {len(row)} in "
                f"record {r}: {lines[r]!r}")
        for c, d in enumerate(defaults):
            text = row[select[c]]
            if text == "" or text == na_value:
                if d.size == 0:
                    raise errors.InvalidArgumentError(
                        None, None, f"Field {c} is required but missing in record {r}")
                cols[c].append(d.reshape(-1)[0])
                continue
            try:
                cols[c].append(text.encode() if d.dtype == object else d.dtype.type(text))
            except ValueError:
                raise errors.InvalidArgumentError(
                    None, None, f"Field {c} in record {r} is not a valid {d.dtype}: "
                    f"{text!r}") from None
    return tuple(np.asarray(col, dtype=d.dtype).reshape(recs.shape)
                 for col, d in zip(cols, defaults))


defop("DecodeCSV",
      infer=lambda op: [(d.dtype, op.inputs[0].shape) for d in op.inputs[1:]],
      kernel=_decode_csv_kernel, not_differentiable=True)


def decode_csv(records, record_defaults, field_delim: str = ",", use_quote_delim: bool = True,
               name=None, na_value: str = "", select_cols=None) -> list:
    """Parses CSV lines: one output per column, typed by ``record_defaults`` (a list of
    one-element lists like ``[[0.0], [0], [""]]``, or empty lists for required columns)."""
    recs = convert_to_tensor(records, dtype=dtypes.string)
    defaults = []
    for i, d in enumerate(record_defaults):
        if isinstance(d, Tensor):
            defaults.append(d)
            continue
        if isinstance(d, (list, tuple)) and len(d) == 0:
            raise ValueError(f"decode_csv: record_defaults[{i}] is empty; give a dtype'd empty "
                             "tensor (tf.constant([], tf.float32)) for a required column")
        defaults.append(convert_to_tensor(d))
    select = tuple(range(len(defaults))) if select_cols is None else tuple(select_cols)
    if len(select) != len(defaults):
        raise ValueError(f"decode_csv: {len(select)} select_cols for {len(defaults)} "
                         "record_defaults")
    outs = apply_op("DecodeCSV", [recs, *defaults],
                    {"field_delim": field_delim, "use_quote_delim": bool(use_quote_delim),
                     "na_value": na_value, "select": select,
                     "n_fields": len(defaults) if select_cols is None else 0},
                    name=name or "DecodeCSV")
    return list(outs) if isinstance(outs, tuple) else [outs]
