"""tf.train.Saver and the checkpoint helpers around it (latest_checkpoint, list_variables...).

Checkpoints are TensorFlow's V2 format (see checkpoint_io), so TensorFlow reads what this
writes and the other way round. Next to them lives the ``checkpoint`` state file, the text
CheckpointState TensorFlow writes, naming the newest checkpoint and the ones kept.

Example::

    saver = tf.train.Saver()                     # every global variable, under its own name
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, "/tmp/model.ckpt", global_step=1000)  # "/tmp/model.ckpt-1000"
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint("/tmp"))        # no initializer needed
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tensorfluxo.framework import dtypes, errors
from tensorfluxo.train import checkpoint_io
from tensorfluxo.train.checkpoint_io import BundleReader

__all__ = [
    "Saver", "CheckpointState", "CheckpointReader", "NewCheckpointReader", "checkpoint_exists",
    "get_checkpoint_state", "update_checkpoint_state", "latest_checkpoint", "list_variables",
    "load_variable", "load_checkpoint", "remove_checkpoint", "export_meta_graph",
    "import_meta_graph",
]


# ----------------------------------------------------------------------------- state file
@dataclass
class CheckpointState:
    """What the ``checkpoint`` file says: the newest checkpoint and all those kept."""

    model_checkpoint_path: str = ""
    all_model_checkpoint_paths: list[str] = field(default_factory=list)
    all_model_checkpoint_timestamps: list[float] = field(default_factory=list)
    last_preserved_timestamp: float = 0.0


_STR_FIELDS = ("model_checkpoint_path", "all_model_checkpoint_paths")
_LINE = re.compile(r"\s*(\w+)\s*:\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[-+0-9.eE]+)\s*")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)")
_SIMPLE = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"a": b"\a", b"b": b"\b", b"f": b"\f",
           b"v": b"\v"}


def _quote(text: str) -> str:
    # Protobuf text format as TensorFlow writes it: UTF-8 as is, quotes and backslashes
    # escaped, control characters as octal escapes.
    out = []
    for char in text:
        out.append("\\" + char if char in "\"\\" else char if ord(char) >= 32 and char != "\x7f"
                   else f"\\{ord(char):03o}")
    return '"' + "".join(out) + '"'


def _unquote(token: str) -> str:
    def sub(m):
        e = m.group(1)
        if e[:1].isdigit():
            return bytes([int(e, 8) & 0xFF])
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        return _SIMPLE.get(e, e)
    return _ESCAPE.sub(sub, token[1:-1].encode("utf-8")).decode("utf-8")


def _parse_state(text: str) -> CheckpointState:
    state = CheckpointState()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if not m or m.group(1) not in CheckpointState.__dataclass_fields__:
            raise ValueError(f"line {number}: cannot parse {line.strip()!r}")
        key, token = m.groups()
        if (key in _STR_FIELDS) != (token[0] in "\"'"):
            raise ValueError(f"line {number}: wrong kind of value for {key}")
        value = _unquote(token) if key in _STR_FIELDS else float(token)
        if isinstance(getattr(state, key), list):
            getattr(state, key).append(value)
        else:
            setattr(state, key, value)
    return state


def _state_path(checkpoint_dir: str, latest_filename: str | None) -> str:
    return os.path.join(checkpoint_dir, latest_filename or "checkpoint")


def get_checkpoint_state(checkpoint_dir: str,
                         latest_filename: str | None = None) -> CheckpointState | None:
    """The CheckpointState in ``checkpoint_dir``'s ``checkpoint`` file, or None if absent.

    Relative paths in the file are taken relative to ``checkpoint_dir``, as TensorFlow does.
    An unreadable file gives a warning and None, as in TensorFlow.
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            state = _parse_state(f.read())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        warnings.warn(f"{path}: {e}; checkpoint state ignored", stacklevel=2)
        return None
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}: {path} names "
                         "no model_checkpoint_path")

    def resolve(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    state.model_checkpoint_path = resolve(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [resolve(p) for p in state.all_model_checkpoint_paths]
    return state


def update_checkpoint_state(save_dir: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: list[str] | None = None,
                            latest_filename: str | None = None,
                            all_model_checkpoint_timestamps: list[float] | None = None,
                            last_preserved_timestamp: float | None = None) -> None:
    """Writes ``save_dir``'s ``checkpoint`` file (atomically) naming the newest checkpoint.

    Absolute paths are written as given; relative ones relative to ``save_dir``, so that
    TensorFlow and ``latest_checkpoint`` find them from any working directory.
    """
    save_dir = os.fspath(save_dir)
    path = _state_path(save_dir, latest_filename)
    if os.path.abspath(model_checkpoint_path) == os.path.abspath(path):
        raise ValueError(f"Save path '{model_checkpoint_path}' conflicts with path used for "
                         "checkpoint state. Please use a different save path.")
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)

    def stored(p: str) -> str:
        p = os.fspath(p)
        return p if os.path.isabs(p) else os.path.relpath(p, save_dir or ".")
    lines = [f"model_checkpoint_path: {_quote(stored(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(stored(p))}" for p in paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}"
              for t in all_model_checkpoint_timestamps or []]
    if last_preserved_timestamp is not None:
        lines.append(f"last_preserved_timestamp: {last_preserved_timestamp!r}")
    checkpoint_io._write_atomic(path, ["\n".join(lines).encode("utf-8") + b"\n"])


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """True if a checkpoint (V2 index, or a V1 file) exists at ``checkpoint_prefix``."""
    checkpoint_prefix = os.fspath(checkpoint_prefix)
    return checkpoint_io.bundle_exists(checkpoint_prefix) or os.path.isfile(checkpoint_prefix)


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the newest checkpoint recorded in ``checkpoint_dir``, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    if state:
        warnings.warn(f"Couldn't match files for checkpoint {state.model_checkpoint_path}",
                      stacklevel=2)
    return None


