"""Run-time checks: TF1's tf.Assert, the assert_* family, check_numerics, plus tuple and identity_n.

The ops Assert (no outputs) and CheckNumerics (passes its input through) are stateful, so passes
never fold, merge or drop them; users put them in `tf.control_dependencies`. A failed check makes
`Session.run` raise `InvalidArgumentError` with TF1's message (`assertion failed: [data] ...`,
each data tensor summarised as tf.Print does), prefixed with the op and the user's line.

- Interpreter: the evaluate rule raises; the run's writes are never applied.
- XLA: the lower rule hands the check to the lowering context (`ctx.check(ok, fail, *data)`):
  the driver gates the run's variable writes on all checks passing and, after the program
  returns, calls `fail` with the data of the first failed check, which raises. Compiled code
  cannot raise, and a callback that raises would lose the donated variable buffers.

Checks whose outcome is known when the graph is built (static ranks, dtypes, constant operands)
raise then, as TF1 does: ShapeError / DTypeError for TF1's ValueError / TypeError, and
InvalidArgumentError for a constant comparison that fails.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor
from graphdl.dtypes import as_dtype
from graphdl.errors import DTypeError, InvalidArgumentError, ShapeError
from graphdl.graph import Node, get_default_graph
from graphdl.ops.debug import summarize as _summarize
from graphdl.ops.shape_args import static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = [
    "Assert",
    "assert_equal",
    "assert_none_equal",
    "assert_less",
    "assert_less_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_positive",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_rank",
    "assert_type",
    "assert_integer",
    "assert_scalar",
    "check_numerics",
    "verify_tensor_all_finite",
    "tuple",
    "identity_n",
]

_FLOATS = ("float16", "float32", "float64")


def _run_check(ctx: Any, ok: Any, fail: Callable[..., None], data: Sequence[Any]) -> None:
    """Lowering: fail(*data as NumPy) must raise when `ok` is false at run time (see the docstring)."""
    ctx.check(ok, fail, *data)


# --- Assert -------------------------------------------------------------------------------------


def _assert_message(attrs: Mapping[str, Any], values: Sequence[Any]) -> str:
    """TF1's text: `assertion failed: [d0] [d1] ...`, tensors summarised to `summarize` entries."""
    s = int(attrs["summarize"])
    parts = [text if kind == "text" else _summarize(values[int(text)], s) for kind, text in attrs["template"]]
    return "assertion failed: " + " ".join(f"[{p}]" for p in parts)


def _assert_fail(node: Any, attrs: Mapping[str, Any]) -> Callable[..., None]:
    def fail(*values: Any) -> None:
        raise InvalidArgumentError(f"{node.describe()}: {_assert_message(attrs, values)}")

    return fail


def _assert_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    cond = inputs[0]
    if cond.dtype.name != "bool":
        raise DTypeError(f"condition must be bool, got {cond.dtype.name}")
    if cond.shape.ndims not in (0, None):
        raise ShapeError(f"condition must be a scalar, got shape {cond.shape.short()}")
    return []


def _assert_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    if not bool(np.asarray(inputs[0])):
        _assert_fail(ctx.node, attrs)(*inputs[1:])
    return ()


def _assert_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    _run_check(ctx, jnp.asarray(inputs[0], dtype=bool), _assert_fail(ctx.node, attrs), inputs[1:])
    return ()


register(
    "Assert",
    api_name="Assert",
    infer=_assert_infer,
    evaluate=_assert_eval,
    lower=_assert_lower,
    differentiable=False,
    stateful=True,
    samples=lambda rng: [
        Sample(
            [np.array(True), rng.standard_normal((2, 3)), np.arange(4, dtype=np.int32)],
            {"template": [["text", "x = "], ["input", 0], ["input", 1]], "summarize": 3},
        )
    ],
    doc="Raises InvalidArgumentError (assertion failed: [data]...) when condition is false at run time.",
)


def _data_template(data: Sequence[Any], summarize: int) -> builtins.tuple[list[list[Any]], list[Tensor]]:
    """The message template (text parts and input indices) and the tensor inputs of `data`."""
    template: list[list[Any]] = []
    tensors: list[Tensor] = []
    for d in data:
        if d is None:
            template.append(["text", ""])
        elif isinstance(d, str | bytes):
            template.append(["text", d.decode() if isinstance(d, bytes) else d])
        elif isinstance(d, Tensor) or hasattr(d, "_as_tensor"):
            t = convert_to_tensor(d)
            v = static_value(t) if t.dtype.name == "string" else None
            if t.dtype.name == "string":
                if v is None:
                    raise get_default_graph().located_error(
                        DTypeError, "Assert", f"string data '{t.name}' must be a constant"
                    )
                template.append(["text", _summarize(v, summarize)])
                continue
            template.append(["input", len(tensors)])
            tensors.append(t)
        else:
            template.append(["text", _summarize(np.asarray(d), summarize)])
    return template, tensors


