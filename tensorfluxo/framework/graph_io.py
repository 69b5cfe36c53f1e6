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
            "string": 7, "complex64": 8, "int64": 9, "bool": 10, "uint16": 17, "float16": 19,
            "uint32": 22, "uint64": 23}
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
        flat = arr.reshape(-1)
        field = _VAL_FIELDS.get(dt.name)
        if field and flat.size > 1 and (flat == flat[0]).all():
            # One value for a filled tensor, as TF writes tf.zeros: a .meta stays small.
            getattr(p, field).append(flat[0].item())
        else:
            p.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")
                                                    ).tobytes()
    p.tensor_shape.CopyFrom(shape_proto(TensorShape(arr.shape)))
    return p


# The typed value field of a TensorProto per dtype (int_val for the small integer types).
_VAL_FIELDS = {"float32": "float_val", "float64": "double_val", "int64": "int64_val",
               "bool": "bool_val", "int32": "int_val", "int16": "int_val", "int8": "int_val",
               "uint8": "int_val", "uint16": "int_val"}


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
    if dt is dtypes.float16:  # half_val holds the float16 bit patterns
        vals = np.array(list(p.half_val), dtype=np.uint16).view(np.float16)
    else:
        vals = np.array(list(getattr(p, _VAL_FIELDS[dt.name])), dtype=dt.np)
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


class TFList(list):
    """An attribute written as TF's AttrValue list (ints, floats, dtypes, shapes or strings), not
    JSON."""


def _attr_value(v):
    av_pb2, _, _, _ = _protos()
    a = av_pb2.AttrValue()
    if isinstance(v, TFList):
        a.list.SetInParent()
        for x in v:
            if isinstance(x, dtypes.DType):
                a.list.type.append(_DT_ENUM[x.name])
            elif isinstance(x, TensorShape):
                a.list.shape.add().CopyFrom(shape_proto(x))
            elif isinstance(x, str):
                a.list.s.append(x.encode())
            elif isinstance(x, float):
                a.list.f.append(x)
            else:
                a.list.i.append(int(x))
    elif isinstance(v, dtypes.DType):
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
        lst = a.list
        return TFList(list(lst.i) or list(lst.f) or [s.decode() for s in lst.s] or
                      [enum_dtype(t) for t in lst.type] or [proto_shape(x) for x in lst.shape])
    return None


# ---- graph -> GraphDef in TensorFlow's vocabulary ------------------------------------------
# Each op is written as TF writes it: TF's op type, TF's attributes, and attributes of ours
# that TF passes as inputs (axes, perms, masks' bounds) as Const nodes named "<op>/<input>".
# Ops that TF builds from several nodes (our fused gradients, dropout, scaled random ops) are
# written as those nodes; the last one keeps the op's name, so tensor names survive. An op with
# no TF form is written under its own type with JSON attributes: tensorfluxo reads it back,
# TensorFlow reports the unknown op.
def _input_name(t_name: str, index: int) -> str:
    return t_name if index == 0 else f"{t_name}:{index}"


class _Writer:
    """Emits NodeDefs into a GraphDef, with unique names and the map from our tensors."""

    def __init__(self, graph: Graph, gd, add_shapes: bool):
        self.gd, self.add_shapes = gd, add_shapes
        self.used = {op.name for op in graph._ops}
        self.tensors: dict[Tensor, str] = {}

    def fresh(self, base: str) -> str:
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    def node(self, name: str, op_type: str, inputs, attrs=None, shapes=None, aux=True) -> str:
        """Adds a node; ``aux`` nodes get a fresh name under ``name``'s prefix."""
        node = self.gd.node.add()
        node.name = self.fresh(name) if aux else name
        node.op = op_type
        node.input.extend(inputs)
        for k, v in (attrs or {}).items():
            node.attr[k].CopyFrom(_attr_value(v))
        if self.add_shapes and shapes is not None:
            lst = node.attr["_output_shapes"].list
            for sh in shapes:
                lst.shape.add().CopyFrom(shape_proto(sh))
        return node.name

    def const(self, name: str, value, dtype=None) -> str:
        arr = np.asarray(value, dtype=None if dtype is None else dtypes.as_dtype(dtype).np)
        if arr.dtype.kind in "OSU":
            dt = dtypes.string
        else:
            dt = dtypes.as_dtype(arr.dtype)
        return self.node(name, "Const", [], {"dtype": dt, "value": arr},
                         [TensorShape(arr.shape)])

    def int32(self, name: str, value) -> str:
        return self.const(name, np.asarray(value, dtype=np.int32).reshape(np.shape(value)))


def _T(t: Tensor) -> dtypes.DType:
    return t.dtype


# Ops written as the TF op of the same name whose only attribute is "T" (input 0's dtype).
_SAME_T = frozenset("""
    Abs Ceil Cos Exp Expm1 Floor Log Log1p Neg Reciprocal Round Rsqrt Sign Sin Sqrt Square Tan
    Tanh Sigmoid Relu Relu6 Elu Selu Softplus Softsign Softmax LogSoftmax IsFinite IsInf IsNan
    Mul Sub RealDiv FloorDiv FloorMod Maximum Minimum Pow SquaredDifference Greater GreaterEqual
    Less LessEqual Equal NotEqual Identity StopGradient ZerosLike OnesLike L2Loss
    MatrixDeterminant MatrixInverse SoftmaxCrossEntropyWithLogits Rank TanhGrad SigmoidGrad
    ReluGrad Relu6Grad EluGrad SeluGrad SoftplusGrad SoftsignGrad Where
""".split())
# Ops written under their own name with no attributes at all.
_NO_ATTRS = frozenset("NoOp LogicalAnd LogicalOr LogicalNot".split())


