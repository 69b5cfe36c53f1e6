"""tf.contrib: the parts TF1 tutorials use — contrib.layers, contrib.learn, contrib.framework,
contrib.rnn, contrib.seq2seq (sequence_loss), contrib.legacy_seq2seq (its losses)."""

import importlib

_SUBMODULES = ("layers", "learn", "framework", "rnn", "seq2seq", "legacy_seq2seq")
__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tensorfluxo.contrib' has no attribute {name!r} (tensorfluxo "
                         f"provides contrib.{', contrib.'.join(_SUBMODULES)})")
