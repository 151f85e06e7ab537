"""Session: TF1's `Session.run(fetches, feed_dict)` over a backend (NumPy interpreter or XLA)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

import compiler
from graphdl.dtypes import can_cast_safely
from graphdl.errors import FeedError, GraphError, UninitializedVariableError
from graphdl.graph import Graph, get_default_graph
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor
from runtime.fetches import flatten_fetches

DEFAULT_BACKEND = "xla"


def make_backend(name: str, device: str | None = None) -> Any:
    """The backend object for a name: 'interpreter' (NumPy) or 'xla' (JAX)."""
    if name == "interpreter":
        from runtime.interpreter import InterpreterBackend

        return InterpreterBackend()
    if name == "xla":
        from runtime.xla import XlaBackend

        return XlaBackend(device)
    raise GraphError(f"unknown backend {name!r}; choose 'xla' or 'interpreter'")


def convert_feed(tensor: Tensor, value: Any) -> np.ndarray:
    """Check a fed value against the tensor's dtype and static shape and convert it (FeedError if not)."""
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    dt = tensor.dtype
    if arr.dtype != dt.np:
        if not can_cast_safely(arr.dtype, dt):
            raise FeedError(
                f"cannot feed a value of dtype {arr.dtype} to {_describe_fed(tensor)}: "
                f"it would not convert safely to {dt.name}"
            )
        arr = arr.astype(dt.np)
    dims = tensor.shape.dims
    if dims is not None:
        shp = arr.shape
        if len(shp) != len(dims) or any(d is not None and d != s for d, s in zip(dims, shp, strict=False)):
            raise FeedError(
                f"cannot feed a value of shape {shp} to {_describe_fed(tensor)}: "
                f"its shape must fit {tensor.shape}"
            )
    return arr


def _describe_fed(t: Tensor) -> str:
    return f"{t.op.describe()} ('{t.name}', dtype {t.dtype.name}, shape {t.shape})"


