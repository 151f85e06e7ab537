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

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from graphdl.errors import GraphError
from graphdl.graph import Graph, Node
from graphdl.source import short_location
from graphdl.tensor import Tensor
from graphdl.viz import style as st
from graphdl.viz.collapse import Path, fold_key, normalize_collapse, repeat_folds, scope_path, split_suffix
from graphdl.viz.select import backward_nodes, resolve, select

VIEWS = ("forward", "gradient", "both")
_FORWARD, _BACKWARD = "forward pass", "backward pass"

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


@dataclass
class _Item:
    """One drawn node: a graph node, or a fold of several."""

    id: str
    members: list[Node]
    cluster: Path
    kind: str  # a style key
    fold: Path | None = None
    faded: bool = False
    backward: bool = False
    lifted: list[str] = field(default_factory=list)  # one-node scopes this item was lifted out of


@dataclass
class _Cluster:
    path: Path
    items: list[_Item] = field(default_factory=list)
    children: dict[str, _Cluster] = field(default_factory=dict)

    def size(self) -> int:
        return len(self.items) + sum(c.size() for c in self.children.values())

    def all_items(self) -> list[_Item]:
        out = list(self.items)
        for c in self.children.values():
            out.extend(c.all_items())
        return out


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
    builder = _Builder(
        drawn, faded, back, view, normalize_collapse(collapse), repeats, shapes, rankdir, g, targets
    )
    return builder.build(legend=legend, title=title)