def remove_checkpoint(checkpoint_prefix: str, checkpoint_format_version=None,
                      meta_graph_suffix: str = "meta") -> None:
    """Deletes a checkpoint's files (index, data shards and meta graph)."""
    checkpoint_prefix = os.fspath(checkpoint_prefix)
    for path in checkpoint_io.bundle_files(checkpoint_prefix) + [
            f"{checkpoint_prefix}.{meta_graph_suffix}"]:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


# ----------------------------------------------------------------------------- readers
class CheckpointReader(BundleReader):
    """tf.train.load_checkpoint's reader: get_tensor, has_tensor, shape and dtype maps."""

    def get_variable_to_dtype_map(self) -> dict:
        return {k: dtypes.as_dtype(v) for k, v in super().get_variable_to_dtype_map().items()}


def NewCheckpointReader(filepattern: str) -> CheckpointReader:  # noqa: N802 - TF's name
    return CheckpointReader(filepattern)


def _resolve(ckpt_dir_or_file: str) -> str:
    ckpt_dir_or_file = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(ckpt_dir_or_file):
        found = latest_checkpoint(ckpt_dir_or_file)
        if found is None:
            raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {ckpt_dir_or_file}")
        return found
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A reader for a checkpoint prefix, or for the newest checkpoint in a directory."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """Sorted (name, shape) of every tensor in a checkpoint (prefix or directory)."""
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return reader.list_variables()


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    """The value of one tensor of a checkpoint (``name`` may end in ":0")."""
    if name.endswith(":0"):
        name = name[:-2]
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return reader.get_tensor(name)


# ----------------------------------------------------------------------------- Saver
def _variable_op(value):
    """The VariableV2 operation behind a Variable / its Tensor, or None if it is not one."""
    op = getattr(value, "op", None)
    return op if getattr(op, "type", None) == "VariableV2" else None


def _global_variables(graph) -> list:
    from tensorfluxo.framework.ops import GraphKeys
    return list(graph.get_collection(GraphKeys.GLOBAL_VARIABLES)) + list(
        graph.get_collection("saveable_objects"))


class Saver:
    """Saves and restores variables (tf.train.Saver).

    ``var_list`` is None (every global variable, under its op name), a list of variables, or
    a dict {name in the checkpoint: variable} such as ``{"weights": theta}``.
    ``max_to_keep`` newest checkpoints made by this Saver are kept (None or 0: all).
    """

    def __init__(self, var_list=None, reshape: bool = False, sharded: bool = False,
                 max_to_keep: int | None = 5, keep_checkpoint_every_n_hours: float = 10000.0,
                 name: str | None = None, restore_sequentially: bool = False, saver_def=None,
                 builder=None, defer_build: bool = False, allow_empty: bool = False,
                 write_version=None, pad_step_number: bool = False,
                 save_relative_paths: bool = False, filename: str | None = None):
        self._var_list = var_list
        self._max_to_keep = max_to_keep
        self._keep_every = keep_checkpoint_every_n_hours
        self._next_keep_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._sharded = sharded
        self._last_checkpoints: list[tuple[str, float]] = []
        self._variables: dict | None = None
        self._graph = None
        if not defer_build:
            self.build()

    # -- which variables, under which names
    def build(self) -> None:
        """Fixes the name -> variable map (done at construction unless defer_build=True)."""
        if self._variables is not None:
            return
        from tensorfluxo.framework.ops import get_default_graph
        var_list = self._var_list
        if var_list is None:
            var_list = _global_variables(get_default_graph())
        if isinstance(var_list, Mapping):
            items = list(var_list.items())
            for key, _ in items:
                if not isinstance(key, str):
                    raise TypeError(f"Saver var_list keys must be strings (names in the "
                                    f"checkpoint), got {key!r}")
        else:
            items = []
            names = set()
            for var in var_list:
                op = _variable_op(var)
                if op is None:
                    raise TypeError(f"Saver var_list must hold variables, got {var!r}")
                if op.name in names:
                    raise ValueError(f"At least two variables have the same name: {op.name}")
                names.add(op.name)
                items.append((op.name, var))
        variables = {}
        for key, var in items:
            if _variable_op(var) is None:
                raise TypeError(f"Saver var_list['{key}'] must be a variable, got {var!r}")
            variables[key] = var
        if not variables and not self._allow_empty:
            raise ValueError("No variables to save")
        graphs = {_variable_op(v).graph for v in variables.values()}
        if len(graphs) > 1:
            raise ValueError("Saver var_list holds variables from more than one graph")
        self._graph = graphs.pop() if graphs else get_default_graph()
        self._variables = variables

    @property
    def last_checkpoints(self) -> list[str]:
        """Prefixes of the checkpoints this Saver keeps, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time) -> None:
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths: list[str]) -> None:
        """Adopts existing checkpoints (e.g. after a restart) so max_to_keep counts them."""
        now = time.time()
        self._last_checkpoints = [(p, now) for p in checkpoint_paths if checkpoint_exists(p)]

    def _check_session(self, sess, action: str) -> None:
        if not hasattr(sess, "read_variable"):
            raise TypeError(f"'sess' must be a Session; {sess!r}")
        if getattr(sess, "_closed", False):
            raise RuntimeError(f"Attempted to use a closed Session (to {action} a checkpoint).")
        if self._variables and sess.graph is not self._graph:
            raise ValueError(f"Cannot {action}: the session's graph is not the graph of the "
                             "Saver's variables")

    # -- save
    def save(self, sess, save_path: str, global_step=None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True,
             write_state: bool = True, strip_default_attrs: bool = False,
             save_debug_info: bool = False) -> str:
        """Writes the variables' values from ``sess``; returns the checkpoint prefix
        (``save_path``, or ``save_path-<global_step>``)."""
        self.build()
        self._check_session(sess, "save")
        save_path = os.fspath(save_path)
        if latest_filename and os.path.basename(latest_filename) != latest_filename:
            raise ValueError(f"'latest_filename' collides with 'save_path': '{latest_filename}' "
                             "must be a file name, not a path")
        if global_step is not None:
            if not isinstance(global_step, (int, np.integer)):
                global_step = sess.run(global_step)
            step = int(global_step)
            prefix = f"{save_path}-{step:08d}" if self._pad_step_number else f"{save_path}-{step}"
        else:
            prefix = save_path
        parent = os.path.dirname(prefix)
        if parent and not os.path.isdir(parent):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        if os.path.basename(prefix) == (latest_filename or "checkpoint"):
            raise ValueError(f"Save path '{prefix}' conflicts with path used for checkpoint "
                             "state. Please use a different save path.")
        values = {key: sess.read_variable(var) for key, var in self._variables.items()}
        checkpoint_io.write_bundle(prefix, values)
        if write_meta_graph and _can_export_graphs():
            self.export_meta_graph(f"{prefix}.{meta_graph_suffix}",
                                   strip_default_attrs=strip_default_attrs)
        if write_state:
            dropped = self._record(prefix)
            update_checkpoint_state(parent, prefix, self.last_checkpoints, latest_filename)
            self._delete(dropped, meta_graph_suffix)
        return prefix

    def _record(self, prefix: str) -> list[tuple[str, float]]:
        """Adds ``prefix`` to the kept checkpoints; returns those falling out of the window."""
        if not self._max_to_keep:
            return []
        kept = [c for c in self._last_checkpoints if c[0] != prefix] + [(prefix, time.time())]
        self._last_checkpoints = kept[-self._max_to_keep:]
        return kept[:-self._max_to_keep]

    def _delete(self, dropped: list[tuple[str, float]], meta_graph_suffix: str) -> None:
        # Called only once the new checkpoint and the state file naming it are in place.
        for prefix, saved_at in dropped:
            if saved_at > self._next_keep_time:  # keep_checkpoint_every_n_hours spares it
                self._next_keep_time += self._keep_every * 3600
                continue
            remove_checkpoint(prefix, meta_graph_suffix=meta_graph_suffix)

    # -- restore
    def restore(self, sess, save_path: str) -> None:
        """Sets the variables in ``sess`` from checkpoint ``save_path``; uninitialized
        variables are fine. Checks every variable before changing any."""
        self.build()
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_exists(save_path):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path}")
        self._check_session(sess, "restore")
        with BundleReader(save_path) as reader:
            shapes = reader.get_variable_to_shape_map()
            kinds = reader.get_variable_to_dtype_map()
            for key, var in self._variables.items():
                op = _variable_op(var)
                if key not in shapes:
                    raise errors.NotFoundError(
                        None, op, f"Key {key} not found in checkpoint {save_path} (needed to "
                        f"restore variable '{op.name}'); it holds: {_some(sorted(shapes))}")
                want_dtype = op.outputs[0].dtype
                if kinds[key] != want_dtype.np:
                    raise errors.InvalidArgumentError(
                        None, op, f"Cannot restore variable '{op.name}' of dtype "
                        f"{want_dtype.name} from '{key}' of dtype {kinds[key].name} in "
                        f"checkpoint {save_path}")
                want_shape = op.outputs[0].shape
                if not want_shape.is_compatible_with(shapes[key]):
                    raise errors.InvalidArgumentError(
                        None, op, f"Cannot restore variable '{op.name}' of shape "
                        f"{want_shape.as_list()} from '{key}' of shape {shapes[key]} in "
                        f"checkpoint {save_path}")
            values = {key: reader.get_tensor(key) for key in self._variables}
        for key, var in self._variables.items():
            sess.write_variable(var, values[key])

    # -- meta graph
    def export_meta_graph(self, filename: str | None = None, collection_list=None,
                          as_text: bool = False, export_scope=None, clear_devices: bool = False,
                          clear_extraneous_savers: bool = False,
                          strip_default_attrs: bool = False, save_debug_info: bool = False):
        """Writes (if ``filename``) and returns the MetaGraphDef of the Saver's graph, with the
        Saver's SaveV2/RestoreV2 nodes that its SaverDef names (as TensorFlow writes them)."""
        from tensorfluxo.framework.graph_io import graph_to_graph_def
        from tensorfluxo.train.saver_ops import saver_nodes
        self.build()
        variables = {k: _variable_op(v).outputs[0] for k, v in self._variables.items()}
        graph_def = graph_to_graph_def(
            self._graph, extra=lambda w: saver_nodes(w, variables, self._scope())
            if variables else None)
        return export_meta_graph(filename, graph_def=graph_def, graph=self._graph,
                                 saver_def=self.as_saver_def(), collection_list=collection_list,
                                 as_text=as_text, clear_devices=clear_devices)

    def _scope(self) -> str:
        """"save", or "save_1"... if the graph already uses that name scope."""
        used = {op.name.split("/", 1)[0] for op in self._graph._ops}
        scope, i = "save", 0
        while scope in used:
            i += 1
            scope = f"save_{i}"
        return scope

    def as_saver_def(self):
        from tensorboard.compat.proto import saver_pb2
        self.build()
        scope = self._scope()
        return saver_pb2.SaverDef(
            filename_tensor_name=f"{scope}/Const:0",
            save_tensor_name=f"{scope}/control_dependency:0",
            restore_op_name=f"{scope}/restore_all", max_to_keep=self._max_to_keep or 0,
            sharded=False, keep_checkpoint_every_n_hours=self._keep_every,
            version=saver_pb2.SaverDef.V2)

    to_proto = as_saver_def


