"""Common-subexpression elimination: one step for each (op, attrs, input slots) of pure ops."""

from __future__ import annotations

from typing import Any

from compiler.ir import Plan, Step
from compiler.passes._util import attr_key, is_pure, rebuild, with_inputs


def step_key(step: Step) -> Any:
    """What makes two pure steps compute the same values, or None when attrs cannot be compared."""
    try:
        attrs = attr_key(step.attrs)
    except TypeError:
        return None
    controls = tuple(sorted(c.name for c in step.node.control_inputs))
    specs = tuple((s.shape, s.dtype) for s in step.specs)
    return (step.op_def.name, attrs, step.inputs, controls, specs)


def cse(plan: Plan) -> Plan:
    """Replace a pure step by an earlier one with the same op, attrs (by value) and input slots."""
    alias: dict[int, int] = {}
    seen: dict[Any, Step] = {}
    steps: list[Step] = []
    for st in plan.steps:
        st = with_inputs(st, alias)
        key = step_key(st) if is_pure(st) else None
        if key is not None:
            first = seen.get(key)
            if first is not None:
                alias.update(zip(st.outputs, first.outputs, strict=True))
                continue
            seen[key] = st
        steps.append(st)
    if not alias and all(a is b for a, b in zip(steps, plan.steps, strict=True)):
        return plan
    return rebuild(plan, steps, alias)
