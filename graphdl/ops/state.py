"""Ops that hold or move state: placeholders, constants, variables, assignments, no_op/group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import constant_value, convert_to_tensor, make_op
from graphdl.dtypes import as_dtype, float32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import Node, get_default_graph
from graphdl.ops.common import spec
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import as_shape
from graphdl.tensor import Tensor

__all__ = [
    "placeholder",
    "placeholder_with_default",
    "constant",
    "assign",
    "assign_add",
    "assign_sub",
    "count_up_to",
    "no_op",
    "group",
]


def _attr_spec(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [spec(attrs["shape"], attrs["dtype"])]


def _missing_feed(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    node = ctx.node
    raise _feed_error(node)


def _feed_error(node: Node) -> Exception:
    from graphdl.errors import FeedError

    return FeedError(
        f"{node.describe()}: you must feed a value for placeholder '{node.name}' "
        f"with dtype {node.attrs['dtype'].name} and shape {node.attrs['shape']}"
    )


register(
    "Placeholder",
    api_name="placeholder",
    kind="placeholder",
    infer=_attr_spec,
    evaluate=_missing_feed,
    lower=_missing_feed,
    differentiable=False,
    doc="A value fed at run time through feed_dict.",
)


def placeholder(dtype: Any = float32, shape: Any = None, name: str | None = None) -> Tensor:
    """TF1 `tf.placeholder(dtype, shape=None, name=None)`."""
    attrs = {"dtype": as_dtype(dtype), "shape": as_shape(shape)}
    return get_default_graph().create_op("Placeholder", [], attrs, name=name or "Placeholder").outputs[0]


def _pwd_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    shape = as_shape(attrs["shape"])
    if not shape.is_compatible_with(inputs[0].shape):
        raise ShapeError(f"default value of shape {inputs[0].shape} does not fit shape {shape}")
    return [spec(shape, inputs[0].dtype)]


register(
    "PlaceholderWithDefault",
    api_name="placeholder_with_default",
    kind="placeholder",
    infer=_pwd_infer,
    evaluate=lambda inputs, attrs, ctx: inputs[0],
    lower=lambda inputs, attrs, ctx: inputs[0],
    gradient=lambda node, grads: [grads[0]],
    samples=lambda rng: [Sample([rng.standard_normal((2, 3))], {"shape": as_shape([None, 3])})],
    doc="Passes its input through unless it is fed.",
)


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.placeholder_with_default(input, shape)`."""
    t = convert_to_tensor(input)
    return make_op(
        "PlaceholderWithDefault", [t], {"shape": as_shape(shape)}, name or "PlaceholderWithDefault"
    ).outputs[0]


def _const_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    value = attrs["value"]
    return [spec(value.shape, as_dtype(value.dtype))]


register(
    "Const",
    api_name="constant",
    kind="constant",
    infer=_const_infer,
    evaluate=lambda inputs, attrs, ctx: attrs["value"],
    lower=lambda inputs, attrs, ctx: jnp.asarray(attrs["value"]),
    differentiable=False,
    host_exact=True,
    doc="A constant array stored in the graph.",
)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """TF1 `tf.constant(value, dtype=None, shape=None, name='Const')`; a scalar fills `shape`."""
    arr = constant_value(value, dtype)
    if shape is not None:
        target = as_shape(shape).as_list()
        if arr.size == 1:
            arr = np.full(target, arr.reshape(()), dtype=arr.dtype)  # type: ignore[arg-type]
        elif int(np.prod(target)) == arr.size:  # type: ignore[arg-type]
            arr = arr.reshape(target)  # type: ignore[arg-type]
        else:
            raise get_default_graph().located_error(
                ShapeError, "constant", f"value of shape {arr.shape} does not fit shape {target}"
            )
    arr.setflags(write=False)
    return get_default_graph().create_op("Const", [], {"value": arr}, name=name).outputs[0]


