"""Algebraic simplification: x*1, x+0, x-0, x/1, x**1, --x, transpose∘transpose, reshape∘reshape,
identities, log(softmax(x)) -> log_softmax(x), and shape-only ops whose output type equals the input's.

This is the one pass that matches op types by name; every pattern lives in the table `RULES`.
A rule gets the (already rewritten) step and a view of the plan and returns a slot that holds the
same value (the step is dropped and its output aliased to that slot), a replacement Step, or None.
Rules only fire when the result provably has the step's exact shape and dtype (no broadcasting).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from compiler.ir import Plan, Step
from compiler.passes._util import constant_value, rebuild, with_inputs
from graphdl.errors import GraphdlError
from graphdl.registry import TensorSpec, get_op_def
from graphdl.shapes import TensorShape


class View:
    """What rules may ask about the plan being rewritten: producers, specs and constant values."""

    def __init__(self, plan: Plan) -> None:
        self.producers: dict[int, Step] = {}
        self.specs: dict[int, TensorSpec] = dict(plan.slot_specs)

    def producer(self, slot: int | None, op_type: str | None = None) -> Step | None:
        """The step writing `slot` (only if it is of `op_type`, when given)."""
        st = None if slot is None else self.producers.get(slot)
        if st is not None and op_type is not None and st.op_def.name != op_type:
            return None
        return st

    def const(self, slot: int | None) -> np.ndarray | None:
        st = self.producer(slot)
        return None if st is None else constant_value(st)

    def spec(self, slot: int | None) -> TensorSpec | None:
        return None if slot is None else self.specs.get(slot)

    def add(self, step: Step) -> None:
        for o, s in zip(step.outputs, step.specs, strict=True):
            self.producers[o] = step
            self.specs[o] = s


Result = int | Step | None
Rule = Callable[[Step, View], Result]


def _known(shape: TensorShape) -> bool:
    return shape.dims is not None and shape.is_fully_defined()


def same_type(a: TensorSpec | None, b: TensorSpec | None, *, defined: bool = False) -> bool:
    """Same dtype and the same static shape (fully known, when `defined`)."""
    if a is None or b is None or a.dtype != b.dtype or a.shape.dims is None or a.shape != b.shape:
        return False
    return not defined or _known(a.shape)


def noop_broadcast(c_shape: Sequence[int], x: TensorShape) -> bool:
    """Broadcasting an array of shape `c_shape` against `x` leaves x's shape as it is."""
    if x.dims is None or len(c_shape) > len(x.dims):
        return False
    tail = x.dims[len(x.dims) - len(c_shape) :]
    return all(c == 1 or (d is not None and c == d) for c, d in zip(c_shape, tail, strict=True))


def unit(value: float, sides: Sequence[int]) -> Rule:
    """`x op c` (c on one of `sides`) is x when every element of the constant c equals `value`."""

    def rule(step: Step, view: View) -> Result:
        for side in sides:
            c = view.const(step.inputs[side])
            x = step.inputs[1 - side]
            if c is None or x is None or c.size == 0 or not np.all(c == value):
                continue
            if same_type(view.spec(x), step.specs[0]) and noop_broadcast(c.shape, step.specs[0].shape):
                return x
        return None

    return rule


def involution(step: Step, view: View) -> Result:
    """f(f(x)) = x for negation and logical not."""
    inner = view.producer(step.inputs[0], step.op_def.name)
    if inner is None or inner.inputs[0] is None:
        return None
    x = inner.inputs[0]
    return x if same_type(view.spec(x), step.specs[0]) else None


def passthrough(step: Step, view: View) -> Result:
    """An identity-like op (identity, stop_gradient at run time, single-input add_n) is its input."""
    x = step.inputs[0] if len(step.inputs) == 1 else None
    return x if x is not None and same_type(view.spec(x), step.specs[0]) else None


def same_shape_noop(step: Step, view: View) -> Result:
    """A shape-only op (reshape, cast, reductions over size-1 axes, (un)broadcast) whose output has
    the input's exact, fully known type returns the input unchanged."""
    x = step.inputs[0] if step.inputs else None
    return x if x is not None and same_type(view.spec(x), step.specs[0], defined=True) else None


def _perm(step: Step, rank: int) -> list[int] | None:
    perm = step.attrs.get("perm")
    if perm is None:
        return list(range(rank))[::-1]
    try:
        p = [int(i) % rank for i in np.asarray(perm).reshape(-1)] if rank else []
    except (TypeError, ValueError):
        return None
    return p if sorted(p) == list(range(rank)) else None


