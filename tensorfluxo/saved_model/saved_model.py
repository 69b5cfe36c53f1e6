"""SavedModel, TF1 style: a directory with ``saved_model.pb`` (meta graphs tagged "serve"...,
with signatures) and ``variables/variables.*`` (a checkpoint), which TensorFlow serves and
tensorfluxo loads back (tf.saved_model.simple_save / builder / loader.load).

The meta graphs are the ones ``tf.train.export_meta_graph`` writes (TF's op vocabulary, the
Saver's real save/restore nodes), so TensorFlow 2.21's ``tf.saved_model.load`` restores the
variables through them and calls the signatures.
"""

from __future__ import annotations

import os

from ..train import checkpoint_io

SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
ASSETS_DIRECTORY = "assets"
MAIN_OP_KEY = "saved_model_main_op"
LEGACY_INIT_OP_KEY = "legacy_init_op"
SERVING, TRAINING, EVAL, GPU, TPU = "serve", "train", "eval", "gpu", "tpu"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
PREDICT_METHOD_NAME = "tensorflow/serving/predict"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
REGRESS_METHOD_NAME = "tensorflow/serving/regress"
PREDICT_INPUTS, PREDICT_OUTPUTS = "inputs", "outputs"
CLASSIFY_INPUTS, CLASSIFY_OUTPUT_CLASSES, CLASSIFY_OUTPUT_SCORES = "inputs", "classes", "scores"
REGRESS_INPUTS, REGRESS_OUTPUTS = "inputs", "outputs"


# ---- signatures ------------------------------------------------------------------------------
def build_tensor_info(tensor):
    """The TensorInfo (name, dtype, shape) of a tensor, as signatures hold them."""
    from tensorboard.compat.proto import meta_graph_pb2

    from ..framework.graph_io import dtype_enum, shape_proto
    return meta_graph_pb2.TensorInfo(name=tensor.name, dtype=dtype_enum(tensor.dtype),
                                     tensor_shape=shape_proto(tensor.shape))


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    from ..framework.ops import get_default_graph
    name = tensor_info.name
    return (graph or get_default_graph()).get_tensor_by_name(
        f"{import_scope}/{name}" if import_scope else name)


def build_signature_def(inputs=None, outputs=None, method_name=None):
    """A SignatureDef from {key: TensorInfo} maps."""
    from tensorboard.compat.proto import meta_graph_pb2
    sig = meta_graph_pb2.SignatureDef(method_name=method_name or "")
    for key, info in (inputs or {}).items():
        sig.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        sig.outputs[key].CopyFrom(info)
    return sig


def _infos(tensors: dict, what: str) -> dict:
    if not isinstance(tensors, dict) or not tensors:
        raise ValueError(f"Prediction {what} cannot be None or empty: give a dict "
                         "{name: tensor}.")
    return {k: build_tensor_info(t) for k, t in tensors.items()}