def _export_attrs(op: Operation) -> dict:
    """TF attributes of ops that keep their inputs and only rename or add attributes."""
    a, ins = op.attrs, op.inputs
    T = {"T": ins[0].dtype} if ins else {}
    t = op.type
    if t in ("MatMul",):
        return {**T, "transpose_a": a["transpose_a"], "transpose_b": a["transpose_b"]}
    if t == "BatchMatMul":
        return {**T, "adj_x": a["adj_x"], "adj_y": a["adj_y"]}
    if t in ("Add", "BiasAdd", "Select", "SelectV2", "AddN", "Pack", "Unpack", "LeakyRelu",
             "LeakyReluGrad", "Assign", "AssignAdd", "AssignSub", "Reshape", "Fill",
             "BroadcastTo", "Tile", "Slice"):
        T = {"T": ins[-1 if t in ("Select", "SelectV2", "Fill") else 0].dtype}
        extra = {"AddN": lambda: {"N": len(ins)},
                 "Pack": lambda: {"N": len(ins), "axis": a.get("axis", 0)},
                 "Unpack": lambda: {"num": a.get("num", len(op.outputs)),
                                    "axis": a.get("axis", 0)},
                 "LeakyRelu": lambda: {"alpha": a.get("alpha", 0.2)},
                 "LeakyReluGrad": lambda: {"alpha": a.get("alpha", 0.2)},
                 "Assign": lambda: {"validate_shape": a.get("validate_shape", True),
                                    "use_locking": True},
                 "Reshape": lambda: {"Tshape": ins[-1].dtype},
                 "Fill": lambda: {"index_type": ins[0].dtype},
                 "BroadcastTo": lambda: {"Tidx": ins[-1].dtype},
                 "Tile": lambda: {"Tmultiples": ins[-1].dtype},
                 "Slice": lambda: {"Index": ins[1].dtype},
                 "BiasAdd": lambda: {"data_format": a.get("data_format", "NHWC")}}.get(t, dict)()
        return {**T, **extra}
    if t == "Cast":
        return {"SrcT": ins[0].dtype, "DstT": a["DstT"], "Truncate": False}
    if t in ("Shape", "Size"):
        return {**T, "out_type": a.get("out_type", dtypes.int32)}
    if t == "GatherNd":
        return {"Tparams": ins[0].dtype, "Tindices": ins[1].dtype}
    if t == "SparseSoftmaxCrossEntropyWithLogits":
        return {**T, "Tlabels": ins[1].dtype}
    if t == "InTopK":
        return {"k": a["k"], "T": ins[1].dtype}
    if t in ("Placeholder", "VariableV2"):
        out = {"dtype": a["dtype"], "shape": a["shape"]}
        return out if t == "Placeholder" else {**out, "container": "", "shared_name": ""}
    if t == "PlaceholderWithDefault":
        return {"dtype": ins[0].dtype, "shape": a["shape"]}
    if t == "Const":
        return {"dtype": a["dtype"], "value": np.asarray(a["value"])}
    if t == "IsVariableInitialized":
        return {"dtype": ins[0].dtype}
    if t in _TF_APPLY:  # the rule table's ops keep TF's input order and bool attributes
        return {"T": ins[0].dtype, "use_locking": False, **a}
    if t == "UnsortedSegmentSum":
        return {**T, "Tindices": ins[1].dtype, "Tnumsegments": ins[2].dtype}
    if t in ("DynamicPartition", "DynamicStitch"):  # T: the data's dtype
        return {"T": ins[0 if t == "DynamicPartition" else -1].dtype, **a}
    if t in _SAMPLERS or t == "ComputeAccidentalHits":
        out = {**a, "seed": a["seed"] or 0, "seed2": a["seed2"] or 0}
        return {**out, "unigrams": TFList(a["unigrams"])} if "unigrams" in a else out
    if t in ("Range", "LinSpace"):
        return {"Tidx": ins[-1].dtype} if t == "Range" else {"T": ins[0].dtype,
                                                               "Tidx": ins[2].dtype}
    if t == "Unique":
        return {**T, "out_idx": a.get("out_idx", dtypes.int32)}
    if t in ("RandomShuffle", "Multinomial"):
        out = {"T": ins[0].dtype, "seed": a["seed"] or 0, "seed2": a["seed2"] or 0}
        return {**out, "output_dtype": a["output_dtype"]} if t == "Multinomial" else out
    if t == "MergeSummary":
        return {"N": len(ins)}
    if t in _SAME_T:
        return T
    if t in _NO_ATTRS:
        return {}
    return None


# Adagrad's rule has an epsilon input: TF's op with that input is ApplyAdagradV2
_RENAMED = {"Add": "AddV2", "BatchMatMul": "BatchMatMulV2", "ApplyAdagrad": "ApplyAdagradV2",
            "SparseApplyAdagrad": "SparseApplyAdagradV2"}
_SAMPLERS = ("LogUniformCandidateSampler", "UniformCandidateSampler",
             "FixedUnigramCandidateSampler", "LearnedUnigramCandidateSampler")
_SAMPLER_ATTRS = ("num_true", "num_sampled", "unique", "range_max", "seed", "seed2")
# Update ops of train/rules.py that TF has with the same inputs (the others, such as Keras's
# momentum or Nadam, exist in TF only on resource variables: written under our name).
_TF_APPLY = frozenset("""ApplyGradientDescent ApplyMomentum ApplyAdam ApplyAdagrad
    ApplyAdagradV2 ApplyAdadelta ApplyRMSProp ApplyCenteredRMSProp ApplyAdaMax ApplyFtrlV2
    ApplyProximalAdagrad""".split())


def _shapes(op: Operation):
    if op.type.startswith(("Apply", "SparseApply", "Assign")):  # TF's output: the var
        return [op.inputs[0].shape]
    if op.type == "FusedBatchNorm":  # TF's V3 has a 6th output (a reserve of unknown size)
        return [t.shape for t in op.outputs] + [TensorShape(None)]
    return [t.shape for t in op.outputs]


def _main(w: _Writer, op: Operation, tf_type: str, inputs, attrs) -> None:
    """The node that keeps ``op``'s name (with its control inputs)."""
    w.node(op.name, tf_type, list(inputs) + ["^" + c.name for c in op.control_inputs], attrs,
           _shapes(op), aux=False)


def _main_n(w: _Writer, op: Operation, outputs: list[str]) -> None:
    """An IdentityN named as ``op`` that gives ``outputs`` the names "op:0", "op:1", ..."""
    _main(w, op, "IdentityN", outputs, {"T": TFList([t.dtype for t in op.outputs])})


def _axis_list(op: Operation, axis):
    """``axis`` (None = all) as a list of non-negative ints, or None if the rank is unknown."""
    d = op.inputs[0].shape.as_tuple()
    if axis is None:
        return None if d is None else list(range(len(d)))
    return [int(a) for a in (axis if isinstance(axis, (tuple, list)) else [axis])]


def _x_reduce(w, op, ins):
    axes = _axis_list(op, op.attrs["axis"])
    if axes is None:
        return False
    idx = w.int32(op.name + "/reduction_indices", axes)
    attrs = {"keep_dims": bool(op.attrs["keepdims"]), "Tidx": dtypes.int32}
    if op.type not in ("All", "Any"):
        attrs["T"] = op.inputs[0].dtype
    _main(w, op, op.type, [ins[0], idx], attrs)
    return True


def _x_axis_input(input_name: str, tf_type=None, extra=lambda op: {}, attr="axis",
                  tidx="Tidx"):
    """Ops whose attribute ``attr`` is TF's last input ``input_name`` (an int32 Const)."""
    def write(w, op, ins):
        value = op.attrs[attr]
        if value is None:
            d = op.inputs[0].shape.as_tuple()
            if d is None:
                return False
            value = list(range(len(d)))[::-1]  # Transpose's default: reversed dimensions
        c = w.int32(f"{op.name}/{input_name}", list(value) if isinstance(value, tuple) else
                    value)
        _main(w, op, tf_type or op.type, [*ins, c],
              {"T": op.inputs[0].dtype, tidx: dtypes.int32, **extra(op)})
        return True
    return write


def _x_concat(w, op, ins):
    c = w.int32(op.name + "/axis", op.attrs["axis"])
    _main(w, op, "ConcatV2", [*ins, c], {"N": len(ins), "T": op.inputs[0].dtype,
                                         "Tidx": dtypes.int32})
    return True


def _x_gather(w, op, ins):
    c = w.int32(op.name + "/axis", op.attrs["axis"])
    _main(w, op, "GatherV2", [*ins, c], {"Tparams": op.inputs[0].dtype,
                                         "Tindices": op.inputs[1].dtype,
                                         "Taxis": dtypes.int32, "batch_dims": 0})
    return True


def _x_split(w, op, ins):
    axis, sizes = op.attrs["axis"], op.attrs["sizes"]
    dim = w.int32(op.name + "/split_dim", axis)
    T = op.inputs[0].dtype
    if sizes[0] == -2:
        _main(w, op, "Split", [dim, ins[0]], {"num_split": len(sizes), "T": T})
    else:
        sz = w.int32(op.name + "/size_splits", list(sizes))
        _main(w, op, "SplitV", [ins[0], sz, dim], {"num_split": len(sizes), "T": T,
                                                   "Tlen": dtypes.int32})
    return True


