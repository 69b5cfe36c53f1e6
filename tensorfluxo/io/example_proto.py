"""tf.train.Example and its messages, declared here with protobuf's descriptor API.

TensorFlow's example.proto / feature.proto (package ``tensorflow``) are not among the protos the
tensorboard package ships, so the eight small messages are declared field for field from their
published schema; the wire format is therefore TensorFlow's, and ``SerializeToString`` output
is what TF writes and parses. Built on first use (protobuf is imported lazily).
"""

from __future__ import annotations

import functools

# (message, [(field, number, label, type, type_name)]); maps are declared as protobuf does:
# a nested "<Field>Entry" message with key = 1, value = 2 and the map_entry option.
_OPT, _REP = 1, 3
_STRING, _BYTES, _FLOAT, _INT64, _MESSAGE = 9, 12, 2, 3, 11
_MESSAGES = [
    ("BytesList", [("value", 1, _REP, _BYTES, None)]),
    ("FloatList", [("value", 1, _REP, _FLOAT, None)]),
    ("Int64List", [("value", 1, _REP, _INT64, None)]),
    ("Feature", [("bytes_list", 1, _OPT, _MESSAGE, "BytesList"),
                 ("float_list", 2, _OPT, _MESSAGE, "FloatList"),
                 ("int64_list", 3, _OPT, _MESSAGE, "Int64List")]),
    ("Features", [("feature", 1, _REP, _MESSAGE, "Features.FeatureEntry")]),
    ("FeatureList", [("feature", 1, _REP, _MESSAGE, "Feature")]),
    ("FeatureLists", [("feature_list", 1, _REP, _MESSAGE, "FeatureLists.FeatureListEntry")]),
    ("Example", [("features", 1, _OPT, _MESSAGE, "Features")]),
    ("SequenceExample", [("context", 1, _OPT, _MESSAGE, "Features"),
                         ("feature_lists", 2, _OPT, _MESSAGE, "FeatureLists")]),
]
_MAPS = {"Features": ("FeatureEntry", "Feature"), "FeatureLists": ("FeatureListEntry",
                                                                   "FeatureList")}


@functools.cache
def messages() -> dict:
    """name -> generated message class (Example, Features, Feature, Int64List, ...)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="tensorfluxo/example.proto",
                                             package="tensorflow", syntax="proto3")
    for name, fields in _MESSAGES:
        msg = fdp.message_type.add(name=name)
        for fname, number, label, ftype, tname in fields:
            f = msg.field.add(name=fname, number=number, label=label, type=ftype)
            if tname:
                f.type_name = ".tensorflow." + tname
            if name == "Feature":
                f.oneof_index = 0
        if name == "Feature":
            msg.oneof_decl.add(name="kind")
        if name in _MAPS:
            entry, value = _MAPS[name]
            e = msg.nested_type.add(name=entry)
            e.options.map_entry = True
            e.field.add(name="key", number=1, label=_OPT, type=_STRING)
            e.field.add(name="value", number=2, label=_OPT, type=_MESSAGE,
                        type_name=".tensorflow." + value)
    pool = descriptor_pool.DescriptorPool()
    fd = pool.Add(fdp)
    fd = pool.FindFileByName(fdp.name)
    return {name: message_factory.GetMessageClass(fd.message_types_by_name[name])
            for name, _ in _MESSAGES}


def __getattr__(name: str):
    if name in dict(_MESSAGES):
        return messages()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
