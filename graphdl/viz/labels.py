"""Labels and attributes of drawn nodes and edges: titles, subtitles, tooltips and shape text."""

from __future__ import annotations

import numpy as np

from graphdl.graph import Node
from graphdl.source import short_location
from graphdl.tensor import Tensor
from graphdl.viz import style as st
from graphdl.viz.collapse import Path
from graphdl.viz.layout import Item


def node_attrs(
    item: Item, fold_labels: dict[Path, tuple[str, str]], shapes: bool, targets: list[Node] | None
) -> dict[str, str]:
    """The DOT attributes of a drawn item: its kind's style, an HTML label and a tooltip."""
    attrs = dict(st.STYLES[item.kind].attrs())
    if item.fold is not None:
        attrs["shape"] = "box3d"
        attrs["style"] = "filled,dashed" if item.faded else "filled"
        title, subtitle = fold_label(item, fold_labels)
        attrs["label"] = st.html_label(title, subtitle, faded=item.faded)
        names = ", ".join(m.name for m in item.members[:6]) + (" \u2026" if len(item.members) > 6 else "")
        attrs["tooltip"] = f"{'/'.join(item.fold)}: {len(item.members)} ops ({names})"
        return attrs
    node = item.members[0]
    title, subtitle = node_label(node, item.faded, shapes)
    if item.lifted and not item.faded and node.kind != "update":
        scopes = item.lifted[:-1] if item.lifted[-1] == title else item.lifted
        title = "/".join([*scopes, title])
    attrs["label"] = st.html_label(title, subtitle, faded=item.faded)
    if node.kind == "constant" and not item.faded:
        attrs["height"] = "0.25"
    if targets is not None and node in targets and not item.faded:
        attrs["penwidth"] = "2.4"
    outs = ", ".join(st.shape_text(t.shape, t.dtype) for t in node.outputs) or "no outputs"
    attrs["tooltip"] = f"{node.name}\n{node.type} → {outs}\n{short_location(node.source)}"
    if node.device:
        attrs["tooltip"] += f"\ndevice {node.device}"
    return attrs


def fold_label(item: Item, fold_labels: dict[Path, tuple[str, str]]) -> tuple[str, str]:
    """Title and subtitle of a fold."""
    last = item.fold[-1] if item.fold else ""
    n = len(item.members)
    if item.fold in fold_labels:
        title, sub = fold_labels[item.fold]
        if item.faded and item.fold:
            title = "/".join([*item.fold[:-1], title])
        return title, f"{sub} · {n} ops"
    title = "/".join(item.fold or ()) if item.faded else last
    return title, f"{n} ops"


def node_label(node: Node, faded: bool, shapes: bool) -> tuple[str, str]:
    """Title and subtitle of a single graph node."""
    short = node.name if faded else node.name.rsplit("/", 1)[-1]
    kind = node.kind
    shape = node.outputs[0].shape if node.outputs else None
    if kind == "update" and node.op_def.ref_inputs and not faded:
        written = node.inputs[node.op_def.ref_inputs[0]].op.name
        return f"update {written}", node.type
    if kind in ("placeholder", "variable"):
        what = "placeholder" if kind == "placeholder" else "variable"
        sub = f"{what} {st.shape_text(shape)}" if shapes and shape is not None else what
        return short, sub
    if kind == "constant":
        value = node.attrs.get("value")
        if isinstance(value, np.ndarray) and value.size == 1:
            v = value.reshape(()).item()
            text = f"{v:.6g}" if isinstance(v, float) else str(v)
            if short.startswith("Const"):  # an unnamed constant: its value is its name
                return text, ""
            return short, text
        return short, st.shape_text(shape) if shapes and shape is not None else "constant"
    return short, "" if short.lower().startswith(node.type.lower()) else node.type


def edge_label(tensors: list[Tensor], usual: str) -> str:
    """The shapes an edge carries, with the dtype only where it is not `usual`."""
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
