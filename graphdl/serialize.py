"""Graphs on disk: JSON for the ops, an `.npz` beside it for their arrays; loading runs no code.

`write_graph(graph, "model.json")` writes `model.json` (format, seed, every op in creation order with
its type, inputs, control inputs, attrs, device, scope and source line, and the collections) and
`model.json.npz` (the arrays the attrs hold: constants, initial values). `read_graph(path, graph)`
rebuilds the ops through `Graph.create_op` (so every op's shape rules check the file) and wraps the
variables again. Attrs are JSON values, tuples, dicts, DTypes, TensorShapes and NumPy arrays; the
arrays are read with `allow_pickle=False`.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype
from graphdl.errors import GraphdlError, GraphError
from graphdl.graph import Graph, Node, get_default_graph
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["write_graph", "read_graph", "graph_to_json", "graph_from_json"]

FORMAT = "graphdl-graph-1"


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def value(self, v: Any, where: str) -> Any:
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, DType):
            return {"__dtype__": v.name}
        if isinstance(v, TensorShape):
            return {"__shape__": None if v.dims is None else list(v.dims)}
        if isinstance(v, np.ndarray | np.generic):
            arr = np.asarray(v)
            if arr.dtype.hasobject:
                raise GraphError(f"{where}: cannot save an array of Python objects")
            key = f"a{len(self.arrays)}"
            self.arrays[key] = arr
            return {"__array__": key, "scalar": isinstance(v, np.generic)}
        if isinstance(v, list):
            return [self.value(x, where) for x in v]
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, where) for x in v]}
        if isinstance(v, Mapping):
            return {"__dict__": [[self.value(k, where), self.value(x, where)] for k, x in v.items()]}
        raise GraphError(f"{where}: cannot save a value of type {type(v).__name__} ({v!r})")


def _decode(v: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(v, list):
        return [_decode(x, arrays) for x in v]
    if not isinstance(v, dict):
        return v
    if "__dtype__" in v:
        return as_dtype(v["__dtype__"])
    if "__shape__" in v:
        return TensorShape(v["__shape__"])
    if "__array__" in v:
        arr = np.array(arrays[v["__array__"]])
        return arr[()] if v.get("scalar") else arr
    if "__tuple__" in v:
        return tuple(_decode(x, arrays) for x in v["__tuple__"])
    if "__dict__" in v:
        return {_decode(k, arrays): _decode(x, arrays) for k, x in v["__dict__"]}
    raise GraphError(f"unknown attr encoding {v!r}")


def _collection_item(item: Any) -> dict[str, Any] | None:
    if isinstance(item, Variable):
        return {
            "variable": item.op.name,
            "initializer": item.initializer.name,
            "initial_value": item.initial_value.name,
            "trainable": item.trainable,
        }
    if isinstance(item, Node):
        return {"op": item.name}
    if isinstance(item, Tensor):
        return {"tensor": item.name}
    if item is None or isinstance(item, bool | int | float | str):
        return {"value": item}
    return None


def graph_to_json(graph: Graph) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON document of `graph` and the arrays it refers to."""
    enc = _Encoder()
    ops = []
    for node in graph.get_operations():
        ops.append(
            {
                "name": node.name,
                "type": node.type,
                "inputs": [t.name for t in node.inputs],
                "control_inputs": [c.name for c in node.control_inputs],
                "attrs": {k: enc.value(v, f"{node.describe()}, attr {k!r}") for k, v in node.attrs.items()},
                "device": node.device,
                "scope": node.scope,
                "source": list(node.source),
                "is_gradient": node.is_gradient,
            }
        )
    collections: dict[str, list[Any]] = {}
    for key in graph.get_all_collection_keys():
        items = []
        for item in graph.get_collection(key):
            encoded = _collection_item(item)
            if encoded is None:
                warnings.warn(
                    f"collection {key!r}: an item of type {type(item).__name__} cannot be saved; skipped",
                    stacklevel=3,
                )
                continue
            items.append(encoded)
        collections[key] = items
    return {"format": FORMAT, "seed": graph.seed, "ops": ops, "collections": collections}, enc.arrays


def graph_from_json(
    doc: Mapping[str, Any], arrays: Mapping[str, np.ndarray], graph: Graph | None = None
) -> Graph:
    """Rebuild the ops of `doc` into `graph` (default: the default graph); returns the graph."""
    if doc.get("format") != FORMAT:
        raise GraphError(f"not a graphdl graph (format {doc.get('format')!r}, expected {FORMAT!r})")
    graph = graph if graph is not None else get_default_graph()
    clash = [op["name"] for op in doc["ops"] if op["name"] in graph]
    if clash:
        raise GraphError(
            f"cannot import: the graph already has op(s) named {', '.join(repr(c) for c in clash[:5])}"
            + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
            + "; import into a new Graph"
        )
    if doc.get("seed") is not None and graph.seed is None:
        graph.seed = doc["seed"]
    for op in doc["ops"]:
        try:
            inputs = [graph.get_tensor_by_name(n) for n in op["inputs"]]
            controls = [graph.get_operation_by_name(n) for n in op["control_inputs"]]
            attrs = {k: _decode(v, arrays) for k, v in op["attrs"].items()}
            node = graph.create_op(op["type"], inputs, attrs, name=op["name"] + "/", control_inputs=controls)
        except (GraphdlError, KeyError) as exc:
            raise GraphError(f"cannot import op {op.get('name')!r} ({op.get('type')}): {exc}") from None
        node.device = op.get("device", "")
        node.scope = op.get("scope", "")
        node.source = (str(op["source"][0]), int(op["source"][1]))
        node.is_gradient = bool(op.get("is_gradient", False))
    known: dict[str, Variable] = {}  # one Variable object per variable, in every collection
    for key, items in doc.get("collections", {}).items():
        for item in items:
            graph.add_to_collection(key, _collection_value(graph, item, known))
    return graph


def _collection_value(graph: Graph, item: Mapping[str, Any], known: dict[str, Variable]) -> Any:
    if "variable" in item:
        name = item["variable"]
        if name not in known:
            known[name] = Variable._from_graph(
                graph.get_operation_by_name(name),
                graph.get_operation_by_name(item["initializer"]),
                graph.get_tensor_by_name(item["initial_value"]),
                bool(item.get("trainable", True)),
            )
        return known[name]
    if "op" in item:
        return graph.get_operation_by_name(item["op"])
    if "tensor" in item:
        return graph.get_tensor_by_name(item["tensor"])
    return item.get("value")


def write_graph(graph: Graph, path: str) -> str:
    """Write `graph` as `path` (JSON) and `path + '.npz'` (its arrays), each atomically."""
    from graphdl.train.checkpoint_io import write_atomic

    doc, arrays = graph_to_json(graph)
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    write_atomic(path + ".npz", buf.getvalue())
    write_atomic(path, json.dumps(doc, indent=1).encode("utf-8"))
    return path


def read_graph(path: str, graph: Graph | None = None) -> Graph:
    """Import the graph written at `path` into `graph` (default: the default graph)."""
    if not os.path.isfile(path):
        raise GraphError(f"no graph file at {path!r}")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        raise GraphError(f"{path!r} is not a readable graphdl graph: {exc}") from None
    arrays: dict[str, np.ndarray] = {}
    if os.path.isfile(path + ".npz"):
        try:
            with np.load(path + ".npz", allow_pickle=False) as archive:
                arrays = {k: np.asarray(archive[k]) for k in archive.files}
        except (OSError, ValueError) as exc:
            raise GraphError(f"{path + '.npz'!r} is not readable without pickle: {exc}") from None
    return graph_from_json(doc, arrays, graph)
