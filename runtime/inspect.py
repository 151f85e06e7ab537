"""Look inside the compiled path: StableHLO, optimized HLO and XLA's cost analysis of a fetch set.

    from runtime.inspect import compiled_text, cost_analysis
    print(compiled_text(sess, loss, {x: xs, y: ys}, stage="stablehlo"))
    cost_analysis(sess, train_op, {x: xs, y: ys})["flops"]

Nothing runs and no session state changes; the plan is the one `Session.run` would compile for
these fetches and feed shapes (the feeds' values are not used, only their shapes and dtypes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphdl.errors import GraphError

STAGES = ("stablehlo", "hlo", "hlo_unoptimized")


def _executable(
    session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
) -> tuple[Any, dict[str, Any]]:
    from runtime.session import convert_feed
    from runtime.xla import XlaBackend, XlaExecutable

    if getattr(session, "_closed", False):
        raise GraphError("attempted to use a closed Session")
    entry = session._make_entry(fetches, feed_dict)
    arrays = [convert_feed(t, v) for t, v in zip(entry.tensors, (feed_dict or {}).values(), strict=True)]
    feeds = dict(zip(entry.names, arrays, strict=True))
    if session.backend_name == "xla":
        prog = session._new_program(entry, arrays)
        execute = prog.execute
    else:  # an interpreter session: compile its plan for JAX's default device anyway
        plan, _ = session._prepare(entry.flat, feeds)
        execute = XlaBackend(None).prepare(plan)
    if not isinstance(execute, XlaExecutable):
        raise GraphError(f"the {session.backend_name!r} backend has no compiled form to inspect")
    return execute, feeds


def lowered(session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None = None) -> Any:
    """The `jax.stages.Lowered` of the program `session.run(fetches, feed_dict)` would compile."""
    execute, feeds = _executable(session, fetches, feed_dict)
    return execute.lowered(session._vars, feeds)


def compiled_text(
    session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None = None, stage: str = "stablehlo"
) -> str:
    """The program's text: 'stablehlo' (as lowered), 'hlo' (after XLA's optimizations) or
    'hlo_unoptimized' (HLO before optimization)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}")
    low = lowered(session, fetches, feed_dict)
    if stage == "stablehlo":
        return str(low.as_text())
    if stage == "hlo_unoptimized":
        return str(low.as_text(dialect="hlo"))
    return str(low.compile().as_text())


def cost_analysis(session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None = None) -> dict[str, float]:
    """XLA's cost estimate of the compiled program: 'flops', 'bytes accessed', ... ({} if none)."""
    compiled = lowered(session, fetches, feed_dict).compile()
    try:
        costs = compiled.cost_analysis()
    except Exception:  # some platforms do not implement it
        return {}
    if isinstance(costs, list | tuple):
        costs = costs[0] if costs else {}
    return {str(k): float(v) for k, v in dict(costs or {}).items()}
