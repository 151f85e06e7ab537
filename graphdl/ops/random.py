"""Random ops: random_normal, truncated_normal, random_uniform, with TF1's graph and op seeds.

Each op draws from the counter-based generator of `graphdl.random_bits`, whose code is shared by the
interpreter (NumPy) and the lowering (jax.numpy), so both backends give the same numbers. The stream
of an op depends on its (seed, seed2) attrs and on the session's run counter: every `Session.run`
draws new numbers and a new session starts the stream again, as in TF1.

Seeds follow TF1's `get_seed`: a graph seed (`set_random_seed`) and an op seed combine; with only the
graph seed, the op seed is the graph's last op id; with neither, a random seed is drawn when the op
is built (so it differs between graphs, yet both backends of one graph agree).

The output shape is static (a list, a TensorShape or a constant tensor) or a 1-D int tensor such
as `tf.shape(x)` (dropout with an unknown batch size), which the op then takes as its first input.
Compiled, that tensor must be computable from static shapes (XLA needs every shape when it compiles).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl import random_bits as rb
from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor
from graphdl.dtypes import DType, as_dtype, float32, float64, int32, int64
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import Graph, get_default_graph
from graphdl.ops.common import spec
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = ["random_normal", "truncated_normal", "random_uniform", "set_random_seed", "get_seed"]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


# --- seeds ------------------------------------------------------------------------------------


def set_random_seed(seed: int | None) -> None:
    """TF1 `tf.set_random_seed(seed)`: the graph-level seed of the default graph."""
    get_default_graph().seed = None if seed is None else int(seed)


def _truncate_seed(seed: int) -> int:
    return int(seed) % _MAXINT32


def get_seed(op_seed: int | None) -> tuple[int | None, int | None]:
    """TF1 `get_seed`: the (graph seed, op seed) pair an op uses; (None, None) when neither is set."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = graph._last_id
        seeds: tuple[int | None, int | None] = (_truncate_seed(global_seed), _truncate_seed(op_seed))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, _truncate_seed(op_seed))
    else:
        seeds = (None, None)
    if seeds == (0, 0):
        return (0, _MAXINT32)
    return seeds


def _op_seeds(op_seed: int | None) -> tuple[int, int]:
    """The seeds stored in a random op: TF1's, or fresh random ones when no seed is set anywhere."""
    s1, s2 = get_seed(op_seed)
    if s1 is None or s2 is None:
        return secrets.randbits(31), secrets.randbits(31)
    return s1, s2


# --- the op rules -------------------------------------------------------------------------------

FLOATS = ("float16", "float32", "float64")
INTS = ("int32", "int64")


def _check_dtype(dtype: DType, allowed: tuple[str, ...]) -> None:
    if dtype.name not in allowed:
        raise DTypeError(f"dtype must be one of {', '.join(allowed)}, got {dtype.name}")


_PARAMS = {
    "RandomNormal": ("mean", "stddev"),
    "TruncatedNormal": ("mean", "stddev"),
    "RandomUniform": ("minval", "maxval"),
    "RandomUniformInt": ("minval", "maxval"),
}


def _infer(op: str, allowed: tuple[str, ...]) -> Any:
    names = _PARAMS[op]

    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        dtype = as_dtype(attrs["dtype"])
        _check_dtype(dtype, allowed)
        dynamic = bool(attrs.get("dynamic"))
        if len(inputs) != 2 + int(dynamic):
            raise ShapeError(f"expects {2 + int(dynamic)} inputs, got {len(inputs)}")
        for s in inputs[int(dynamic) :]:
            if s.dtype != dtype:
                raise DTypeError(f"{' and '.join(names)} must be {dtype.name}, got {s.dtype.name}")
            if s.shape.ndims not in (0, None):
                raise ShapeError(f"{' and '.join(names)} must be scalars, got shape {s.shape.short()}")
        shape = as_shape(attrs["shape"])
        if dynamic:
            st = inputs[0]
            if st.dtype.name not in INTS or st.shape.ndims not in (1, None):
                raise ShapeError(
                    f"shape must be a 1-D int32 or int64 tensor, got {st.shape.short()}:{st.dtype.name}"
                )
            if shape.dims is None and st.shape.dims is not None and st.shape.dims[0] is not None:
                shape = as_shape([None] * st.shape.dims[0])
        return [spec(shape, dtype)]

    return infer


