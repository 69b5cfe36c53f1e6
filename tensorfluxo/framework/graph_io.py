"""Graph <-> GraphDef protobuf (the tensorboard package's messages, imported lazily).

Nodes keep their scoped names, op types and inputs ("x:1", "^ctrl"), so TensorBoard groups them
by name scope. Attributes are stored as TF's AttrValue where the value has a TF form (dtype,
shape, tensor, int, float, bool, string, list of ints); other attribute values (slice specs, op
references) are stored as JSON strings, never pickled, so importing a file never runs code.
"""

from __future__ import annotations

import json

import numpy as np

from . import dtypes
from .ops import Graph, Operation, Tensor, get_default_graph
from .tensor_shape import TensorShape

_JSON_PREFIX = b"tfxjson:"

# TF's DataType enum values (types.proto).
_DT_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
            "string": 7, "complex64": 8, "int64": 9, "bool": 10, "uint16": 17, "float16": 19}
_ENUM_DT = {v: k for k, v in _DT_ENUM.items()}


def dtype_enum(dt) -> int:
    return _DT_ENUM[dtypes.as_dtype(dt).name]


def enum_dtype(enum: int) -> dtypes.DType:
    try:
        return dtypes.as_dtype(_ENUM_DT[enum])
    except KeyError:
        raise ValueError(f"Unsupported TensorFlow DataType enum {enum}") from None


def _protos():
    from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_pb2, tensor_shape_pb2
    return attr_value_pb2, graph_pb2, tensor_pb2, tensor_shape_pb2


def shape_proto(shape: TensorShape):
    _, _, _, tsp = _protos()
    p = tsp.TensorShapeProto()
    dims = shape.as_tuple()
    if dims is None:
        p.unknown_rank = True
    else:
        for d in dims:
            p.dim.add(size=-1 if d is None else d)
    return p


def proto_shape(p) -> TensorShape:
    if p.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in p.dim])


def tensor_proto(value: np.ndarray):
    """A TensorProto holding ``value`` (tensor_content for numbers, string_val for strings)."""
    _, _, tp, _ = _protos()
    arr = np.asarray(value)
    p = tp.TensorProto()
    if arr.dtype.kind in "OSU":
        p.dtype = _DT_ENUM["string"]
        p.string_val.extend(x if isinstance(x, bytes) else str(x).encode()
                            for x in arr.reshape(-1))
    else:
        dt = dtypes.as_dtype(arr.dtype)
        p.dtype = _DT_ENUM[dt.name]
        p.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    p.tensor_shape.CopyFrom(shape_proto(TensorShape(arr.shape)))
    return p


def proto_tensor(p) -> np.ndarray:
    dt = enum_dtype(p.dtype)
    shape = [d.size for d in p.tensor_shape.dim]
    if dt is dtypes.string:
        return np.array(list(p.string_val), dtype=object).reshape(shape)
    n = int(np.prod(shape)) if shape else 1
    if p.tensor_content:
        arr = np.frombuffer(p.tensor_content, dtype=dt.np.newbyteorder("<"))
        if arr.size != n:
            raise ValueError(f"TensorProto holds {arr.size} values for shape {shape}")
        return arr.astype(dt.np).reshape(shape)
    field = {"float32": p.float_val, "float64": p.double_val, "int64": p.int64_val,
             "bool": p.bool_val, "float16": p.half_val}.get(dt.name, p.int_val)
    vals = np.array(list(field), dtype=dt.np)
    if vals.size == n:
        return vals.reshape(shape)
    if vals.size == 1:  # TF's compression of repeated values
        return np.full(shape, vals[0], dtype=dt.np)
    if vals.size == 0:
        return np.zeros(shape, dtype=dt.np)
    raise ValueError(f"TensorProto holds {vals.size} values for shape {shape}")


