"""TF's checkpoint ops (SaveV2, RestoreV2 and the file-name ops around them) as graph ops.

A meta graph names the Saver's nodes in its SaverDef: tensorfluxo writes them when it exports a
Saver (so TensorFlow's ``import_meta_graph`` finds them), and runs them when a meta graph written
by TensorFlow is imported and its ``save/restore_all`` op is run with a file name fed.
"""

from __future__ import annotations

import re

import numpy as np

from ..framework import dtypes
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from . import checkpoint_io


def _text(v) -> str:
    v = np.asarray(v).reshape(-1)[0] if np.ndim(v) else np.asarray(v).item()
    return v.decode() if isinstance(v, bytes) else str(v)


def _names(names, slices) -> list[str]:
    out = [_text(n) for n in np.asarray(names).reshape(-1)]
    for s in np.asarray(slices).reshape(-1):
        if _text(s):
            raise ValueError(f"Partitioned variables (shape_and_slices {_text(s)!r}) are not "
                             "supported by tensorfluxo's SaveV2/RestoreV2")
    return out


def _save(prefix, names, slices, *tensors, dtypes=None):
    checkpoint_io.write_bundle(_text(prefix), dict(zip(_names(names, slices), tensors)))


def _restore_bind(op, session):
    want = op.attrs["dtypes"]

    def run(prefix, names, slices):
        path = _text(prefix)
        with checkpoint_io.BundleReader(path) as reader:
            out = []
            for name, dt in zip(_names(names, slices), want):
                value = reader.get_tensor(name)
                if value.dtype != dt.np:
                    raise TypeError(f"RestoreV2 '{op.name}': '{name}' in {path} has dtype "
                                    f"{value.dtype}, expected {dt.name}")
                out.append(value)
        return out[0] if len(out) == 1 else tuple(out)  # one output: the array itself
    return run


def _sharded_filename(base, shard, num_shards):
    return np.array(f"{_text(base)}-{int(shard):05d}-of-{int(num_shards):05d}".encode(),
                    dtype=object)


def _merge(prefixes, dest, **unused):
    # Non-sharded saves write the final files directly: merging one prefix into itself is a
    # no-op; several temporary shards are not produced by tensorfluxo.
    srcs = [_text(p) for p in np.asarray(prefixes).reshape(-1)]
    if srcs != [_text(dest)]:
        values = {}
        for p in srcs:
            values.update(checkpoint_io.read_bundle(p))
        checkpoint_io.write_bundle(_text(dest), values)


def _scalar_string(op):
    return dtypes.string, TensorShape([])


defop("SaveV2", infer=lambda op: [], kernel=_save, stateful=True, not_differentiable=True)
defop("RestoreV2", infer=lambda op: [(dt, TensorShape(None)) for dt in op.attrs["dtypes"]],
      bind=_restore_bind, stateful=True, not_differentiable=True)
defop("StringJoin", infer=_scalar_string, not_differentiable=True,
      kernel=lambda *xs, separator="", N=None: np.array(
          separator.join(_text(x) for x in xs).encode(), dtype=object))
defop("ShardedFilename", infer=_scalar_string, kernel=_sharded_filename,
      not_differentiable=True)
# TF's sharded savers test the prefix against "^s3://.*" (where to write temporary files).
defop("StaticRegexFullMatch", infer=lambda op: (dtypes.bool, op.inputs[0].shape),
      not_differentiable=True, kernel=lambda x, pattern: np.vectorize(
          lambda v: re.fullmatch(pattern, _text(v)) is not None, otypes=[bool])(x))
defop("MergeV2Checkpoints", infer=lambda op: [], kernel=_merge, stateful=True,
      not_differentiable=True)


def saver_nodes(writer, variables: dict, scope: str) -> dict:
    """Writes a Saver's nodes for ``variables`` {checkpoint key: variable} under ``scope``
    into a GraphDef being exported (framework/graph_io._Writer); returns the SaverDef names."""
    keys = sorted(variables)
    string = np.array
    n = scope + "/"
    w = writer
    default = w.const(n + "filename/input", string(b"model", dtype=object))
    fname = w.node(n + "filename", "PlaceholderWithDefault", [default],
                   {"dtype": dtypes.string, "shape": TensorShape([])})
    const = w.node(n + "Const", "PlaceholderWithDefault", [fname],
                   {"dtype": dtypes.string, "shape": TensorShape([])})
    names = string([k.encode() for k in keys], dtype=object).reshape(len(keys))
    empty = string([b""] * len(keys), dtype=object).reshape(len(keys))
    var_inputs = [w.tensors[variables[k]] for k in keys]
    var_dtypes = [variables[k].dtype for k in keys]
    save = w.node(n + "SaveV2", "SaveV2",
                  [const, w.const(n + "SaveV2/tensor_names", names),
                   w.const(n + "SaveV2/shape_and_slices", empty), *var_inputs],
                  {"dtypes": _dtype_list(var_dtypes)})
    control = w.node(n + "control_dependency", "Identity", [const, "^" + save],
                     {"T": dtypes.string})
    restore = w.node(n + "RestoreV2", "RestoreV2",
                     [const, w.const(n + "RestoreV2/tensor_names", names),
                      w.const(n + "RestoreV2/shape_and_slices", empty)],
                     {"dtypes": _dtype_list(var_dtypes)})
    assigns = []
    for i, k in enumerate(keys):
        var = variables[k]
        assigns.append(w.node(n + "Assign", "Assign",
                              [w.tensors[var], restore if i == 0 else f"{restore}:{i}"],
                              {"T": var.dtype, "validate_shape": True, "use_locking": True}))
    restore_all = w.node(n + "restore_all", "NoOp", ["^" + a for a in assigns])
    return {"filename_tensor_name": const + ":0", "save_tensor_name": control + ":0",
            "restore_op_name": restore_all}


def _dtype_list(dts):
    from ..framework.graph_io import TFList
    return TFList(dts)
