"""TF1 `tf.strided_slice` with its five masks, and DynamicStridedSlice for run-time begin/end.

Begin, end and strides known when the graph is built become the static key of the StridedSlice op
that `Tensor.__getitem__` uses (graphdl/ops/slicing.py): TF1's masks map onto NumPy basic indexing
(begin_mask/end_mask drop a bound, ellipsis_mask is `...`, new_axis_mask is `None`, shrink_axis_mask
is an int index). Begin/end known only at run time (PTB's reader slices `[0, i * k]:[b, (i + 1) * k]`
with `i` dequeued) use DynamicStridedSlice, whose sizes are fixed when the graph is built because XLA
needs static shapes: `end - begin` must be a constant, which the builder proves by reading both as
affine forms over the same run-time integers (`i * k` and `(i + 1) * k` differ by `k`). At run time
the op checks that TF1's clamped bounds give exactly that size and fails with InvalidArgumentError
otherwise.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.errors import DTypeError, GraphError, InvalidArgumentError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import static_value
from graphdl.ops.slicing import strided_slice_key
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["strided_slice"]

_API = "strided_slice"
_slice = builtins.slice


# --- masks -> a static getitem key ----------------------------------------------------------------


def _mask_key(
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    begin_mask: int,
    end_mask: int,
    ellipsis_mask: int,
    new_axis_mask: int,
    shrink_axis_mask: int,
) -> list[list[Any]]:
    """The encoded getitem key (slicing.py's format) for TF1's sparse slice spec and masks."""
    items: list[list[Any]] = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides, strict=True)):
        bit = 1 << i
        if ellipsis_mask & bit:
            if any(it[0] == "e" for it in items):
                raise ShapeError("multiple ellipses in slice spec not allowed")
            items.append(["e"])
        elif new_axis_mask & bit:  # TF1: new_axis wins over shrink and the begin/end masks
            items.append(["n"])
        elif s == 0:
            raise ShapeError(f"strides[{i}] must be non-zero")
        elif shrink_axis_mask & bit:  # TF1 takes begin[i] (masks ignored); negatives wrap
            if s < 0:
                raise ShapeError(f"only positive strides are allowed on a shrunk axis (strides[{i}] = {s})")
            items.append(["i", int(b)])
        else:
            items.append(
                ["s", None if begin_mask & bit else int(b), None if end_mask & bit else int(e), int(s)]
            )
    return items


def _check_masks(masks: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for k, v in masks.items():
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or int(v) < 0:
            raise get_default_graph().located_error(
                GraphError, _API, f"{k} must be a non-negative int bit mask, got {v!r}"
            )
        out[k] = int(v)
    return out


# --- run-time begin/end: affine forms -------------------------------------------------------------

# A form is {leaf: coefficient} with the constant term under the key None; a leaf is
# (tensor, index) for element `index` of a 1-D run-time tensor, or (tensor, None) for a scalar.
_Form = dict[Any, int]


def _combine(a: _Form, b: _Form, k: int = 1) -> _Form:
    out = dict(a)
    for key, v in b.items():
        out[key] = out.get(key, 0) + k * v
    return {key: v for key, v in out.items() if v != 0 or key is None}


def _sub_index(t: Tensor, index: int | None) -> int | None:
    dims = t.shape.dims
    if dims is None or len(dims) == 0:
        return None
    return 0 if dims[0] == 1 else index


def _affine(t: Tensor, index: int | None, depth: int = 0) -> _Form:
    """Element `index` of integer tensor `t` (None: t is a scalar) as an affine form of run-time leaves."""
    v = static_value(t)
    if v is not None:
        a = np.asarray(v)
        return {None: int(a if a.ndim == 0 else a.reshape(-1)[index or 0])}
    op = t.op
    leaf: _Form = {None: 0, (t, index): 1}
    if depth > 64 or not t.dtype.is_integer:
        return leaf
    ins = op.inputs
    if op.type in ("Identity", "Cast") and ins[0].dtype.is_integer:
        return _affine(ins[0], index, depth + 1)
    if op.type == "Pack" and op.attrs.get("axis", 0) == 0 and index is not None:
        return _affine(ins[index], None, depth + 1)
    if op.type in ("Add", "AddV2", "Sub"):
        fa = _affine(ins[0], _sub_index(ins[0], index), depth + 1)
        fb = _affine(ins[1], _sub_index(ins[1], index), depth + 1)
        return _combine(fa, fb, -1 if op.type == "Sub" else 1)
    if op.type == "Neg":
        return _combine({None: 0}, _affine(ins[0], index, depth + 1), -1)
    if op.type == "Mul":
        fa = _affine(ins[0], _sub_index(ins[0], index), depth + 1)
        fb = _affine(ins[1], _sub_index(ins[1], index), depth + 1)
        for c, f in ((fa, fb), (fb, fa)):
            if set(c) == {None}:
                return _combine({None: 0}, f, c[None])
        return leaf
    if op.type == "StridedSlice" and index is None:
        key = op.attrs["key"]
        if len(key) == 1 and key[0][0] == "i" and ins[0].shape.ndims == 1:
            return _affine(ins[0], int(key[0][1]), depth + 1)
    return leaf


def _entries(value: Any, what: str) -> list[tuple[Any, _Form]]:
    """The entries of a begin/end argument: (an int or a scalar int tensor, its affine form)."""
    graph = get_default_graph()
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        if not t.dtype.is_integer:
            raise graph.located_error(DTypeError, _API, f"{what} must be int32 or int64, got {t.dtype.name}")
        dims = t.shape.dims
        if dims is None or len(dims) != 1 or dims[0] is None:
            raise graph.located_error(
                ShapeError, _API, f"{what} must be a 1-D tensor of known length, got shape {t.shape}"
            )
        return [(strided_slice_key(t, [["i", k]]), _affine(t, k)) for k in range(int(dims[0]))]
    if not isinstance(value, list | tuple):
        value = np.asarray(value).reshape(-1).tolist()
    out: list[tuple[Any, _Form]] = []
    for v in value:
        if is_tensor_like(v):
            t = convert_to_tensor(v)
            if not t.dtype.is_integer or t.shape.ndims not in (0, None):
                raise graph.located_error(
                    DTypeError, _API, f"{what} entries must be int scalars, got {t.dtype.name} {t.shape}"
                )
            out.append((t, _affine(t, None)))
        else:
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise graph.located_error(ShapeError, _API, f"{what} must hold integers, got {value!r}")
            out.append((int(v), {None: int(v)}))
    return out


def _static_list(value: Any, what: str) -> list[int] | None:
    """The value of a begin/end/strides argument when it is known now (a 1-D list of ints), else None."""
    graph = get_default_graph()
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        if not t.dtype.is_integer:
            raise graph.located_error(DTypeError, _API, f"{what} must be int32 or int64, got {t.dtype.name}")
        v = static_value(t)
    elif isinstance(value, list | tuple) and any(is_tensor_like(v) for v in value):
        vals = [static_value(convert_to_tensor(v)) if is_tensor_like(v) else v for v in value]
        if any(v is None for v in vals):
            return None
        v = np.asarray([int(np.asarray(x)) for x in vals])
    else:
        v = np.asarray(value)
    if v is None:
        return None
    arr = np.asarray(v)
    if arr.ndim != 1:
        raise graph.located_error(ShapeError, _API, f"{what} must be a 1-D list, got shape {list(arr.shape)}")
    if arr.size and (arr.dtype.kind not in "iu"):
        raise graph.located_error(DTypeError, _API, f"{what} must hold integers, got {value!r}")
    return [int(x) for x in arr]


def _scalar(src: Any, dtype: Any) -> Tensor:
    from graphdl.ops.math import cast

    if isinstance(src, int):
        return convert_to_tensor(np.asarray(src, dtype.np))
    return src if src.dtype == dtype else cast(src, dtype)


def _dynamic(
    x: Tensor, begin: Any, end: Any, strides: list[int], masks: dict[str, int], name: str | None
) -> Tensor:
    """strided_slice with run-time begin/end: DynamicStridedSlice over the dense axes, then a static key."""
    from graphdl.ops.array import stack

    graph = get_default_graph()
    dims = x.shape.dims
    if dims is None:
        raise graph.located_error(
            ShapeError, _API, "run-time begin/end need an input of known rank (XLA needs static shapes)"
        )
    bs, es = _entries(begin, "begin"), _entries(end, "end")
    if not len(bs) == len(es) == len(strides):
        raise graph.located_error(
            ShapeError,
            _API,
            f"begin, end and strides must have the same length, got {len(bs)}, {len(es)}, {len(strides)}",
        )
    bits = {k: masks[k] for k in masks}
    ell = [i for i in range(len(bs)) if bits["ellipsis_mask"] >> i & 1]
    if len(ell) > 1:
        raise graph.located_error(ShapeError, _API, "multiple ellipses in slice spec not allowed")
    kinds = []
    for i in range(len(bs)):
        if bits["ellipsis_mask"] >> i & 1:
            kinds.append("e")
        elif bits["new_axis_mask"] >> i & 1:
            kinds.append("n")
        elif bits["shrink_axis_mask"] >> i & 1:
            kinds.append("i")
        else:
            kinds.append("s")
    consumed = sum(k in "is" for k in kinds)
    if consumed > len(dims):
        raise graph.located_error(
            ShapeError, _API, f"index out of range: {consumed} indexed axes for an input of rank {len(dims)}"
        )
    if not ell:
        kinds.append("e")
    tensors = [s for s, _ in bs + es if not isinstance(s, int)]
    idx_dtype = tensors[0].dtype if tensors else convert_to_tensor(0).dtype
    d_begin: list[Any] = []
    d_end: list[Any] = []
    sizes: list[int] = []
    d_strides: list[int] = []
    post: list[list[Any]] = []
    index_axes: list[int] = []
    axis = 0
    for i, kind in enumerate(kinds):
        if kind == "n":
            post.append(["n"])
            continue
        if kind == "e":
            for _ in range(len(dims) - consumed):
                d = dims[axis]
                if d is None:
                    raise graph.located_error(
                        ShapeError, _API, f"run-time begin/end need a known size for axis {axis} of {x.shape}"
                    )
                d_begin.append(0)
                d_end.append(int(d))
                sizes.append(int(d))
                d_strides.append(1)
                post.append(["s", None, None, None])
                axis += 1
            continue
        s = strides[i]
        if s <= 0:
            raise graph.located_error(
                ShapeError, _API, f"run-time begin/end need positive strides, got strides[{i}] = {s}"
            )
        (b_src, b_form), (e_src, e_form) = bs[i], es[i]
        d = dims[axis]
        if kind == "i":
            d_begin.append(b_src)
            d_end.append(b_src)  # ignored: the op reads begin as an index on this axis
            index_axes.append(axis)
            sizes.append(1)
            post.append(["i", 0])
        else:
            if bits["begin_mask"] >> i & 1:
                b_src, b_form = 0, {None: 0}
            if bits["end_mask"] >> i & 1:
                if d is None:
                    raise graph.located_error(
                        ShapeError, _API, f"run-time begin/end need a known size for axis {axis} of {x.shape}"
                    )
                e_src, e_form = int(d), {None: int(d)}
            span = _combine(e_form, b_form, -1)
            if set(b_form) == set(e_form) == {None} and d is not None:  # both known: TF1's clamped count
                span = {None: int(_bounds(np, int(d), b_form[None], e_form[None], s)[1]) * s}
            elif set(b_form) == set(e_form) == {None} and (b_form[None] < 0) != (e_form[None] < 0):
                raise graph.located_error(
                    ShapeError,
                    _API,
                    f"begin[{i}] = {b_form[None]} and end[{i}] = {e_form[None]} on axis {axis} of unknown size",
                )
            if set(span) != {None}:
                raise graph.located_error(
                    GraphError,
                    _API,
                    f"the size of axis {axis} (end[{i}] - begin[{i}]) depends on values known only at run time, "
                    "but XLA needs static sizes: give begin and end that differ by a constant "
                    "(e.g. i * k and (i + 1) * k), or use graphdl.slice / graphdl.gather",
                )
            d_begin.append(b_src)
            d_end.append(e_src)
            sizes.append(max(0, -(-span[None] // s)))
            post.append(["s", None, None, None])
        d_strides.append(s)
        axis += 1
    bt = (
        stack([_scalar(v, idx_dtype) for v in d_begin])
        if d_begin
        else convert_to_tensor(np.zeros([0], idx_dtype.np))
    )
    et = (
        stack([_scalar(v, idx_dtype) for v in d_end])
        if d_end
        else convert_to_tensor(np.zeros([0], idx_dtype.np))
    )
    y = make_tensor(
        "DynamicStridedSlice",
        [x, bt, et],
        {"size": sizes, "strides": d_strides, "index_axes": index_axes},
        name or "StridedSlice",
    )
    if all(p == ["s", None, None, None] for p in post):
        return y
    return strided_slice_key(y, post)


def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: str | None = None,
) -> Tensor:
    """TF1 `tf.strided_slice`: slices `input_` from begin to end by strides, with TF1's five bit masks."""
    graph = get_default_graph()
    if var is not None:
        raise graph.located_error(
            GraphError, _API, "var= (sliced assignment through the result's .assign) is not supported"
        )
    masks = _check_masks(
        {
            "begin_mask": begin_mask,
            "end_mask": end_mask,
            "ellipsis_mask": ellipsis_mask,
            "new_axis_mask": new_axis_mask,
            "shrink_axis_mask": shrink_axis_mask,
        }
    )
    x = convert_to_tensor(input_)
    b, e = _static_list(begin, "begin"), _static_list(end, "end")
    n_hint = len(b) if b is not None else (len(e) if e is not None else None)
    if strides is None:
        if n_hint is None:
            n_hint = len(_entries(begin, "begin"))
        s = [1] * n_hint
    else:
        known = _static_list(strides, "strides")
        if known is None:
            raise graph.located_error(
                GraphError, _API, "strides must be known when the graph is built (XLA needs static shapes)"
            )
        s = known
    if b is not None and e is not None:
        if not len(b) == len(e) == len(s):
            raise graph.located_error(
                ShapeError,
                _API,
                f"begin, end and strides must have the same length, got {len(b)}, {len(e)} and {len(s)}",
            )
        try:
            key = _mask_key(b, e, s, **masks)
        except ShapeError as exc:
            raise graph.located_error(ShapeError, _API, str(exc)) from None
        return strided_slice_key(x, key, name or "StridedSlice")
    return _dynamic(x, begin, end, s, masks, name)


# --- DynamicStridedSlice ------------------------------------------------------------------------


def _dss_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, b, e = inputs[0], inputs[-2], inputs[-1]
    size, strides = attrs["size"], attrs["strides"]
    for what, t in (("begin", b), ("end", e)):
        if not t.dtype.is_integer:
            raise DTypeError(f"{what} must be int32 or int64, got {t.dtype.name}")
        if t.shape.dims is not None and list(t.shape.dims) not in ([len(size)], [None]):
            raise ShapeError(f"{what} must have shape [{len(size)}], got {t.shape.short()}")
    if x.shape.dims is not None and len(x.shape.dims) != len(size):
        raise ShapeError(f"{len(size)} sizes for an input of shape {x.shape.short()}")
    if any(s <= 0 for s in strides):
        raise ShapeError(f"strides must be positive, got {list(strides)}")
    return [TensorSpec(TensorShape(list(size)), x.dtype)]


def _bounds(xp: Any, d: int, b: Any, e: Any, s: int, index: bool = False) -> tuple[Any, Any]:
    """TF1's canonical begin and element count along an axis of size d (positive stride s); with
    `index` (a shrunk axis) begin is an index that must lie in the axis, and end is ignored."""
    if index:
        b = xp.where(b < 0, b + d, b)
        ok = (b >= 0) & (b < d)
        return xp.where(ok, b, 0), xp.where(ok, 1, 0)
    b = xp.clip(xp.where(b < 0, b + d, b), 0, d)
    e = xp.clip(xp.where(e < 0, e + d, e), 0, d)
    return b, xp.maximum(0, (e - b + s - 1) // s)


def _dss_fail(node: Any, attrs: Mapping[str, Any]) -> Any:
    def fail(begin: Any, end: Any) -> None:
        raise InvalidArgumentError(
            f"{node.describe()}: begin {np.asarray(begin).tolist()} and end {np.asarray(end).tolist()} give a "
            f"slice whose size differs from the size {list(attrs['size'])} fixed when the graph was built"
        )

    return fail


def _np_begins(x: Any, begin: Any, end: Any, attrs: Mapping[str, Any], node: Any) -> list[int]:
    out = []
    for a, (n, s) in enumerate(zip(attrs["size"], attrs["strides"], strict=True)):
        index = a in attrs["index_axes"]
        b, count = _bounds(np, int(np.shape(x)[a]), int(begin[a]), int(end[a]), int(s), index)
        if int(count) != int(n):
            _dss_fail(node, attrs)(begin, end)
        out.append(int(b))
    return out


def _key(begins: Sequence[int], attrs: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(
        _slice(b, b + n * s, s) for b, n, s in zip(begins, attrs["size"], attrs["strides"], strict=True)
    )


def _dss_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, begin, end = (np.asarray(v) for v in inputs)
    return x[_key(_np_begins(x, begin, end, attrs, ctx.node), attrs)]


def _jax_begins(x: Any, begin: Any, end: Any, attrs: Mapping[str, Any], ctx: Any) -> list[Any]:
    begins, ok = [], jnp.asarray(True)
    for a, (n, s) in enumerate(zip(attrs["size"], attrs["strides"], strict=True)):
        b, count = _bounds(jnp, int(x.shape[a]), begin[a], end[a], int(s), a in attrs["index_axes"])
        ok = ok & (count == n)
        begins.append(b)
    ctx.check(ok, _dss_fail(ctx.node, attrs), begin, end)
    return begins


def _block(attrs: Mapping[str, Any]) -> list[int]:
    """The extent a strided slice spans: (n - 1) * s + 1 elements per axis."""
    return [(n - 1) * s + 1 for n, s in zip(attrs["size"], attrs["strides"], strict=True)]


def _fits(shape: Sequence[int], attrs: Mapping[str, Any]) -> bool:
    """Whether a non-empty block of the op's size fits the input (else its check fails or it is empty)."""
    return all(n > 0 for n in attrs["size"]) and all(
        b <= d for b, d in zip(_block(attrs), shape, strict=True)
    )


def _every(attrs: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(_slice(None, None, s) for s in attrs["strides"])


def _dss_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, begin, end = inputs
    begins = _jax_begins(x, begin, end, attrs, ctx)
    if not _fits(x.shape, attrs):  # empty, or a size the axis cannot hold (the check fails then)
        return jnp.zeros(attrs["size"], x.dtype)
    return jax.lax.dynamic_slice(x, begins, _block(attrs))[_every(attrs)]


def _dss_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, b, e = node.inputs
    g = make_tensor("DynamicStridedSliceGrad", [grads[0], x, b, e], dict(node.attrs), "StridedSliceGrad")
    return [g, None, None]


def _dss_samples(rng: np.random.Generator) -> list[Sample]:
    x = rng.standard_normal((4, 6, 3))
    i32 = np.int32
    cases = [
        ([1, 2, 0], [3, 6, 3], [1, 2, 1], [2, 2, 3], []),
        ([-3, 0, 2], [-1, 6, 3], [1, 4, 1], [2, 2, 1], []),
        ([0, 5, 0], [4, 9, 3], [3, 1, 2], [2, 1, 2], []),
        ([2, 3, 1], [2, 3, 1], [1, 1, 1], [0, 0, 0], []),
        ([-1, 1, 2], [0, 5, 0], [1, 2, 1], [1, 2, 1], [0, 2]),
    ]
    return [
        Sample(
            [x, np.array(b, i32), np.array(e, i32)],
            {"size": n, "strides": s, "index_axes": ix},
            grad_inputs=[0],
        )
        for b, e, s, n, ix in cases
    ]


register(
    "DynamicStridedSlice",
    api_name="dynamic_strided_slice",
    checks=True,  # out-of-range begin/end found at run time (ctx.check)
    infer=_dss_infer,
    evaluate=_dss_eval,
    lower=_dss_lower,
    gradient=_dss_grad,
    samples=_dss_samples,
    doc="x[b:e:s] per axis with run-time begin/end and a size fixed at build time (checked at run time).",
)


def _dssg_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    g, like = inputs[0], inputs[1]
    if g.dtype != like.dtype:
        raise DTypeError(f"gradient dtype {g.dtype.name} differs from {like.dtype.name}")
    if g.shape.dims is not None and not g.shape.is_compatible_with(TensorShape(list(attrs["size"]))):
        raise ShapeError(
            f"gradient shape {g.shape.short()} differs from the slice size {list(attrs['size'])}"
        )
    _dss_infer([like, inputs[2], inputs[3]], attrs)
    return [TensorSpec(like.shape, g.dtype)]


def _dssg_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g, like, begin, end = (np.asarray(v) for v in inputs)
    out = np.zeros(like.shape, g.dtype)
    out[_key(_np_begins(like, begin, end, attrs, ctx.node), attrs)] = g
    return out


def _dssg_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g, like, begin, end = inputs
    begins = _jax_begins(like, begin, end, attrs, ctx)
    out = jnp.zeros(like.shape, g.dtype)
    if not _fits(like.shape, attrs):
        return out
    block = jnp.zeros(_block(attrs), g.dtype).at[_every(attrs)].set(g)
    return jax.lax.dynamic_update_slice(out, block, begins)


def _dssg_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for s in _dss_samples(rng):
        x, b, e = s.inputs
        g = rng.standard_normal(s.attrs["size"])
        out.append(Sample([g, x, b, e], s.attrs, grad_inputs=[0]))
    return out


register(
    "DynamicStridedSliceGrad",
    api_name="dynamic_strided_slice_grad",
    checks=True,  # out-of-range begin/end found at run time (ctx.check)
    infer=_dssg_infer,
    evaluate=_dssg_eval,
    lower=_dssg_lower,
    gradient=lambda node, grads: [
        make_tensor("DynamicStridedSlice", [grads[0], *node.inputs[2:]], dict(node.attrs), "StridedSlice"),
        None,
        None,
        None,
    ],
    samples=_dssg_samples,
    doc="Gradient of DynamicStridedSlice: the gradient placed into zeros shaped like the input.",
)