def _can_export_graphs() -> bool:
    # The GraphDef conversion (framework/graph_io.py) is a separate part of the engine; until
    # it is there, checkpoints are written without their .meta file.
    import importlib.util
    return importlib.util.find_spec("tensorfluxo.framework.graph_io") is not None


def _some(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "") or "nothing"


# ----------------------------------------------------------------------------- meta graphs
# Collections whose values are variables; they are stored as VariableDef protos.
_VARIABLE_COLLECTIONS = ("variables", "trainable_variables", "local_variables",
                         "model_variables", "moving_average_variables", "global_step")


def _variable_def(var) -> bytes:
    from tensorboard.compat.proto import variable_pb2
    return variable_pb2.VariableDef(
        variable_name=var.name, initializer_name=var.initializer.name,
        initial_value_name=var.initial_value.name, snapshot_name=var.name,
        trainable=var.trainable).SerializeToString()


def _collection_def(key: str, values, variable_class):
    """A CollectionDef for a collection's values, or None if they cannot be stored."""
    from tensorboard.compat.proto import meta_graph_pb2

    from tensorfluxo.framework.ops import Operation, Tensor
    out = meta_graph_pb2.CollectionDef()
    if key in _VARIABLE_COLLECTIONS and all(isinstance(v, variable_class) for v in values):
        out.bytes_list.value.extend(_variable_def(v) for v in values)
    elif all(isinstance(v, (Tensor, Operation)) for v in values):
        out.node_list.value.extend(v.name for v in values)
    elif all(isinstance(v, (str, bytes)) for v in values):
        out.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in values)
    elif all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        out.int64_list.value.extend(int(v) for v in values)
    elif all(isinstance(v, (float, np.floating)) for v in values):
        out.float_list.value.extend(float(v) for v in values)
    else:
        return None
    return out


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text: bool = False, graph=None,
                      clear_devices: bool = False, **kwargs):
    """tf.train.export_meta_graph: the MetaGraphDef (graph, saver, collections) of ``graph``
    (the default graph), also written to ``filename`` when given. Collections holding values
    that have no protobuf form (Python objects) are left out with a warning, as in TF."""
    from tensorboard.compat.proto import meta_graph_pb2

    from tensorfluxo.framework.ops import get_default_graph
    from tensorfluxo.variables import Variable
    graph = graph or get_default_graph()
    meta = meta_graph_pb2.MetaGraphDef()
    if meta_info_def is not None:
        meta.meta_info_def.CopyFrom(meta_info_def)
    meta.graph_def.CopyFrom(graph_def if graph_def is not None else graph.as_graph_def())
    if clear_devices:
        for node in meta.graph_def.node:
            node.device = ""
    if saver_def is not None:
        meta.saver_def.CopyFrom(saver_def)
    keys = graph.get_all_collection_keys() if collection_list is None else collection_list
    for key in keys:
        values = graph.get_collection(key)
        if not values:
            continue
        collection = _collection_def(key, values, Variable)
        if collection is None:
            warnings.warn(f"Collection '{key}' is not saved in the meta graph: its values "
                          f"({type(values[0]).__name__}...) have no protobuf form", stacklevel=2)
            continue
        meta.collection_def[key].CopyFrom(collection)
    if filename:
        if as_text:
            from google.protobuf import text_format
            data = text_format.MessageToString(meta).encode("utf-8")
        else:
            data = meta.SerializeToString()
        checkpoint_io._write_atomic(os.fspath(filename), [data])
    return meta