def _x_squeeze(w, op, ins):
    axis = op.attrs["axis"]
    _main(w, op, "Squeeze", ins, {"T": op.inputs[0].dtype,
                                  "squeeze_dims": TFList([] if axis is None else axis)})
    return True


def _x_one_hot(w, op, ins):
    depth = w.int32(op.name + "/depth", op.attrs["depth"])
    _main(w, op, "OneHot", [ins[0], depth, ins[1], ins[2]],
          {"axis": op.attrs["axis"], "T": op.inputs[1].dtype, "TI": op.inputs[0].dtype})
    return True


def _x_pad(w, op, ins):
    mode, cv = op.attrs["mode"], op.attrs.get("constant_values", 0)
    attrs = {"T": op.inputs[0].dtype, "Tpaddings": op.inputs[1].dtype}
    if mode != "CONSTANT":
        _main(w, op, "MirrorPad", ins, {**attrs, "mode": mode})
    elif np.all(np.asarray(cv) == 0):
        _main(w, op, "Pad", ins, attrs)
    else:
        c = w.const(op.name + "/constant_values", cv, op.inputs[0].dtype)
        _main(w, op, "PadV2", [*ins, c], attrs)
    return True


def _x_top_k(w, op, ins):
    k = w.int32(op.name + "/k", op.attrs["k"])
    _main(w, op, "TopKV2", [ins[0], k], {"sorted": op.attrs.get("sorted", True),
                                         "T": op.inputs[0].dtype, "Tk": dtypes.int32,
                                         "index_type": dtypes.int32})
    return True


def _x_arg(w, op, ins):
    dim = w.int32(op.name + "/dimension", op.attrs["axis"])
    _main(w, op, op.type, [ins[0], dim], {"T": op.inputs[0].dtype, "Tidx": dtypes.int32,
                                          "output_type": op.attrs["output_type"]})
    return True


def slice_spec_to_tf(spec):
    """Our StridedSlice ``spec`` as TF's (begin, end, strides, masks)."""
    spec = spec if isinstance(spec, tuple) else (spec,)
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                           "shrink_axis_mask"), 0)
    for i, s in enumerate(spec):
        bit = 1 << i
        if s is None:
            masks["new_axis_mask"] |= bit
            b, e, st = 0, 0, 1
        elif s is Ellipsis:
            masks["ellipsis_mask"] |= bit
            b, e, st = 0, 0, 1
        elif isinstance(s, slice):
            st = 1 if s.step is None else int(s.step)
            b, e = s.start or 0, s.stop or 0
            if s.start is None:
                masks["begin_mask"] |= bit
            if s.stop is None:
                masks["end_mask"] |= bit
        else:
            masks["shrink_axis_mask"] |= bit
            b, e, st = int(s), int(s) + 1, 1
            if e == 0:  # x[-1]: end 0 would be an empty range; TF ignores it for shrunk axes
                masks["end_mask"] |= bit
        begin.append(b)
        end.append(e)
        strides.append(st)
    return begin, end, strides, masks


def tf_to_slice_spec(begin, end, strides, masks) -> tuple:
    """The inverse of ``slice_spec_to_tf``."""
    spec = []
    for i, (b, e, st) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks.get("ellipsis_mask", 0) & bit:
            spec.append(Ellipsis)
        elif masks.get("new_axis_mask", 0) & bit:
            spec.append(None)
        elif masks.get("shrink_axis_mask", 0) & bit:
            spec.append(int(b))
        else:
            spec.append(slice(None if masks.get("begin_mask", 0) & bit else int(b),
                              None if masks.get("end_mask", 0) & bit else int(e),
                              None if st == 1 else int(st)))
    return tuple(spec)


def _x_strided(w, op, ins, grad=False):
    begin, end, strides, masks = slice_spec_to_tf(op.attrs["spec"])
    name = op.name
    consts = [w.int32(f"{name}/{k}", v) for k, v in (("stack", begin), ("stack_1", end),
                                                      ("stack_2", strides))]
    if not grad:
        _main(w, op, "StridedSlice", [ins[0], *consts],
              {"T": op.inputs[0].dtype, "Index": dtypes.int32, **masks})
    else:  # our (dy, x) -> TF's (shape(x), begin, end, strides, dy)
        shape = w.node(name + "/Shape", "Shape", [ins[1]], {"T": op.inputs[1].dtype,
                                                           "out_type": dtypes.int32})
        _main(w, op, "StridedSliceGrad", [shape, *consts, ins[0]],
              {"T": op.inputs[0].dtype, "Index": dtypes.int32, **masks})
    return True


def _x_random(w, op, ins):
    a = op.attrs
    dt = a["dtype"]
    attrs = {"seed": a["seed"] or 0, "seed2": a["seed2"] or 0, "dtype": dt,
             "T": op.inputs[0].dtype}
    scale, shift = float(a["scale"]), float(a["shift"])
    if op.type == "RandomUniform":
        scale -= shift  # our "scale" of a uniform is maxval; TF draws in [0, 1)
    if scale == 1.0 and shift == 0.0:
        _main(w, op, op.type, ins, attrs)
        return True
    t = w.node(f"{op.name}/{op.type}", op.type, ins, attrs)
    if shift == 0.0:
        _main(w, op, "Mul", [t, w.const(op.name + "/stddev", scale, dt)], {"T": dt})
        return True
    t = w.node(op.name + "/mul", "Mul", [t, w.const(op.name + "/stddev", scale, dt)], {"T": dt})
    _main(w, op, "AddV2", [t, w.const(op.name + "/mean", shift, dt)], {"T": dt})
    return True


def _x_random_int(w, op, ins):
    a = op.attrs
    lo = w.const(op.name + "/min", a["minval"], a["dtype"])
    hi = w.const(op.name + "/max", a["maxval"], a["dtype"])
    _main(w, op, "RandomUniformInt", [ins[0], lo, hi],
          {"seed": a["seed"] or 0, "seed2": a["seed2"] or 0, "Tout": a["dtype"],
           "T": op.inputs[0].dtype})
    return True


def _x_summary(w, op, ins):
    tag = w.const(op.name + "/tags" if op.type == "ScalarSummary" else op.name + "/tag",
                  np.array(op.attrs["tag"].encode(), dtype=object))
    _main(w, op, op.type, [tag, ins[0]], {"T": op.inputs[0].dtype})
    return True


def _x_cumsum(w, op, ins):
    axis = w.int32(op.name + "/axis", op.attrs["axis"])
    _main(w, op, "Cumsum", [ins[0], axis], {"T": op.inputs[0].dtype, "Tidx": dtypes.int32,
                                            "exclusive": op.attrs["exclusive"],
                                            "reverse": op.attrs["reverse"]})
    return True


# ---- our gradient helpers as the TF nodes that compute the same ----
def _shape_of(w: _Writer, name: str, t: Tensor, tf_name: str) -> str:
    """A shape: a Const when static, else a Shape node."""
    if t.shape.is_fully_defined():
        return w.int32(name, t.shape.as_list())
    return w.node(name, "Shape", [tf_name], {"T": t.dtype, "out_type": dtypes.int32})


