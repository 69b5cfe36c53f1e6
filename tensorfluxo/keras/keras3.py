"""Keras 3's file layouts: ``config.json`` entries (``module`` / ``registered_name``, dtype
policies, ``build_config``, functional inbound nodes as keras tensors, ``batch_shape``) and the
``.weights.h5`` layout (``layers/<snake_case class>[_n]/vars/<i>``).

``to_keras3_*`` write what Keras 3 reads; ``from_keras3`` turns a Keras 3 config (or a Keras 2
one, unchanged) into the Keras 2 form tensorfluxo's ``from_config`` methods take. A Keras 3
setting tensorfluxo lacks is dropped only when it is off (None / False); otherwise loading
fails naming the layer, the setting and the file, never giving a different model.
"""

from __future__ import annotations

import re

import numpy as np

KERAS3_VERSION = "3.15.1"

_MODULES = (("_initializer", "keras.initializers"), ("_regularizer", "keras.regularizers"),
            ("_constraint", "keras.constraints"))
# Keras 3 settings with no tensorfluxo counterpart, read only when switched off.
_OFF_ONLY = {"quantization_config", "synchronized", "renorm", "renorm_clipping", "lora_rank",
             "lora_alpha", "optional", "ragged", "input_axes", "output_axes",
             "loss_scale_factor", "gradient_accumulation_steps", "use_ema",
             "ema_overwrite_frequency", "weight_decay", "is_legacy_optimizer", "jit_compile",
             "shared_object_id"}
_DEPENDENT = {"renorm_momentum": "renorm", "ema_momentum": "use_ema"}  # only with the other
_RENAMED = {"LeakyReLU": {"negative_slope": "alpha"}}


def snake_case(name: str) -> str:
    """Keras' object names: "BatchNormalization" -> "batch_normalization", "Conv2D" ->
    "conv2d", "LeakyReLU" -> "leaky_re_lu"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---- tensorfluxo -> Keras 3 ------------------------------------------------------------------
def _policy(dtype) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _object(entry: dict, module: str) -> dict:
    return {"module": module, "class_name": entry["class_name"], "config": entry["config"],
            "registered_name": None}


def layer_config(class_name: str, config: dict) -> dict:
    """A layer's config with Keras 3's spellings."""
    out = {}
    renamed = {v: k for k, v in _RENAMED.get(class_name, {}).items()}
    for k, v in config.items():
        if k == "time_major":  # Keras 3's RNNs take none (always False here)
            continue
        if k == "dtype" and isinstance(v, str) and class_name != "InputLayer":
            v = _policy(v)
        elif k in _SUBLAYER_KEYS and v is not None:  # Bidirectional's, an RNN's cell(s)
            v = [_sublayer_entry(c) for c in v] if isinstance(v, list) else \
                _sublayer_entry(v)
        elif isinstance(v, dict) and "class_name" in v:
            v = _object(v, next((m for suffix, m in _MODULES if k.endswith(suffix)),
                                "keras"))
        out[renamed.get(k, k)] = v
    if class_name == "InputLayer":
        out["batch_shape"] = out.pop("batch_input_shape")
        out.update(sparse=False, ragged=False, optional=False)
    out.pop("batch_input_shape", None)  # Keras 3 keeps it in the model's InputLayer
    if class_name.startswith("SpatialDropout"):  # Keras 3's takes no `trainable`
        out.pop("trainable", None)
    return out


_SUBLAYER_KEYS = ("layer", "backward_layer", "cell", "cells")


def _sublayer_entry(entry: dict) -> dict:
    return {"module": "keras.layers", "class_name": entry["class_name"],
            "config": layer_config(entry["class_name"], entry["config"]),
            "registered_name": None}


def _sublayers(layer) -> list:
    """(group name, layer) of the layers Keras 3 saves inside ``layer``'s group."""
    from .layers.recurrent import RNN
    from .layers.wrappers import Bidirectional, TimeDistributed
    if isinstance(layer, Bidirectional):
        return [("forward_layer", layer.forward_layer), ("backward_layer", layer.backward_layer)]
    if isinstance(layer, RNN) and not hasattr(layer.cell, "cells"):
        return [("cell", layer.cell)]
    if isinstance(layer, TimeDistributed):
        return [("layer", layer.layer)]
    return []