def _read_meta_graph(filename: str):
    from google.protobuf import message, text_format
    from tensorboard.compat.proto import meta_graph_pb2
    filename = os.fspath(filename)
    if not os.path.isfile(filename):
        raise OSError(f"File {filename} does not exist.")
    with open(filename, "rb") as f:
        data = f.read()
    meta = meta_graph_pb2.MetaGraphDef()
    try:
        meta.ParseFromString(data)
        return meta
    except message.DecodeError:
        pass
    try:  # a meta graph saved with as_text=True
        return text_format.Parse(data.decode("utf-8"), meta_graph_pb2.MetaGraphDef())
    except (UnicodeDecodeError, text_format.ParseError):
        raise errors.DataLossError(None, None, f"Meta graph file {filename} is neither a binary "
                                   "nor a text MetaGraphDef: it is corrupted") from None


def _rebuild_variable(graph, var_def, scope: str):
    """The Variable of an imported VariableV2 op, completed from its VariableDef."""
    from tensorfluxo.framework.ops import Tensor
    from tensorfluxo.variables import Variable

    def name(n: str) -> str:
        return f"{scope}/{n}" if scope else n
    op = graph.get_tensor_by_name(name(var_def.variable_name)).op
    var = op.outputs[0]
    if not isinstance(var, Variable):  # import_graph_def left a plain Tensor: wrap it
        var = Variable.__new__(Variable)
        Tensor.__init__(var, op, 0, op.outputs[0].dtype, op.outputs[0].shape)
        op.outputs = (var,)  # as Variable.__init__ does: the Variable is the op's output
    if var_def.initial_value_name:
        var._initial_value = graph.get_tensor_by_name(name(var_def.initial_value_name))
    if var_def.initializer_name:
        var._initializer_op = graph.get_operation_by_name(name(var_def.initializer_name))
    var._trainable = var_def.trainable
    var.constraint = getattr(var, "constraint", None)
    return var


