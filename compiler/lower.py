"""Lowering: a Plan becomes one pure JAX function, which `runtime.xla` compiles with `jax.jit`.

The function walks `plan.steps` and calls each op's `lower` rule; it never looks at op names.
Variables are read at their start-of-run value; writes are collected and returned, never applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from compiler.context import RunContext
from compiler.ir import Plan
from graphdl._jax import jnp
from graphdl.errors import ExecutionError, GraphdlError
from graphdl.ops.shape_args import plan_static_value

LoweredFn = Callable[..., tuple[list[Any], dict[str, Any]]]

PLATFORMS = ("cpu", "gpu", "tpu")


LowerContext = RunContext  # lowering passes platform=...


def _check_result(step: Any, slot_results: Sequence[Any]) -> list[Any]:
    """Cast each output to its inferred dtype; refuse a shape that contradicts the inferred one."""
    out = []
    for value, s in zip(slot_results, step.specs, strict=True):
        arr = jnp.asarray(value)
        if arr.dtype != s.dtype.np:
            arr = arr.astype(s.dtype.np)
        dims = s.shape.dims
        if dims is not None and (
            len(dims) != arr.ndim
            or any(d is not None and d != a for d, a in zip(dims, arr.shape, strict=True))
        ):
            raise ExecutionError(
                f"{step.describe()}: its lowering produced shape {list(arr.shape)}, "
                f"but its shape was inferred as {s.shape}"
            )
        out.append(arr)
    return out


def check_flags(checks: Sequence[Any]) -> Any:
    """The run-time checks' pass flags, one bool per check, as one traced vector."""
    return jnp.stack([jnp.asarray(c[0], bool).reshape(()) for c in checks])


def lower(plan: Plan, platform: str = "cpu") -> LoweredFn:
    """The plan as a pure function `(variables, feeds, step, checks=None) -> (fetches, writes)`.

    `variables` maps names to start-of-run values (those in `plan.var_reads`), `feeds` maps fed
    tensor names to values, `step` is the run counter (a traced integer scalar, so a new run does
    not retrace). `fetches` is a list in `plan.fetch_slots` order (None for fetched ops); `writes`
    maps each variable assigned in the run to its new value. Run-time checks of the ops
    (`ctx.check`) gate the writes (a failed check writes back the start-of-run values) and are
    appended to `checks` as (ok, fail, data) when a list is given.
    """
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; choose one of {', '.join(PLATFORMS)}")
    steps = list(plan.steps)
    feed_slots = dict(plan.feed_slots)
    fetch_slots = list(plan.fetch_slots)
    num_slots = plan.num_slots
    producer = {slot: (st, k) for st in steps for k, slot in enumerate(st.outputs)}

    def fn(
        variables: Mapping[str, Any], feeds: Mapping[str, Any], step: Any, checks: list[Any] | None = None
    ) -> tuple[list[Any], dict[str, Any]]:
        env: list[Any] = [None] * num_slots
        for name, slot in feed_slots.items():
            env[slot] = jnp.asarray(feeds[name])
        ctx = LowerContext(variables, step, platform)
        memo: dict[int, Any] = {}
        current: list[Any] = [()]

        def static_input(i: int) -> Any:
            slot = current[0][i] if i < len(current[0]) else None
            return None if slot is None else plan_static_value(slot, env, producer, memo)

        ctx.static_input = static_input
        for st in steps:
            ctx.node = st.node
            current[0] = st.inputs
            args = [None if i is None else env[i] for i in st.inputs]
            try:
                result = st.op_def.lower(args, st.attrs, ctx)
            except GraphdlError:
                raise
            except Exception as exc:  # a lowering rule failed: say which op and where
                raise ExecutionError(
                    f"{st.describe()}: lowering to XLA failed: {type(exc).__name__}: {exc}"
                ) from exc
            if not isinstance(result, tuple | list):
                result = (result,)
            if len(result) != len(st.outputs):
                raise ExecutionError(
                    f"{st.describe()}: its lowering returned {len(result)} values for {len(st.outputs)} outputs"
                )
            for slot, arr in zip(st.outputs, _check_result(st, result), strict=True):
                env[slot] = arr
        fetched = [None if s is None else env[s] for s in fetch_slots]
        writes = ctx.writes
        if ctx.checks:  # a failed check keeps every variable at its start-of-run value
            ok = jnp.all(check_flags(ctx.checks))
            writes = {n: jnp.where(ok, w, variables[n]) if n in variables else w for n, w in writes.items()}
            if checks is not None:
                checks.extend(ctx.checks)
        return fetched, writes

    fn.__name__ = "graphdl_plan"
    fn.__qualname__ = "graphdl_plan"
    return fn
