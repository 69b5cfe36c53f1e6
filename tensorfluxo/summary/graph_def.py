"""A tensorfluxo Graph as a GraphDef protobuf (tensorboard's messages) for the Graphs tab.

Each op becomes a NodeDef with its full name (name scopes are what TensorBoard groups by), type,
inputs ("op" for output 0, "op:1", "^op" for control inputs), simple attrs and the
`_output_shapes` TensorBoard shows on edges. Large constants keep only dtype and shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorfluxo.framework import dtypes
from tensorfluxo.framework.tensor_shape import TensorShape

MAX_CONST_ELEMENTS = 64  # bigger Const values are summarised by dtype and shape

_DT_NAMES = {"float16": "DT_HALF", "float32": "DT_FLOAT", "float64": "DT_DOUBLE"}


def _dtype_enum(dtype: dtypes.DType) -> int:
    from tensorboard.compat.proto import types_pb2

    return types_pb2.DataType.Value(_DT_NAMES.get(dtype.name, "DT_" + dtype.name.upper()))


def _shape_proto(shape: TensorShape):
    from tensorboard.compat.proto import tensor_shape_pb2

    dims = shape.as_tuple()
    if dims is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in dims]
    )


def _tensor_proto(value: np.ndarray):
    from tensorboard.compat.proto import tensor_pb2

    dtype = dtypes.as_dtype(value.dtype)
    proto = tensor_pb2.TensorProto(
        dtype=_dtype_enum(dtype), tensor_shape=_shape_proto(TensorShape(value.shape))
    )
    if value.size <= MAX_CONST_ELEMENTS:
        if dtype is dtypes.string:
            proto.string_val.extend(
                v if isinstance(v, bytes) else str(v).encode("utf-8") for v in value.flat
            )
        else:
            little_endian = value.astype(value.dtype.newbyteorder("<"), copy=False)
            proto.tensor_content = little_endian.tobytes()
    return proto


def _attr_value(value: Any):
    """An AttrValue for the attr kinds TensorBoard displays, or None to leave the attr out."""
    from tensorboard.compat.proto import attr_value_pb2

    attr = attr_value_pb2.AttrValue
    if isinstance(value, dtypes.DType):
        return attr(type=_dtype_enum(value))
    if isinstance(value, TensorShape):
        return attr(shape=_shape_proto(value))
    if isinstance(value, np.ndarray):
        return attr(tensor=_tensor_proto(value))
    if isinstance(value, (bool, np.bool_)):
        return attr(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return attr(i=int(value))
    if isinstance(value, (float, np.floating)):
        return attr(f=float(value))
    if isinstance(value, (str, bytes)):
        return attr(s=value if isinstance(value, bytes) else value.encode("utf-8"))
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return attr(list=attr.ListValue(i=[int(v) for v in value]))
    return None  # Python objects (initializers, callables...) have no GraphDef form


def graph_to_graph_def(graph, add_shapes: bool = True):
    """The GraphDef of `graph` (a tensorfluxo Graph) as of now."""
    from tensorboard.compat.proto import graph_pb2, node_def_pb2

    graph_def = graph_pb2.GraphDef()
    for op in graph.get_operations():
        node = node_def_pb2.NodeDef(name=op.name, op=op.type)
        node.input.extend(t.op.name if t.value_index == 0 else t.name for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs)
        for key, value in op.attrs.items():
            attr = _attr_value(value)
            if attr is not None:
                node.attr[key].CopyFrom(attr)
        if add_shapes and op.outputs:
            shapes = [_shape_proto(t.shape) for t in op.outputs]
            node.attr["_output_shapes"].list.shape.extend(shapes)
        graph_def.node.append(node)
    return graph_def