def compose_transpose(step: Step, view: View) -> Result:
    """transpose(transpose(x, p), q) = transpose(x, p[q]); the identity permutation is x itself."""
    if len(step.inputs) != 1 or step.inputs[0] is None:
        return None
    rank = step.specs[0].shape.ndims
    if rank is None:
        return None
    outer = _perm(step, rank)
    if outer is None:
        return None
    if outer == list(range(rank)):
        return passthrough(step, view)
    inner = view.producer(step.inputs[0], step.op_def.name)
    if inner is None or len(inner.inputs) != 1 or inner.inputs[0] is None:
        return None
    first = _perm(inner, rank)
    if first is None:
        return None
    composed = [first[i] for i in outer]
    attrs = {**step.attrs, "perm": composed}
    return dataclasses.replace(step, inputs=(inner.inputs[0],), attrs=attrs)


def collapse_reshape(step: Step, view: View) -> Result:
    """reshape(reshape(x, s1), s2) = reshape(x, s2); a reshape to x's own known shape is x."""
    noop = same_shape_noop(step, view)
    if noop is not None:
        return noop
    inner = view.producer(step.inputs[0], step.op_def.name) if step.inputs else None
    if inner is None or not inner.inputs or inner.inputs[0] is None:
        return None
    return dataclasses.replace(step, inputs=(inner.inputs[0], *step.inputs[1:]))


def retype(
    op_type: str, step: Step, inputs: tuple[int | None, ...], attrs: dict[str, Any], view: View
) -> Result:
    """`step` recomputed as `op_type` on `inputs` when that op exists and infers the same types."""
    try:
        op_def = get_op_def(op_type)
        specs = op_def.infer([view.spec(i) for i in inputs], attrs)  # type: ignore[misc]
    except (GraphdlError, KeyError, TypeError):
        return None
    if len(specs) != len(step.specs) or not all(
        same_type(a, b) for a, b in zip(specs, step.specs, strict=True)
    ):
        return None
    return dataclasses.replace(step, op_def=op_def, attrs=attrs, inputs=inputs)


def log_of_softmax(step: Step, view: View) -> Result:
    """log(softmax(x)) = log_softmax(x): one stable op instead of an underflowing log of an exp."""
    inner = view.producer(step.inputs[0], "Softmax")
    if inner is None:
        return None
    return retype("LogSoftmax", step, inner.inputs, dict(inner.attrs), view)


# op type -> rules tried in order (the only place a pass names ops)
RULES: dict[str, tuple[Rule, ...]] = {
    "Mul": (unit(1, (1, 0)),),
    "Add": (unit(0, (1, 0)),),
    "Sub": (unit(0, (1,)),),
    "RealDiv": (unit(1, (1,)),),
    "Div": (unit(1, (1,)),),
    "Pow": (unit(1, (1,)),),
    "Neg": (involution,),
    "LogicalNot": (involution,),
    "Identity": (passthrough,),
    "StopGradient": (passthrough,),
    "PreventGradient": (passthrough,),
    "AddN": (passthrough,),
    "Cast": (same_shape_noop,),
    "Reshape": (collapse_reshape,),
    "Squeeze": (same_shape_noop,),
    "Tile": (same_shape_noop,),
    "BroadcastTo": (same_shape_noop,),
    "BroadcastLike": (same_shape_noop,),
    "Unbroadcast": (same_shape_noop,),
    "Sum": (same_shape_noop,),
    "Mean": (same_shape_noop,),
    "Max": (same_shape_noop,),
    "Min": (same_shape_noop,),
    "Prod": (same_shape_noop,),
    "Transpose": (compose_transpose,),
    "Log": (log_of_softmax,),
}

MAX_REWRITES_PER_STEP = 8


def simplify(plan: Plan) -> Plan:
    """Apply `RULES` to each step in order; dropped steps alias their outputs to an equal slot."""
    alias: dict[int, int] = {}
    view = View(plan)
    steps: list[Step] = []
    changed = False
    for st in plan.steps:
        st = with_inputs(st, alias)
        dropped = False
        for _ in range(MAX_REWRITES_PER_STEP):
            result = _apply(st, view)
            if result is None:
                break
            changed = True
            if isinstance(result, Step):
                st = result
                continue
            alias[st.outputs[0]] = result
            dropped = True
            break
        if not dropped:
            view.add(st)
            steps.append(st)
    if not changed and all(a is b for a, b in zip(steps, plan.steps, strict=True)):
        return plan
    return rebuild(plan, steps, alias)


def _apply(step: Step, view: View) -> Result:
    rules = RULES.get(step.op_def.name)
    if not rules or step.op_def.stateful or step.node.control_inputs:
        return None
    for rule in rules:
        result = rule(step, view)
        if isinstance(result, int) and len(step.outputs) != 1:
            continue
        if result is not None:
            return result
    return None
