"""The visual grammar of graphdl drawings: one shape and colour per kind of node, edge widths by size.

| kind        | shape       | colour | what it is                                             |
| ----------- | ----------- | ------ | ------------------------------------------------------ |
| placeholder | house       | blue   | an input fed at run time (`feed_dict`)                 |
| variable    | cylinder    | amber  | state kept between runs (weights, biases, slots)       |
| constant    | small oval  | grey   | a value baked into the graph                           |
| random      | rounded box | yellow | a random op (dropout, initializers)                    |
| op          | rounded box | green  | an ordinary computation                                |
| gradient    | rounded box | rose   | a node `graphdl.gradients` added (scope `gradients/`)  |
| update      | hexagon     | purple | an optimizer update or assign (writes a variable)      |
| control     | octagon     | slate  | a grouping op such as `train` or `init` (no value)     |
| folded      | 3-d box     | kind's | a collapsed name scope or a run of repeated steps      |
| faded       | dashed box  | pale   | a forward value the gradient graph reads               |

Edges carry the static shape of the tensor (`?\u00d7784`, `?` for an unknown dimension); their pen
width grows with the number of elements; control dependencies are dashed and unlabelled.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

FONT = "Helvetica,Arial,sans-serif"
MONO = "Menlo,DejaVu Sans Mono,monospace"
INK = "#263238"
MUTED = "#607D8B"
FADED_INK = "#9AA5AD"
EDGE = "#546E7A"
GRAD_EDGE = "#B23A55"
CONTROL_EDGE = "#90A4AE"
CROSS_EDGE = "#C9A7B0"
ASSUMED_BATCH = 32  # unknown dimensions count as this much when choosing an edge's width


@dataclass(frozen=True)
class NodeStyle:
    """How one kind of node is drawn, and how the legend names it."""

    shape: str
    fill: str
    border: str
    legend: str
    style: str = "filled"
    font: str = INK

    def attrs(self) -> dict[str, str]:
        """Graphviz node attributes for this style."""
        return {
            "shape": self.shape,
            "style": self.style,
            "fillcolor": self.fill,
            "color": self.border,
            "fontcolor": self.font,
        }


STYLES: dict[str, NodeStyle] = {
    "placeholder": NodeStyle("house", "#D6E6FB", "#2F6DB5", "placeholder (fed input)"),
    "variable": NodeStyle("cylinder", "#FCE3B6", "#C27C0E", "variable (trained state)"),
    "constant": NodeStyle("ellipse", "#ECEFF1", "#90A4AE", "constant"),
    "random": NodeStyle("box", "#FFF3B0", "#B89B00", "random op", style="rounded,filled"),
    "op": NodeStyle("box", "#E3F1DF", "#4E8A3E", "op", style="rounded,filled"),
    "gradient": NodeStyle("box", "#FBE0E6", "#B23A55", "gradient op", style="rounded,filled"),
    "update": NodeStyle("hexagon", "#E8DDF6", "#6C4AA5", "update (writes a variable)"),
    "control": NodeStyle("octagon", "#E1E7EC", "#546E7A", "group / no-op"),
    "summary": NodeStyle("note", "#F5F5F5", "#757575", "summary (for TensorBoard)"),
    "faded": NodeStyle(
        "box",
        "#F7F8F9",
        "#CFD8DC",
        "forward value read by gradients",
        style="rounded,filled,dashed",
        font=FADED_INK,
    ),
}
LEGEND_ORDER = (
    "placeholder",
    "variable",
    "constant",
    "random",
    "op",
    "gradient",
    "update",
    "control",
    "summary",
    "faded",
)

# Cluster (name scope) colours: forward scopes bluish grey, gradient scopes pale rose.
CLUSTER_FILL = "#F6F8FA"
CLUSTER_BORDER = "#C5CED6"
GRAD_CLUSTER_FILL = "#FDF5F7"
GRAD_CLUSTER_BORDER = "#E3B5C1"
PASS_FILL = "#FFFFFF"


def style_kind(node: Any) -> str:
    """The style key of a graph node: its kind, or 'gradient' for ordinary ops autodiff added."""
    kind = node.kind
    if node.is_gradient and kind in ("op", "constant", "random"):
        return "gradient"
    return kind if kind in STYLES else "op"


def dim_text(d: Any) -> str:
    return "?" if d is None else str(d)


def shape_text(shape: Any, dtype: Any = None, usual: str = "float32") -> str:
    """`?\u00d7784`; `scalar` for rank 0; `?\u2026` for unknown rank; a dtype other than `usual` is appended."""
    dims = getattr(shape, "dims", None)
    if dims is None:
        text = "?\u2026"
    elif len(dims) == 0:
        text = "scalar"
    else:
        text = "\u00d7".join(dim_text(d) for d in dims)
    name = getattr(dtype, "name", None)
    if name and name != usual:
        text += f" {name}"
    return text


def num_elements(shape: Any) -> float:
    """Elements of a static shape, counting an unknown dimension as ASSUMED_BATCH."""
    dims = getattr(shape, "dims", None)
    if dims is None:
        return float(ASSUMED_BATCH)
    n = 1.0
    for d in dims:
        n *= ASSUMED_BATCH if d is None else max(int(d), 1)
    return n


def pen_width(shape: Any) -> float:
    """Edge pen width: 1 for a scalar, growing with log10 of the size, at most 6."""
    n = num_elements(shape)
    return round(min(6.0, 1.0 + 0.75 * math.log10(max(n, 1.0))), 2)


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return html.escape(text, quote=False)


def html_label(title: str, subtitle: str = "", faded: bool = False, bold: bool = True) -> str:
    """A two-line label: the node's short name over its op type (and shape) in small grey text."""
    t = esc(title)
    if bold and not faded:
        t = f"<B>{t}</B>"
    if not subtitle:
        return f"<{t}>"
    colour = FADED_INK if faded else MUTED
    return f'<{t}<BR/><FONT POINT-SIZE="9" COLOR="{colour}">{esc(subtitle)}</FONT>>'


GRAPH_ATTRS: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "11",
    "fontcolor": INK,
    "bgcolor": "white",
    "nodesep": "0.3",
    "ranksep": "0.35",
    "pad": "0.25",
    "compound": "true",
    "labeljust": "l",
}
NODE_ATTRS: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "11",
    "margin": "0.12,0.04",
    "height": "0.3",
    "penwidth": "1.2",
}
EDGE_ATTRS: dict[str, str] = {
    "fontname": FONT,
    "fontsize": "9",
    "fontcolor": MUTED,
    "color": EDGE,
    "arrowsize": "0.6",
}