def Assert(
    condition: Any, data: Sequence[Any], summarize: int | None = None, name: str | None = None
) -> Node:
    """TF1 `tf.Assert(condition, data, summarize=None)`: an op that fails the run when condition is false."""
    cond = convert_to_tensor(condition, name="condition")
    s = 3 if summarize is None else int(summarize)
    template, tensors = _data_template(list(data), s)
    return cond.graph.create_op(
        "Assert", [cond, *tensors], {"template": template, "summarize": s}, name=name or "Assert"
    )


# --- the assert_* family -----------------------------------------------------------------------


def _static_text(d: Any) -> str:
    """How TF1 writes a data entry of a check that fails when the graph is built."""
    if isinstance(d, Tensor):
        v = static_value(d)
        return str(d) if v is None else str(np.asarray(v))
    return "" if d is None else str(d)


def _static_fail(api: str, data: Sequence[Any]) -> InvalidArgumentError:
    err = get_default_graph().located_error(
        InvalidArgumentError, api, "\n".join(_static_text(d) for d in data)
    )
    assert isinstance(err, InvalidArgumentError)
    return err


def _binary_assert(
    api: str, sym: str, np_fn: Any, build: Any, x: Any, y: Any, data: Any, summarize: Any, message: Any,
    name: str | None,
) -> Node:  # fmt: skip
    """TF1's `_binary_assert`: Assert(reduce_all(x op y)), or a build-time error for constants."""
    from graphdl.ops.reduce import reduce_all

    graph = get_default_graph()
    with graph.name_scope(name or api):
        xt, yt = convert_operands([x, y], api)
        if data is None:
            data = [
                f"Condition x {sym} y did not hold element-wise:",
                f"x ({xt.name}) = ",
                xt,
                f"y ({yt.name}) = ",
                yt,
            ]
        data = list(data)
        if message is not None:
            data = [message, *data]
        xs, ys = static_value(xt), static_value(yt)
        if xs is not None and ys is not None:
            try:
                ok = bool(np.all(np_fn(np.asarray(xs), np.asarray(ys))))
            except ValueError:
                raise graph.located_error(
                    ShapeError, api, f"shapes {xt.shape.short()} and {yt.shape.short()} do not broadcast"
                ) from None
            if not ok:
                raise _static_fail(api, data)
        return Assert(reduce_all(build(xt, yt)), data, summarize=summarize)


def _binary(api: str, sym: str, np_fn: Any, tf_name: str) -> Any:
    def check(
        x: Any, y: Any, data: Any = None, summarize: int | None = None, message: str | None = None,
        name: str | None = None,
    ) -> Node:  # fmt: skip
        from graphdl.ops import logic

        return _binary_assert(api, sym, np_fn, getattr(logic, tf_name), x, y, data, summarize, message, name)

    check.__name__ = check.__qualname__ = api
    check.__doc__ = f"TF1 `tf.{api}(x, y, data=None, summarize=None, message=None)`: fails the run unless x {sym} y everywhere."
    return check


assert_equal = _binary("assert_equal", "==", np.equal, "equal")
assert_none_equal = _binary("assert_none_equal", "!=", np.not_equal, "not_equal")
assert_less = _binary("assert_less", "<", np.less, "less")
assert_less_equal = _binary("assert_less_equal", "<=", np.less_equal, "less_equal")
assert_greater = _binary("assert_greater", ">", np.greater, "greater")
assert_greater_equal = _binary("assert_greater_equal", ">=", np.greater_equal, "greater_equal")


def _sign(api: str, sym: str, against: Any, zero_first: bool) -> Any:
    def check(
        x: Any, data: Any = None, summarize: int | None = None, message: str | None = None,
        name: str | None = None,
    ) -> Node:  # fmt: skip
        graph = get_default_graph()
        with graph.name_scope(name or api):
            xt = convert_to_tensor(x, name="x")
            if data is None:
                cond = f"Condition x {sym} 0 did not hold element-wise:"
                if api == "assert_non_positive":  # TF1 writes these two strings as one
                    data = [message, cond + f"x ({xt.name}) = ", xt]
                else:
                    data = [message, cond, f"x ({xt.name}) = ", xt]
            zero = convert_to_tensor(np.zeros((), xt.dtype.np), name="zero")
            a, b = (zero, xt) if zero_first else (xt, zero)
            return against(a, b, data=data, summarize=summarize)  # type: ignore[no-any-return]

    check.__name__ = check.__qualname__ = api
    check.__doc__ = (
        f"TF1 `tf.{api}(x, data=None, summarize=None, message=None)`: fails the run unless x {sym} 0."
    )
    return check


