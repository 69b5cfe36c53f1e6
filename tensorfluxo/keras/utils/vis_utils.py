"""keras.utils.plot_model / model_to_dot: the model's layer graph drawn by graphviz (via
pydot), as Keras 2 did; without pydot and graphviz installed, Keras's clear error.

Unlike Keras, only the drawing needs graphviz's ``dot`` program: ``model_to_dot`` and
``plot_model(model, "model.dot")`` (the graph's source) need pydot alone."""

from __future__ import annotations

import os


def _pydot(graphviz: bool = True):
    try:
        import pydot
    except ImportError:
        raise ImportError("You must install pydot (`pip install pydot`) and install graphviz "
                          "(see instructions at https://graphviz.gitlab.io/download/) for "
                          "plot_model to work.") from None
    if not graphviz:
        return pydot
    try:
        pydot.Dot.create(pydot.Dot())
    except OSError:
        raise ImportError("You must install graphviz (the `dot` program, see instructions at "
                          "https://graphviz.gitlab.io/download/) for plot_model to work; "
                          "pydot is installed.") from None
    return pydot


def model_to_dot(model, show_shapes: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", dpi: int = 96, **kwargs):
    """A pydot graph: one node per layer, an edge per connection."""
    pydot = _pydot(graphviz=False)
    dot = pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("dpi", dpi)
    dot.set_node_defaults(shape="record")
    layers = model.layers
    if getattr(model, "_input_layer", None) is not None:
        layers = [model._input_layer] + layers
    for layer in layers:
        label = f"{layer.name}: {type(layer).__name__}" if show_layer_names else \
            type(layer).__name__
        if show_shapes:
            try:
                label += f"|{{input:|output:}}|{{{layer.input_shape}|{layer.output_shape}}}"
            except AttributeError:
                pass
        dot.add_node(pydot.Node(str(id(layer)), label=label))
    for layer in layers:
        for node in layer._inbound_nodes:
            if not model._owns(node):
                continue
            for h in node.inbound:
                if h is not None:
                    dot.add_edge(pydot.Edge(str(id(h[0])), str(id(layer))))
    return dot


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", dpi: int = 96, **kwargs):
    """Writes the drawing of ``model`` to ``to_file`` (.png, .svg, .pdf, .dot...)."""
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir, dpi)
    ext = os.path.splitext(to_file)[1][1:].lower() or "png"
    if ext in ("dot", "gv"):
        dot.write(to_file, format="raw")  # the source itself: no graphviz needed
    else:
        _pydot(graphviz=True)
        dot.write(to_file, format=ext)
    return None
