"""Model configs (JSON), cloning, and files: Keras HDF5 (.h5) and the .keras zip.

HDF5 follows Keras 2's layout: attributes ``model_config``, ``training_config``,
``keras_version``, ``backend`` at the root; weights under ``model_weights/<layer>/<weight
name>`` with ``layer_names`` / ``weight_names`` attributes (``save_weights`` writes the same
groups at the root). A ``.keras`` file is a zip of ``config.json``, ``metadata.json`` and
``model.weights.h5``. Every file is written to a temporary name and renamed into place; no
format runs code when loaded except a Lambda layer's, and only with ``safe_mode=False``.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import tempfile
import zipfile

import numpy as np

from . import backend as K
from . import keras3, optimizers
from . import layers as layers_mod
from . import losses as L
from . import metrics as metrics_mod
from .engine import InputLayer, keras_history

KERAS_VERSION = "2.4.0"


# ---- configs --------------------------------------------------------------------------------
def _layer_entry(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def sequential_config(model) -> dict:
    entries = []
    if model._input_layer is not None:
        entries.append(_layer_entry(model._input_layer))
    entries += [_layer_entry(la) for la in model.layers]
    return {"name": model.name, "layers": entries}


def sequential_from_config(config: dict, custom_objects=None, safe_mode: bool = True):
    from .models import Sequential
    model = Sequential(name=config.get("name"))
    for entry in config["layers"]:
        model.add(layers_mod.deserialize(entry, custom_objects, safe_mode))
    return model


def functional_config(model) -> dict:
    layers, index = keras3.model_nodes(model)
    entries = []
    for layer, nodes in layers:
        inbound = []
        for n in nodes:
            if isinstance(layer, InputLayer):
                continue
            refs = []
            for h in n.inbound:
                refs.append([h[0].name, index[(id(h[0]), h[1])], h[2], {}])
            inbound.append(refs)
        entry = _layer_entry(layer)
        entry.update(name=layer.name, inbound_nodes=inbound)
        entries.append(entry)

    def ref(t):
        h = keras_history(t)
        return [h[0].name, index[(id(h[0]), h[1])], h[2]]

    return {"name": model.name, "layers": entries,
            "input_layers": [ref(t) for t in model.inputs],
            "output_layers": [ref(t) for t in model.outputs]}


def functional_from_config(config: dict, custom_objects=None, safe_mode: bool = True):
    from .training import Model
    created: dict = {}
    tensors: dict = {}   # (layer name, node index, tensor index) -> tensor
    pending = []
    for entry in config["layers"]:
        layer = layers_mod.deserialize(entry, custom_objects, safe_mode)
        created[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            tensors[(entry["name"], 0, 0)] = layer._inbound_nodes[0].outputs[0]
        else:
            pending.extend((layer, entry["name"], k, refs)
                           for k, refs in enumerate(entry["inbound_nodes"]))
    while pending:
        progress = False
        for item in list(pending):
            layer, name, k, refs = item
            keys = [(r[0], r[1], r[2]) for r in refs]
            if all(key in tensors for key in keys):
                args = [tensors[key] for key in keys]
                out = layer(args if len(args) > 1 else args[0])
                for j, t in enumerate(out if isinstance(out, (list, tuple)) else [out]):
                    tensors[(name, k, j)] = t
                pending.remove(item)
                progress = True
        if not progress:
            raise ValueError("The model config is inconsistent: some layers' inputs are never "
                             f"produced ({[p[1] for p in pending]})")
    ins = [tensors[tuple(r[:3])] for r in config["input_layers"]]
    outs = [tensors[tuple(r[:3])] for r in config["output_layers"]]
    return Model(ins if len(ins) > 1 else ins[0], outs if len(outs) > 1 else outs[0],
                 name=config.get("name"))


def _class_name(model) -> str:
    from .models import Sequential
    return "Sequential" if isinstance(model, Sequential) else "Functional"


def model_to_json(model, **kwargs) -> str:
    return json.dumps({"class_name": _class_name(model), "config": model.get_config(),
                       "keras_version": KERAS_VERSION, "backend": "tensorflow"}, **kwargs)


def model_from_config(config: dict, custom_objects=None, safe_mode: bool = True):
    from .models import Sequential
    from .training import Model
    cls = config.get("class_name")
    if cls == "Sequential":
        return Sequential.from_config(config["config"], custom_objects, safe_mode)
    if cls in ("Functional", "Model"):
        return Model.from_config(config["config"], custom_objects, safe_mode)
    raise ValueError(f"Unknown model class {cls!r} in the config (expected Sequential or "
                     "Functional)")


def model_from_json(json_string: str, custom_objects=None, safe_mode: bool = True):
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"model_from_json: not valid JSON ({e})") from None
    return model_from_config(config, custom_objects, safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model: input_tensors and clone_function are not "
                                  "supported")
    config = {"class_name": _class_name(model), "config": model.get_config()}
    return model_from_config(_renamed(config), safe_mode=False)


def _renamed(config: dict) -> dict:
    """The config as is: clones keep their layers' names (weights get new variables)."""
    return config


