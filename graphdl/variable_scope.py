"""TF1 variable scopes: `get_variable`, `variable_scope`, `get_variable_scope`, `AUTO_REUSE`.

A variable scope prefixes the names of variables made by `get_variable` and opens a name scope for
ops. Variables are kept per graph, by full name, in `Graph._var_store`; the stack of open scopes is
`Graph._var_scope_stack`. Reuse follows TF1: `reuse=True` requires the variable to exist, `None` or
`False` refuses to create it twice, `AUTO_REUSE` does either, and sub-scopes inherit reuse.
"""

from __future__ import annotations

import contextlib
import enum
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype, float32
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, get_default_graph
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = [
    "AUTO_REUSE",
    "VariableScope",
    "get_variable",
    "get_local_variable",
    "variable_scope",
    "variable_op_scope",
    "get_variable_scope",
]

REGULARIZATION_LOSSES = "regularization_losses"  # TF1's GraphKeys.REGULARIZATION_LOSSES


class _ReuseMode(enum.Enum):
    """Reuse modes beyond True/False/None."""

    AUTO_REUSE = 1

    def __repr__(self) -> str:
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """A variable scope: its name, reuse mode and defaults (initializer, regularizer, dtype)."""

    def __init__(
        self,
        reuse: bool | _ReuseMode | None,
        name: str = "",
        initializer: Any = None,
        regularizer: Any = None,
        dtype: Any = float32,
        name_scope: str = "",
    ) -> None:
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = as_dtype(dtype)
        self._name_scope = name_scope

    @property
    def name(self) -> str:
        return self._name

    @property
    def original_name_scope(self) -> str:
        """The name scope opened when this scope was first entered (with a trailing '/')."""
        return self._name_scope

    @property
    def reuse(self) -> bool | _ReuseMode | None:
        return self._reuse

    @property
    def initializer(self) -> Any:
        return self._initializer

    @property
    def regularizer(self) -> Any:
        return self._regularizer

    @property
    def dtype(self) -> DType:
        return self._dtype

    def reuse_variables(self) -> None:
        """Make `get_variable` in this scope return existing variables from now on."""
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer: Any) -> None:
        self._regularizer = regularizer

    def set_dtype(self, dtype: Any) -> None:
        self._dtype = as_dtype(dtype)

    def get_variable(
        self,
        name: str,
        shape: Any = None,
        dtype: Any = None,
        initializer: Any = None,
        regularizer: Any = None,
        reuse: Any = None,
        trainable: bool | None = None,
        collections: Sequence[str] | None = None,
        validate_shape: bool = True,
    ) -> Variable:
        """The variable `<scope>/<name>`: created, or returned as the scope's reuse mode says."""
        graph = get_default_graph()
        full_name = f"{self._name}/{name}" if self._name else name
        if reuse is None or reuse is False:
            reuse = self._reuse
        if dtype is not None and initializer is not None and not callable(initializer):
            init_dtype = _value_dtype(initializer)
            if init_dtype is not None and init_dtype != as_dtype(dtype):
                raise graph.located_error(
                    DTypeError,
                    "get_variable",
                    f"initializer type '{init_dtype.name}' and explicit dtype '{as_dtype(dtype).name}' don't match",
                )
        if initializer is None:
            initializer = self._initializer
        if regularizer is None:
            regularizer = self._regularizer
        if dtype is None:
            dtype = self._dtype
        with graph.name_scope(None):  # variable names depend only on the variable scope
            return _get_single_variable(
                graph, full_name, shape, as_dtype(dtype), initializer, regularizer, reuse,
                True if trainable is None else trainable, collections, validate_shape,
            )  # fmt: skip

    def __repr__(self) -> str:
        return f"<graphdl.VariableScope '{self._name}' reuse={self._reuse!r}>"


def _value_dtype(value: Any) -> DType | None:
    """The dtype a tensor, variable or NumPy value carries (None for Python values, which adapt)."""
    if isinstance(value, Tensor | Variable) or hasattr(value, "_as_tensor"):
        return value.dtype  # type: ignore[no-any-return]
    if isinstance(value, np.ndarray | np.generic):
        return as_dtype(value.dtype)
    return None


# --- per-graph state ------------------------------------------------------------------------------

_SCOPE_COUNTS: weakref.WeakKeyDictionary[Graph, dict[str, int]] = weakref.WeakKeyDictionary()
_ROOT: weakref.WeakKeyDictionary[Graph, VariableScope] = weakref.WeakKeyDictionary()


def _counts(graph: Graph) -> dict[str, int]:
    return _SCOPE_COUNTS.setdefault(graph, {})


def get_variable_scope() -> VariableScope:
    """TF1 `tf.get_variable_scope()`: the innermost open variable scope (the root scope when none)."""
    graph = get_default_graph()
    if graph._var_scope_stack:
        return graph._var_scope_stack[-1]  # type: ignore[no-any-return]
    root = _ROOT.get(graph)
    if root is None:
        root = _ROOT[graph] = VariableScope(False)
    return root