def _x_broadcast_like(w, op, ins):
    shape = _shape_of(w, op.name + "/Shape", op.inputs[1], ins[1])
    _main(w, op, "BroadcastTo", [ins[0], shape], {"T": op.inputs[0].dtype,
                                                  "Tidx": dtypes.int32})
    return True


def _x_sum_to_shape(w, op, ins):
    g, x = op.inputs
    gd, xd = g.shape.as_tuple(), x.shape.as_tuple()
    T, n = g.dtype, op.name
    if gd is not None and xd is not None and all(d is not None for d in xd):
        lead = len(gd) - len(xd)
        axes = w.int32(n + "/reduction_indices",
                       list(range(lead)) + [lead + i for i, d in enumerate(xd) if d == 1])
        xs = w.int32(n + "/shape", list(xd))
    else:  # TF's own gradient pattern, which tensorfluxo reads back as SumToShapeOf
        xs = _shape_of(w, n + "/Shape_1", x, ins[1])
        args = w.node(n + "/BroadcastGradientArgs", "BroadcastGradientArgs",
                      [_shape_of(w, n + "/Shape", g, ins[0]), xs], {"T": dtypes.int32})
        axes = args + ":1"
    s = w.node(n + "/Sum", "Sum", [ins[0], axes], {"T": T, "Tidx": dtypes.int32,
                                                   "keep_dims": True})
    _main(w, op, "Reshape", [s, xs], {"T": T, "Tshape": dtypes.int32})
    return True


def _x_concat_grad(w, op, ins):
    axis, xs = op.attrs["axis"], op.inputs[1:]
    sizes = [x.shape.as_tuple() and x.shape.as_tuple()[axis] for x in xs]
    if any(s is None for s in sizes):
        return False
    _main(w, op, "SplitV", [ins[0], w.int32(op.name + "/size_splits", sizes),
                            w.int32(op.name + "/split_dim", axis)],
          {"num_split": len(xs), "T": op.inputs[0].dtype, "Tlen": dtypes.int32})
    return True


def _x_tile_grad(w, op, ins):
    from ..ops._util import constant_value
    dy, x, mult = op.inputs
    xd, m = x.shape.as_tuple(), constant_value(mult)
    if xd is None or m is None or sum(d is None for d in xd) > 1:
        return False
    # dy as [m0, d0, m1, d1, ...] (one unknown d as -1), summed over the m axes.
    shape = [v for pair in zip(np.asarray(m).tolist(), xd) for v in pair]
    shape = [-1 if v is None else v for v in shape]
    T, n = dy.dtype, op.name
    r = w.node(n + "/Reshape", "Reshape", [ins[0], w.int32(n + "/shape", shape)],
               {"T": T, "Tshape": dtypes.int32})
    _main(w, op, "Sum", [r, w.int32(n + "/reduction_indices", list(range(0, len(shape), 2)))],
          {"T": T, "Tidx": dtypes.int32, "keep_dims": False})
    return True


def _x_slice_grad(w, op, ins):
    # Pad dy back into x's shape: paddings = [begin, shape(x) - begin - shape(dy)].
    dy, x, begin = op.inputs
    T, n, it = dy.dtype, op.name, begin.dtype
    xs = _shape_of(w, n + "/Shape", x, ins[1])
    ys = _shape_of(w, n + "/Shape_1", dy, ins[0])
    after = w.node(n + "/sub", "Sub", [w.node(n + "/sub_1", "Sub", [xs, ins[2]], {"T": it}),
                                       ys], {"T": it})
    pads = w.node(n + "/stack", "Pack", [ins[2], after], {"N": 2, "T": it, "axis": 1})
    _main(w, op, "Pad", [ins[0], pads], {"T": T, "Tpaddings": it})
    return True


def _x_pad_grad(w, op, ins):
    from ..ops._util import constant_value
    dy, pads = op.inputs
    p = constant_value(pads)
    if op.attrs["mode"] != "CONSTANT" or p is None:
        return False
    p = np.asarray(p)
    T, n = dy.dtype, op.name
    size = w.node(n + "/sub", "Sub", [_shape_of(w, n + "/Shape", dy, ins[0]),
                                      w.int32(n + "/pad_total", p.sum(axis=1))],
                  {"T": dtypes.int32})
    _main(w, op, "Slice", [ins[0], w.int32(n + "/begin", p[:, 0]), size],
          {"T": T, "Index": dtypes.int32})
    return True


def _x_reduce_grad(w, op, ins):
    dy, x = op.inputs
    xd = x.shape.as_tuple()
    if xd is None:
        return False
    T, n = dy.dtype, op.name
    xs = _shape_of(w, n + "/Shape", x, ins[1])
    r = ins[0]
    if not op.attrs["keepdims"]:
        axes = set(_axis_list(op, op.attrs["axis"]) if op.attrs["axis"] is not None else
                   range(len(xd)))
        axes = {a % max(len(xd), 1) for a in axes}
        if all(d is not None for d in xd):
            kept = w.int32(n + "/kept_shape", [1 if i in axes else d for i, d in enumerate(xd)])
        else:  # kept = shape(x) * mask + (1 - mask), mask 0 on the reduced axes
            mask = np.array([0 if i in axes else 1 for i in range(len(xd))], np.int32)
            m = w.node(n + "/mul", "Mul", [xs, w.int32(n + "/mask", mask)], {"T": dtypes.int32})
            kept = w.node(n + "/kept_shape", "AddV2", [m, w.int32(n + "/ones", 1 - mask)],
                          {"T": dtypes.int32})
        r = w.node(n + "/Reshape", "Reshape", [r, kept], {"T": T, "Tshape": dtypes.int32})
    if not op.attrs["mean"]:
        _main(w, op, "BroadcastTo", [r, xs], {"T": T, "Tidx": dtypes.int32})
        return True
    b = w.node(n + "/BroadcastTo", "BroadcastTo", [r, xs], {"T": T, "Tidx": dtypes.int32})
    sizes = [w.node(f"{n}/{k}", "Size", [t], {"T": tt, "out_type": dtypes.int32})
             for k, t, tt in (("Size", ins[1], x.dtype), ("Size_1", r, T))]
    ratio = w.node(n + "/floordiv", "FloorDiv", sizes, {"T": dtypes.int32})
    count = w.node(n + "/Cast", "Cast", [ratio], {"SrcT": dtypes.int32, "DstT": T,
                                                 "Truncate": False})
    _main(w, op, "RealDiv", [b, count], {"T": T})
    return True


def _x_dropout(w, op, ins):
    x, rate = op.inputs
    ns, n, T = op.attrs["noise_shape"], op.name, x.dtype
    if ns is None:
        shape = _shape_of(w, n + "/Shape", x, ins[0])
    elif all(d >= 0 for d in ns):
        shape = w.int32(n + "/noise_shape", list(ns))
    else:  # -1 entries take x's size: shape(x) * (ns < 0) + max(ns, 0)
        ns = np.array(ns, np.int32)
        m = w.node(n + "/mul_shape", "Mul", [_shape_of(w, n + "/Shape", x, ins[0]),
                                             w.int32(n + "/mask", (ns < 0).astype(np.int32))],
                   {"T": dtypes.int32})
        shape = w.node(n + "/noise_shape", "AddV2", [m, w.int32(n + "/fixed",
                                                                np.maximum(ns, 0))],
                       {"T": dtypes.int32})
    u = w.node(n + "/random_uniform", "RandomUniform", [shape],
               {"seed": op.attrs["seed"] or 0, "seed2": op.attrs["seed2"] or 0, "dtype": T,
                "T": dtypes.int32})
    keep = w.node(n + "/GreaterEqual", "GreaterEqual", [u, ins[1]], {"T": T})
    one = w.const(n + "/ones", 1.0, T)
    scale = w.node(n + "/truediv", "RealDiv",
                   [one, w.node(n + "/sub", "Sub", [one, ins[1]], {"T": T})], {"T": T})
    kept = w.node(n + "/Cast", "Cast", [keep], {"SrcT": dtypes.bool, "DstT": T,
                                               "Truncate": False})
    mask = w.node(n + "/mask", "Mul", [kept, scale], {"T": T})
    _main_n(w, op, [w.node(n + "/mul", "Mul", [ins[0], mask], {"T": T}), mask])
    return True