def _out_shape(xp: Any, inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> tuple[int, ...]:
    if not attrs.get("dynamic"):
        return tuple(int(d) for d in as_shape(attrs["shape"]).as_list())  # type: ignore[arg-type]
    if xp is np:
        return tuple(int(d) for d in np.asarray(inputs[0]).reshape(-1))
    from graphdl.ops.shape_args import lower_static

    return tuple(int(d) for d in lower_static(inputs, 0, ctx, "shape").reshape(-1))


def _rule(xp: Any, draw: Any) -> Any:
    """An evaluate (xp=numpy) or lower (xp=jax.numpy) rule from draw(xp, key, n, dtype, p0, p1)."""

    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        shape = _out_shape(xp, inputs, attrs, ctx)
        n = int(np.prod(shape, dtype=np.int64))
        key = rb.step_key(xp, rb.base_key(attrs["seed"], attrs["seed2"]), ctx.step)
        p0, p1 = inputs[1:] if attrs.get("dynamic") else inputs
        flat = draw(xp, key, n, as_dtype(attrs["dtype"]).np, p0, p1)
        return xp.reshape(flat, shape)

    return rule


def _affine(xp: Any, v: Any, scale: Any, shift: Any, dtype: Any) -> Any:
    """v * scale + shift in float64, each step rounded as NumPy rounds it, then rounded to `dtype`.

    XLA contracts a multiply-add into one FMA (one rounding) where NumPy rounds twice. In the
    lowering the product goes through `where(p == p, p, nan)` (the identity, NaN included), which no
    compiler can fuse through, so both backends compute the same float64 number.
    """
    f64 = xp.float64
    p = v.astype(f64) * xp.asarray(scale).astype(f64)
    if xp is not np:
        p = xp.where(p == p, p, xp.nan)
    return (p + xp.asarray(shift).astype(f64)).astype(dtype)


def _draw_normal(xp: Any, key: Any, n: int, dt: Any, mean: Any, stddev: Any) -> Any:
    return _affine(xp, rb.standard_normal(xp, key, n, np.float64), stddev, mean, dt)


def _draw_truncated(xp: Any, key: Any, n: int, dt: Any, mean: Any, stddev: Any) -> Any:
    return _affine(xp, rb.truncated_normal(xp, key, n, np.float64), stddev, mean, dt)


def _draw_uniform(xp: Any, key: Any, n: int, dt: Any, lo: Any, hi: Any) -> Any:
    f64 = xp.float64
    lo64, hi64 = xp.asarray(lo).astype(f64), xp.asarray(hi).astype(f64)
    return _affine(xp, rb.uniform_float(xp, key, n, dt), hi64 - lo64, lo64, dt)


def _draw_uniform_int(xp: Any, key: Any, n: int, dtype: Any, lo: Any, hi: Any) -> Any:
    if xp is np and not int(np.asarray(lo)) < int(np.asarray(hi)):
        raise ValueError(f"random_uniform needs minval < maxval, got minval={lo} and maxval={hi}")
    return rb.uniform_int(xp, key, n, lo, hi, dtype)


_DRAWS: dict[str, Any] = {
    "RandomNormal": _draw_normal,
    "TruncatedNormal": _draw_truncated,
    "RandomUniform": _draw_uniform,
    "RandomUniformInt": _draw_uniform_int,
}


def _attrs(shape: Any, dtype: Any, seed: int = 1, seed2: int = 2, dynamic: bool = False) -> dict[str, Any]:
    return {
        "shape": as_shape(shape),
        "dtype": as_dtype(dtype),
        "seed": seed,
        "seed2": seed2,
        "dynamic": dynamic,
    }


def _float_samples(rng: np.random.Generator) -> list[Sample]:
    def f32(v: float) -> np.ndarray:
        return np.array(v, np.float32)

    def f64(v: float) -> np.ndarray:
        return np.array(v, np.float64)

    return [
        Sample([f32(0.0), f32(1.0)], _attrs([3, 4], float32)),
        Sample([f64(-1.5), f64(3.0)], _attrs([2, 3], float64, seed=7, seed2=0)),
        Sample([f32(2.0), f32(0.3)], _attrs([], float32)),
        Sample([f32(0.0), f32(1.0)], _attrs([0, 3], float32)),
        Sample([np.array(0.0, np.float16), np.array(1.0, np.float16)], _attrs([5], "float16")),
        Sample(
            [np.array([2, 5], np.int32), f32(1.0), f32(2.5)],
            _attrs([None, 5], float32, dynamic=True),
            const_inputs=[0],
        ),
    ]


def _int_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([np.array(-3, np.int32), np.array(10, np.int32)], _attrs([4, 5], int32)),
        Sample([np.array(0, np.int64), np.array(2**40, np.int64)], _attrs([7], int64)),
        Sample(
            [np.array([3, 2], np.int64), np.array(0, np.int32), np.array(5, np.int32)],
            _attrs([None, None], int32, dynamic=True),
            const_inputs=[0],
        ),
    ]