assert_positive = _sign("assert_positive", ">", assert_less, True)
assert_negative = _sign("assert_negative", "<", assert_less, False)
assert_non_negative = _sign("assert_non_negative", ">=", assert_less_equal, True)
assert_non_positive = _sign("assert_non_positive", "<=", assert_less_equal, False)


def _prefix(message: str | None) -> str:
    return "" if message is None else f"{message}.  "


def _shape_text(t: Tensor) -> str:
    return "<unknown>" if t.shape.dims is None else str(builtins.tuple(t.shape.dims))


def assert_rank(
    x: Any, rank: Any, data: Any = None, summarize: int | None = None, message: str | None = None,
    name: str | None = None,
) -> Node:  # fmt: skip
    """TF1 `tf.assert_rank(x, rank)`: a ShapeError now when x's rank is static, else a run-time check."""
    from graphdl.ops.array import rank as array_rank
    from graphdl.ops.array import shape
    from graphdl.ops.logic import equal
    from graphdl.ops.state import no_op

    graph = get_default_graph()
    with graph.name_scope(name or "assert_rank"):
        xt = convert_to_tensor(x, name="x")
        rv = rank if isinstance(rank, int) else static_value(convert_to_tensor(rank, name="rank"))
        if rv is None or np.asarray(rv).ndim != 0:
            raise graph.located_error(
                ShapeError, "assert_rank", "rank must be a scalar known when the graph is built"
            )
        r = int(np.asarray(rv))
        if xt.shape.ndims is not None:
            if xt.shape.ndims != r:
                raise graph.located_error(
                    ShapeError,
                    "assert_rank",
                    f"{_prefix(message)}Tensor {xt.name} must have rank {r}.  "
                    f"Received rank {xt.shape.ndims}, shape {_shape_text(xt)}",
                )
            return no_op()
        if data is None:
            data = [
                _prefix(message),
                f"Tensor {xt.name} must have rank",
                str(r),
                "Received shape: ",
                shape(xt),
            ]
        return Assert(equal(array_rank(xt), np.int32(r)), data, summarize=summarize)


def assert_type(tensor: Any, tf_type: Any, message: str | None = None, name: str | None = None) -> Node:
    """TF1 `tf.assert_type(tensor, tf_type)`: a DTypeError now unless tensor has that dtype."""
    from graphdl.ops.state import no_op

    t = convert_to_tensor(tensor)
    want = as_dtype(tf_type)
    if t.dtype != want:
        raise get_default_graph().located_error(
            DTypeError,
            "assert_type",
            f"{_prefix(message)}{t.name} must be of type tf.{want.name}; got tf.{t.dtype.name}",
        )
    return no_op(name=name or "statically_determined_correct_type")


def assert_integer(x: Any, message: str | None = None, name: str | None = None) -> Node:
    """TF1 `tf.assert_integer(x)`: a DTypeError now unless x has an integer dtype."""
    from graphdl.ops.state import no_op

    t = convert_to_tensor(x)
    if np.dtype(t.dtype.np).kind not in "iu":
        raise get_default_graph().located_error(
            DTypeError,
            "assert_integer",
            f'{_prefix(message)}Expected "x" to be integer type.  Found: {t.name} of dtype '
            f"<dtype: '{t.dtype.name}'>",
        )
    return no_op(name=name or "statically_determined_was_integer")


def assert_scalar(tensor: Any, name: str | None = None, message: str | None = None) -> Tensor:
    """TF1 `tf.assert_scalar(tensor)`: tensor itself; a ShapeError now unless its rank is 0."""
    t = convert_to_tensor(tensor)
    if t.shape.ndims != 0:
        raise get_default_graph().located_error(
            ShapeError,
            "assert_scalar",
            f"{_prefix(message)}Expected scalar shape for {t.name}, saw shape: {_shape_text(t)}.",
        )
    return t


# --- CheckNumerics ------------------------------------------------------------------------------


def _numerics_text(message: str, has_nan: bool, has_inf: bool) -> str:
    kinds = "Inf and NaN" if has_nan and has_inf else ("NaN" if has_nan else "Inf")
    return f"{message} : Tensor had {kinds} values"


