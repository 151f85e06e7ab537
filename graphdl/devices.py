"""TF1 device strings: `tf.device(...)` scopes record where an op was asked to run.

graphdl compiles each `Session.run` into one program on the Session's device, so a pin is not a
placement: it is recorded on the op (`op.device`, TF1's canonical spelling), checked against the
devices this machine has when a Session prepares a run (`runtime.session_config.check_placement`),
and shown in the drawings' tooltips. `ConfigProto(allow_soft_placement=True)` accepts pins to devices that are missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from graphdl.errors import GraphError

_TYPES = {"cpu": "CPU", "gpu": "GPU", "tpu": "TPU"}
_FIELD = re.compile(r"^(job|replica|task|device|cpu|gpu|tpu):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class DeviceSpec:
    """The parts of a TF1 device string; None where the string leaves a part open."""

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    device_index: int | None = None

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        """Parse '/cpu:0', '/device:GPU:1', 'gpu:0', '/job:localhost/replica:0/task:0/device:CPU:0'."""
        parts: dict[str, Any] = {}
        for piece in spec.strip().split("/"):
            if not piece:
                continue
            m = _FIELD.match(piece)
            if m is None:
                raise GraphError(f"invalid device specification {spec!r}: unknown part {piece!r}")
            key, value = m.group(1).lower(), m.group(2)
            if key in ("job",):
                parts["job"] = value
            elif key in ("replica", "task"):
                parts[key] = _index(spec, value)
            elif key == "device":
                kind, _, index = value.partition(":")
                parts["device_type"] = _device_type(spec, kind)
                parts["device_index"] = None if index in ("", "*") else _index(spec, index)
            else:  # legacy '/cpu:0'
                parts["device_type"] = _TYPES[key]
                parts["device_index"] = None if value in ("", "*") else _index(spec, value)
        return cls(**parts)

    def merged_with(self, inner: DeviceSpec) -> DeviceSpec:
        """This spec with the parts `inner` sets replaced (TF1's nesting of device scopes)."""
        changes = {k: v for k, v in vars(inner).items() if v is not None}
        return replace(self, **changes)

    def to_string(self) -> str:
        """TF1's canonical form: '/job:localhost/replica:0/task:0/device:GPU:0', parts left open omitted."""
        out = ""
        if self.job is not None:
            out += f"/job:{self.job}"
        if self.replica is not None:
            out += f"/replica:{self.replica}"
        if self.task is not None:
            out += f"/task:{self.task}"
        if self.device_type is not None:
            index = "*" if self.device_index is None else str(self.device_index)
            out += f"/device:{self.device_type}:{index}"
        return out


def _index(spec: str, value: str) -> int:
    if not value.isdigit():
        raise GraphError(f"invalid device specification {spec!r}: {value!r} is not an index")
    return int(value)


def _device_type(spec: str, kind: str) -> str:
    if not kind:
        raise GraphError(f"invalid device specification {spec!r}: the device type is missing")
    return _TYPES.get(kind.lower(), kind.upper())


DeviceScope = DeviceSpec | Callable[[Any], Any] | None


def scope_entry(device_name_or_function: Any) -> DeviceScope:
    """What `tf.device(x)` pushes: a parsed spec, a device function, or None (clears the pins)."""
    if device_name_or_function is None:
        return None
    if callable(device_name_or_function) and not isinstance(device_name_or_function, str | DeviceSpec):
        return device_name_or_function
    if isinstance(device_name_or_function, DeviceSpec):
        return device_name_or_function
    if isinstance(device_name_or_function, str):
        return DeviceSpec.from_string(device_name_or_function)
    raise GraphError(
        f"tf.device expects a device string, a DeviceSpec, a function or None, got {device_name_or_function!r}"
    )


def resolve(stack: Iterable[DeviceScope], node: Any) -> str:
    """The device string of a new op under these nested scopes ('' when nothing is pinned)."""
    spec = DeviceSpec()
    for entry in stack:
        if entry is None:
            spec = DeviceSpec()
        elif isinstance(entry, DeviceSpec):
            spec = spec.merged_with(entry)
        else:
            chosen = entry(node)  # a device function returns a string, a DeviceSpec or None
            if chosen is None or chosen == "":
                spec = DeviceSpec()
            elif isinstance(chosen, DeviceSpec):
                spec = spec.merged_with(chosen)
            elif isinstance(chosen, str):
                spec = spec.merged_with(DeviceSpec.from_string(chosen))
            else:
                raise GraphError(f"device function {entry!r} returned {chosen!r}, not a device string")
    return spec.to_string()
