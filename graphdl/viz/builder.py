"""Writing a drawing's DOT: graph attributes, scope clusters, nodes, edges and the legend."""

from __future__ import annotations

import graphviz

from graphdl.graph import Graph, Node
from graphdl.tensor import Tensor
from graphdl.viz import style as st
from graphdl.viz.labels import edge_label, node_attrs
from graphdl.viz.layout import BACKWARD, FORWARD, Cluster, Item, Layout, is_gradient_cluster
from graphdl.viz.legend import add_legend


class Builder:
    """Draws the chosen nodes (and the faded ones the gradient graph reads) into a `graphviz.Digraph`."""

    def __init__(
        self, layout: Layout, shapes: bool, rankdir: str, graph: Graph, targets: list[Node] | None
    ) -> None:
        self.layout = layout
        self.drawn, self.faded, self.view = layout.drawn, layout.faded, layout.view
        self.shapes, self.rankdir = shapes, rankdir
        self.graph, self.targets = graph, targets
        dtypes: dict[str, int] = {}
        for n in self.drawn:
            for t in n.outputs:
                dtypes[t.dtype.name] = dtypes.get(t.dtype.name, 0) + 1
        self.usual_dtype = max(dtypes, key=lambda k: dtypes[k]) if dtypes else "float32"

    def _edges(self, dot: graphviz.Digraph) -> int:
        item_of = self.layout.item_of
        groups: dict[tuple[str, str, bool], list[Tensor | None]] = {}
        ends: dict[tuple[str, str, bool], tuple[Item, Item]] = {}
        for n in self.drawn:
            dst = item_of[n]
            sources: list[tuple[Node, Tensor | None]] = [(t.op, t) for t in n.inputs]
            sources += [(c, None) for c in n.control_inputs]
            for producer, tensor in sources:
                src = item_of.get(producer)
                if src is None or src is dst:
                    continue
                key = (src.id, dst.id, tensor is None)
                groups.setdefault(key, [])
                if tensor is not None and all(t is not tensor for t in groups[key]):
                    groups[key].append(tensor)
                ends[key] = (src, dst)
        count = 0
        for key, tensors in groups.items():
            src, dst = ends[key]
            control = key[2]
            attrs: dict[str, str] = {}
            real = [t for t in tensors if t is not None]
            if control:
                attrs.update(style="dashed", color=st.CONTROL_EDGE, arrowhead="odot", penwidth="1")
            else:
                attrs["penwidth"] = str(max(st.pen_width(t.shape) for t in real))
                if self.shapes:
                    attrs["label"] = edge_label(real, self.usual_dtype)
            cross = src.backward != dst.backward or src.faded
            if dst.backward and self.view != "forward":
                if not control:
                    attrs["color"] = st.CROSS_EDGE if cross else st.GRAD_EDGE
                if cross and self.view == "both":
                    attrs.update(constraint="false", style="dashed", penwidth="0.8", arrowsize="0.4")
                    attrs.pop("label", None)
                if src.faded:
                    attrs["style"] = "dashed"
                # the backward pass runs the other way: draw dst -> src with the arrow at dst
                attrs["dir"] = "back"
                dot.edge(dst.id, src.id, **attrs)
            else:
                dot.edge(src.id, dst.id, **attrs)
            count += 1
        return count

    def _emit_cluster(self, dot: graphviz.Digraph, cluster: Cluster, counter: list[int]) -> None:
        for item in cluster.items:
            dot.node(item.id, **node_attrs(item, self.layout.fold_labels, self.shapes, self.targets))
        for name, child in cluster.children.items():
            counter[0] += 1
            with dot.subgraph(name=f"cluster_{counter[0]}") as sub:
                is_pass = child.path in ((FORWARD,), (BACKWARD,))
                grad = is_gradient_cluster(child)
                if is_pass:
                    sub.attr(
                        label=f"<<B>{st.esc(name)}</B>>",
                        fontsize="13",
                        style="rounded",
                        color="#B0BEC5",
                        penwidth="1.2",
                        margin="14",
                    )
                else:
                    sub.attr(
                        label=st.esc(name),
                        fontsize="10",
                        fontcolor=st.GRAD_EDGE if grad else st.MUTED,
                        style="rounded,filled",
                        fillcolor=st.GRAD_CLUSTER_FILL if grad else st.CLUSTER_FILL,
                        color=st.GRAD_CLUSTER_BORDER if grad else st.CLUSTER_BORDER,
                        penwidth="1",
                        margin="8",
                    )
                sub.attr(labelloc="b" if self.rankdir in ("BT", "RL") else "t")
                sub.attr(tooltip="/".join(p for p in child.path if p not in (FORWARD, BACKWARD)) or name)
                self._emit_cluster(sub, child, counter)

    def build(self, dot: graphviz.Digraph, legend: bool, title: str | None) -> dict[str, int]:
        """Draw into `dot` (an empty Digraph); returns what was drawn (`Drawing.stats`)."""
        layout = self.layout
        layout.group()
        dot.attr("graph", **st.GRAPH_ATTRS, rankdir=self.rankdir)
        dot.attr("node", **st.NODE_ATTRS)
        dot.attr("edge", **st.EDGE_ATTRS)
        if title is None:
            title = {
                "forward": "forward graph",
                "gradient": "gradient graph",
                "both": "forward and gradient graphs",
            }[self.view]
        note = ""
        if self.usual_dtype != "float32":
            note = f'<BR/><FONT POINT-SIZE="10" COLOR="{st.MUTED}">tensors are {self.usual_dtype} unless marked</FONT>'
        dot.attr(label=f"<<B>{st.esc(title)}</B>{note}>", labelloc="t", fontsize="14")
        root = layout.clusters()
        self._emit_cluster(dot, root, [0])
        edges = self._edges(dot)
        if legend and layout.items:
            add_legend(dot, layout.items, self.view, self.rankdir, self.shapes)
        return {
            "nodes": len(layout.items),
            "graph_nodes": len(self.drawn) + len(self.faded),
            "folds": sum(1 for i in layout.items if i.fold is not None),
            "faded": sum(1 for i in layout.items if i.faded),
            "edges": edges,
        }
