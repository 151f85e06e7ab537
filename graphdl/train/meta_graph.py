"""TF1's `tf.train.export_meta_graph` / `import_meta_graph` / `write_graph`, over graphdl.serialize.

A meta graph `model.ckpt-100.meta` is a graphdl graph file (JSON, with its arrays in
`model.ckpt-100.meta.npz`), the format of `graphdl.serialize`; it is not TF1's protobuf.
"""

from __future__ import annotations

import os
from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import Graph, get_default_graph
from graphdl.serialize import read_graph
from graphdl.serialize import write_graph as _write_graph_file

__all__ = ["export_meta_graph", "import_meta_graph", "write_graph"]


def export_meta_graph(
    filename: str | None = None, graph: Graph | None = None, **_tf1_options: Any
) -> str | None:
    """Write the (default) graph to `filename`; returns the path (None when no filename is given)."""
    if filename is None:
        return None
    return _write_graph_file(graph if graph is not None else get_default_graph(), filename)


def import_meta_graph(
    meta_graph_or_file: str, clear_devices: bool = False, import_scope: str | None = None, **_tf1_options: Any
) -> Any:
    """Add the ops of a meta graph file to the default graph; returns a Saver of its variables
    (None when it has none), ready for `saver.restore(sess, prefix)`."""
    from graphdl.train.saver import Saver
    from graphdl.variables import global_variables

    if import_scope:
        raise GraphError("import_meta_graph: import_scope is not supported; import into a new tf.Graph()")
    graph = get_default_graph()
    read_graph(meta_graph_or_file, graph)
    if clear_devices:
        for op in graph.get_operations():
            op.device = ""
    return Saver() if global_variables() else None


def write_graph(graph_or_graph_def: Any, logdir: str, name: str, as_text: bool = True) -> str:
    """TF1 `tf.train.write_graph`: the graph as a graphdl graph file `logdir/name`; returns its path."""
    graph = (
        graph_or_graph_def
        if isinstance(graph_or_graph_def, Graph)
        else getattr(graph_or_graph_def, "graph", None)
    )
    if not isinstance(graph, Graph):
        raise GraphError(f"write_graph needs a graphdl Graph, got {type(graph_or_graph_def).__name__}")
    return _write_graph_file(graph, os.path.join(logdir, name))
