"""Helpers shared by the passes: slot aliasing, producer lookup, constant values, hashable attrs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from compiler.ir import Plan, Step
from graphdl.dtypes import DType
from graphdl.shapes import TensorShape

MAX_COMPARED_ELEMENTS = 1_000_000  # attrs arrays larger than this are compared by identity


def resolve(alias: Mapping[int, int], slot: int) -> int:
    """Follow an alias chain to the slot that really holds the value."""
    while slot in alias:
        slot = alias[slot]
    return slot


def with_inputs(step: Step, alias: Mapping[int, int]) -> Step:
    """The step reading aliased slots through their targets (the same object when nothing changes)."""
    if not alias:
        return step
    ins = tuple(None if i is None else resolve(alias, i) for i in step.inputs)
    return step if ins == step.inputs else dataclasses.replace(step, inputs=ins)


def rebuild(plan: Plan, steps: Iterable[Step], alias: Mapping[int, int]) -> Plan:
    """A copy of `plan` with new steps, its fetches redirected through `alias` (the Graph is untouched)."""
    fetch = [None if s is None else resolve(alias, s) for s in plan.fetch_slots]
    return dataclasses.replace(
        plan,
        steps=list(steps),
        fetch_slots=fetch,
        slot_specs=dict(plan.slot_specs),
        log=list(plan.log),
    )


def has_effects(step: Step) -> bool:
    """A step that must run even when no fetch reads its outputs (writes, control, stateful ops)."""
    od = step.op_def
    if od.ref_inputs or od.kind in ("update", "control") or not step.outputs:
        return True
    return od.stateful and od.kind == "op"


def is_pure(step: Step) -> bool:
    """A step whose outputs depend only on its inputs and attrs (CSE and folding may touch it)."""
    od = step.op_def
    return od.kind in ("op", "constant") and not od.stateful and not od.ref_inputs


def constant_value(step: Step) -> np.ndarray | None:
    """The value of a single-output, input-free constant step (kind 'constant'), else None."""
    if step.op_def.kind != "constant" or step.inputs or len(step.outputs) != 1:
        return None
    value = step.attrs.get("value")
    if isinstance(value, np.ndarray):
        return value
    return None


def attr_key(value: Any) -> Any:
    """A hashable key that compares attrs by value (NumPy arrays by dtype, shape and bytes)."""
    if isinstance(value, np.ndarray):
        if value.size > MAX_COMPARED_ELEMENTS:  # big arrays: only the very same array is equal
            return ("ndarray-id", id(value))
        return ("ndarray", value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
    if isinstance(value, np.generic):
        return ("npscalar", value.dtype.str, value.tobytes())
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), attr_key(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(attr_key(v) for v in value))
    if isinstance(value, float):
        return ("float", value.hex() if value == value else "nan")
    if isinstance(value, DType | TensorShape | str | int | bool | None):
        return (type(value).__name__, value)
    hash(value)  # anything else must hash by value; TypeError tells the caller to skip the step
    return (type(value).__name__, value)
