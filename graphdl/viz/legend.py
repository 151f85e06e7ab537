"""The legend of a drawing: one sample node per kind drawn, and a sample edge."""

from __future__ import annotations

import itertools

import graphviz

from graphdl.viz import style as st
from graphdl.viz.layout import Item


def add_legend(dot: graphviz.Digraph, items: list[Item], view: str, rankdir: str, shapes: bool) -> None:
    """A column of sample nodes, one per kind drawn, and a sample edge."""
    kinds = {item.kind for item in items}
    has_fold = any(item.fold is not None for item in items)
    entries = [k for k in st.LEGEND_ORDER if k in kinds]
    upward = rankdir in ("BT", "RL")
    row = view == "both"  # a wide drawing: the legend is a row under it, else a column beside
    with dot.subgraph(name="cluster_legend") as sub:
        sub.attr(
            label="<<B>legend</B>>",
            fontsize="10",
            style="rounded,filled",
            fillcolor="white",
            color="#CFD8DC",
            margin="8",
            labelloc="b" if upward else "t",
        )
        ids = []
        for k in entries:
            s = st.STYLES[k]
            nid = f"legend_{k}"
            sub.node(nid, label=s.legend, fontsize="9", width="1.6", **s.attrs())
            ids.append(nid)
        if has_fold:
            fold_style = dict(st.STYLES["op"].attrs(), shape="box3d", style="filled")
            sub.node("legend_fold", label="folded scope / steps", fontsize="9", width="1.6", **fold_style)
            ids.append("legend_fold")
        if row:
            with sub.subgraph() as same:
                same.attr(rank="same")
                for nid in ids:
                    same.node(nid)
        for a, b in itertools.pairwise(ids):
            if upward and not row:
                sub.edge(b, a, style="invis")
            else:
                sub.edge(a, b, style="invis")
        if shapes:
            sub.node("legend_edge_a", label="", shape="point", width="0.06", color=st.EDGE)
            sub.node(
                "legend_edge_b",
                label="tensor: static shape,\nwidth grows with size",
                shape="plaintext",
                fontsize="9",
                fontcolor=st.MUTED,
            )
            sub.edge("legend_edge_a", "legend_edge_b", label="?\u00d7784", penwidth="3.2")
            if ids and not row:
                if upward:
                    sub.edge("legend_edge_b", ids[-1], style="invis")
                else:
                    sub.edge(ids[-1], "legend_edge_a", style="invis")