class _Builder:
    def __init__(
        self,
        drawn: list[Node],
        faded: list[Node],
        back: set[Node],
        view: str,
        collapse: int | set[Path] | None,
        repeats: int,
        shapes: bool,
        rankdir: str,
        graph: Graph,
        targets: list[Node] | None,
    ) -> None:
        self.drawn, self.faded, self.back = drawn, faded, back
        self.view, self.collapse, self.shapes, self.rankdir = view, collapse, shapes, rankdir
        self.graph, self.targets = graph, targets
        all_paths = {scope_path(n.scope) for n in drawn + faded}
        self.min_repeats = repeats
        self.repeats = repeat_folds(all_paths, repeats)
        self.fold_labels: dict[Path, tuple[str, str]] = {
            f.key: (f"{f.label}", f"steps {f.first}\u2013{f.last}") for f in self.repeats.values()
        }
        dtypes: dict[str, int] = {}
        for n in drawn:
            for t in n.outputs:
                dtypes[t.dtype.name] = dtypes.get(t.dtype.name, 0) + 1
        self.usual_dtype = max(dtypes, key=lambda k: dtypes[k]) if dtypes else "float32"
        self.item_of: dict[Node, _Item] = {}
        self.items: list[_Item] = []

    # --- grouping -------------------------------------------------------------
    def _pass_prefix(self, node: Node) -> Path:
        if self.view != "both":
            return ()
        return (_BACKWARD,) if node in self.back else (_FORWARD,)

    def _group(self) -> None:
        folds: dict[tuple[bool, Path, Path], _Item] = {}
        pending: list[tuple[Node, bool, Path, Path | None]] = []
        for faded, group in ((False, self.drawn), (True, self.faded)):
            for n in group:
                path = scope_path(n.scope)
                key = fold_key(path, self.collapse, self.repeats)
                pending.append((n, faded, self._pass_prefix(n), key))
        pending = self._fold_repeated_ops(pending)
        counts: dict[tuple[bool, Path, Path], int] = {}
        for _, faded, prefix, key in pending:
            if key is not None:
                counts[(faded, prefix, key)] = counts.get((faded, prefix, key), 0) + 1
        for n, faded, prefix, key in pending:
            if key is not None and counts[(faded, prefix, key)] > 1:
                fk = (faded, prefix, key)
                item = folds.get(fk)
                if item is None:
                    cluster = () if faded else prefix + key[:-1]
                    item = _Item(f"s{len(folds)}", [], cluster, "op", fold=key, faded=faded)
                    folds[fk] = item
                    self.items.append(item)
                item.members.append(n)
            else:
                cluster = () if faded else prefix + scope_path(n.scope)
                kind = "faded" if faded else st.style_kind(n)
                item = _Item(f"n{n.id}", [n], cluster, kind, faded=faded)
                self.items.append(item)
            item.backward = item.backward or n in self.back
            self.item_of[n] = item
        for item in folds.values():
            item.kind = "faded" if item.faded else _fold_kind(item.members)

    def _fold_repeated_ops(
        self, pending: list[tuple[Node, bool, Path, Path | None]]
    ) -> list[tuple[Node, bool, Path, Path | None]]:
        """Fold runs of sibling ops of one type named `AddN`, `AddN_1`, ... (e.g. gradient sums over
        the steps of an unrolled RNN), keeping the first and the last expanded."""
        if not self.min_repeats or self.min_repeats < 3:
            return pending
        families: dict[tuple[bool, Path, Path, str, str], list[tuple[int, int]]] = {}
        for i, (n, faded, prefix, key) in enumerate(pending):
            if key is None and n.kind != "variable":
                base, idx = split_suffix(n.name.rsplit("/", 1)[-1])
                families.setdefault((faded, prefix, scope_path(n.scope), n.type, base), []).append((idx, i))
        out = list(pending)
        for (_, _, path, _, base), members in families.items():
            if len(members) < max(self.min_repeats, 3):
                continue
            members.sort()
            middle = members[1:-1]
            fkey = (*path, f"{base}[{middle[0][0]}..{middle[-1][0]}]")
            self.fold_labels[fkey] = (
                f"{base} \u00d7{len(middle)}",
                f"{base}_{middle[0][0]} \u2026 {base}_{middle[-1][0]}",
            )
            for _, i in middle:
                n, faded, prefix, _ = out[i]
                out[i] = (n, faded, prefix, fkey)
        return out

    # --- labels ---------------------------------------------------------------
    def _node_attrs(self, item: _Item) -> dict[str, str]:
        attrs = dict(st.STYLES[item.kind].attrs())
        if item.fold is not None:
            attrs["shape"] = "box3d"
            attrs["style"] = "filled,dashed" if item.faded else "filled"
            title, subtitle = self._fold_label(item)
            attrs["label"] = st.html_label(title, subtitle, faded=item.faded)
            names = ", ".join(m.name for m in item.members[:6]) + (" \u2026" if len(item.members) > 6 else "")
            attrs["tooltip"] = f"{'/'.join(item.fold)}: {len(item.members)} ops ({names})"
            return attrs
        node = item.members[0]
        title, subtitle = self._node_label(node, item.faded)
        if item.lifted and not item.faded and node.kind != "update":
            scopes = item.lifted[:-1] if item.lifted[-1] == title else item.lifted
            title = "/".join([*scopes, title])
        attrs["label"] = st.html_label(title, subtitle, faded=item.faded)
        if node.kind == "constant" and not item.faded:
            attrs["height"] = "0.25"
        if self.targets is not None and node in self.targets and not item.faded:
            attrs["penwidth"] = "2.4"
        outs = ", ".join(st.shape_text(t.shape, t.dtype) for t in node.outputs) or "no outputs"
        attrs["tooltip"] = f"{node.name}\n{node.type} → {outs}\n{short_location(node.source)}"
        return attrs

    def _fold_label(self, item: _Item) -> tuple[str, str]:
        last = item.fold[-1] if item.fold else ""
        n = len(item.members)
        if item.fold in self.fold_labels:
            title, sub = self.fold_labels[item.fold]
            if item.faded and item.fold:
                title = "/".join([*item.fold[:-1], title])
            return title, f"{sub} · {n} ops"
        title = "/".join(item.fold or ()) if item.faded else last
        return title, f"{n} ops"

    def _node_label(self, node: Node, faded: bool) -> tuple[str, str]:
        short = node.name if faded else node.name.rsplit("/", 1)[-1]
        kind = node.kind
        shape = node.outputs[0].shape if node.outputs else None
        if kind == "update" and node.op_def.ref_inputs and not faded:
            written = node.inputs[node.op_def.ref_inputs[0]].op.name
            return f"update {written}", node.type
        if kind in ("placeholder", "variable"):
            what = "placeholder" if kind == "placeholder" else "variable"
            sub = f"{what} {st.shape_text(shape)}" if self.shapes and shape is not None else what
            return short, sub
        if kind == "constant":
            value = node.attrs.get("value")
            if isinstance(value, np.ndarray) and value.size == 1:
                v = value.reshape(()).item()
                text = f"{v:.6g}" if isinstance(v, float) else str(v)
                if short.startswith("Const"):  # an unnamed constant: its value is its name
                    return text, ""
                return short, text
            return short, st.shape_text(shape) if self.shapes and shape is not None else "constant"
        return short, "" if short.lower().startswith(node.type.lower()) else node.type

    # --- edges ---------------------------------------------------------------
    def _edges(self, dot: graphviz.Digraph) -> int:
        groups: dict[tuple[str, str, bool], list[Tensor | None]] = {}
        ends: dict[tuple[str, str, bool], tuple[_Item, _Item]] = {}
        for n in self.drawn:
            dst = self.item_of[n]
            sources: list[tuple[Node, Tensor | None]] = [(t.op, t) for t in n.inputs]
            sources += [(c, None) for c in n.control_inputs]
            for producer, tensor in sources:
                src = self.item_of.get(producer)
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
                    attrs["label"] = _edge_label(real, self.usual_dtype)
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

    # --- clusters ---------------------------------------------------------------
    def _clusters(self) -> _Cluster:
        root = _Cluster(())
        for item in self.items:
            c = root
            for k, part in enumerate(item.cluster):
                c = c.children.setdefault(part, _Cluster(item.cluster[: k + 1]))
            c.items.append(item)
        _flatten(root, is_root=True)
        return root

    def _emit_cluster(self, dot: graphviz.Digraph, cluster: _Cluster, counter: list[int]) -> None:
        for item in cluster.items:
            dot.node(item.id, **self._node_attrs(item))
        for name, child in cluster.children.items():
            counter[0] += 1
            with dot.subgraph(name=f"cluster_{counter[0]}") as sub:
                is_pass = child.path in ((_FORWARD,), (_BACKWARD,))
                grad = _is_gradient_cluster(child)
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
                sub.attr(tooltip="/".join(p for p in child.path if p not in (_FORWARD, _BACKWARD)) or name)
                self._emit_cluster(sub, child, counter)

    def _legend(self, dot: graphviz.Digraph) -> None:
        """A column of sample nodes, one per kind drawn, and a sample edge."""
        kinds = {item.kind for item in self.items}
        has_fold = any(item.fold is not None for item in self.items)
        entries = [k for k in st.LEGEND_ORDER if k in kinds]
        upward = self.rankdir in ("BT", "RL")
        row = self.view == "both"  # a wide drawing: the legend is a row under it, else a column beside
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
            if self.shapes:
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

    def build(self, legend: bool, title: str | None) -> Drawing:
        self._group()
        dot = Drawing(name="graphdl")
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
        root = self._clusters()
        self._emit_cluster(dot, root, [0])
        edges = self._edges(dot)
        if legend and self.items:
            self._legend(dot)
        dot.stats = {
            "nodes": len(self.items),
            "graph_nodes": len(self.drawn) + len(self.faded),
            "folds": sum(1 for i in self.items if i.fold is not None),
            "faded": sum(1 for i in self.items if i.faded),
            "edges": edges,
        }
        return dot


