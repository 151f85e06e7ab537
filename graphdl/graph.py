"""The graph IR: a Graph of Nodes (TF1 "operations") whose outputs are Tensors."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graphdl.errors import DTypeError, GraphdlError, GraphError, ShapeError
from graphdl.registry import OpDef, TensorSpec, get_op_def
from graphdl.source import short_location, user_frame
from graphdl.tensor import Tensor

if TYPE_CHECKING:
    import networkx as nx


class GraphKeys:
    """Standard collection names, as in TF1."""

    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    SUMMARIES = "summaries"
    METRIC_VARIABLES = "metric_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    QUEUE_RUNNERS = "queue_runners"


_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$")


class Node:
    """One operation in a graph: op type, inputs, attrs, static output types and where it was built."""

    __slots__ = (
        "__weakref__",
        "_id",
        "attrs",
        "control_inputs",
        "device",
        "graph",
        "inputs",
        "is_gradient",
        "name",
        "op_def",
        "outputs",
        "scope",
        "source",
        "type",
    )

    def __init__(
        self,
        graph: Graph,
        name: str,
        op_def: OpDef,
        inputs: Sequence[Tensor],
        attrs: Mapping[str, Any],
        specs: Sequence[TensorSpec],
        control_inputs: Sequence[Node],
        scope: str,
        source: tuple[str, int],
        is_gradient: bool,
        node_id: int,
    ) -> None:
        self.graph = graph
        self.name = name
        self.type = op_def.name
        self.op_def = op_def
        self.inputs = tuple(inputs)
        self.control_inputs = tuple(control_inputs)
        self.attrs = dict(attrs)
        self.scope = scope
        self.source = source
        self.is_gradient = is_gradient
        self._id = node_id
        self.device = ""  # TF1's requested device ('/device:GPU:0'), set from tf.device scopes
        self.outputs = tuple(Tensor(self, i, s.shape, s.dtype) for i, s in enumerate(specs))

    @property
    def kind(self) -> str:
        """placeholder | variable | constant | op | update | random | control (for passes and drawings)."""
        return self.op_def.kind

    @property
    def id(self) -> int:
        return self._id

    @property
    def node_def(self) -> dict[str, Any]:
        return {"name": self.name, "op": self.type, "input": [t.name for t in self.inputs]}

    def get_attr(self, name: str) -> Any:
        try:
            return self.attrs[name]
        except KeyError:
            raise GraphError(f"{self.describe()}: no attribute {name!r}") from None

    def describe(self) -> str:
        """`matmul 'dense/MatMul' (model.py:14)`: how errors name this node."""
        return f"{self.op_def.api_name} '{self.name}' ({short_location(self.source)})"

    def __repr__(self) -> str:
        return f"<graphdl.Operation '{self.name}' type={self.type}>"

    # TF1 spelling
    @property
    def values(self) -> tuple[Tensor, ...]:
        return self.outputs

    def run(self, feed_dict: Mapping[Any, Any] | None = None, session: Any = None) -> None:
        from runtime.session import get_default_session

        (session or get_default_session()).run(self, feed_dict=feed_dict)


Operation = Node


class _NameScope:
    def __init__(self, graph: Graph, name: str | None) -> None:
        self.graph = graph
        self.name = name

    def __enter__(self) -> str:
        g = self.graph
        self._old = g._scope
        if self.name is None or self.name == "":
            g._scope = ""
        elif self.name.endswith("/"):
            g._scope = self.name[:-1]
        else:
            g._scope = g.unique_name(self.name)
        return g._scope + "/" if g._scope else ""

    def __exit__(self, *exc: object) -> None:
        self.graph._scope = self._old


class Graph:
    """A dataflow graph: nodes in creation order, TF1 naming, collections and a default-graph stack."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._order: list[Node] = []
        self._names_in_use: dict[str, int] = {}
        self._scope = ""
        self._collections: dict[str, list[Any]] = {}
        self._control_stack: list[list[Node]] = []
        self._gradient_depth = 0
        self.seed: int | None = None
        self._last_id = 0
        self._version = 0
        self._lock = threading.RLock()
        self._var_store: dict[str, Any] = {}
        self._var_scope_stack: list[Any] = []
        self._device_stack: list[Any] = []
        # tf.data: get_next placeholders and iterator initializers by node name (runtime/data_feed.py)
        self._data_iterators: dict[str, Any] = {}
        # host-side feeders (tf.data, queues): key -> factory of a per-Session object with
        # `prepare(session, fetches, feed_dict) -> feed_dict` and `close()` (runtime/session.py)
        self._host_feeders: dict[str, Any] = {}

    # --- naming ---------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF1 naming: prefix the current scope; `x`, then `x_1`, `x_2`."""
        full = f"{self._scope}/{name}" if self._scope else name
        key = full.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = full
            while True:
                candidate = f"{base}_{count}"
                if candidate.lower() not in self._names_in_use:
                    break
                count += 1
            if mark_as_used:
                self._names_in_use[candidate.lower()] = 1
            return candidate
        return full

    def get_name_scope(self) -> str:
        return self._scope

    def name_scope(self, name: str | None) -> _NameScope:
        return _NameScope(self, name)

    @contextlib.contextmanager
    def gradient_scope(self) -> Iterator[None]:
        """Nodes created inside are marked as gradient nodes (used by compiler.autodiff)."""
        self._gradient_depth += 1
        try:
            yield
        finally:
            self._gradient_depth -= 1

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: Sequence[Any] | None) -> Iterator[None]:
        if control_inputs is None:
            saved = self._control_stack
            self._control_stack = []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        nodes = [c.op if isinstance(c, Tensor) else _as_node(c) for c in control_inputs]
        self._control_stack.append(nodes)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def device(self, device_name_or_function: Any) -> Iterator[None]:
        """TF1 `Graph.device`: ops created inside record this device (see graphdl.devices)."""
        from graphdl.devices import scope_entry

        self._device_stack.append(scope_entry(device_name_or_function))
        try:
            yield
        finally:
            self._device_stack.pop()

    # --- building -------------------------------------------------------
    def create_op(
        self,
        op_type: str,
        inputs: Sequence[Tensor],
        attrs: Mapping[str, Any] | None = None,
        name: str | None = None,
        control_inputs: Sequence[Node] = (),
    ) -> Node:
        """Add a node: infer its output types now, raising a located ShapeError/DTypeError."""
        op_def = get_op_def(op_type)
        attrs = dict(attrs or {})
        for t in inputs:
            if not isinstance(t, Tensor):
                raise GraphError(f"{op_def.api_name}: input {t!r} is not a Tensor")
            if t.graph is not self:
                raise GraphError(
                    f"{op_def.api_name}: input '{t.name}' belongs to another graph; "
                    "build all ops of a computation in one graph"
                )
        source = user_frame()
        with self._lock:
            if name and name.endswith("/"):  # TF1: a scope name ending in "/" is used as is
                node_name = name[:-1]
                if node_name in self._nodes:
                    raise GraphError(f"{op_def.api_name}: an op named {node_name!r} already exists")
                self._names_in_use.setdefault(node_name.lower(), 1)
            else:
                node_name = self.unique_name(name or op_type)
            if not _VALID_NAME.match(node_name):
                raise GraphError(f"{op_def.api_name}: invalid op name {node_name!r}")
            try:
                specs = op_def.infer([TensorSpec(t.shape, t.dtype) for t in inputs], attrs)
            except (ShapeError, DTypeError) as exc:
                shapes = " x ".join(f"{t.shape.short()}:{t.dtype.name}" for t in inputs)
                where = f"{op_def.api_name} '{node_name}' ({short_location(source)})"
                detail = f" (inputs {shapes})" if inputs and "inputs" not in str(exc) else ""
                raise type(exc)(f"{where}: {exc}{detail}") from None
            controls = list(control_inputs)
            for frame in self._control_stack:
                controls.extend(frame)
            seen: set[int] = set()
            controls = [c for c in controls if not (id(c) in seen or seen.add(id(c)))]  # type: ignore[func-returns-value]
            self._last_id += 1
            node = Node(
                self,
                node_name,
                op_def,
                inputs,
                attrs,
                specs,
                controls,
                self._scope,
                source,
                self._gradient_depth > 0,
                self._last_id,
            )
            if self._device_stack:
                from graphdl.devices import resolve

                node.device = resolve(self._device_stack, node)
            self._nodes[node_name] = node
            self._order.append(node)
            self._version += 1
        return node

    def located_error(self, exc_type: type[GraphdlError], api_name: str, message: str) -> GraphdlError:
        """An error of `exc_type` prefixed with the api name and the user's source line."""
        return exc_type(f"{api_name} ({short_location(user_frame())}): {message}")

    # --- lookup -----------------------------------------------------------
    def get_operations(self) -> list[Node]:
        return list(self._order)

    @property
    def nodes(self) -> list[Node]:
        return list(self._order)

    @property
    def version(self) -> int:
        """Increments whenever a node is added (caches key on it)."""
        return self._version

    def get_operation_by_name(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise GraphError(f"the graph has no operation named {name!r}") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if ":" not in name:
            raise GraphError(f"{name!r} names an operation, not a tensor; tensor names look like '{name}:0'")
        op_name, _, index = name.rpartition(":")
        node = self.get_operation_by_name(op_name)
        try:
            return node.outputs[int(index)]
        except (ValueError, IndexError):
            raise GraphError(
                f"operation {op_name!r} has {len(node.outputs)} outputs; {name!r} does not exist"
            ) from None

    def as_graph_element(self, obj: Any) -> Tensor | Node:
        """Resolve a Tensor, Node, Variable or name to an element of this graph."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        if hasattr(obj, "_as_graph_element"):
            obj = obj._as_graph_element()
        if isinstance(obj, Tensor | Node):
            if obj.graph is not self:
                raise GraphError(f"{obj.name!r} is not an element of this graph")
            return obj
        raise GraphError(f"cannot interpret {obj!r} as a tensor or operation of the graph")

    # --- collections -------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names: Sequence[str], value: Any) -> None:
        for n in names:
            self.add_to_collection(n, value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_collection_ref(self, name: str) -> list[Any]:
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self) -> list[str]:
        return sorted(self._collections)

    # --- views ------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph as a networkx MultiDiGraph over node names (data and control edges)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for node in self._order:
            g.add_node(node.name, node=node)
        for node in self._order:
            for i, t in enumerate(node.inputs):
                g.add_edge(t.op.name, node.name, kind="data", index=i, tensor=t)
            for c in node.control_inputs:
                g.add_edge(c.name, node.name, kind="control")
        return g

    def as_default(self) -> contextlib.AbstractContextManager[Graph]:
        return _default_graph_context(self)

    def finalize(self) -> None:
        pass

    @property
    def graph_def_versions(self) -> int:
        return self._version

    def __contains__(self, name: str) -> bool:
        return name in self._nodes

    def __repr__(self) -> str:
        return f"<graphdl.Graph with {len(self._order)} nodes>"

    # Drawing inline in Jupyter (graphdl.viz)
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from graphdl import viz

        return viz.draw(self)._repr_mimebundle_(include, exclude)  # type: ignore[no-any-return]


def _as_node(obj: Any) -> Node:
    if isinstance(obj, Node):
        return obj
    if isinstance(obj, Tensor):
        return obj.op
    if hasattr(obj, "op") and isinstance(obj.op, Node):
        return obj.op
    raise GraphError(f"{obj!r} is not an operation")


# --- the default-graph stack ---------------------------------------------
class _DefaultStack(threading.local):
    def __init__(self) -> None:
        self.stack: list[Graph] = []
        self.global_graph: Graph | None = None


_STACK = _DefaultStack()
_GLOBAL_DEFAULT: list[Graph] = [Graph()]


@contextlib.contextmanager
def _default_graph_context(graph: Graph) -> Iterator[Graph]:
    _STACK.stack.append(graph)
    try:
        yield graph
    finally:
        _STACK.stack.pop()


def get_default_graph() -> Graph:
    """The innermost `as_default()` graph, else the global default graph."""
    if _STACK.stack:
        return _STACK.stack[-1]
    return _GLOBAL_DEFAULT[0]


def reset_default_graph() -> None:
    """Replace the global default graph with a new empty one (not allowed inside as_default())."""
    if _STACK.stack:
        raise GraphError("reset_default_graph() called inside a `with graph.as_default()` block")
    _GLOBAL_DEFAULT[0] = Graph()


def name_scope(name: str | None, default_name: str | None = None, values: Any = None) -> _NameScope:
    """TF1 `tf.name_scope`: ops created inside get `name/` prefixed to their names."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def device(device_name_or_function: Any) -> contextlib.AbstractContextManager[None]:
    """TF1 `tf.device('/gpu:0')`: record a device on the ops created inside (default graph)."""
    return get_default_graph().device(device_name_or_function)


def get_collection(key: str, scope: str | None = None) -> list[Any]:
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key: str) -> list[Any]:
    """TF1 `tf.get_collection_ref(key)`: the default graph's collection list itself (edits stay)."""
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name: str, value: Any) -> None:
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names: Any, value: Any) -> None:
    """TF1 `tf.add_to_collections(names, value)`."""
    for name in [names] if isinstance(names, str) else names:
        get_default_graph().add_to_collection(name, value)


def control_dependencies(control_inputs: Sequence[Any] | None) -> contextlib.AbstractContextManager[None]:
    return get_default_graph().control_dependencies(control_inputs)