class Session:
    """Runs graphs; holds variable values per session, as TF1 does.

    backend: 'xla' (default, compiled with JAX) or 'interpreter' (the NumPy reference).
    device: 'cpu' | 'gpu' | 'tpu' for the XLA backend (default: JAX's default platform).
    """

    def __init__(
        self,
        target: str = "",
        graph: Graph | None = None,
        config: Any = None,
        backend: str | None = None,
        device: str | None = None,
        optimize: bool = True,
    ) -> None:
        self._graph = graph if graph is not None else get_default_graph()
        self.backend_name = backend or DEFAULT_BACKEND
        self._backend = make_backend(self.backend_name, device)
        self._vars: dict[str, Any] = {}
        self._cache: dict[Any, Any] = {}
        self._step = 0
        self._closed = False
        self._optimize = optimize
        self._lock = threading.RLock()
        self._default_ctx: list[Any] = []

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def backend(self) -> Any:
        return self._backend

    @property
    def sess_str(self) -> str:
        return ""

    # --- running ------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: Mapping[Any, Any] | None = None, options: Any = None, run_metadata: Any = None) -> Any:
        """Evaluate `fetches` (any nesting of tensors, ops and names) with `feed_dict` fed."""
        if self._closed:
            raise GraphError("attempted to use a closed Session")
        flat, rebuild = flatten_fetches(self._graph, fetches)
        feeds, sig = self._convert_feeds(feed_dict)
        key = (tuple(map(id, flat)), sig)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._prepare(flat, feeds)
            self._cache[key] = entry
        plan, execute = entry
        with self._lock:
            missing = [n for n in plan.var_reads if n not in self._vars]
            if missing:
                node = self._graph.get_operation_by_name(missing[0])
                raise UninitializedVariableError(
                    f"attempting to use uninitialized variable '{missing[0]}' (created at "
                    f"{node.describe().split('(')[-1].rstrip(')')}); run graphdl.global_variables_initializer() first"
                    + (f"; also uninitialized: {', '.join(missing[1:])}" if len(missing) > 1 else "")
                )
            values, writes = execute(self._vars, {k: v for k, v in feeds.items()}, self._step)
            if writes:
                self._vars.update(self._backend_store(writes))
            self._step += 1
        return rebuild([self._to_numpy(v) for v in values])

    def _prepare(self, flat: list[Any], feeds: Mapping[str, np.ndarray]) -> Any:
        feed_specs = {
            self._graph.get_tensor_by_name(name): TensorSpec(TensorShape(arr.shape), self._graph.get_tensor_by_name(name).dtype)
            for name, arr in feeds.items()
        }
        plan = compiler.plan(self._graph, flat, feed_specs, optimize=self._optimize)
        return plan, self._backend.prepare(plan)

    def _convert_feeds(self, feed_dict: Mapping[Any, Any] | None) -> tuple[dict[str, np.ndarray], tuple[Any, ...]]:
        if not feed_dict:
            return {}, ()
        feeds: dict[str, np.ndarray] = {}
        for k, v in feed_dict.items():
            t = k if isinstance(k, Tensor) else self._graph.as_graph_element(k)
            if not isinstance(t, Tensor):
                raise FeedError(f"cannot feed {k!r}: only tensors can be fed")
            if t.graph is not self._graph:
                raise FeedError(f"cannot feed '{t.name}': it is not an element of this session's graph")
            if t.op.kind == "variable":
                raise FeedError(f"cannot feed variable '{t.op.name}'; use Variable.load(value, session)")
            feeds[t.name] = convert_feed(t, v)
        sig = tuple(sorted((n, a.shape) for n, a in feeds.items()))
        return feeds, sig

    def _to_numpy(self, v: Any) -> Any:
        if v is None:
            return None
        arr = self._backend.to_numpy(v)
        if isinstance(arr, np.ndarray) and not arr.flags.writeable:
            arr = arr.copy()
        return arr

    def _backend_store(self, writes: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in writes.items():
            if isinstance(v, np.ndarray):
                v = np.array(v, copy=True) if v.flags.writeable else v
                v.setflags(write=False)
            out[k] = v
        return out

    # --- variables -------------------------------------------------------------
    def load_variable(self, variable: Any, value: Any) -> None:
        """Set a variable's value in this session (checked against its shape and dtype)."""
        t = variable._as_tensor() if hasattr(variable, "_as_tensor") else variable
        arr = convert_feed(t, value)
        self._vars.update(self._backend_store({t.op.name: self._backend.from_numpy(arr)}))

    def is_initialized(self, variable: Any) -> bool:
        t = variable._as_tensor() if hasattr(variable, "_as_tensor") else variable
        return t.op.name in self._vars

    def variable_values(self) -> dict[str, np.ndarray]:
        """A NumPy copy of every initialized variable's value, by variable name."""
        return {k: np.array(self._backend.to_numpy(v)) for k, v in self._vars.items()}

    # --- lifetime -------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        self._vars.clear()
        self._cache.clear()

    def as_default(self) -> Any:
        return _DefaultSession(self)

    def __enter__(self) -> Session:
        ctx = _DefaultSession(self)
        ctx.__enter__()
        self._default_ctx.append(ctx)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._default_ctx:
            self._default_ctx.pop().__exit__(*exc)
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self._vars.clear()
        except Exception:
            pass


class InteractiveSession(Session):
    """A Session that installs itself as the default session when created."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _SESSIONS.stack.append(self)

    def close(self) -> None:
        if self in _SESSIONS.stack:
            _SESSIONS.stack.remove(self)
        super().close()


class _SessionStack(threading.local):
    def __init__(self) -> None:
        self.stack: list[Session] = []


_SESSIONS = _SessionStack()


class _DefaultSession:
    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        _SESSIONS.stack.append(self.session)
        return self.session

    def __exit__(self, *exc: object) -> None:
        if _SESSIONS.stack and _SESSIONS.stack[-1] is self.session:
            _SESSIONS.stack.pop()


def get_default_session() -> Session:
    """The innermost session entered with `with`, or a GraphError when there is none."""
    if not _SESSIONS.stack:
        raise GraphError("no default session: use `with graphdl.Session() as sess:` or pass session=")
    return _SESSIONS.stack[-1]
