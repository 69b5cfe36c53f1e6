"""tf.config: the devices TensorFlow 2 programs ask about (tensorfluxo runs on the CPU) and the
switch that runs tf.functions eagerly."""

from __future__ import annotations

import collections
import types

PhysicalDevice = collections.namedtuple("PhysicalDevice", "name device_type")
LogicalDevice = collections.namedtuple("LogicalDevice", "name device_type")

_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")


def list_physical_devices(device_type: str | None = None) -> list:
    """``tf.config.list_physical_devices("GPU")`` is empty: everything runs on the CPU."""
    return [_CPU] if device_type in (None, "CPU") else []


def list_logical_devices(device_type: str | None = None) -> list:
    return [LogicalDevice("/device:CPU:0", "CPU")] if device_type in (None, "CPU") else []


def get_visible_devices(device_type: str | None = None) -> list:
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted: the CPU is the only device."""


def set_memory_growth(device, enable: bool) -> None:
    """Accepted: there is no GPU memory to grow."""


def get_memory_growth(device) -> bool:
    return False


def run_functions_eagerly(run_eagerly: bool) -> None:
    """``True``: tf.function calls run the Python function eagerly (for debugging)."""
    from . import def_function
    def_function.RUN_EAGERLY = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    from . import def_function
    return def_function.RUN_EAGERLY


experimental = types.SimpleNamespace(
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    set_memory_growth=set_memory_growth, get_memory_growth=get_memory_growth,
    run_functions_eagerly=run_functions_eagerly)
threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=lambda n: None,
    set_inter_op_parallelism_threads=lambda n: None,
    get_intra_op_parallelism_threads=lambda: 0, get_inter_op_parallelism_threads=lambda: 0)
