"""Dead-code elimination: drop steps that neither a fetch nor a side effect needs."""

from __future__ import annotations

from compiler.ir import Plan, Step
from compiler.passes._util import has_effects, rebuild


def dce(plan: Plan) -> Plan:
    """Keep the steps fetches read, steps with effects (writes, control), and what those depend on.

    Dependencies are the input slots and the node's control inputs (as far as they are in the plan).
    """
    producer: dict[int, int] = {}
    by_node: dict[str, list[int]] = {}
    for i, st in enumerate(plan.steps):
        for o in st.outputs:
            producer[o] = i
        by_node.setdefault(st.node.name, []).append(i)
    live: set[int] = set()
    stack: list[int] = [i for i, st in enumerate(plan.steps) if has_effects(st)]
    stack += [producer[s] for s in plan.fetch_slots if s is not None and s in producer]
    while stack:
        i = stack.pop()
        if i in live:
            continue
        live.add(i)
        step: Step = plan.steps[i]
        stack += [producer[s] for s in step.inputs if s is not None and s in producer]
        for c in step.node.control_inputs:
            stack += by_node.get(c.name, [])
    if len(live) == len(plan.steps):
        return plan
    return rebuild(plan, (st for i, st in enumerate(plan.steps) if i in live), {})
