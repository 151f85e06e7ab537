"""The NumPy interpreter: walks a Plan's steps and calls each op's `evaluate` rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from compiler.context import RunContext
from compiler.ir import Plan
from graphdl.errors import ExecutionError, GraphdlError

EvalContext = RunContext  # the interpreter's name for it


def compile_steps(plan: Plan) -> list[tuple[Any, ...]]:
    """Per step, what the loop needs, looked up once per plan instead of once per run:
    (step, evaluate rule, input slots, attrs, single output slot or None, its dtype)."""
    out = []
    for st in plan.steps:
        single = len(st.outputs) == 1
        out.append(
            (
                st,
                st.op_def.evaluate,
                st.inputs,
                st.attrs,
                st.outputs[0] if single else None,
                st.specs[0].dtype.np if single else None,
            )
        )
    return out


def run_plan(
    plan: Plan,
    variables: Mapping[str, np.ndarray],
    feeds: Mapping[str, np.ndarray],
    step: int,
    program: list[tuple[Any, ...]] | None = None,
) -> tuple[list[Any], dict[str, np.ndarray]]:
    """Execute the plan; return the flat fetch values and the variable writes (not yet applied)."""
    env: list[Any] = [None] * plan.num_slots
    for name, slot in plan.feed_slots.items():
        env[slot] = feeds[name]
    ctx = EvalContext(variables, step)
    ndarray = np.ndarray
    with np.errstate(all="ignore"):
        for st, evaluate, inputs, attrs, out, dt in program or compile_steps(plan):
            ctx.node = st.node
            try:
                result = evaluate([None if i is None else env[i] for i in inputs], attrs, ctx)
            except GraphdlError:
                raise
            except Exception as exc:  # an op failed on these values: say which op and where
                raise ExecutionError(f"{st.describe()}: {type(exc).__name__}: {exc}") from exc
            if out is not None and result.__class__ is not tuple and result.__class__ is not list:
                # the common case, one output: skip conversions when the rule already got it right
                if result.__class__ is not ndarray or result.dtype != dt:
                    result = np.asarray(result)
                    if result.dtype != dt:
                        result = result.astype(dt)
                env[out] = result
                continue
            for slot, value, s in zip(st.outputs, result, st.specs, strict=True):
                arr = np.asarray(value)
                if arr.dtype != s.dtype.np:
                    arr = arr.astype(s.dtype.np)
                env[slot] = arr
    fed = plan.feed_slots.values()
    # a fetch that is a feed (possibly after simplification) must not alias the caller's array
    fetched = [None if s is None else (env[s].copy() if s in fed else env[s]) for s in plan.fetch_slots]
    return fetched, ctx.writes


class InterpreterBackend:
    """Backend protocol: prepare(plan) returns a callable (variables, feeds, step) -> (fetches, writes)."""

    name = "interpreter"
    platform = "cpu"

    def prepare(self, plan: Plan) -> Any:
        program = compile_steps(plan)

        def execute(variables: Mapping[str, Any], feeds: Mapping[str, np.ndarray], step: int) -> Any:
            return run_plan(plan, variables, feeds, step, program)

        return execute

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def from_numpy(self, value: np.ndarray) -> Any:
        return value