def _x_apply_multi(w, op, ins):
    """A fused ``<op>Multi`` update (train/rules.py) as one TF apply node per variable."""
    from ..train.rules import _RULES_BY_OP
    r = _RULES_BY_OP[op.type[:-len("Multi")]]
    if r.op not in _TF_APPLY:
        return False
    n, groups = op.attrs["n"], 1 + len(r.slots)
    scalars = dict(zip(r.scalars, ins[groups * n:len(ins) - n]))
    attrs = {k: v for k, v in op.attrs.items() if k != "n"}
    applied = []
    for i in range(n):
        values = {"var": ins[i], "grad": ins[len(ins) - n + i], **scalars,
                  **{s.input: ins[(k + 1) * n + i] for k, s in enumerate(r.slots)}}
        applied.append(w.node(f"{op.name}/{r.op}", r.op, [values[k] for k in r.inputs],
                              {"T": op.inputs[i].dtype, "use_locking": False, **attrs}))
    _main(w, op, "NoOp", ["^" + a for a in applied], {})
    return True


def _x_sparse_apply(w, op, ins):
    """A Sparse<rule> update as TF1's optimizers write it: repeated indices summed first
    (Unique, UnsortedSegmentSum; TF's kernel would apply repeats one after another), then TF's
    SparseApply node. TF has no SparseApplyGradientDescent: that one stays ours."""
    from ..train.rules import _RULES_BY_OP, _sparse_inputs
    if op.type == "SparseApplyGradientDescent":
        return False
    names = _sparse_inputs(_RULES_BY_OP[op.type[len("Sparse"):]])
    g, i = names.index("grad"), names.index("indices")
    n, T, Ti = op.name, op.inputs[0].dtype, op.inputs[i].dtype
    uniq = w.node(n + "/Unique", "Unique", [ins[i]], {"T": Ti, "out_idx": dtypes.int32})
    size = w.node(n + "/Size", "Size", [uniq], {"T": Ti, "out_type": dtypes.int32})
    ins = list(ins)
    ins[g] = w.node(n + "/UnsortedSegmentSum", "UnsortedSegmentSum", [ins[g], uniq + ":1", size],
                    {"T": T, "Tindices": dtypes.int32, "Tnumsegments": dtypes.int32})
    ins[i] = uniq
    _main(w, op, _RENAMED.get(op.type, op.type), ins,
          {"T": T, "Tindices": Ti, "use_locking": False, **op.attrs})
    return True


def _x_report_uninit(w, op, ins):
    var_ops, n = op.attrs["var_ops"], op.name
    names = w.const(n + "/Const", np.array([v.name.encode() for v in var_ops], dtype=object)
                    .reshape(len(var_ops)))
    if not var_ops:
        _main(w, op, "Identity", [names], {"T": dtypes.string})
        return True
    inits = [w.node(f"{n}/IsVariableInitialized", "IsVariableInitialized",
                    [w.tensors[v.outputs[0]]], {"dtype": v.outputs[0].dtype}) for v in var_ops]
    stack = w.node(n + "/stack", "Pack", inits, {"N": len(inits), "T": dtypes.bool, "axis": 0})
    missing = w.node(n + "/LogicalNot", "LogicalNot", [stack], {})
    where = w.node(n + "/Where", "Where", [missing], {"T": dtypes.bool})
    idx = w.node(n + "/Squeeze", "Squeeze", [where], {"T": dtypes.int64,
                                                      "squeeze_dims": TFList([1])})
    _main(w, op, "GatherV2", [names, idx, w.int32(n + "/axis", 0)],
          {"Tparams": dtypes.string, "Tindices": dtypes.int64, "Taxis": dtypes.int32,
           "batch_dims": 0})
    return True


def _bn_parts(w, op, x: Tensor):
    """(T, name, reduced axes Const, per-channel broadcast shape Const) or None."""
    d = x.shape.as_tuple()
    if d is None:
        return None
    axis = op.attrs["axis"] % len(d)
    axes = [i for i in range(len(d)) if i != axis]
    n = op.name
    return (x.dtype, n, w.int32(n + "/reduction_indices", axes),
            w.int32(n + "/channel_shape", [-1 if i == axis else 1 for i in range(len(d))]))


def _x_fused_bn(w, op, ins):
    # As TF's non-fused batch normalization nodes, which hold for any rank and dtype.
    parts = _bn_parts(w, op, op.inputs[0])
    if parts is None:
        return False
    T, n, axes, bshape = parts
    x, scale, offset, mean, var = ins

    def node(k, t, inputs, **attrs):
        return w.node(f"{n}/{k}", t, inputs, {"T": T, **attrs})

    def per_channel(k, v):
        return node(k, "Reshape", [v, bshape], Tshape=dtypes.int32)
    if op.attrs["is_training"]:
        mean = node("mean", "Mean", [x, axes], Tidx=dtypes.int32, keep_dims=False)
        xc = node("sub", "Sub", [x, per_channel("Reshape", mean)])
        var = node("variance", "Mean", [node("Square", "Square", [xc]), axes],
                   Tidx=dtypes.int32, keep_dims=False)
        # The variance output is unbiased: * n / max(n - 1, 1), n the count per channel.
        count = w.node(n + "/Cast", "Cast", [w.node(n + "/floordiv", "FloorDiv", [
            w.node(n + "/Size", "Size", [x], {"T": T, "out_type": dtypes.int32}),
            w.node(n + "/Size_1", "Size", [mean], {"T": T, "out_type": dtypes.int32})],
            {"T": dtypes.int32})], {"SrcT": dtypes.int32, "DstT": T, "Truncate": False})
        one = w.const(n + "/one", 1.0, T)
        denom = node("Maximum", "Maximum", [node("sub_1", "Sub", [count, one]), one])
        out_var = node("unbiased_variance", "Mul", [var, node("truediv", "RealDiv",
                                                             [count, denom])])
    else:
        xc = node("sub", "Sub", [x, per_channel("Reshape", mean)])
        out_var = var
    inv = node("Rsqrt", "Rsqrt", [node("add", "AddV2", [var, w.const(
        n + "/epsilon", float(op.attrs["epsilon"]), T)])])
    xhat = node("mul", "Mul", [xc, per_channel("Reshape_1", inv)])
    y = node("mul_1", "Mul", [xhat, per_channel("Reshape_2", scale)])
    y = node("add_1", "AddV2", [y, per_channel("Reshape_3", offset)])
    _main_n(w, op, [y, mean, out_var, xhat, inv])
    return True