def predict_signature_def(inputs: dict, outputs: dict):
    """The "tensorflow/serving/predict" signature: named input and output tensors."""
    return build_signature_def(_infos(inputs, "inputs"), _infos(outputs, "outputs"),
                               PREDICT_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    outputs = {}
    if classes is not None:
        outputs[CLASSIFY_OUTPUT_CLASSES] = build_tensor_info(classes)
    if scores is not None:
        outputs[CLASSIFY_OUTPUT_SCORES] = build_tensor_info(scores)
    if not outputs:
        raise ValueError("Classification classes and scores cannot both be None.")
    return build_signature_def({CLASSIFY_INPUTS: build_tensor_info(examples)}, outputs,
                               CLASSIFY_METHOD_NAME)


def regression_signature_def(examples, predictions):
    return build_signature_def({REGRESS_INPUTS: build_tensor_info(examples)},
                               {REGRESS_OUTPUTS: build_tensor_info(predictions)},
                               REGRESS_METHOD_NAME)


def is_valid_signature(signature_def) -> bool:
    return bool(signature_def.method_name) and bool(signature_def.outputs)


# ---- the saved_model.pb file (SavedModel: schema version = 1, meta_graphs = 2) --------------
def _encode(meta_graphs) -> bytes:
    out = checkpoint_io._field(1, 1)
    for meta in meta_graphs:
        out += checkpoint_io._field(2, meta.SerializeToString())
    return out


def _encode_text(meta_graphs) -> bytes:
    from google.protobuf import text_format
    parts = ["saved_model_schema_version: 1\n"]
    for meta in meta_graphs:
        body = text_format.MessageToString(meta)
        parts.append("meta_graphs {\n" + "".join("  " + line + "\n" for line in
                                                 body.splitlines()) + "}\n")
    return "".join(parts).encode()


def _text_blocks(text: str, key: str) -> list[str]:
    """The bodies of the top-level ``key { ... }`` blocks of a text proto (quotes honoured)."""
    blocks, i, n = [], 0, len(text)
    while True:
        start = text.find(key + " {", i)
        if start < 0:
            return blocks
        depth, j, quote = 0, start + len(key) + 1, None
        while j < n:
            c = text[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        blocks.append(text[start + len(key) + 3:j])
        i = j + 1


def read_saved_model(export_dir: str) -> list:
    """The MetaGraphDefs of the SavedModel in ``export_dir``."""
    from google.protobuf import message, text_format
    from tensorboard.compat.proto import meta_graph_pb2

    from ..framework import errors
    export_dir = os.fspath(export_dir)
    pb = os.path.join(export_dir, SAVED_MODEL_FILENAME_PB)
    txt = os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)
    if os.path.isfile(pb):
        with open(pb, "rb") as f:
            data = f.read()
        try:
            fields = checkpoint_io._parse_message(data)
            return [meta_graph_pb2.MetaGraphDef.FromString(b) for b in fields.get(2, [])]
        except (checkpoint_io._Corrupt, message.DecodeError, TypeError):
            raise errors.DataLossError(None, None, f"{pb} is not a SavedModel: it is "
                                       "corrupted") from None
    if os.path.isfile(txt):
        with open(txt, encoding="utf-8") as f:
            text = f.read()
        return [text_format.Parse(b, meta_graph_pb2.MetaGraphDef())
                for b in _text_blocks(text, "meta_graphs")]
    raise OSError(f"SavedModel file does not exist at: {export_dir}/{{"
                  f"{SAVED_MODEL_FILENAME_PBTXT}|{SAVED_MODEL_FILENAME_PB}}}")


def contains_saved_model(export_dir) -> bool:
    d = os.fspath(export_dir)
    return any(os.path.isfile(os.path.join(d, f)) for f in
               (SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT))


# ---- writing ---------------------------------------------------------------------------------
class SavedModelBuilder:
    """Writes a SavedModel: ``add_meta_graph_and_variables(sess, tags, signature_def_map)``
    once (the variables' values), ``add_meta_graph(tags, ...)`` for more tag sets, then
    ``save()``."""

    def __init__(self, export_dir):
        export_dir = os.fspath(export_dir)
        if os.path.exists(export_dir):
            if os.listdir(export_dir):
                raise AssertionError(f"Export directory already exists, and isn't empty. "
                                     f"Please choose a different export directory, or delete "
                                     f"all the contents of the specified directory: "
                                     f"{export_dir}")
        self._export_dir = export_dir
        self._metas: list = []
        self._has_variables = False
        self._tag_sets: list = []

    def _meta(self, graph, tags, signature_def_map, main_op, legacy_init_op, saver,
              clear_devices):
        from ..framework.ops import GraphKeys
        from ..train.saver import Saver
        tags = [tags] if isinstance(tags, str) else list(tags or [])
        if set(tags) in self._tag_sets:
            raise AssertionError(f"MetaGraphDef associated with tags {tags} already exists "
                                 "in this SavedModel: give each meta graph its own tags")
        for key, sig in (signature_def_map or {}).items():
            for t in (*sig.inputs.values(), *sig.outputs.values()):
                try:
                    graph.get_tensor_by_name(t.name)
                except (KeyError, ValueError):
                    raise ValueError(f"Signature '{key}' names tensor '{t.name}', which is "
                                     "not in the graph being saved") from None
        with graph.as_default():
            if saver is None:
                variables = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + \
                    graph.get_collection("saveable_objects")
                saver = Saver(variables, allow_empty=True) if variables else None
        if saver is not None:
            meta = saver.export_meta_graph(clear_devices=clear_devices)
        else:
            from ..train.saver import export_meta_graph
            meta = export_meta_graph(graph=graph, clear_devices=clear_devices)
        meta.meta_info_def.tags.extend(tags)
        meta.meta_info_def.tensorflow_version = "2.21.0"
        for key, sig in (signature_def_map or {}).items():
            meta.signature_def[key].CopyFrom(sig)
        for key, op in ((MAIN_OP_KEY, main_op), (LEGACY_INIT_OP_KEY, legacy_init_op)):
            if op is not None:  # an op, or a tensor (tf.assign's): the op is what runs
                meta.collection_def[key].node_list.value[:] = [getattr(op, "op", op).name]
        self._metas.append(meta)
        self._tag_sets.append(set(tags))
        return saver

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None,
                                     assets_collection=None, legacy_init_op=None,
                                     clear_devices: bool = False, main_op=None,
                                     strip_default_attrs: bool = False, saver=None,
                                     init_op=None, train_op=None):
        """Adds the session's graph under ``tags`` and saves its variables' values."""
        if self._has_variables:
            raise AssertionError("Graph state including variables and assets has already "
                                 "been saved. Please invoke `add_meta_graph()` instead.")
        saver = self._meta(sess.graph, tags, signature_def_map, _first(main_op, init_op),
                           legacy_init_op, saver, clear_devices)
        var_dir = os.path.join(self._export_dir, VARIABLES_DIRECTORY)
        os.makedirs(var_dir, exist_ok=True)
        if saver is not None:
            saver.save(sess, os.path.join(var_dir, VARIABLES_FILENAME), write_meta_graph=False,
                       write_state=False)
        self._has_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None,
                       legacy_init_op=None, clear_devices: bool = False, main_op=None,
                       strip_default_attrs: bool = False, saver=None, init_op=None,
                       train_op=None):
        """Adds the default graph under more ``tags`` (the variables saved before serve)."""
        from ..framework.ops import get_default_graph
        if not self._has_variables:
            raise AssertionError("Graph state including variables and assets has not been "
                                 "saved yet. Please invoke `add_meta_graph_and_variables()` "
                                 "first.")
        self._meta(get_default_graph(), tags, signature_def_map, _first(main_op, init_op),
                   legacy_init_op, saver, clear_devices)

    def save(self, as_text: bool = False) -> bytes:
        """Writes saved_model.pb (or .pbtxt); returns its path (bytes, as TF1 did)."""
        os.makedirs(self._export_dir, exist_ok=True)
        name = SAVED_MODEL_FILENAME_PBTXT if as_text else SAVED_MODEL_FILENAME_PB
        path = os.path.join(self._export_dir, name)
        data = _encode_text(self._metas) if as_text else _encode(self._metas)
        checkpoint_io._write_atomic(path, [data])
        return path.encode()


