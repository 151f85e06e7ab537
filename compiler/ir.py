"""The planned program: an SSA list of steps over numbered value slots, run by both backends.

A Step evaluates one op: it reads its input slots (None for a variable being assigned), writes its
output slots. Optimization passes rewrite the step list; they never touch the user's Graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphdl.graph import Graph, Node
from graphdl.registry import OpDef, TensorSpec


@dataclass
class Step:
    """One op application in a plan. `node` is the graph node it comes from (names, source lines)."""

    node: Node
    op_def: OpDef
    attrs: dict[str, Any]
    inputs: tuple[int | None, ...]
    outputs: tuple[int, ...]
    specs: tuple[TensorSpec, ...]

    @property
    def name(self) -> str:
        return self.node.name

    def describe(self) -> str:
        return self.node.describe()


@dataclass
class Plan:
    """What a backend runs for one (fetches, feed signature): steps in order and slot bookkeeping.

    fetch_slots: the slot of each flat fetch (None for fetched ops); feed_slots: tensor name to slot;
    var_reads: variables whose start-of-run value the steps read; var_writes: variables assigned.
    """

    graph: Graph
    steps: list[Step]
    num_slots: int
    fetch_slots: list[int | None]
    feed_slots: dict[str, int]
    feed_specs: dict[str, TensorSpec]
    var_reads: list[str]
    var_writes: list[str]
    slot_specs: dict[int, TensorSpec] = field(default_factory=dict)
    log: list[tuple[str, int, int]] = field(default_factory=list)
    uses_rng: bool = False
    # the user's graph nodes this run needs, before the passes (what placement and logs report)
    nodes: list[Node] = field(default_factory=list)

    def copy_steps(self) -> list[Step]:
        return list(self.steps)

    def __len__(self) -> int:
        return len(self.steps)