def _x_fused_bn_grad(w, op, ins):
    parts = _bn_parts(w, op, op.inputs[1])
    if parts is None:
        return False
    T, n, axes, bshape = parts
    dy, xhat, scale, inv = ins

    def node(k, t, inputs, **attrs):
        return w.node(f"{n}/{k}", t, inputs, {"T": T, **attrs})

    def per_channel(k, v):
        return node(k, "Reshape", [v, bshape], Tshape=dtypes.int32)

    def total(k, v):
        return node(k, "Sum", [v, axes], Tidx=dtypes.int32, keep_dims=False)
    doffset = total("Sum", dy)
    dscale = total("Sum_1", node("mul", "Mul", [dy, xhat]))
    g = per_channel("Reshape", node("mul_1", "Mul", [scale, inv]))
    if op.attrs["is_training"]:
        # dx = scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))
        count = w.node(n + "/Cast", "Cast", [w.node(n + "/floordiv", "FloorDiv", [
            w.node(n + "/Size", "Size", [dy], {"T": T, "out_type": dtypes.int32}),
            w.node(n + "/Size_1", "Size", [scale], {"T": T, "out_type": dtypes.int32})],
            {"T": dtypes.int32})], {"SrcT": dtypes.int32, "DstT": T, "Truncate": False})
        mo = per_channel("Reshape_1", node("truediv", "RealDiv", [doffset, count]))
        ms = per_channel("Reshape_2", node("truediv_1", "RealDiv", [dscale, count]))
        centered = node("sub_1", "Sub", [node("sub", "Sub", [dy, mo]),
                                         node("mul_2", "Mul", [xhat, ms])])
        dx = node("mul_3", "Mul", [centered, g])
    else:
        dx = node("mul_3", "Mul", [dy, g])
    _main_n(w, op, [dx, dscale, doffset])
    return True


def _cond_changes_state(op: Operation) -> bool:
    """Whether a Cond's branches (the ops between its captured inputs and its branch
    outputs, nested Conds included) assign or update variables or write files."""
    from .registry import ref_inputs
    graph, caps = op.graph, set(op.inputs)
    outs = [graph.get_tensor_by_name(n) for k in ("then_outputs", "else_outputs")
            for n in op.attrs[k]]
    todo, seen = [t.op for t in outs if t not in caps], set()
    while todo:
        o = todo.pop()
        if o in seen:
            continue
        seen.add(o)
        if ref_inputs(o) or o.type == "SaveV2" or o.type == "Cond" and _cond_changes_state(o):
            return True
        todo.extend(t.op for t in o.inputs if t not in caps)
    return False


def _x_cond(w, op, ins):
    # Written as both branches (already in the file: their nodes are ordinary ones) and one
    # SelectV2 per output: TF computes the same values. A branch that changes state would run
    # in both cases in that form, so such a Cond keeps our own type (TF refuses it by name).
    if _cond_changes_state(op):
        return False
    graph = op.graph
    then_t, else_t = ([graph.get_tensor_by_name(n) for n in op.attrs[k]]
                      for k in ("then_outputs", "else_outputs"))
    _main_n(w, op, [w.node(f"{op.name}/Select", "SelectV2", [ins[0], w.tensors[a],
                                                             w.tensors[b]], {"T": a.dtype})
                    for a, b in zip(then_t, else_t)])
    return True


def _x_cond_saved(w, op, ins):
    # A branch tensor a gradient reads (recorded by the Cond so a random one is not drawn
    # again): in the written form that tensor is an ordinary node, computed once per run.
    if _cond_changes_state(op.attrs["cond"]):
        return False
    t = op.graph.get_tensor_by_name(op.attrs["tensor"])
    _main(w, op, "Identity", [w.tensors[t]], {"T": t.dtype})
    return True


_EXPORTERS = {
    "Cond": _x_cond, "CondSaved": _x_cond_saved,
    **{"Sparse" + t: _x_sparse_apply for t in _TF_APPLY},
    "SparseApplyAdagrad": _x_sparse_apply,
    "Sum": _x_reduce, "Mean": _x_reduce, "Max": _x_reduce, "Min": _x_reduce,
    "Prod": _x_reduce, "All": _x_reduce, "Any": _x_reduce,
    "ArgMax": _x_arg, "ArgMin": _x_arg, "ConcatV2": _x_concat, "GatherV2": _x_gather,
    "ExpandDims": _x_axis_input("dim", tidx="Tdim"),
    "Transpose": _x_axis_input("perm", attr="perm", tidx="Tperm"),
    "ReverseV2": _x_axis_input("axis"),
    "Split": _x_split, "SplitV": _x_split, "Squeeze": _x_squeeze, "OneHot": _x_one_hot,
    "Pad": _x_pad, "TopKV2": _x_top_k, "Cumsum": _x_cumsum,
    "StridedSlice": _x_strided,
    "StridedSliceGrad": lambda w, op, ins: _x_strided(w, op, ins, grad=True),
    "RandomUniform": _x_random, "RandomStandardNormal": _x_random,
    "TruncatedNormal": _x_random, "RandomUniformInt": _x_random_int,
    "ScalarSummary": _x_summary, "HistogramSummary": _x_summary,
    "BroadcastLike": _x_broadcast_like, "SumToShapeOf": _x_sum_to_shape,
    "ReduceGrad": _x_reduce_grad, "Dropout": _x_dropout,
    "ReportUninitializedVariables": _x_report_uninit, "FusedBatchNorm": _x_fused_bn,
    "FusedBatchNormGrad": _x_fused_bn_grad, "ConcatGrad": _x_concat_grad,
    "TileGrad": _x_tile_grad, "SliceGrad": _x_slice_grad, "PadGrad": _x_pad_grad,
}


def _export_op(w: _Writer, op: Operation) -> None:
    ins = [w.tensors[t] for t in op.inputs]
    fn = _EXPORTERS.get(op.type) or (_x_apply_multi if op.type.endswith("Multi") and
                                     op.type.startswith("Apply") else None)
    if fn is not None and fn(w, op, ins):
        pass
    else:
        attrs = None if fn is not None else _export_attrs(op)
        if attrs is not None:
            _main(w, op, _RENAMED.get(op.type, op.type), ins, attrs)
        else:  # no TF form: our own type and attributes (read back by tensorfluxo only)
            own = {k: v for k, v in op.attrs.items()}
            if op.outputs and "T" not in own and "dtype" not in own:
                own["T"] = op.outputs[0].dtype
            _main(w, op, op.type, ins, own)
    for t in op.outputs:
        w.tensors.setdefault(t, _input_name(op.name, t.value_index))


def graph_to_graph_def(graph: Graph, add_shapes: bool = False, extra=None):
    """The GraphDef of ``graph`` (tf.Graph.as_graph_def), in TensorFlow's op vocabulary.
    ``extra(writer)`` may add nodes that exist only in the file (a Saver's save/* nodes)."""
    _, graph_pb2, _, _ = _protos()
    gd = graph_pb2.GraphDef()
    gd.versions.producer = 2474  # TF 2.21.0 writes this GraphDef version
    w = _Writer(graph, gd, add_shapes)
    for op in graph._ops:
        _export_op(w, op)
    if extra is not None:
        extra(w)
    return gd