_DOCS = {
    "RandomNormal": "Normal values with the given mean and stddev (Box-Muller on counter-based bits).",
    "TruncatedNormal": "Normal values redrawn until within 2 stddev of the mean (TF1's truncated normal).",
    "RandomUniform": "Uniform floats in [minval, maxval), from the dtype's mantissa bits.",
    "RandomUniformInt": "Uniform integers in [minval, maxval): minval + bits % (maxval - minval).",
}


def _exact_uniform(attrs: Mapping[str, Any], values: list[Any], out: TensorSpec) -> bool:
    """Whether NumPy draws a float32 uniform bit for bit as XLA does: the scale (maxval - minval, in
    float64) has at most 29 significant bits, so the float64 product with the 24-bit uniform is exact,
    and whether XLA contracts the affine map into an FMA or not, both round the same sum once (then
    once to float32). float64 products round (and XLA may fuse them); narrower floats round twice."""
    if out.dtype.np != np.float32:
        return False
    bounds = values[1:] if attrs.get("dynamic") else values
    if len(bounds) != 2 or any(v is None or np.size(v) != 1 for v in bounds):
        return False
    scale = float(
        np.float64(np.asarray(bounds[1]).reshape(())) - np.float64(np.asarray(bounds[0]).reshape(()))
    )
    if not math.isfinite(scale):
        return False
    mantissa, _ = math.frexp(scale)
    return float(mantissa * 2**29).is_integer()


# Normal draws are not host-exact: their float64 log and cos may differ in the last place between
# NumPy and XLA. Integer draws are integer hashing, exact everywhere.
_HOST_EXACT: dict[str, Any] = {"RandomUniform": _exact_uniform, "RandomUniformInt": True}

for _op, _api in (
    ("RandomNormal", "random_normal"),
    ("TruncatedNormal", "truncated_normal"),
    ("RandomUniform", "random_uniform"),
    ("RandomUniformInt", "random_uniform"),
):
    register(
        _op,
        api_name=_api,
        kind="random",
        infer=_infer(_op, INTS if _op == "RandomUniformInt" else FLOATS),
        evaluate=_rule(np, _DRAWS[_op]),
        lower=_rule(jnp, _DRAWS[_op]),
        differentiable=False,
        samples=_int_samples if _op == "RandomUniformInt" else _float_samples,
        host_exact=_HOST_EXACT.get(_op, False),
        doc=_DOCS[_op],
    )


# --- builders -----------------------------------------------------------------------------------


def _shape_arg(shape: Any, api: str, graph: Graph) -> tuple[TensorShape, Tensor | None]:
    """(static shape or its known part, the int shape tensor when it is only known at run time)."""
    from graphdl.ops.shape_args import shape_or_tensor

    if isinstance(shape, list | tuple | TensorShape) and any(d is None for d in as_shape_list(shape)):
        raise graph.located_error(
            ShapeError,
            api,
            f"shape {list(shape)} has unknown dimensions; use tf.shape(x) for a run-time shape",
        )
    try:
        static, tensor, hint = shape_or_tensor(shape, "shape")
    except ShapeError as exc:
        raise graph.located_error(ShapeError, api, str(exc)) from None
    if tensor is not None:
        if tensor.shape.ndims not in (1, None):
            raise graph.located_error(ShapeError, api, f"shape must be 1-D, got {tensor.shape.short()}")
        return hint, tensor
    assert static is not None
    if any(d < 0 for d in static):
        raise graph.located_error(ShapeError, api, f"shape {static} has a negative dimension")
    return as_shape(static), None


def as_shape_list(shape: Any) -> list[Any]:
    """The dims of a list, tuple or TensorShape (an unknown rank gives [None])."""
    if isinstance(shape, TensorShape):
        return [None] if shape.dims is None else list(shape.dims)
    return list(shape)