# ---- attributes ----------------------------------------------------------------------------
def _to_json(v):
    if isinstance(v, slice):
        return {"slice": [v.start, v.stop, v.step]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, dtypes.DType):
        return {"dtype": v.name}
    if isinstance(v, TensorShape):
        return {"shape": v.as_tuple() and list(v.as_tuple()), "known": v.as_tuple() is not None}
    if isinstance(v, Operation):
        return {"op": v.name}
    if isinstance(v, np.ndarray):
        return {"array": v.tolist(), "np_dtype": str(v.dtype)}
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if isinstance(v, (tuple, list)):
        return {"tuple" if isinstance(v, tuple) else "list": [_to_json(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": {k: _to_json(x) for k, x in v.items()}}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError(f"attribute value {v!r} cannot be written to a GraphDef")


def _from_json(v, graph, prefix=""):
    if isinstance(v, dict):
        if "slice" in v:
            return slice(*v["slice"])
        if "ellipsis" in v:
            return Ellipsis
        if "dtype" in v:
            return dtypes.as_dtype(v["dtype"])
        if "shape" in v:
            return TensorShape(v["shape"] if v["known"] else None)
        if "op" in v:
            return graph.get_operation_by_name(prefix + v["op"])
        if "array" in v:
            return np.array(v["array"], dtype=v["np_dtype"])
        if "tuple" in v:
            return tuple(_from_json(x, graph, prefix) for x in v["tuple"])
        if "list" in v:
            return [_from_json(x, graph, prefix) for x in v["list"]]
        if "dict" in v:
            return {k: _from_json(x, graph, prefix) for k, x in v["dict"].items()}
    return v


def _attr_value(v):
    av_pb2, _, _, _ = _protos()
    a = av_pb2.AttrValue()
    if isinstance(v, dtypes.DType):
        a.type = _DT_ENUM[v.name]
    elif isinstance(v, TensorShape):
        a.shape.CopyFrom(shape_proto(v))
    elif isinstance(v, np.ndarray):
        a.tensor.CopyFrom(tensor_proto(v))
    elif isinstance(v, bool):
        a.b = v
    elif isinstance(v, int):
        a.i = v
    elif isinstance(v, float):
        a.f = v
    elif isinstance(v, str):
        a.s = v.encode()
    else:
        a.s = _JSON_PREFIX + json.dumps(_to_json(v)).encode()
    return a


def _attr_python(a, graph, prefix=""):
    kind = a.WhichOneof("value")
    if kind == "type":
        return enum_dtype(a.type)
    if kind == "shape":
        return proto_shape(a.shape)
    if kind == "tensor":
        arr = proto_tensor(a.tensor)
        arr.setflags(write=False)
        return arr
    if kind == "b":
        return a.b
    if kind == "i":
        return a.i
    if kind == "f":
        return a.f
    if kind == "s":
        if a.s.startswith(_JSON_PREFIX):
            return _from_json(json.loads(a.s[len(_JSON_PREFIX):]), graph, prefix)
        return a.s.decode()
    if kind == "list":
        return list(a.list.i) or list(a.list.s)
    return None


# ---- graph -> GraphDef ---------------------------------------------------------------------
def _input_name(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


def graph_to_graph_def(graph: Graph, add_shapes: bool = False):
    """The GraphDef of ``graph`` (tf.Graph.as_graph_def)."""
    av_pb2, graph_pb2, _, _ = _protos()
    gd = graph_pb2.GraphDef()
    gd.versions.producer = 27
    for op in graph._ops:
        node = gd.node.add()
        node.name = op.name
        node.op = op.type
        node.input.extend(_input_name(t) for t in op.inputs)
        node.input.extend("^" + c.name for c in op.control_inputs)
        for k, v in op.attrs.items():
            node.attr[k].CopyFrom(_attr_value(v))
        if op.outputs and "T" not in op.attrs and "dtype" not in op.attrs:
            node.attr["T"].type = _DT_ENUM[op.outputs[0].dtype.name]
        if add_shapes and op.outputs:
            lst = av_pb2.AttrValue.ListValue()
            for t in op.outputs:
                lst.shape.add().CopyFrom(shape_proto(t.shape))
            node.attr["_output_shapes"].list.CopyFrom(lst)
    return gd


# ---- GraphDef -> graph ---------------------------------------------------------------------
def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """Adds the nodes of ``graph_def`` to the default graph, prefixed by ``name`` ("import" by
    default, "" for none). Returns the ops/tensors named in ``return_elements``."""
    from ..variables import Variable
    graph = get_default_graph()
    prefix = "import" if name is None else name
    prefix = prefix + "/" if prefix and not prefix.endswith("/") else prefix
    input_map = dict(input_map or {})
    created: dict[str, Operation] = {}

    def resolve(inp: str):
        if inp.startswith("^"):
            return None
        key = inp if ":" in inp else inp + ":0"
        if key in input_map:
            return input_map[key]
        op_name, _, idx = key.rpartition(":")
        if op_name not in created:
            raise ValueError(f"Node input '{inp}' refers to a node not defined before it in the "
                             "GraphDef")
        return created[op_name].outputs[int(idx)]

    for node in graph_def.node:
        inputs = [resolve(i) for i in node.input if not i.startswith("^")]
        # "T" and "_output_shapes" are written for TensorBoard only; our ops infer them.
        attrs = {k: _attr_python(v, graph, prefix) for k, v in node.attr.items()
                 if not k.startswith("_") and k != "T"}
        op = graph.create_op(node.op, inputs, attrs, name=prefix + node.name,
                             absolute_name=True,
                             tensor_cls=Variable if node.op == "VariableV2" else None)
        if node.op == "VariableV2":
            var = op.outputs[0]
            var._initial_value = None
            var._initializer_op = None
            var._trainable = True
            var.constraint = None
        for c in node.input:
            if c.startswith("^"):
                op._add_control_input(created[c[1:]])
        created[node.name] = op
    if return_elements is None:
        return None
    return [graph.as_graph_element(prefix + e) for e in return_elements]