# ---- GraphDef (TF's vocabulary or ours) -> graph --------------------------------------------
class _Node:
    """A NodeDef being imported: its name, type, Python attributes and input tensors."""

    def __init__(self, node, inputs, attrs, name):
        self.node, self.inputs, self.attrs, self.name = node, inputs, attrs, name

    def const(self, i: int, what: str) -> np.ndarray:
        """The value of input ``i``, which must be known when the graph is built."""
        from ..ops._util import constant_value
        v = constant_value(self.inputs[i])
        if v is None:
            raise ValueError(f"Cannot import node '{self.node.name}' (op: '{self.node.op}'): "
                             f"its {what} input ({self.inputs[i].name}) must be a constant "
                             "for tensorfluxo")
        return np.asarray(v)

    def axis(self, i: int, what: str = "axis", many: bool = False):
        from ..ops._util import norm_axes, rank
        v = self.const(i, what).reshape(-1).tolist()
        axes = norm_axes(v, rank(self.inputs[0]), what)
        return axes if many else axes[0]

    def fail(self, why: str):
        raise ValueError(f"Cannot import node '{self.node.name}' (op: '{self.node.op}'): {why}")


def _i_reduce(n: _Node):
    axes = n.inputs[1]
    if n.node.op == "Sum" and axes.op.type == "BroadcastGradientArgs":
        # TF's gradient of a broadcast: Sum(g, r) then Reshape to the operand's shape.
        shape = axes.op.inputs[axes.value_index]
        if shape.op.type == "Shape":
            return "SumToShapeOf", [n.inputs[0], shape.op.inputs[0]], {}
    return n.node.op, n.inputs[:1], {"axis": n.axis(1, "reduction_indices", many=True),
                                     "keepdims": bool(n.attrs.get("keep_dims", False))}


def _i_arg(n):
    return n.node.op, n.inputs[:1], {"axis": n.axis(1, "dimension"),
                                     "output_type": n.attrs.get("output_type", dtypes.int64)}


def _i_split(n):
    if n.node.op == "Split":
        from ..ops._util import norm_axes, rank
        axis = norm_axes(n.const(0, "split_dim").reshape(-1).tolist(), rank(n.inputs[1]))[0]
        return "Split", n.inputs[1:], {"axis": axis, "sizes": (-2,) * n.attrs["num_split"]}
    return "SplitV", n.inputs[:1], {"axis": n.axis(2, "split_dim"),
                                    "sizes": tuple(int(s) for s in n.const(1, "size_splits"))}


def _i_strided(n):
    masks = {k: n.attrs.get(k, 0) for k in ("begin_mask", "end_mask", "ellipsis_mask",
                                            "new_axis_mask", "shrink_axis_mask")}
    if n.node.op == "StridedSlice":
        b, e, s = (n.const(i, w).tolist() for i, w in ((1, "begin"), (2, "end"), (3, "strides")))
        return "StridedSlice", n.inputs[:1], {"spec": tf_to_slice_spec(b, e, s, masks)}
    b, e, s = (n.const(i, w).tolist() for i, w in ((1, "begin"), (2, "end"), (3, "strides")))
    shape = n.inputs[0]
    if shape.op.type != "Shape":
        n.fail("the shape input must be the Shape of the sliced tensor")
    return "StridedSliceGrad", [n.inputs[4], shape.op.inputs[0]], \
        {"spec": tf_to_slice_spec(b, e, s, masks)}


def _i_random(n):
    a = n.attrs
    return n.node.op, n.inputs, {"dtype": a["dtype"], "seed": a.get("seed", 0),
                                 "seed2": a.get("seed2", 0), "scale": 1.0, "shift": 0.0}


def _i_pad(n):
    t = n.node.op
    if t == "MirrorPad":
        return "Pad", n.inputs, {"mode": n.attrs["mode"], "constant_values": 0}
    cv = n.const(2, "constant_values") if t == "PadV2" else 0
    return "Pad", n.inputs[:2], {"mode": "CONSTANT", "constant_values": cv}


def _i_fused_bn(n):
    fmt = n.attrs.get("data_format", "NHWC")
    if fmt not in ("NHWC", "NCHW"):
        n.fail(f"data_format {fmt} is not supported")
    return "FusedBatchNorm", n.inputs, {"axis": -1 if fmt == "NHWC" else 1,
                                        "epsilon": n.attrs.get("epsilon", 1e-4),
                                        "is_training": n.attrs.get("is_training", True)}


def _i_nhwc(n):
    if n.attrs.get("data_format", "NHWC") != "NHWC":
        n.fail(f"data_format {n.attrs['data_format']} is not supported (only NHWC)")
    return n.node.op, n.inputs, {}


def _i_bias_add(n):
    nchw = n.attrs.get("data_format", "NHWC") == "NCHW"
    return "BiasAdd", n.inputs, {"data_format": "NCHW"} if nchw else {}


def _keep(*names, rename=None, **defaults):
    """TF nodes that keep their inputs and some attributes (with defaults)."""
    def read(n):
        attrs = {k: n.attrs.get(k, defaults.get(k)) for k in names}
        return rename or n.node.op, n.inputs, attrs
    return read