# ---- files ----------------------------------------------------------------------------------
def _atomic_write(path: str, write) -> None:
    """Calls ``write(tmp_path)`` then renames the temporary file over ``path``."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _check_overwrite(path, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")


class _OwnWeights:
    """A subclassed model's own weights (its add_weight calls) as one more weight group, named
    after the model, after its layers'."""

    def __init__(self, model):
        self.name = model.name
        self.weights = model._trainable_weights + model._non_trainable_weights

    def get_weights(self) -> list:
        return K.batch_get_value(self.weights)

    def set_weights(self, values) -> None:
        K.batch_set_value(zip(self.weights, values))


def _weight_holders(model) -> list:
    own = getattr(model, "_subclassed", False) and \
        (model._trainable_weights or model._non_trainable_weights)
    return list(model.layers) + ([_OwnWeights(model)] if own else [])


def _layers_with_weights(model) -> list:
    return [la for la in _weight_holders(model) if la.weights]


def _write_weight_groups(h5group, model) -> None:
    layers = _weight_holders(model)
    h5group.attrs["layer_names"] = np.array([la.name.encode("utf8") for la in layers])
    h5group.attrs["backend"] = b"tensorflow"
    h5group.attrs["keras_version"] = KERAS_VERSION.encode()
    for layer in layers:
        g = h5group.create_group(layer.name)
        ws = layer.weights
        values = layer.get_weights() if ws else []
        g.attrs["weight_names"] = np.array([w.name.encode("utf8") for w in ws])
        for w, v in zip(ws, values):
            g.create_dataset(w.name, data=v)


def _read_weight_groups(h5group, model, path: str, by_name=False, skip_mismatch=False) -> None:
    if "layer_names" not in h5group.attrs:
        raise ValueError(f"{path} holds no Keras weights (no 'layer_names' attribute)")
    names = [n.decode("utf8") if isinstance(n, bytes) else str(n)
             for n in h5group.attrs["layer_names"]]
    saved = []
    for name in names:
        g = h5group[name]
        wnames = [n.decode("utf8") if isinstance(n, bytes) else str(n)
                  for n in g.attrs["weight_names"]]
        if wnames:
            saved.append((name, [np.asarray(g[w]) for w in wnames], wnames))
    targets = _layers_with_weights(model)
    if by_name:
        by = {name: (vals, wn) for name, vals, wn in saved}
        pairs = [(la, by[la.name]) for la in targets if la.name in by]
    else:
        if len(saved) != len(targets):
            raise ValueError(f"Weight file {path} contains {len(saved)} layers with weights, "
                             f"but the model has {len(targets)} "
                             f"({[la.name for la in targets]} vs "
                             f"{[name for name, _, _ in saved]}).")
        pairs = [(la, (vals, wn)) for la, (_, vals, wn) in zip(targets, saved)]
    for k, (layer, (vals, wnames)) in enumerate(pairs):
        ws = layer.weights
        if len(vals) != len(ws):
            if skip_mismatch:
                continue
            raise ValueError(f"Layer #{k} (named {layer.name!r}) expects {len(ws)} weight(s), "
                             f"but the saved weights in {path} have {len(vals)} element(s).")
        for w, v, wn in zip(ws, vals, wnames):
            expected = tuple(w.shape.as_list())
            if tuple(v.shape) != expected:
                if skip_mismatch:
                    break
                raise ValueError(f"Layer #{k} (named {layer.name!r}): weight {w.name} has "
                                 f"shape {expected}, but the saved weight {wn} in {path} has "
                                 f"shape {tuple(v.shape)}.")
        else:
            layer.set_weights(vals)