def _fold_kind(members: list[Node]) -> str:
    """The style of a fold: gradient if it holds gradient ops, else its most common kind."""
    kinds = [st.style_kind(m) for m in members]
    if "gradient" in kinds:
        return "gradient"
    if "update" in kinds:
        return "update"
    if "op" in kinds:
        return "op"
    return max(set(kinds), key=kinds.count)


def _edge_label(tensors: list[Tensor], usual: str) -> str:
    texts: list[str] = []
    for t in tensors:
        s = st.shape_text(t.shape, t.dtype, usual)
        if len(t.op.outputs) > 1:
            s = f"{s} #{t.value_index}"
        texts.append(s)
    uniq = list(dict.fromkeys(texts))
    if len(tensors) > 1 and len(uniq) == 1:
        return f"{uniq[0]} (\u00d7{len(tensors)})"
    if len(uniq) > 2:
        return f"{uniq[0]}, {uniq[1]}, \u2026 ({len(tensors)})"
    return ", ".join(uniq)


def _flatten(cluster: _Cluster, is_root: bool = False) -> None:
    """Lift the lone item of a one-node cluster into its parent (a frame around one node is noise)."""
    for name in list(cluster.children):
        child = cluster.children[name]
        _flatten(child)
        if child.path in ((_FORWARD,), (_BACKWARD,)):
            continue
        if not child.children and len(child.items) == 1:
            child.items[0].lifted.insert(0, name)
            cluster.items.extend(child.items)
            del cluster.children[name]
        elif not child.children and not child.items:
            del cluster.children[name]


def _is_gradient_cluster(cluster: _Cluster) -> bool:
    items = cluster.all_items()
    return bool(items) and all(i.kind == "gradient" or i.backward for i in items)