def _numerics_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    if inputs[0].dtype.name not in _FLOATS:
        raise DTypeError(f"tensor must be a floating type, got {inputs[0].dtype.name}")
    return [inputs[0]]


def _numerics_fail(node: Any, attrs: Mapping[str, Any]) -> Callable[..., None]:
    def fail(has_nan: Any, has_inf: Any) -> None:
        text = _numerics_text(str(attrs["message"]), bool(has_nan), bool(has_inf))
        raise InvalidArgumentError(f"{node.describe()}: {text}")

    return fail


def _numerics_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x = np.asarray(inputs[0])
    if not np.all(np.isfinite(x)):
        _numerics_fail(ctx.node, attrs)(np.any(np.isnan(x)), np.any(np.isinf(x)))
    return x


def _numerics_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x = inputs[0]
    flags = [jnp.any(jnp.isnan(x)), jnp.any(jnp.isinf(x))]
    _run_check(ctx, jnp.all(jnp.isfinite(x)), _numerics_fail(ctx.node, attrs), flags)
    return x


def _numerics_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    msg = "Not a number (NaN) or infinity (Inf) values detected in gradient. " + str(node.attrs["message"])
    return [check_numerics(grads[0], msg)]


register(
    "CheckNumerics",
    api_name="check_numerics",
    infer=_numerics_infer,
    evaluate=_numerics_eval,
    lower=_numerics_lower,
    gradient=_numerics_grad,
    stateful=True,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 4))], {"message": "x"}),
        Sample([np.array(1.5)], {"message": ""}),
    ],
    doc="The tensor unchanged; the run fails (InvalidArgumentError) when it holds NaN or Inf.",
)


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """TF1 `tf.check_numerics(tensor, message)`: tensor, failing the run if it has NaN or Inf."""
    t = convert_to_tensor(tensor)
    return t.graph.create_op(
        "CheckNumerics", [t], {"message": str(message)}, name=name or "CheckNumerics"
    ).outputs[0]


def verify_tensor_all_finite(t: Any, msg: str, name: str | None = None) -> Tensor:
    """TF1 `tf.verify_tensor_all_finite(t, msg)`: t, after a check_numerics of it has run."""
    from graphdl.ops.array import identity

    graph = get_default_graph()
    with graph.name_scope(name or "VerifyFinite"):
        x = convert_to_tensor(t, name="t")
        verify = check_numerics(x, msg)
        with graph.control_dependencies([verify]):
            return identity(x, name="control_dependency")


# --- tuple, identity_n ------------------------------------------------------------------------


def tuple(  # noqa: A001
    tensors: Sequence[Any], control_inputs: Sequence[Any] | None = None, name: str | None = None
) -> list[Any]:
    """TF1 `tf.tuple(tensors, control_inputs=None)`: the tensors, each available only after all are computed."""
    from graphdl.ops.array import identity
    from graphdl.ops.state import group

    graph = get_default_graph()
    with graph.name_scope(name or "tuple"):
        ts = [None if t is None else convert_to_tensor(t) for t in tensors]
        deps: list[Any] = [t for t in ts if t is not None] + list(control_inputs or [])
        if not deps:
            raise graph.located_error(ShapeError, "tuple", "must have at least one Tensor")
        gate = group(*deps)
        out: list[Any] = []
        for t in ts:
            if t is None:
                out.append(None)
                continue
            with graph.control_dependencies([gate]):
                out.append(identity(t, name="control_dependency"))
        return out


def _identity_n_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return list(inputs)


register(
    "IdentityN",
    api_name="identity_n",
    infer=_identity_n_infer,
    evaluate=lambda inputs, attrs, ctx: builtins.tuple(inputs),
    lower=lambda inputs, attrs, ctx: builtins.tuple(inputs),
    gradient=lambda node, grads: list(grads),
    samples=lambda rng: [Sample([rng.standard_normal((2, 3)), rng.standard_normal(4)])],
    doc="Each input unchanged (one op for a list of tensors).",
)


def identity_n(input: Any, name: str | None = None) -> list[Tensor]:
    """TF1 `tf.identity_n(input)`: a list of tensors with the same values, from one op."""
    ts = [convert_to_tensor(t) for t in input]
    if not ts:
        raise get_default_graph().located_error(
            ShapeError, "identity_n", "input must hold at least one tensor"
        )
    return list(ts[0].graph.create_op("IdentityN", ts, {}, name=name or "IdentityN").outputs)