def _write_layer(g, layer) -> None:
    subs = _sublayers(layer)
    inner = {id(w) for _, sub in subs for w in sub.weights}
    own = [w for w in layer.weights if id(w) not in inner]
    v = g.create_group("vars")
    v.attrs["name"] = layer.name
    values = dict(zip(map(id, layer.weights), layer.get_weights())) if own else {}
    for i, w in enumerate(own):
        v.create_dataset(str(i), data=values[id(w)])
    for key, sub in subs:
        _write_layer(g.create_group(key), sub)


def _shape(s):
    if s is None:
        return None
    return [list(x) for x in s] if s and isinstance(s[0], (list, tuple)) else list(s)


def registration(cls: str) -> dict:
    """Keras 3's module / registered_name of a class ("Functional" is registered by its
    module path)."""
    if cls == "Functional":
        return {"module": "keras.src.models.functional", "registered_name": "Functional"}
    return {"module": "keras" if cls == "Sequential" else "keras.layers",
            "registered_name": None}


def _layer_entry(layer, extra=None) -> dict:
    cls = _class_name(layer)
    entry = {"module": registration(cls)["module"], "class_name": cls,
             "config": layer_config(cls, layer.get_config()),
             "registered_name": registration(cls)["registered_name"]}
    if cls in ("Sequential", "Functional"):
        entry["config"] = model_config(layer)
    if layer.weights and cls != "InputLayer" and layer._inbound_nodes:
        # Keras 3 builds a layer from this before setting its weights (first call's shape)
        shapes = [t.shape.as_list() for t in layer._inbound_nodes[0].inputs]
        entry["build_config"] = {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
    entry.update(extra or {})
    return entry


def _class_name(layer) -> str:
    from .models import Sequential
    from .training import Model
    if isinstance(layer, Sequential):
        return "Sequential"
    if isinstance(layer, Model):
        return "Functional"
    return type(layer).__name__


def model_nodes(model):
    """([(layer, its calls in this model)], {(layer id, call index): index among them})."""
    own = {id(n) for n in model._nodes}
    index: dict = {}
    out = []
    for layer in model.layers:
        nodes = [(i, n) for i, n in enumerate(layer._inbound_nodes) if id(n) in own]
        for k, (i, _) in enumerate(nodes):
            index[(id(layer), i)] = k
        out.append((layer, [n for _, n in nodes]))
    return out, index


def model_config(model) -> dict:
    """The ``config`` of a Sequential or Functional model in Keras 3's form."""
    from .engine import InputLayer, keras_history
    from .models import Sequential
    if isinstance(model, Sequential):
        entries = []
        if model._input_layer is not None:
            entries.append(_layer_entry(model._input_layer))
        entries += [_layer_entry(la) for la in model.layers]
        return {"name": model.name, "trainable": True, "dtype": _policy("float32"),
                "layers": entries, "build_input_shape": _shape(model.input_shape)}
    layers, index = model_nodes(model)
    entries = []
    for layer, nodes in layers:
        inbound = []
        if not isinstance(layer, InputLayer):
            for n in nodes:
                kts = [_keras_tensor(t, h[0].name, index[(id(h[0]), h[1])], h[2])
                       for t, h in zip(n.inputs, n.inbound)]
                inbound.append({"args": [kts if len(kts) > 1 else kts[0]], "kwargs": {}})
        entries.append(_layer_entry(layer, {"name": layer.name, "inbound_nodes": inbound}))

    def ref(t):
        h = keras_history(t)
        return [h[0].name, index[(id(h[0]), h[1])], h[2]]
    ins, outs = [ref(t) for t in model.inputs], [ref(t) for t in model.outputs]
    return {"name": model.name, "trainable": True, "layers": entries,
            "input_layers": ins if len(ins) > 1 else ins[0],
            "output_layers": outs if len(outs) > 1 else outs[0]}


def _keras_tensor(t, layer_name, node, index) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": t.shape.as_list() if t.shape.ndims is not None else None,
                       "dtype": t.dtype.name, "keras_history": [layer_name, node, index]}}