def _var_read(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    return ctx.read_variable(ctx.node.name)


register(
    "VariableV2",
    api_name="Variable",
    kind="variable",
    infer=_attr_spec,
    evaluate=_var_read,
    lower=_var_read,
    differentiable=False,
    doc="A variable's value as it was at the start of the run.",
)


def _assign_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    ref, value = inputs
    if ref.dtype != value.dtype:
        raise DTypeError(f"cannot assign a {value.dtype.name} value to a {ref.dtype.name} variable")
    if not ref.shape.is_compatible_with(value.shape):
        raise ShapeError(f"cannot assign a value of shape {value.shape} to a variable of shape {ref.shape}")
    return [ref]


def _assign_rule(combine: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        name = ctx.node.inputs[0].op.name
        value = inputs[1] if combine is None else combine(ctx.read_variable(name), inputs[1])
        ctx.write_variable(name, value)
        return value

    return rule


for _op, _api, _combine in (
    ("Assign", "assign", None),
    ("AssignAdd", "assign_add", lambda a, b: a + b),
    ("AssignSub", "assign_sub", lambda a, b: a - b),
):
    register(
        _op,
        api_name=_api,
        kind="update",
        infer=_assign_infer,
        evaluate=_assign_rule(_combine),
        lower=_assign_rule(_combine),
        ref_inputs=(0,),
        differentiable=False,
        host_exact=_combine is None,  # a plain assign copies its value
        doc="Writes a variable; the write takes effect when the run ends.",
    )


def _ref_node(ref: Any) -> Tensor:
    if hasattr(ref, "op") and getattr(ref.op, "type", None) == "VariableV2":
        return ref.op.outputs[0]  # type: ignore[no-any-return]
    raise DTypeError(f"assign needs a Variable as its first argument, got {ref!r}")


def _assign(op_type: str, ref: Any, value: Any, name: str | None) -> Tensor:
    target = _ref_node(ref)
    v = convert_to_tensor(value, dtype=target.dtype) if not isinstance(value, Tensor) else value
    return make_op(op_type, [target, v], {}, name or op_type).outputs[0]


def assign(
    ref: Any, value: Any, validate_shape: bool = True, use_locking: Any = None, name: str | None = None
) -> Tensor:
    """TF1 `tf.assign(ref, value)`: returns the new value; the write lands when the run ends."""
    return _assign("Assign", ref, value, name)


def assign_add(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Tensor:
    """TF1 `tf.assign_add(ref, value)`."""
    return _assign("AssignAdd", ref, value, name)


def assign_sub(ref: Any, value: Any, use_locking: Any = None, name: str | None = None) -> Tensor:
    """TF1 `tf.assign_sub(ref, value)`."""
    return _assign("AssignSub", ref, value, name)


def _count_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    ref = inputs[0]
    if ref.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"count_up_to needs an int32 or int64 variable, got {ref.dtype.name}")
    if ref.shape.dims is not None and ref.shape.dims:
        raise ShapeError(f"count_up_to needs a scalar variable, got shape {ref.shape}")
    return [spec([], ref.dtype)]


def _count_limit_error(node: Node) -> Exception:
    from graphdl.errors import OutOfRangeError

    return OutOfRangeError(f"{node.describe()}: Reached limit of {node.attrs['limit']}")


def _count_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    name = ctx.node.inputs[0].op.name
    value = ctx.read_variable(name)
    if value >= attrs["limit"]:
        raise _count_limit_error(ctx.node)
    ctx.write_variable(name, value + np.asarray(1, value.dtype))
    return value


def _count_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    name = ctx.node.inputs[0].op.name
    node = ctx.node
    value = ctx.read_variable(name)

    def fail() -> None:
        raise _count_limit_error(node)

    ctx.check(value < attrs["limit"], fail)
    ctx.write_variable(name, value + jnp.asarray(1, value.dtype))
    return value


register(
    "CountUpTo",
    api_name="count_up_to",
    kind="update",
    infer=_count_infer,
    evaluate=_count_eval,
    lower=_count_lower,
    ref_inputs=(0,),
    checks=True,  # the limit is found at run time (ctx.check)
    differentiable=False,
    doc="Increments an integer variable and returns its old value; OutOfRangeError at the limit.",
)


def count_up_to(ref: Any, limit: int, name: str | None = None) -> Tensor:
    """TF1 `tf.count_up_to(ref, limit)`: the old value; raises OutOfRangeError once it reached `limit`."""
    target = _ref_node(ref)
    return make_op("CountUpTo", [target], {"limit": int(limit)}, name or "CountUpTo").outputs[0]


register(
    "NoOp",
    api_name="no_op",
    kind="control",
    infer=lambda inputs, attrs: [],
    evaluate=lambda inputs, attrs, ctx: (),
    lower=lambda inputs, attrs, ctx: (),
    differentiable=False,
    host_exact=True,
    doc="Does nothing; groups other ops through its control inputs.",
)


def no_op(name: str | None = None) -> Node:
    return get_default_graph().create_op("NoOp", [], {}, name=name or "NoOp")


def group(*inputs: Any, name: str | None = None) -> Node:
    """TF1 `tf.group(*inputs)`: a NoOp that runs all `inputs` (ops or tensors)."""
    nodes: list[Node] = []
    for x in _flatten(inputs):
        if isinstance(x, Tensor):
            nodes.append(x.op)
        elif isinstance(x, Node):
            nodes.append(x)
        elif hasattr(x, "op") and isinstance(x.op, Node):
            nodes.append(x.op)
    graph = nodes[0].graph if nodes else get_default_graph()
    return graph.create_op("NoOp", [], {}, name=name or "group_deps", control_inputs=nodes)


def _flatten(xs: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for x in xs:
        if isinstance(x, list | tuple):
            out.extend(_flatten(x))
        elif x is not None:
            out.append(x)
    return out
