"""The NumPy interpreter: walks a Plan's steps and calls each op's `evaluate` rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from compiler.ir import Plan
from graphdl.errors import ExecutionError, GraphdlError, UninitializedVariableError
from graphdl.graph import Node


class EvalContext:
    """Per-step view of the run state given to evaluate rules (variables at run start, pending writes)."""

    __slots__ = ("node", "variables", "writes", "step")

    def __init__(self, variables: Mapping[str, np.ndarray], step: int) -> None:
        self.node: Node | None = None
        self.variables = variables
        self.writes: dict[str, np.ndarray] = {}
        self.step = step

    def read_variable(self, name: str) -> np.ndarray:
        try:
            return self.variables[name]
        except KeyError:
            where = self.node.describe() if self.node is not None else name
            raise UninitializedVariableError(
                f"{where}: attempting to use uninitialized variable '{name}'; "
                "run graphdl.global_variables_initializer() (or the variable's initializer) first"
            ) from None

    def write_variable(self, name: str, value: Any) -> None:
        self.writes[name] = value


def run_plan(
    plan: Plan, variables: Mapping[str, np.ndarray], feeds: Mapping[str, np.ndarray], step: int
) -> tuple[list[Any], dict[str, np.ndarray]]:
    """Execute the plan; return the flat fetch values and the variable writes (not yet applied)."""
    env: list[Any] = [None] * plan.num_slots
    for name, slot in plan.feed_slots.items():
        env[slot] = feeds[name]
    ctx = EvalContext(variables, step)
    for st in plan.steps:
        ctx.node = st.node
        args = [None if i is None else env[i] for i in st.inputs]
        try:
            with np.errstate(all="ignore"):
                result = st.op_def.evaluate(args, st.attrs, ctx)
        except GraphdlError:
            raise
        except Exception as exc:  # an op failed on these values: say which op and where
            raise ExecutionError(f"{st.describe()}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, tuple | list):
            result = (result,)
        for slot, value, s in zip(st.outputs, result, st.specs, strict=True):
            arr = np.asarray(value)
            if arr.dtype != s.dtype.np:
                arr = arr.astype(s.dtype.np)
            env[slot] = arr
    fetched = [None if s is None else env[s] for s in plan.fetch_slots]
    return fetched, ctx.writes


class InterpreterBackend:
    """Backend protocol: prepare(plan) returns a callable (variables, feeds, step) -> (fetches, writes)."""

    name = "interpreter"
    platform = "cpu"

    def prepare(self, plan: Plan) -> Any:
        def execute(variables: Mapping[str, Any], feeds: Mapping[str, np.ndarray], step: int) -> Any:
            return run_plan(plan, variables, feeds, step)

        return execute

    def to_numpy(self, value: Any) -> np.ndarray:
        return np.asarray(value)

    def from_numpy(self, value: np.ndarray) -> Any:
        return value
