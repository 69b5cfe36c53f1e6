"""Session configuration: tf.ConfigProto, GPUOptions, RunOptions, RunMetadata and friends.

These are TensorFlow's own protobuf messages (the tensorboard package ships them), so every
field a TF1 program sets is accepted and printed as TF prints it. tensorfluxo runs every op on
the one CPU device of this process: GPU options have nothing to configure, RunMetadata stays
empty, and ``log_device_placement`` says where each op runs (always that CPU).
"""

from __future__ import annotations

import sys

from ..framework import errors

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"

_MESSAGES = ("ConfigProto", "GPUOptions", "GraphOptions", "OptimizerOptions", "RunOptions",
             "RunMetadata", "ThreadPoolOptionProto")

__all__ = list(_MESSAGES)


def __getattr__(name: str):
    if name in _MESSAGES:  # protobuf is imported on first use only
        from tensorboard.compat.proto import config_pb2
        return getattr(config_pb2, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_target(target) -> None:
    """Only the in-process target exists: a server address must not silently run locally."""
    if target in (None, "", b""):
        return
    raise errors.UnimplementedError(
        None, None, f"tf.Session(target={target!r}): tensorfluxo runs graphs in this process "
        "only and cannot connect to a TensorFlow server. Use tf.Session() (the target ''); "
        "for data-parallel training use the Horovod-style API over MPI.")


def placement_logger(config):
    """For ``log_device_placement=True``: a function printing each newly run op's device (and
    the device list now, as TF does when the session starts); None otherwise."""
    if config is None or not getattr(config, "log_device_placement", False):
        return None
    print(f"Device mapping: tensorfluxo runs every op on {CPU_DEVICE} (the one CPU device of "
          "this process)", file=sys.stderr)
    seen: set = set()

    def log(ops) -> None:
        for op in ops:
            if op not in seen:
                seen.add(op)
                print(f"{op.name}: ({op.type}): {CPU_DEVICE}", file=sys.stderr)
    return log
