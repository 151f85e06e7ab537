"""Constant folding: run pure steps whose inputs are all constants at plan time; emit Const steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from compiler.ir import Plan, Step
from compiler.passes._util import constant_value, is_pure, rebuild
from graphdl.errors import GraphdlError
from graphdl.registry import TensorSpec, get_op_def
from graphdl.shapes import TensorShape

MAX_FOLDED_ELEMENTS = 1_000_000  # larger results stay computed at run time (keeps plans and HLO small)
# An op that reads an input only for its (static) shape folds when its result is small: a large
# broadcast is cheaper to compute at run time than to carry as a literal.
MAX_SHAPE_FOLDED_ELEMENTS = 4096


class FoldContext:
    """The evaluate context at plan time: no variables, no writes, step 0."""

    __slots__ = ("node", "step")

    def __init__(self) -> None:
        self.node: Any = None
        self.step = 0

    def read_variable(self, name: str) -> np.ndarray:
        raise GraphdlError(f"constant folding cannot read variable '{name}'")

    def write_variable(self, name: str, value: Any) -> None:
        raise GraphdlError(f"constant folding cannot write variable '{name}'")


def const_step(origin: Step, slot: int, value: np.ndarray) -> Step:
    """A Const step writing `value` into `slot`, keeping `origin`'s node for names and source lines."""
    value.setflags(write=False)
    spec = TensorSpec(TensorShape(value.shape), origin.specs[origin.outputs.index(slot)].dtype)
    return Step(origin.node, get_op_def("Const"), {"value": value}, (), (slot,), (spec,))


def _too_big(step: Step) -> bool:
    for s in step.specs:
        n = s.shape.num_elements() if s.shape.is_fully_defined() else None
        if n is not None and n > MAX_FOLDED_ELEMENTS:
            return True
    return False


def _evaluate(step: Step, args: list[np.ndarray]) -> list[np.ndarray] | None:
    """The step's outputs cast to their inferred dtypes, or None when it cannot be folded."""
    ctx = FoldContext()
    ctx.node = step.node
    try:
        with np.errstate(all="ignore"):
            result = step.op_def.evaluate(args, step.attrs, ctx)
    except Exception:  # leave it to run time, which reports the error with its context
        return None
    if not isinstance(result, tuple | list):
        result = (result,)
    if len(result) != len(step.outputs):
        return None
    out: list[np.ndarray] = []
    for value, s in zip(result, step.specs, strict=True):
        arr = np.array(value, dtype=s.dtype.np)  # a private copy, cast as the interpreter casts
        dims = s.shape.dims
        if arr.size > MAX_FOLDED_ELEMENTS or (
            dims is not None
            and (
                len(dims) != arr.ndim
                or any(d is not None and d != a for d, a in zip(dims, arr.shape, strict=False))
            )
        ):
            return None
        out.append(arr)
    return out


def _known_args(st: Step, values: dict[int, np.ndarray], specs: dict[int, TensorSpec]) -> list[Any] | None:
    """The step's inputs when all are known at plan time: constants, or static shapes of shape-only inputs."""
    args: list[Any] = []
    for k, i in enumerate(st.inputs):
        if i is None:
            return None
        if i in values:
            args.append(values[i])
        elif k in st.op_def.shape_inputs and i in specs and specs[i].shape.is_fully_defined():
            shape = tuple(int(d) for d in specs[i].shape.as_tuple())  # type: ignore[arg-type]
            args.append(np.broadcast_to(np.zeros((), specs[i].dtype.np), shape))  # only its shape is read
        else:
            return None
    return args


def fold_constants(plan: Plan) -> Plan:
    """Replace each pure op step whose inputs are all constants by Const steps holding its outputs."""
    values: dict[int, np.ndarray] = {}
    steps: list[Step] = []
    changed = False
    slot_specs = dict(plan.slot_specs)
    for st in plan.steps:
        c = constant_value(st)
        if c is not None:
            values[st.outputs[0]] = c
            steps.append(st)
            continue
        args = _known_args(st, values, slot_specs)
        foldable = (
            st.op_def.kind == "op" and is_pure(st) and st.outputs and args is not None and not _too_big(st)
        )
        if foldable and len(args) and any(i in st.op_def.shape_inputs for i in range(len(args))):  # type: ignore[arg-type]
            foldable = all(
                s.shape.is_fully_defined() and (s.shape.num_elements() or 0) <= MAX_SHAPE_FOLDED_ELEMENTS
                for s in st.specs
            )
        result = _evaluate(st, args) if foldable else None  # type: ignore[arg-type]
        if result is None:
            steps.append(st)
            continue
        changed = True
        for slot, arr in zip(st.outputs, result, strict=True):
            new = const_step(st, slot, arr)
            values[slot] = arr
            slot_specs[slot] = new.specs[0]
            steps.append(new)
    if not changed:
        return plan
    out = rebuild(plan, steps, {})
    out.slot_specs = slot_specs
    return out