def _describe_origin(var: Variable) -> str:
    from graphdl.source import short_location

    return short_location(var.op.source)


def _get_single_variable(
    graph: Graph,
    name: str,
    shape: Any,
    dtype: DType,
    initializer: Any,
    regularizer: Any,
    reuse: Any,
    trainable: bool,
    collections: Sequence[str] | None,
    validate_shape: bool,
) -> Variable:
    store: dict[str, Any] = graph._var_store
    static = as_shape(shape) if shape is not None else TensorShape(None)
    if name in store:
        found: Variable = store[name]
        if reuse is False or reuse is None:
            raise graph.located_error(
                GraphError,
                "get_variable",
                f"Variable {name} already exists, disallowed. Did you mean to set reuse=True or "
                f"reuse=tf.AUTO_REUSE in VarScope? Originally defined at {_describe_origin(found)}",
            )
        if not static.is_compatible_with(found.shape):
            raise graph.located_error(
                ShapeError,
                "get_variable",
                f"Trying to share variable {name}, but specified shape {static} and found shape {found.shape}",
            )
        if dtype != found.dtype:
            raise graph.located_error(
                DTypeError,
                "get_variable",
                f"Trying to share variable {name}, but specified dtype {dtype.name} and found dtype "
                f"{found.dtype.name}",
            )
        return found
    if reuse is True:
        raise graph.located_error(
            GraphError,
            "get_variable",
            f"Variable {name} does not exist, or was not created with tf.get_variable(). "
            "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?",
        )
    init_val: Any
    var_dtype: DType | None
    if initializer is None:
        if dtype.is_floating:
            from graphdl.initializers import glorot_uniform_initializer

            initializer = glorot_uniform_initializer()
        else:
            from graphdl.initializers import zeros_initializer

            initializer = zeros_initializer()
    if isinstance(initializer, type):
        initializer = initializer()
    if not callable(initializer):  # a value or tensor: the shape comes from it
        if shape is not None:
            raise graph.located_error(
                ShapeError,
                "get_variable",
                f"if initializer is a constant, do not specify shape (variable {name})",
            )
        init_val, var_dtype = initializer, (None if _value_dtype(initializer) is not None else dtype)
    elif static.is_fully_defined():
        dims = static.as_list()
        init_fn: Callable[..., Any] = initializer
        init_val, var_dtype = (lambda: init_fn(dims, dtype=dtype, partition_info=None)), dtype
    elif _takes_no_args(initializer):
        init_val, var_dtype = initializer, None
    else:
        raise graph.located_error(
            ShapeError,
            "get_variable",
            f"shape of a new variable ({name}) must be fully defined, but instead was {static}",
        )
    var = Variable(
        initial_value=init_val,
        trainable=trainable,
        collections=collections,
        validate_shape=validate_shape,
        dtype=var_dtype,
        _scope=name,
    )
    if validate_shape and not static.is_compatible_with(var.shape):
        raise graph.located_error(
            ShapeError,
            "get_variable",
            f"initializer of {name} has shape {var.shape}, but shape {static} was given",
        )
    store[name] = var
    if regularizer is not None:
        with graph.name_scope(name + "/Regularizer/"):
            loss = regularizer(var)
        if loss is not None:
            graph.add_to_collection(REGULARIZATION_LOSSES, loss)
    return var


def _takes_no_args(fn: Any) -> bool:
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in sig.parameters.values()
    )


def get_variable(
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    trainable: bool | None = None,
    collections: Sequence[str] | None = None,
    caching_device: Any = None,
    partitioner: Any = None,
    validate_shape: bool = True,
    use_resource: Any = None,
    custom_getter: Any = None,
    constraint: Any = None,
    **unused: Any,
) -> Variable:
    """TF1 `tf.get_variable(name, shape, dtype=tf.float32, initializer=None, ...)` in the current scope.

    The default initializer is Glorot uniform for floating dtypes and zeros for others.
    """
    if partitioner is not None or custom_getter is not None:
        raise get_default_graph().located_error(
            GraphError, "get_variable", "partitioner and custom_getter are not supported"
        )
    return get_variable_scope().get_variable(
        name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
        trainable=trainable, collections=collections, validate_shape=validate_shape,
    )  # fmt: skip


def get_local_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None,
                       regularizer: Any = None, collections: Sequence[str] | None = None, **kw: Any) -> Variable:  # fmt: skip
    """TF1 `tf.get_local_variable`: like get_variable, in LOCAL_VARIABLES and not trainable."""
    from graphdl.graph import GraphKeys

    cols = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, trainable=False, collections=cols, **kw)


def _unique_scope_name(graph: Graph, prefix: str) -> str:
    """TF1 `_get_unique_variable_scope`: `prefix`, or `prefix_1`, ... if already opened here."""
    current = get_variable_scope().name
    full = f"{current}/{prefix}" if current else prefix
    counts = _counts(graph)
    if counts.get(full, 0) == 0:
        return prefix
    idx = 1
    while counts.get(f"{full}_{idx}", 0) > 0:
        idx += 1
    return f"{prefix}_{idx}"