_IMPORTERS = {
    **dict.fromkeys(("Sum", "Mean", "Max", "Min", "Prod", "All", "Any"), _i_reduce),
    "ArgMax": _i_arg, "ArgMin": _i_arg,
    "AddV2": _keep(rename="Add"), "Add": _keep(),
    "BatchMatMulV2": _keep("adj_x", "adj_y", rename="BatchMatMul", adj_x=False, adj_y=False),
    "BatchMatMul": _keep("adj_x", "adj_y", adj_x=False, adj_y=False),
    "MatMul": _keep("transpose_a", "transpose_b", transpose_a=False, transpose_b=False),
    "ConcatV2": lambda n: ("ConcatV2", n.inputs[:-1], {"axis": n.axis(len(n.inputs) - 1)}),
    "ExpandDims": lambda n: ("ExpandDims", n.inputs[:1],
                             {"axis": int(n.const(1, "dim").reshape(-1)[0])}),
    "GatherV2": lambda n: ("GatherV2", n.inputs[:2], {"axis": n.axis(2)}) if not
    n.attrs.get("batch_dims", 0) else n.fail("batch_dims is not supported"),
    "Transpose": lambda n: ("Transpose", n.inputs[:1],
                            {"perm": tuple(int(p) for p in n.const(1, "perm"))}),
    "ReverseV2": lambda n: ("ReverseV2", n.inputs[:1], {"axis": n.axis(1, many=True)}),
    "Split": _i_split, "SplitV": _i_split,
    "Pack": _keep("axis", axis=0), "Unpack": _keep("num", "axis", axis=0),
    "Squeeze": lambda n: ("Squeeze", n.inputs, {"axis": tuple(n.attrs.get("squeeze_dims"))
                                                or None}),
    "Cumsum": lambda n: ("Cumsum", n.inputs[:1], {"axis": n.axis(1), **{
        k: n.attrs.get(k, False) for k in ("exclusive", "reverse")}}),
    "OneHot": lambda n: ("OneHot", [n.inputs[0], n.inputs[2], n.inputs[3]],
                         {"depth": int(n.const(1, "depth")), "axis": n.attrs.get("axis", -1)}),
    "Pad": _i_pad, "PadV2": _i_pad, "MirrorPad": _i_pad,
    "StridedSlice": _i_strided, "StridedSliceGrad": _i_strided,
    "TopKV2": lambda n: ("TopKV2", n.inputs[:1], {"k": int(n.const(1, "k")),
                                                  "sorted": n.attrs.get("sorted", True)}),
    "InTopK": _keep("k"),
    "InTopKV2": lambda n: ("InTopK", n.inputs[:2], {"k": int(n.const(2, "k"))}),
    "Cast": _keep("DstT"), "Shape": _keep("out_type", out_type=dtypes.int32),
    "Size": _keep("out_type", out_type=dtypes.int32),
    "Placeholder": _keep("dtype", "shape", shape=TensorShape(None)),
    "PlaceholderWithDefault": _keep("shape"), "VariableV2": _keep("dtype", "shape"),
    "Const": _keep("value", "dtype"), "Assign": _keep("validate_shape", validate_shape=True),
    **{t: lambda n: _i_apply(n) for t in _TF_APPLY},
    **{"Sparse" + t: lambda n: _i_apply(n) for t in _TF_APPLY},
    "ApplyAdagradV2": lambda n: ("ApplyAdagrad", n.inputs, {}),
    "SparseApplyAdagradV2": lambda n: ("SparseApplyAdagrad", n.inputs, {}),
    "UnsortedSegmentSum": _keep(), "DynamicPartition": _keep("num_partitions"),
    "DynamicStitch": _keep("N"), "ComputeAccidentalHits": _keep("num_true", "seed", "seed2"),
    "LogUniformCandidateSampler": _keep(*_SAMPLER_ATTRS),
    "UniformCandidateSampler": _keep(*_SAMPLER_ATTRS),
    "LearnedUnigramCandidateSampler": _keep(*_SAMPLER_ATTRS),
    "FixedUnigramCandidateSampler": _keep(*_SAMPLER_ATTRS, "unigrams", "distortion",
                                          "num_reserved_ids"),
    "RandomUniform": _i_random, "RandomStandardNormal": _i_random, "TruncatedNormal": _i_random,
    "RandomUniformInt": lambda n: ("RandomUniformInt", n.inputs[:1], {
        "dtype": n.attrs["Tout"], "seed": n.attrs.get("seed", 0),
        "seed2": n.attrs.get("seed2", 0), "minval": int(n.const(1, "minval")),
        "maxval": int(n.const(2, "maxval"))}),
    "RandomShuffle": _keep("seed", "seed2", seed=0, seed2=0),
    "Multinomial": _keep("seed", "seed2", "output_dtype", seed=0, seed2=0,
                         output_dtype=dtypes.int64),
    "Unique": _keep("out_idx", out_idx=dtypes.int32),
    "LeakyRelu": _keep("alpha", alpha=0.2), "LeakyReluGrad": _keep("alpha", alpha=0.2),
    "ScalarSummary": lambda n: ("ScalarSummary", n.inputs[1:], {"tag": _tag(n)}),
    "HistogramSummary": lambda n: ("HistogramSummary", n.inputs[1:], {"tag": _tag(n)}),
    "FusedBatchNormV3": _i_fused_bn, "FusedBatchNorm": _i_fused_bn,
    "FusedBatchNormV2": _i_fused_bn,
    "BiasAdd": _i_bias_add, "BiasAddGrad": _i_nhwc,
    "PreventGradient": _keep(rename="Identity"),
}
# TF types read as ours with no attributes (TF's type attributes are inferred here).
_PLAIN = _SAME_T | _NO_ATTRS | frozenset("""AddN Reshape Fill BroadcastTo Tile Slice GatherNd
    SparseSoftmaxCrossEntropyWithLogits AssignAdd AssignSub IsVariableInitialized Select
    SelectV2 Range LinSpace MergeSummary BroadcastGradientArgs IdentityN""".split())


def _i_apply(n):
    """TF's apply ops: the rule's boolean attributes (TF's defaults where the file has none)."""
    from ..train.rules import _RULES_BY_OP
    rule = _RULES_BY_OP.get(n.node.op.removeprefix("Sparse"))
    if rule is None:
        n.fail("this update rule is not supported")
    return n.node.op, n.inputs, {k: n.attrs.get(k, v) for k, v in rule.attrs.items()}


def _tag(n) -> str:
    v = n.const(0, "tag").reshape(-1)[0]
    return v.decode() if isinstance(v, bytes) else str(v)


def _sorted_nodes(graph_def):
    """The nodes in an order where each comes after its inputs (TF files need not be)."""
    nodes = {n.name: n for n in graph_def.node}
    order, state = [], {}
    for root in graph_def.node:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                state[node.name] = 2
                order.append(node)
                continue
            if state.get(node.name) == 2:
                continue
            if state.get(node.name) == 1:
                raise ValueError(f"The GraphDef has a cycle through node '{node.name}' (op: "
                                 f"'{node.op}'); tensorfluxo imports graphs without loops")
            state[node.name] = 1
            stack.append((node, True))
            for inp in node.input:
                src = inp.lstrip("^").split(":")[0]
                if src not in nodes:
                    raise ValueError(f"Node '{node.name}' has an input '{inp}' that is not a "
                                     "node of the GraphDef")
                if state.get(src) != 2:
                    stack.append((nodes[src], False))
    return order


def _ensure_import_ops() -> None:
    """Registers the op modules a file may use (save/restore ops, Keras's update rules)."""
    import importlib
    for mod in ("tensorfluxo.train.saver_ops", "tensorfluxo.ops.nn_ops",
                "tensorfluxo.train.rules", "tensorfluxo.keras.optimizers",
                "tensorfluxo.summary.summary", "tensorfluxo.ops.control_flow_ops"):
        try:
            importlib.import_module(mod)
        except ImportError:  # an optional part that is not there
            pass


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """Adds the nodes of ``graph_def`` (written by tensorfluxo or by TensorFlow) to the default
    graph, prefixed by ``name`` ("import" by default, "" for none). Returns the ops/tensors
    named in ``return_elements``."""
    from ..variables import Variable
    from .registry import registered_ops
    _ensure_import_ops()
    known = registered_ops()
    graph = get_default_graph()
    prefix = "import" if name is None else name
    prefix = prefix + "/" if prefix and not prefix.endswith("/") else prefix
    input_map = {(k if ":" in k else k + ":0"): v for k, v in dict(input_map or {}).items()}
    created: dict[str, Operation] = {}

    def resolve(inp: str):
        key = inp if ":" in inp else inp + ":0"
        if key in input_map:
            return input_map[key]
        op_name, _, idx = key.rpartition(":")
        op = created[op_name]
        if int(idx) >= len(op.outputs):
            raise ValueError(f"Node input '{inp}' names output {idx} of '{op_name}' (op: "
                             f"'{op.type}'), which has {len(op.outputs)} outputs here")
        return op.outputs[int(idx)]

    for node in _sorted_nodes(graph_def):
        inputs = [resolve(i) for i in node.input if not i.startswith("^")]
        raw = {k: _attr_python(v, graph, prefix) for k, v in node.attr.items()
               if not k.startswith("_")}
        n = _Node(node, inputs, raw, prefix + node.name)
        if node.op in _IMPORTERS:
            op_type, inputs, attrs = _IMPORTERS[node.op](n)
        elif node.op in _PLAIN:
            op_type, attrs = node.op, {}
        elif node.op in known:  # one of tensorfluxo's own ops, with its own attributes
            op_type, attrs = node.op, {k: v for k, v in raw.items() if k != "T"}
        else:
            raise ValueError(f"Cannot import node '{node.name}': op type '{node.op}' is not "
                             "supported by tensorfluxo")
        op = graph.create_op(op_type, inputs, attrs, name=prefix + node.name,
                             absolute_name=True,
                             tensor_cls=Variable if op_type == "VariableV2" else None)
        if op_type == "VariableV2":
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
