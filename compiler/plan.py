"""Planning: prune a graph to what the fetches need, specialise shapes to the feeds, build Steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from compiler.ir import Plan, Step
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, Node
from graphdl.registry import TensorSpec
from graphdl.tensor import Tensor

Pass = Callable[[Plan], Plan]


def needed_nodes(graph: Graph, targets: Sequence[Node], fed: set[Tensor]) -> list[Node]:
    """Nodes the targets depend on (data and control edges), cut at fed tensors and assigned refs."""
    stack = list(targets)
    seen: dict[str, Node] = {}
    while stack:
        node = stack.pop()
        if node.name in seen:
            continue
        seen[node.name] = node
        refs = node.op_def.ref_inputs
        for i, t in enumerate(node.inputs):
            if i in refs or t in fed:
                continue
            stack.append(t.op)
        for c in node.control_inputs:
            if c.outputs and all(o in fed for o in c.outputs):
                continue  # every output of c is fed: nothing of c runs, so there is nothing to wait for
            stack.append(c)
    # every node the walk reached is a target or an ancestor of one (through uncut edges)
    nodes = list(seen.values())
    nodes.sort(key=lambda n: n.id)  # creation order is a topological order
    return nodes


def build_plan(
    graph: Graph,
    fetches: Sequence[Tensor | Node],
    feed_specs: Mapping[Tensor, TensorSpec],
    passes: Sequence[Pass] | None = None,
) -> Plan:
    """Plan the run of `fetches` given the fed tensors and their (specialised) specs."""
    fed = set(feed_specs)
    for t in fed:
        if t.op.kind == "variable":
            raise GraphError(f"{t.op.describe()}: variables cannot be fed; use Variable.load or assign")
    targets: list[Node] = []
    for f in fetches:
        if isinstance(f, Tensor):
            if f not in fed:
                targets.append(f.op)
        else:
            targets.append(f)
    nodes = needed_nodes(graph, targets, fed)

    slot_of: dict[Tensor, int] = {}
    slot_specs: dict[int, TensorSpec] = {}
    feed_slots: dict[str, int] = {}
    feed_spec_by_name: dict[str, TensorSpec] = {}
    n = 0
    for t, s in sorted(feed_specs.items(), key=lambda kv: kv[0].name):
        slot_of[t] = n
        slot_specs[n] = s
        feed_slots[t.name] = n
        feed_spec_by_name[t.name] = s
        n += 1

    steps: list[Step] = []
    var_reads: list[str] = []
    var_writes: list[str] = []
    for node in nodes:
        refs = node.op_def.ref_inputs
        ins: list[int | None] = []
        in_specs: list[TensorSpec] = []
        for i, t in enumerate(node.inputs):
            in_specs.append(slot_specs[slot_of[t]] if t in slot_of else TensorSpec(t.shape, t.dtype))
            ins.append(None if i in refs else slot_of[t])
        try:
            specs = node.op_def.infer(in_specs, node.attrs) if node.inputs else None
        except (ShapeError, DTypeError) as exc:
            raise type(exc)(f"{node.describe()}: with the fed shapes, {exc}") from None
        if specs is None:
            specs = [TensorSpec(o.shape, o.dtype) for o in node.outputs]
        outs: list[int] = []
        for o, s in zip(node.outputs, specs, strict=True):
            if o in slot_of:  # fed: the step still runs for its other outputs, into a spare slot
                slot_specs[n] = s
                outs.append(n)
            else:
                slot_of[o] = n
                slot_specs[n] = s
                outs.append(n)
            n += 1
        if node.kind == "variable":
            var_reads.append(node.name)
        for i in refs:
            name = node.inputs[i].op.name
            if name not in var_writes:
                var_writes.append(name)
        steps.append(Step(node, node.op_def, node.attrs, tuple(ins), tuple(outs), tuple(specs)))

    fetch_slots: list[int | None] = [slot_of[f] if isinstance(f, Tensor) else None for f in fetches]
    plan = Plan(
        graph=graph,
        steps=steps,
        num_slots=n,
        fetch_slots=fetch_slots,
        feed_slots=feed_slots,
        feed_specs=feed_spec_by_name,
        var_reads=var_reads,
        var_writes=var_writes,
        slot_specs=slot_specs,
        uses_rng=any(s.op_def.kind == "random" for s in steps),
        nodes=nodes,
    )
    plan.log.append(("plan", len(graph.get_operations()), len(steps)))
    for p in passes or ():
        before = len(plan.steps)
        plan = p(plan)
        plan.log.append((getattr(p, "__name__", str(p)), before, len(plan.steps)))
    refresh_bookkeeping(plan)
    return plan


def refresh_bookkeeping(plan: Plan) -> None:
    """Recompute variable reads/writes and rng use after passes rewrote the steps."""
    plan.var_reads = [s.node.name for s in plan.steps if s.op_def.kind == "variable"]
    writes: list[str] = []
    for s in plan.steps:
        for i in s.op_def.ref_inputs:
            name = s.node.inputs[i].op.name
            if name not in writes:
                writes.append(name)
    plan.var_writes = writes
    plan.uses_rng = any(s.op_def.kind == "random" for s in plan.steps)