def _training_config(model) -> dict | None:
    if not model._compiled:
        return None
    try:
        loss = model.loss
        loss = {k: L.serialize(L.get(v)) for k, v in loss.items()} if isinstance(loss, dict) \
            else [L.serialize(L.get(v)) for v in loss] if isinstance(loss, (list, tuple)) \
            else (L.serialize(L.get(loss)) if loss is not None else None)
        metrics = [metrics_mod.serialize(m) for m in model._metric_specs_flat(
            model._metric_spec)] or None
        return {"loss": loss, "metrics": metrics, "loss_weights": model.loss_weights,
                "optimizer_config": optimizers.serialize(model.optimizer)}
    except ValueError:
        return None  # custom losses/metrics: the architecture and weights are still saved


def _compile_from(model, training_config, custom_objects) -> None:
    if not training_config:
        return
    custom_objects = custom_objects or {}

    def loss_of(spec):
        if isinstance(spec, str) and spec in custom_objects:
            return custom_objects[spec]
        return L.deserialize(spec) if spec is not None else None

    loss = training_config.get("loss")
    loss = {k: loss_of(v) for k, v in loss.items()} if isinstance(loss, dict) else \
        [loss_of(v) for v in loss] if isinstance(loss, list) else loss_of(loss)
    metrics = [metrics_mod.deserialize(m) for m in training_config.get("metrics") or []]
    model.compile(optimizer=optimizers.deserialize(training_config["optimizer_config"]),
                  loss=loss, metrics=metrics or None,
                  loss_weights=training_config.get("loss_weights"))


def _write_optimizer_weights(h5file, model) -> None:
    """Keras 2's ``optimizer_weights`` group: iterations and slots, so that training resumes
    where it stopped (written once the optimizer has made them)."""
    opt = model.optimizer
    if opt is None or not opt.weights:
        return
    values = opt.get_weights()
    g = h5file.create_group("optimizer_weights")
    names = [f"{i:04d}:{w.name}" for i, w in enumerate(opt.weights)]
    g.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
    for name, v in zip(names, values):
        g.create_dataset(name, data=v)


def _read_optimizer_weights(h5file, model) -> None:
    if "optimizer_weights" not in h5file or model.optimizer is None:
        return
    g = h5file["optimizer_weights"]
    names = [_text(n) for n in g.attrs["weight_names"]]
    if not all(re.match(r"\d{4}:", n) for n in names):
        return  # Keras's own optimizer variables (another order): training restarts them
    model.optimizer.set_weights([np.asarray(g[n]) for n in names])


def _is_keras_zip(path: str) -> bool:
    return str(path).endswith(".keras")


