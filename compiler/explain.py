"""`compiler.explain`: what each optimization pass did to the plan of a fetch set, as a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compiler.ir import Plan
from compiler.plan import Pass, build_plan
from graphdl.errors import FeedError
from graphdl.graph import Graph, Node, get_default_graph
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor


@dataclass
class PassRecord:
    """One row of the report: a pass, the step counts around it and the op types it removed/added."""

    name: str
    before: int
    after: int
    removed: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass
class ExplainReport:
    """What planning and each pass did: graph nodes, planned steps, and one record per pass."""

    graph_nodes: int
    planned: int
    passes: list[PassRecord]
    plan: Plan

    @property
    def final(self) -> int:
        return len(self.plan.steps)

    def table(self) -> str:
        """The report as a fixed-width text table."""
        rows = [
            ("graph", "", str(self.graph_nodes), ""),
            ("plan (prune)", str(self.graph_nodes), str(self.planned), ""),
        ]
        rows += [(r.name, str(r.before), str(r.after), _changes(r)) for r in self.passes]
        head = ("stage", "before", "after", "changes")
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
        lines = [f"{head[0]:<{widths[0]}}  {head[1]:>{widths[1]}}  {head[2]:>{widths[2]}}  {head[3]}"]
        for r in rows:
            lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip())
        lines.insert(1, "-" * max(len(line) for line in lines))
        lines.append(
            f"{self.graph_nodes} graph nodes -> {self.planned} planned steps -> {self.final} after passes"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _changes(r: PassRecord) -> str:
    parts = [f"-{n} {k}" for k, n in sorted(r.removed.items())]
    parts += [f"+{n} {k}" for k, n in sorted(r.added.items())]
    return ", ".join(parts) if parts else "(no change)"


def _resolve_fetches(graph: Graph, fetches: Any) -> list[Tensor | Node]:
    """Flatten a fetch, or a list/tuple/dict of them, to graph elements."""
    if isinstance(fetches, Mapping):
        fetches = list(fetches.values())
    if not isinstance(fetches, list | tuple):
        fetches = [fetches]
    out: list[Tensor | Node] = []
    for f in fetches:
        if isinstance(f, list | tuple | Mapping):
            out += _resolve_fetches(graph, f)
        else:
            out.append(graph.as_graph_element(f))
    return out


def _feed_specs(graph: Graph, feed_dict: Mapping[Any, Any] | None) -> dict[Tensor, TensorSpec]:
    specs: dict[Tensor, TensorSpec] = {}
    for k, v in (feed_dict or {}).items():
        t = graph.as_graph_element(k)
        if not isinstance(t, Tensor):
            raise FeedError(f"cannot feed {k!r}: only tensors can be fed")
        shape = v if isinstance(v, TensorShape) else TensorShape(np.shape(v))
        specs[t] = TensorSpec(shape, t.dtype)
    return specs


def _recording(p: Pass, records: list[PassRecord]) -> Pass:
    def run(plan: Plan) -> Plan:
        before = Counter(s.op_def.name for s in plan.steps)
        out = p(plan)
        after = Counter(s.op_def.name for s in out.steps)
        records.append(PassRecord(_name(p), len(plan.steps), len(out.steps), before - after, after - before))
        return out

    run.__name__ = _name(p)
    return run


def _name(p: Pass) -> str:
    return getattr(p, "__name__", str(p))


def explain(
    graph: Graph | None = None,
    fetches: Any = None,
    feed_dict: Mapping[Any, Any] | None = None,
    passes: Sequence[Pass] | None = None,
) -> ExplainReport:
    """Plan `fetches` (with feed shapes from `feed_dict`) and report what each pass changed.

    `passes` defaults to `compiler.passes.DEFAULT_PASSES`; `print(report)` shows the table.
    """
    from compiler.passes import DEFAULT_PASSES

    if fetches is None:
        raise TypeError("explain needs fetches: a tensor, an op, or a list of them")
    graph = graph if graph is not None else _graph_of(fetches)
    flat = _resolve_fetches(graph, fetches)
    records: list[PassRecord] = []
    chosen = DEFAULT_PASSES if passes is None else passes
    plan = build_plan(graph, flat, _feed_specs(graph, feed_dict), [_recording(p, records) for p in chosen])
    planned = plan.log[0][2] if plan.log else len(plan.steps)
    return ExplainReport(len(graph.get_operations()), planned, records, plan)


def _graph_of(fetches: Any) -> Graph:
    probe = fetches
    while isinstance(probe, list | tuple | Mapping) and probe:
        probe = next(iter(probe.values())) if isinstance(probe, Mapping) else probe[0]
    g = getattr(probe, "graph", None)
    return g if isinstance(g, Graph) else get_default_graph()