def compile_config(training: dict | None) -> dict | None:
    """Our training config (Keras 2's keys) as Keras 3's compile_config."""
    if not training:
        return None
    opt = dict(training["optimizer_config"])
    cfg = {k: v for k, v in opt["config"].items() if k != "decay" or not v}
    cfg.pop("decay", None)
    return {"optimizer": {"module": "keras.optimizers", "class_name": opt["class_name"],
                          "config": cfg, "registered_name": None},
            "loss": training.get("loss"), "loss_weights": training.get("loss_weights"),
            "metrics": training.get("metrics"), "weighted_metrics": None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


# ---- Keras 3 -> tensorfluxo (Keras 2's form) ---------------------------------------------------
def from_keras3(entry: dict, where: str) -> dict:
    """A {"class_name", "config"} entry (model or layer, Keras 2 or 3) in Keras 2's form."""
    cls, cfg = entry.get("class_name"), dict(entry.get("config") or {})
    out = {"class_name": cls}
    if cls in ("Sequential", "Functional", "Model"):
        cfg.pop("dtype", None)
        cfg.pop("trainable", None)
        cfg.pop("build_input_shape", None)
        cfg["layers"] = [from_keras3(la, where) for la in cfg.get("layers", [])]
        for key in ("input_layers", "output_layers"):
            if key in cfg and cfg[key] and isinstance(cfg[key][0], str):
                cfg[key] = [cfg[key]]
    else:
        cfg = _plain_config(cls, cfg, where)
    out["config"] = cfg
    if "name" in entry:
        out["name"] = entry["name"]
    if "inbound_nodes" in entry:
        out["inbound_nodes"] = [_node(n) for n in entry["inbound_nodes"]]
    return out


def _plain_config(cls: str, cfg: dict, where: str) -> dict:
    out = {}
    renamed = _RENAMED.get(cls, {})
    for k, v in cfg.items():
        if k in _OFF_ONLY or k in _DEPENDENT:
            if k in _DEPENDENT and not cfg.get(_DEPENDENT[k]):
                continue
            if v is None or v is False:
                continue
            raise ValueError(f"Layer {cls} (in {where}) uses {k}={v!r}, which tensorfluxo "
                             "does not support")
        if k == "dtype" and isinstance(v, dict):
            v = v.get("config", {}).get("name", "float32")
        elif isinstance(v, dict) and "class_name" in v:
            v = _plain_entry(v, where)
        elif k == "cells" and isinstance(v, list):  # StackedRNNCells'
            v = [_plain_entry(c, where) for c in v]
        out[renamed.get(k, k)] = v
    if cls == "InputLayer" and "batch_shape" in out:
        out["batch_input_shape"] = out.pop("batch_shape")
    return out


def _plain_entry(entry: dict, where: str) -> dict:
    return {"class_name": entry["class_name"],
            "config": _plain_config(entry["class_name"], dict(entry.get("config") or {}), where)}


def _node(node):
    """A Keras 3 inbound node ({"args": [...], "kwargs": {}}) as Keras 2's [[name, i, j, {}]]."""
    if not isinstance(node, dict):
        return node
    refs = []

    def walk(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            refs.append(list(x["config"]["keras_history"]) + [{}])
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
    walk(node.get("args", []))
    return refs


def training_config(compile_cfg: dict | None, where: str) -> dict | None:
    """Keras 3's compile_config (or our own training config) as our training config."""
    if not compile_cfg:
        return compile_cfg
    opt = compile_cfg.get("optimizer_config", compile_cfg.get("optimizer"))
    if isinstance(opt, str):
        opt = {"class_name": opt, "config": {}}
    opt = {"class_name": opt["class_name"],
           "config": _plain_config(opt["class_name"], dict(opt.get("config") or {}), where)}
    loss = compile_cfg.get("loss")
    if isinstance(loss, dict) and "module" in loss:
        loss = {"class_name": loss["class_name"], "config": loss.get("config", {})}
    return {"optimizer_config": opt, "loss": loss, "metrics": compile_cfg.get("metrics"),
            "loss_weights": compile_cfg.get("loss_weights")}


# ---- model.weights.h5 --------------------------------------------------------------------------
def is_keras3_weights(h5) -> bool:
    return "layers" in h5 and "layer_names" not in h5.attrs


def _keys(model) -> list:
    """(h5 group name, layer) for the model's layers, named as Keras 3 names them."""
    used: dict = {}
    out = []
    for layer in model.layers:
        base = snake_case(_class_name(layer))
        n = used.get(base, 0)
        used[base] = n + 1
        out.append((base if n == 0 else f"{base}_{n}", layer))
    return out


def write_weights(h5, model) -> None:
    h5.create_group("vars").attrs["name"] = model.name
    group = h5.create_group("layers")
    for key, layer in _keys(model):
        g = group.create_group(key)
        if _class_name(layer) in ("Sequential", "Functional"):
            write_weights(g, layer)
            continue
        _write_layer(g, layer)


def read_weights(h5, model, path: str, by_name: bool = False) -> None:
    """Sets the model's weights from a Keras 3 weights file (checked before any is set)."""
    values = []
    _collect(h5, model, path, by_name, values)
    for layer, vals in values:
        layer.set_weights(vals)


def _gathered(g) -> list:
    """A layer group's arrays in Keras 2's weight order: its own vars, then its sub-layers'
    (an RNN's cell, Bidirectional's forward then backward layer, a wrapper's layer)."""
    v = g.get("vars", {})
    vals = [np.asarray(v[str(i)]) for i in range(len(v))]
    known = ["forward_layer", "backward_layer", "layer", "cell", "cells"]
    subs = [k for k in known if k in g] + sorted(k for k in g if k not in known + ["vars"])
    for k in subs:
        vals += _gathered(g[k])
    return vals


def _collect(h5, model, path, by_name, out) -> None:
    group = h5["layers"]
    named = {}
    if by_name:
        for key in group:
            if "vars" in group[key]:
                named[str(group[key]["vars"].attrs.get("name", key))] = group[key]
    for key, layer in _keys(model):
        g = named.get(layer.name) if by_name else group.get(key)
        if g is None:
            if by_name or not layer.weights:
                continue
            raise ValueError(f"Weights file {path} has no group layers/{key} for layer "
                             f"'{layer.name}' ({_class_name(layer)}); it holds "
                             f"{sorted(group)}")
        if _class_name(layer) in ("Sequential", "Functional"):
            _collect(g, layer, path, by_name, out)
            continue
        vals = _gathered(g)
        ws = layer.weights
        if len(vals) != len(ws):
            raise ValueError(f"Layer '{layer.name}' ({_class_name(layer)}) expects {len(ws)} "
                             f"weight(s), but layers/{key} in {path} has {len(vals)}")
        for w, val in zip(ws, vals):
            if tuple(w.shape.as_list()) != val.shape:
                raise ValueError(f"Layer '{layer.name}': weight {w.name} has shape "
                                 f"{tuple(w.shape.as_list())}, but layers/{key} in {path} "
                                 f"holds shape {val.shape}")
        if ws:
            out.append((layer, vals))