def _first(a, b):
    return a if a is not None else b


def simple_save(session, export_dir, inputs: dict, outputs: dict, legacy_init_op=None):
    """Saves ``session``'s graph and variables for serving: tag "serve", signature
    "serving_default" predicting ``outputs`` from ``inputs`` ({name: tensor})."""
    b = SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(
        session, [SERVING], {DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict_signature_def(
            inputs, outputs)}, main_op=legacy_init_op, clear_devices=True)
    b.save()


# ---- loading ---------------------------------------------------------------------------------
def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Loads the meta graph tagged ``tags`` into ``sess``'s graph, restores its variables and
    runs its init op; returns the MetaGraphDef (its ``signature_def`` names the tensors)."""
    from ..train.saver import import_meta_graph
    tags = [tags] if isinstance(tags, str) else list(tags or [])
    metas = read_saved_model(export_dir)
    meta = next((m for m in metas if set(m.meta_info_def.tags) == set(tags)), None)
    if meta is None:
        available = [list(m.meta_info_def.tags) for m in metas]
        raise RuntimeError(f"MetaGraphDef associated with tags {tags} could not be found in "
                           f"SavedModel {export_dir}. Available tag-sets: {available}")
    with sess.graph.as_default():
        saver = import_meta_graph(meta, import_scope=import_scope)
        prefix = os.path.join(os.fspath(export_dir), VARIABLES_DIRECTORY, VARIABLES_FILENAME)
        if saver is not None:
            saver.restore(sess, prefix)
        for key in (MAIN_OP_KEY, LEGACY_INIT_OP_KEY):
            ops = sess.graph.get_collection(key)
            if ops:
                sess.run(ops[0])
                break
    return meta