def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True,
               save_format=None) -> None:
    """Saves architecture, weights and compile settings (.h5 or .keras by the file name)."""
    import h5py
    filepath = os.fspath(filepath)
    model._require_built("save")
    _check_overwrite(filepath, overwrite)
    model_config = {"class_name": _class_name(model), "config": model.get_config()}
    training = _training_config(model) if include_optimizer else None
    if _is_keras_zip(filepath) or save_format == "keras":
        def write(tmp):  # Keras 3's zip: config.json, metadata.json, model.weights.h5
            buf = io.BytesIO()
            with h5py.File(buf, "w") as f:
                keras3.write_weights(f, model)
                if training is not None:  # ours, for resuming; Keras 3 reads its own
                    _write_optimizer_weights(f, model)
            cfg = {**keras3.registration(_class_name(model)), "class_name": _class_name(model),
                   "config": keras3.model_config(model),
                   "build_config": {"input_shape": keras3._shape(model.input_shape)},
                   "compile_config": keras3.compile_config(training)}
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("metadata.json", json.dumps({
                    "keras_version": keras3.KERAS3_VERSION,
                    "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}))
                z.writestr("config.json", json.dumps(cfg))
                z.writestr("model.weights.h5", buf.getvalue())
        _atomic_write(filepath, write)
        return
    if save_format not in (None, "h5"):
        raise ValueError(f"Unsupported save_format {save_format!r}: use 'h5' or 'keras'")

    def write_h5(tmp):
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = KERAS_VERSION.encode()
            f.attrs["backend"] = b"tensorflow"
            f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
            if training is not None:
                f.attrs["training_config"] = json.dumps(training).encode("utf8")
                _write_optimizer_weights(f, model)
            _write_weight_groups(f.create_group("model_weights"), model)

    _atomic_write(filepath, write_h5)


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """The model saved by ``save`` (.h5 or .keras), compiled as it was when saved."""
    import h5py
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise OSError(f"No file or directory found at {filepath}")
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as z:
            names = set(z.namelist())
            if not {"config.json", "model.weights.h5"} <= names:
                raise ValueError(f"{filepath} is not a .keras model file (it lacks "
                                 "config.json or model.weights.h5)")
            cfg = json.loads(z.read("config.json"))
            weights = z.read("model.weights.h5")
        model = _model_from_file_config(cfg, filepath, custom_objects, safe_mode)
        with h5py.File(io.BytesIO(weights), "r") as f:
            if keras3.is_keras3_weights(f):
                keras3.read_weights(f, model, filepath)
            else:  # written by tensorfluxo before it wrote Keras 3's layout
                _read_weight_groups(f, model, filepath)
            if compile:
                _compile_from(model, keras3.training_config(cfg.get("compile_config"),
                                                            filepath), custom_objects)
                _read_optimizer_weights(f, model)
        return model
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is neither an HDF5 nor a .keras model file ({e})") from None
    with f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model config found in the file at {filepath} (was it saved "
                             "with save_weights? use model.load_weights instead)")
        cfg = json.loads(_text(f.attrs["model_config"]))
        model = _model_from_file_config(cfg, filepath, custom_objects, safe_mode)
        _read_weight_groups(f["model_weights"], model, filepath)
        if compile and "training_config" in f.attrs:
            _compile_from(model, keras3.training_config(
                json.loads(_text(f.attrs["training_config"])), filepath), custom_objects)
            _read_optimizer_weights(f, model)
    return model


def _model_from_file_config(cfg: dict, filepath: str, custom_objects, safe_mode: bool):
    """The model of a file's config (Keras 2 or 3); an unknown layer names the file."""
    try:
        return model_from_config(keras3.from_keras3(cfg, filepath), custom_objects, safe_mode)
    except (ValueError, TypeError) as e:
        if filepath in str(e):
            raise
        raise type(e)(f"{e} (loading {filepath})") from None


def _text(v) -> str:
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    import h5py
    filepath = os.fspath(filepath)
    model._require_built("save_weights")
    _check_overwrite(filepath, overwrite)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            if filepath.endswith(".weights.h5"):  # Keras 3's layout (what Keras 3 requires)
                keras3.write_weights(f, model)
            else:
                _write_weight_groups(f, model)

    _atomic_write(filepath, write)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    import h5py
    filepath = os.fspath(filepath)
    model._require_built("load_weights")
    if not os.path.exists(filepath):
        raise OSError(f"No weights file found at {filepath}")
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as z:
            data = z.read("model.weights.h5")
        with h5py.File(io.BytesIO(data), "r") as f:
            _read_any_weights(f, model, filepath, by_name, skip_mismatch)
        return
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is not an HDF5 weights file ({e})") from None
    with f:
        group = f["model_weights"] if "model_weights" in f else f
        _read_any_weights(group, model, filepath, by_name, skip_mismatch)


def _read_any_weights(h5group, model, filepath, by_name, skip_mismatch) -> None:
    if keras3.is_keras3_weights(h5group):
        keras3.read_weights(h5group, model, filepath, by_name)
    else:
        _read_weight_groups(h5group, model, filepath, by_name, skip_mismatch)