def import_meta_graph(meta_graph_or_file, clear_devices: bool = False, import_scope=None,
                      **kwargs):
    """tf.train.import_meta_graph: adds a saved graph (and its collections) to the default
    graph; returns a Saver for its variables (None if it has none), to restore them."""
    from tensorboard.compat.proto import meta_graph_pb2, variable_pb2

    from tensorfluxo.framework.graph_io import import_graph_def
    from tensorfluxo.framework.ops import get_default_graph
    if isinstance(meta_graph_or_file, meta_graph_pb2.MetaGraphDef):
        meta = meta_graph_or_file
    else:
        meta = _read_meta_graph(meta_graph_or_file)
    graph_def = meta.graph_def
    if clear_devices:
        graph_def = type(graph_def).FromString(graph_def.SerializeToString())
        for node in graph_def.node:
            node.device = ""
    scope = import_scope or ""
    import_graph_def(graph_def, name=scope)
    graph = get_default_graph()
    saved = {}  # checkpoint key (the original name, without import scope) -> variable
    collections = sorted(meta.collection_def.items(), key=lambda kv: kv[0] not in
                         _VARIABLE_COLLECTIONS)  # variables first: node lists may name them
    for key, collection in collections:
        kind = collection.WhichOneof("kind")
        if key in _VARIABLE_COLLECTIONS and kind == "bytes_list":
            for raw in collection.bytes_list.value:
                var_def = variable_pb2.VariableDef.FromString(raw)
                var = _rebuild_variable(graph, var_def, scope)
                if key == "variables":
                    saved[var_def.variable_name.rsplit(":", 1)[0]] = var
                graph.add_to_collection(key, var)
        elif kind == "node_list":
            for n in collection.node_list.value:
                graph.add_to_collection(key, graph.as_graph_element(
                    f"{scope}/{n}" if scope else n))
        elif kind in ("bytes_list", "int64_list", "float_list"):
            for value in getattr(collection, kind).value:
                graph.add_to_collection(key, value)
    return Saver(saved) if saved else None
