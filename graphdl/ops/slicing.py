"""Slicing ops: `Tensor.__getitem__` (StridedSlice), slice (re-exported by `graphdl.ops.array`)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor, is_tensor_like, make_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import lower_static, shape_or_tensor, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

_slice = builtins.slice

__all__ = ["getitem", "strided_slice_key", "slice"]


def _rnd(rng: np.random.Generator, *dims: int) -> np.ndarray:
    return rng.standard_normal(dims)


# --- keys ---------------------------------------------------------------------------------------

# A getitem key is stored as JSON: a list of ["i", index] (an int, shrinks the axis),
# ["s", start, stop, step] (a slice), ["n"] (newaxis) and ["e"] (Ellipsis); NumPy basic indexing
# has TF1's `__getitem__` semantics for all of these.


def _encode_key(key: Any) -> list[list[Any]]:
    """A JSON form of a getitem key (ints, slices, None, Ellipsis), or a TypeError."""
    items = key if isinstance(key, tuple) else (key,)
    out: list[list[Any]] = []
    for k in items:
        if k is None:
            out.append(["n"])
        elif k is Ellipsis:
            if any(e[0] == "e" for e in out):
                raise ShapeError("an index can only have a single ellipsis ('...')")
            out.append(["e"])
        elif isinstance(k, _slice):
            parts = [_static_int(v, "slice bound") for v in (k.start, k.stop, k.step)]
            if parts[2] == 0:
                raise ShapeError("slice step cannot be zero")
            out.append(["s", *parts])
        else:
            v = _static_int(k, "index")
            if v is None:
                raise TypeError(f"invalid index {k!r}")
            out.append(["i", v])
    return out


def _static_int(v: Any, what: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise TypeError(f"a bool is not a valid {what}")
    if isinstance(v, int | np.integer):
        return int(v)
    if is_tensor_like(v):
        s = static_value(convert_to_tensor(v))
        if s is not None and s.ndim == 0 and s.dtype.kind in "iu":
            return int(s)
        raise TypeError(
            f"tensor {what} {convert_to_tensor(v).name} is not supported in [] indexing unless its value is "
            "known when the graph is built; use graphdl.gather or graphdl.slice for run-time indices"
        )
    raise TypeError(
        f"only integers, slices (':'), ellipsis ('...') and graphdl.newaxis (None) are valid indices, got {v!r}"
    )


def _decode_key(items: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
    out: list[Any] = []
    for it in items:
        tag = it[0]
        if tag == "i":
            out.append(int(it[1]))
        elif tag == "s":
            out.append(_slice(it[1], it[2], it[3]))
        elif tag == "n":
            out.append(None)
        else:
            out.append(Ellipsis)
    return tuple(out)


def _key_shape(shape: TensorShape, items: Sequence[Sequence[Any]]) -> TensorShape:
    """Static shape of `x[key]` (NumPy basic indexing)."""
    consumed = sum(1 for it in items if it[0] in ("i", "s"))
    dims = shape.dims
    if dims is None:
        if any(it[0] == "e" for it in items):
            return TensorShape(None)
        return TensorShape(None)
    if consumed > len(dims):
        raise ShapeError(f"too many indices ({consumed}) for a tensor of shape {shape.short()}")
    full = list(items)
    if not any(it[0] == "e" for it in full):
        full.append(["e"])
    out: list[int | None] = []
    axis = 0
    for it in full:
        tag = it[0]
        if tag == "n":
            out.append(1)
        elif tag == "e":
            n = len(dims) - consumed
            out.extend(dims[axis : axis + n])
            axis += n
        elif tag == "i":
            d = dims[axis]
            if d is not None and not -d <= int(it[1]) < d:
                raise ShapeError(f"index {it[1]} is out of bounds for axis {axis} of shape {shape.short()}")
            axis += 1
        else:
            d = dims[axis]
            start, stop, step = it[1], it[2], it[3]
            if d is not None:
                out.append(len(range(*_slice(start, stop, step).indices(d))))
            elif start in (None, 0) and stop is None and step in (None, 1):
                out.append(None)
            else:
                out.append(None)
            axis += 1
    return TensorShape(out)


# --- strided slice (getitem) --------------------------------------------------------------------


def _ss_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [TensorSpec(_key_shape(inputs[0].shape, attrs["key"]), inputs[0].dtype)]


def _ss_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [
        make_tensor(
            "StridedSliceGrad", [grads[0], node.inputs[0]], {"key": node.attrs["key"]}, "StridedSliceGrad"
        )
    ]


def _key_samples(rng: np.random.Generator) -> list[Sample]:
    x = _rnd(rng, 4, 5, 3)
    keys: list[Any] = [
        1, -1, _slice(1, 3), _slice(None, None, -1), (Ellipsis, 0), (None, 2), (_slice(None), None, -2),
        (1, _slice(None, None, 2), Ellipsis), (_slice(-2, None), 0, _slice(2, 0, -1)), (Ellipsis, None),
        (_slice(5, 10),), (),
    ]  # fmt: skip
    return [Sample([x], {"key": _encode_key(k)}) for k in keys]


register(
    "StridedSlice",
    api_name="strided_slice",
    infer=_ss_infer,
    evaluate=lambda inputs, attrs, ctx: np.asarray(inputs[0])[_decode_key(attrs["key"])],
    lower=lambda inputs, attrs, ctx: inputs[0][_decode_key(attrs["key"])],
    gradient=_ss_grad,
    samples=_key_samples,
    doc="x[key] with ints (shrink the axis), slices with steps, newaxis and Ellipsis.",
)


def _ssg_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    g, like = inputs
    if g.dtype != like.dtype:
        raise DTypeError(f"gradient dtype {g.dtype.name} differs from {like.dtype.name}")
    return [TensorSpec(like.shape, g.dtype)]


def _ssg_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g, like = inputs
    out = np.zeros(np.shape(like), dtype=np.asarray(g).dtype)
    out[_decode_key(attrs["key"])] = g
    return out


def _ssg_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g, like = inputs
    return jnp.zeros(like.shape, g.dtype).at[_decode_key(attrs["key"])].set(g)


def _ssg_samples(rng: np.random.Generator) -> list[Sample]:
    like = _rnd(rng, 4, 5, 3)
    out = []
    for s in _key_samples(rng)[:6]:
        g = rng.standard_normal(np.asarray(like)[_decode_key(s.attrs["key"])].shape)
        out.append(Sample([g, like], s.attrs, grad_inputs=[0]))
    return out


register(
    "StridedSliceGrad",
    api_name="strided_slice_grad",
    infer=_ssg_infer,
    evaluate=_ssg_eval,
    lower=_ssg_lower,
    gradient=lambda node, grads: [strided_slice_key(grads[0], node.attrs["key"]), None],
    samples=_ssg_samples,
    doc="Gradient of a strided slice: the gradient placed into zeros shaped like the input.",
)


def strided_slice_key(x: Tensor, key: Any, name: str = "strided_slice") -> Tensor:
    """x[key] for a Python key or an encoded one (a list of lists, as stored in attrs)."""
    items = key if isinstance(key, list) and all(isinstance(k, list) for k in key) else _encode_key(key)
    return make_tensor("StridedSlice", [x], {"key": items}, name)


def getitem(tensor: Any, key: Any) -> Tensor:
    """TF1 `Tensor.__getitem__`: ints (negative too) shrink an axis; slices with steps; None; `...`."""
    x = convert_to_tensor(tensor)
    if isinstance(key, list | np.ndarray) or (
        is_tensor_like(key) and convert_to_tensor(key).shape.ndims != 0
    ):
        raise TypeError(
            "indexing with a list or a tensor of indices is not supported by []; use graphdl.gather"
        )
    try:
        items = _encode_key(key)
    except ShapeError as exc:
        raise get_default_graph().located_error(ShapeError, "strided_slice", str(exc)) from None
    except TypeError:
        if not _has_tensor(key):
            raise
        return _run_time_getitem(x, key)
    return make_tensor("StridedSlice", [x], {"key": items}, "strided_slice")


def _has_tensor(key: Any) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    parts = [p for k in items for p in ((k.start, k.stop, k.step) if isinstance(k, _slice) else (k,))]
    return any(is_tensor_like(p) for p in parts)


def _run_time_getitem(x: Tensor, key: Any) -> Tensor:
    """x[key] with indices or slice bounds known only at run time, as TF1's __getitem__ does it: a
    tf.strided_slice with masks (whose size must still be fixed when the graph is built)."""
    from graphdl.ops.array import stack
    from graphdl.ops.strided_slice import strided_slice

    begin: list[Any] = []
    end: list[Any] = []
    strides: list[Any] = []
    masks = {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0}
    for i, k in enumerate(key if isinstance(key, tuple) else (key,)):
        bit = 1 << i
        if k is None or k is Ellipsis:
            masks["new_axis_mask" if k is None else "ellipsis_mask"] |= bit
            parts = (0, 0, 1)
        elif isinstance(k, _slice):
            if k.start is None:
                masks["begin_mask"] |= bit
            if k.stop is None:
                masks["end_mask"] |= bit
            parts = (
                0 if k.start is None else k.start,
                0 if k.stop is None else k.stop,
                1 if k.step is None else k.step,
            )
        else:
            masks["shrink_axis_mask"] |= bit
            parts = (k, k + 1, 1)
        begin.append(parts[0])
        end.append(parts[1])
        strides.append(parts[2])
    dtype = next(convert_to_tensor(v).dtype for v in begin + end + strides if is_tensor_like(v))
    b, e, st = (stack([convert_to_tensor(v, dtype=dtype) for v in part]) for part in (begin, end, strides))
    return strided_slice(x, b, e, st, **masks)  # type: ignore[arg-type]


# --- slice --------------------------------------------------------------------------------------


def _slice_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    begin, size = attrs.get("begin"), attrs.get("size")
    if begin is None or size is None:
        n = inputs[1].shape.dims[0] if inputs[1].shape.dims else None
        return [TensorSpec(TensorShape(None if n is None else [None] * n), x.dtype)]
    if len(begin) != len(size):
        raise ShapeError(f"begin {list(begin)} and size {list(size)} must have the same length")
    dims = x.shape.dims
    if dims is not None and len(dims) != len(begin):
        raise ShapeError(f"begin {list(begin)} must have one entry per axis of shape {x.shape.short()}")
    out: list[int | None] = []
    for i, (b, s) in enumerate(zip(begin, size, strict=True)):
        d = dims[i] if dims is not None else None
        if b < 0 or s < -1:
            raise ShapeError(f"invalid begin {b} / size {s} for axis {i}")
        if d is not None and (b > d or (s != -1 and b + s > d)):
            raise ShapeError(
                f"slice [{b}:{b + s if s != -1 else d}] of axis {i} is out of range for shape {x.shape.short()}"
            )
        out.append((None if d is None else d - b) if s == -1 else s)
    return [TensorSpec(TensorShape(out), x.dtype)]


def _slice_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        begin, size = attrs.get("begin"), attrs.get("size")
        if begin is None:
            if xp is np:
                begin, size = inputs[1], inputs[2]
            else:
                begin, size = lower_static(inputs, 1, ctx, "begin"), lower_static(inputs, 2, ctx, "size")
        key = []
        for i, (b, s) in enumerate(
            zip(np.asarray(begin).reshape(-1), np.asarray(size).reshape(-1), strict=True)
        ):
            b, s = int(b), int(s)
            if b < 0 or b > x.shape[i] or (s != -1 and b + s > x.shape[i]):
                raise ValueError(
                    f"slice begin {b} size {s} is out of range for axis {i} of shape {list(x.shape)}"
                )
            key.append(_slice(b, None if s == -1 else b + s))
        return x[tuple(key)]

    return rule


def _slice_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    begin, size = node.attrs.get("begin"), node.attrs.get("size")
    if begin is None:
        b, s = static_value(node.inputs[1]), static_value(node.inputs[2])
        if b is None or s is None:
            raise GraphError(
                f"{node.describe()}: the gradient of slice needs begin and size known when the graph is built"
            )
        begin, size = [int(v) for v in b], [int(v) for v in s]
    key = [
        ["s", int(b), None if int(s) == -1 else int(b) + int(s), None]
        for b, s in zip(begin, size, strict=True)
    ]
    g = make_tensor("StridedSliceGrad", [grads[0], node.inputs[0]], {"key": key}, "StridedSliceGrad")
    return [g] + [None] * (len(node.inputs) - 1)


register(
    "Slice",
    api_name="slice",
    infer=_slice_infer,
    evaluate=_slice_kernel(np),
    lower=_slice_kernel(jnp),
    gradient=_slice_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 4, 5)], {"begin": [1, 0], "size": [2, -1]}),
        Sample([_rnd(rng, 3, 4, 2)], {"begin": [0, 2, 1], "size": [3, 2, 1]}),
        Sample([_rnd(rng, 3)], {"begin": [3], "size": [0]}),
        Sample(
            [_rnd(rng, 4, 5), np.array([1, 2], np.int32), np.array([-1, 2], np.int32)],
            {"begin": None, "size": None},
            const_inputs=[1, 2],
        ),
    ],
    doc="The block of `size` elements starting at `begin` (size -1 takes the rest of the axis).",
)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """TF1 `tf.slice(input_, begin, size)`: size -1 means all remaining elements of that axis."""
    x = convert_to_tensor(input_)
    b, bt, _ = shape_or_tensor(begin, "slice: begin")
    s, st, _ = shape_or_tensor(size, "slice: size")
    if b is not None and s is not None:
        return make_tensor("Slice", [x], {"begin": b, "size": s}, name or "Slice")
    # a static begin or size takes the dtype of the other, which is a tensor
    bt = (
        bt
        if bt is not None
        else convert_to_tensor(np.asarray(b, st.dtype.np if st is not None else np.int32))
    )
    st = st if st is not None else convert_to_tensor(np.asarray(s, bt.dtype.np))
    return make_tensor(
        "Slice", [x, *convert_operands([bt, st], "slice")], {"begin": None, "size": None}, name or "Slice"
    )
