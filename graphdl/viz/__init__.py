"""Graphviz drawings of graphdl graphs: forward and gradient graphs, scopes as clusters, a legend.

    import graphdl as gd
    d = gd.viz.draw(graph, view="both")     # a graphviz.Digraph; d.source is DOT
    gd.viz.render("mlp.svg", graph, view="gradient", collapse=["gradients/hidden"])

See `graphdl.viz.style` for the visual grammar and docs/drawings.md for examples.
"""

from graphdl.viz.draw import INSTALL_HINT, VIEWS, Drawing, draw
from graphdl.viz.render import GraphvizNotFoundError, dot_available, render

__all__ = ["INSTALL_HINT", "VIEWS", "Drawing", "GraphvizNotFoundError", "dot_available", "draw", "render"]
