"""`graphdl.viz.draw`: a graph (or what some fetches need) as a `graphviz.Digraph`.

    d = graphdl.viz.draw(graph, fetches=[loss], view="both", collapse=["gradients"])
    d.source            # DOT text, no Graphviz binary needed
    graphdl.viz.render("mlp.svg", graph, view="gradient")   # SVG/PNG/PDF through `dot`

Name scopes become nested clusters; `collapse=` folds chosen scopes (names, or a depth) into one
node each; runs of sibling scopes that differ only by a numeric suffix (the steps of an unrolled
RNN) are folded, keeping the first and the last step expanded. The backward pass is drawn running
the other way (top to bottom when the forward pass runs bottom to top), so that in view="both" the
gradient graph mirrors the forward graph beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import graphviz

from graphdl.errors import GraphError
from graphdl.graph import Graph, Node
from graphdl.viz.builder import Builder
from graphdl.viz.collapse import normalize_collapse
from graphdl.viz.layout import Layout
from graphdl.viz.select import backward_nodes, resolve, select

VIEWS = ("forward", "gradient", "both")

INSTALL_HINT = (
    "install Graphviz's `dot` program: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`, "
    "then make sure `dot` is on PATH"
)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` that knows what it drew (`.stats`) and degrades to text in Jupyter
    when the `dot` program is missing."""

    stats: dict[str, int]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"graphdl drawing ({self.stats.get('nodes', 0)} nodes): {INSTALL_HINT}"}


def draw(
    graph: Graph | None = None,
    fetches: Any = None,
    view: str = "forward",
    collapse: int | str | Sequence[str] | None = None,
    shapes: bool = True,
    *,
    repeats: int = 6,
    legend: bool = True,
    show_init: bool = False,
    rankdir: str = "BT",
    title: str | None = None,
) -> Drawing:
    """Draw a graph as a `graphviz.Digraph` (its `.source` is DOT; render it with `graphdl.viz.render`).

    graph: the graph (default: the fetches' graph, else the default graph).
    fetches: tensors/ops/variables/names; draw only what they need (default: the whole graph,
        without variable initializers unless `show_init=True`).
    view: "forward" (no gradient nodes), "gradient" (the gradient graph and optimizer updates, with
        the forward values it reads drawn faded) or "both" (side by side, with the edges between).
    collapse: scope names (a list, or a comma-separated string) to fold into one node each, or an
        int n: keep n levels of scope clusters and fold every scope below them (0 folds each
        top-level scope).
    shapes: label edges with static shapes (`?\u00d7784`); pen width always grows with tensor size.
    repeats: fold runs of at least this many sibling scopes that differ only by a numeric suffix
        (unrolled RNN steps), keeping the first and last expanded; 0 turns this off.
    legend: add a legend of the node kinds drawn.
    rankdir: "BT" (inputs at the bottom, like TensorBoard), "TB", "LR" or "RL".
    """
    if view not in VIEWS:
        raise GraphError(f"graphdl.viz: view must be one of {', '.join(VIEWS)}, got {view!r}")
    if rankdir not in ("BT", "TB", "LR", "RL"):
        raise GraphError(f"graphdl.viz: rankdir must be BT, TB, LR or RL, got {rankdir!r}")
    g, targets = resolve(graph, fetches)
    nodes = select(g, targets, show_init)
    back = backward_nodes(nodes)
    if view == "forward":
        drawn = [n for n in nodes if n not in back]
        faded: list[Node] = []
    elif view == "gradient":
        if not back:
            raise GraphError(
                "graphdl.viz: view='gradient' but the drawing has no gradient nodes; build them with "
                "graphdl.gradients(ys, xs) or an optimizer's minimize(), and fetch them"
            )
        drawn = [n for n in nodes if n in back]
        drawn_set = set(drawn)
        needed = {t.op for n in drawn for t in n.inputs} | {c for n in drawn for c in n.control_inputs}
        faded = [n for n in nodes if n in needed and n not in drawn_set]
    else:
        drawn, faded = list(nodes), []
    layout = Layout(drawn, faded, back, view, normalize_collapse(collapse), repeats)
    builder = Builder(layout, shapes, rankdir, g, targets)
    dot = Drawing(name="graphdl")
    dot.stats = builder.build(dot, legend=legend, title=title)
    return dot