@contextlib.contextmanager
def _pure_scope(
    graph: Graph,
    name_or_scope: str | VariableScope,
    reuse: Any,
    initializer: Any,
    regularizer: Any,
    dtype: Any,
    name_scope: str,
) -> Iterator[VariableScope]:
    old = get_variable_scope()
    counts = _counts(graph)
    if isinstance(name_or_scope, VariableScope):
        new_name = name_or_scope.name
        scope = VariableScope(
            reuse if reuse else name_or_scope.reuse,
            name=new_name,
            initializer=name_or_scope.initializer,
            regularizer=name_or_scope.regularizer,
            dtype=name_or_scope.dtype,
            name_scope=name_or_scope.original_name_scope,
        )
        saved = dict(counts)
    else:
        new_name = f"{old.name}/{name_or_scope}" if old.name else name_or_scope
        scope = VariableScope(
            reuse or old.reuse,  # reuse is inherited by sub-scopes
            name=new_name,
            initializer=old.initializer,
            regularizer=old.regularizer,
            dtype=old.dtype,
            name_scope=name_scope,
        )
        saved = None
    if initializer is not None:
        scope.set_initializer(initializer)
    if regularizer is not None:
        scope.set_regularizer(regularizer)
    if dtype is not None:
        scope.set_dtype(dtype)
    counts[new_name] = counts.get(new_name, 0) + 1
    graph._var_scope_stack.append(scope)
    try:
        yield scope
    finally:
        graph._var_scope_stack.pop()
        if saved is not None:
            counts.clear()
            counts.update(saved)
        else:  # closing a scope forgets the sub-scopes opened inside it
            prefix = new_name + "/"
            for k in counts:
                if k.startswith(prefix):
                    counts[k] = 0


@contextlib.contextmanager
def variable_scope(
    name_or_scope: str | VariableScope | None,
    default_name: str | None = None,
    values: Any = None,
    initializer: Any = None,
    regularizer: Any = None,
    caching_device: Any = None,
    partitioner: Any = None,
    custom_getter: Any = None,
    reuse: Any = None,
    dtype: Any = None,
    use_resource: Any = None,
    constraint: Any = None,
    auxiliary_name_scope: bool = True,
) -> Iterator[VariableScope]:
    """TF1 `tf.variable_scope(name_or_scope, default_name=None, values=None, reuse=None, ...)`.

    Prefixes variable names with the scope name and opens a name scope for ops; `reuse=True` or
    `scope.reuse_variables()` makes `get_variable` share existing variables, `AUTO_REUSE` creates
    them the first time.
    """
    graph = get_default_graph()
    if default_name is None and name_or_scope is None:
        raise graph.located_error(
            GraphError, "variable_scope", "if default_name is None then name_or_scope is required"
        )
    if reuse is False:  # TF1: reuse=False means "inherit"
        reuse = None
    if reuse not in (None, True, AUTO_REUSE):
        raise graph.located_error(
            GraphError, "variable_scope", f"reuse must be True, False, None or AUTO_REUSE, not {reuse!r}"
        )
    if name_or_scope is not None and not isinstance(name_or_scope, str | VariableScope):
        raise graph.located_error(
            GraphError,
            "variable_scope",
            f"name_or_scope must be a string or a VariableScope, got {name_or_scope!r}",
        )
    if name_or_scope is not None:
        ns_name = name_or_scope if isinstance(name_or_scope, str) else name_or_scope.name.split("/")[-1]
        if not auxiliary_name_scope:
            ns_cm: Any = _current_name_scope(graph)
        elif isinstance(name_or_scope, VariableScope) and not ns_name:
            ns_cm = graph.name_scope(name_or_scope.original_name_scope or None)
        else:
            ns_cm = graph.name_scope(ns_name) if ns_name else _current_name_scope(graph)
        with (
            ns_cm as ns,
            _pure_scope(graph, name_or_scope, reuse, initializer, regularizer, dtype, ns) as scope,
        ):
            yield scope
        return
    if reuse is True:
        raise graph.located_error(
            GraphError, "variable_scope", "reuse=True cannot be used without a name_or_scope"
        )
    assert default_name is not None
    ns_cm = graph.name_scope(default_name) if auxiliary_name_scope else _current_name_scope(graph)
    with ns_cm as ns:
        unique = _unique_scope_name(graph, default_name)
        with _pure_scope(graph, unique, reuse, initializer, regularizer, dtype, ns) as scope:
            yield scope


def _current_name_scope(graph: Graph) -> Any:
    current = graph.get_name_scope()
    return graph.name_scope(current + "/" if current else None)


def variable_op_scope(values: Any, name_or_scope: Any, default_name: str | None = None, **kwargs: Any) -> Any:
    """TF1's deprecated `tf.variable_op_scope(values, name_or_scope, default_name)`."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, **kwargs)