def _random_op(
    op_type: str, api: str, shape: Any, dtype: DType, seed: int | None, values: list[Tensor], name: str
) -> Tensor:
    graph = get_default_graph()
    static, shape_t = _shape_arg(shape, api, graph)
    s1, s2 = _op_seeds(seed)
    attrs = {"shape": static, "dtype": dtype, "seed": s1, "seed2": s2, "dynamic": shape_t is not None}
    inputs = ([shape_t] if shape_t is not None else []) + values
    return graph.create_op(op_type, inputs, attrs, name=name).outputs[0]


def _float_dtype(dtype: Any, api: str) -> DType:
    dt = as_dtype(dtype)
    if dt.name not in FLOATS:
        raise get_default_graph().located_error(
            DTypeError, api, f"dtype must be a floating type ({', '.join(FLOATS)}), got {dt.name}"
        )
    return dt


def _draw_op(
    op_type: str, api: str, shape: Any, dt: DType, p0: Any, p1: Any, names: tuple[str, str], seed: Any,
    name: str | None, compose: Any,
) -> Tensor:  # fmt: skip
    """One random op when the parameters are constant scalars (the common case), else TF1's
    arithmetic on a unit draw, so gradients flow into tensor parameters."""
    from graphdl.ops.state import constant

    graph = get_default_graph()
    with graph.name_scope(name or api) as scope:
        a = convert_to_tensor(p0, dtype=dt, name=names[0])
        b = convert_to_tensor(p1, dtype=dt, name=names[1])
        if all(t.op.type == "Const" and t.shape.ndims == 0 for t in (a, b)):
            return _random_op(op_type, api, shape, dt, seed, [a, b], scope)
        unit = [constant(0, dtype=dt, name="zero"), constant(1, dtype=dt, name="one")]
        rnd = _random_op(op_type, api, shape, dt, seed, unit, op_type)
        return compose(rnd, a, b, scope)  # type: ignore[no-any-return]


def _mul_add(rnd: Tensor, mean: Tensor, stddev: Tensor, scope: str) -> Tensor:
    from graphdl.ops.math import add, multiply

    return add(multiply(rnd, stddev, name="mul"), mean, name=scope)


def _lerp(rnd: Tensor, lo: Tensor, hi: Tensor, scope: str) -> Tensor:
    from graphdl.ops.math import add, multiply, subtract

    return add(multiply(rnd, subtract(hi, lo, name="sub"), name="mul"), lo, name=scope)


def random_normal(
    shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32, seed: int | None = None,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.random_normal(shape, mean=0.0, stddev=1.0, dtype=tf.float32, seed=None)`."""
    dt = _float_dtype(dtype, "random_normal")
    return _draw_op(
        "RandomNormal", "random_normal", shape, dt, mean, stddev, ("mean", "stddev"), seed, name, _mul_add
    )


def truncated_normal(
    shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = float32, seed: int | None = None,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.truncated_normal`: normal values, redrawn when more than 2 stddev from the mean."""
    dt = _float_dtype(dtype, "truncated_normal")
    return _draw_op(
        "TruncatedNormal",
        "truncated_normal",
        shape,
        dt,
        mean,
        stddev,
        ("mean", "stddev"),
        seed,
        name,
        _mul_add,
    )


def random_uniform(
    shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = float32, seed: int | None = None,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.random_uniform(shape, minval=0, maxval=None, dtype=tf.float32, seed=None)`: [minval, maxval)."""
    dt = as_dtype(dtype)
    graph = get_default_graph()
    if dt.name in INTS:
        if maxval is None:
            raise graph.located_error(
                DTypeError, "random_uniform", f"maxval must be given for the integer dtype {dt.name}"
            )
        lo_v, hi_v = (
            v if isinstance(v, Tensor) or hasattr(v, "_as_tensor") else np.asarray(v)
            for v in (minval, maxval)
        )
        if isinstance(lo_v, np.ndarray) and isinstance(hi_v, np.ndarray) and not lo_v < hi_v:
            raise graph.located_error(
                ShapeError,
                "random_uniform",
                f"needs minval < maxval, got minval={minval} and maxval={maxval}",
            )
        with graph.name_scope(name or "random_uniform") as scope:
            lo = convert_to_tensor(minval, dtype=dt, name="min")
            hi = convert_to_tensor(maxval, dtype=dt, name="max")
            return _random_op("RandomUniformInt", "random_uniform", shape, dt, seed, [lo, hi], scope)
    dt = _float_dtype(dt, "random_uniform")
    hi_val = 1 if maxval is None else maxval
    return _draw_op(
        "RandomUniform", "random_uniform", shape, dt, minval, hi_val, ("min", "max"), seed, name, _lerp
    )
