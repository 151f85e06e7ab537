"""Matrix products: matmul (rank 2, and batched with broadcast batch dims) and tensordot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import make_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import spec
from graphdl.ops.logic import NUMERIC, check_kind, operands
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, broadcast_shapes
from graphdl.tensor import Tensor

__all__ = ["matmul", "tensordot"]


def _same_dtype(inputs: list[TensorSpec]) -> None:
    from graphdl.ops.logic import elementwise_infer

    elementwise_infer(NUMERIC)([TensorSpec(TensorShape([]), s.dtype) for s in inputs], {})


def _matmul_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    a, b = inputs
    _same_dtype(inputs)
    if a.shape.dims is None or b.shape.dims is None:
        return [spec(None, a.dtype)]
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if len(sa) < 2 or len(sb) < 2:
        raise ShapeError(f"inputs must have rank >= 2, got {a.shape.short()} x {b.shape.short()}")
    ma, ka = (sa[-1], sa[-2]) if attrs.get("transpose_a") else (sa[-2], sa[-1])
    kb, nb = (sb[-1], sb[-2]) if attrs.get("transpose_b") else (sb[-2], sb[-1])
    if ka is not None and kb is not None and ka != kb:
        ta = "^T" if attrs.get("transpose_a") else ""
        tb = "^T" if attrs.get("transpose_b") else ""
        raise ShapeError(f"inner dimensions differ: {a.shape.short()}{ta} x {b.shape.short()}{tb}")
    batch = broadcast_shapes(TensorShape(sa[:-2]), TensorShape(sb[:-2]))
    return [spec(batch.as_list() + [ma, nb], a.dtype)]


def _mm(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a, b = inputs
        if attrs.get("transpose_a"):
            a = xp.swapaxes(a, -1, -2)
        if attrs.get("transpose_b"):
            b = xp.swapaxes(b, -1, -2)
        return xp.matmul(a, b)

    return rule


def _matmul_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    a, b = node.inputs
    if not a.dtype.is_floating:
        return [None, None]
    g = grads[0]
    ta, tb = bool(node.attrs.get("transpose_a")), bool(node.attrs.get("transpose_b"))
    if not ta and not tb:
        ga, gb = matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(g, b), matmul(g, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, g, transpose_b=True), matmul(a, g)
    else:
        ga, gb = (
            matmul(b, g, transpose_a=True, transpose_b=True),
            matmul(g, a, transpose_a=True, transpose_b=True),
        )
    if a.shape.ndims == 2 and b.shape.ndims == 2:
        return [ga, gb]
    from graphdl.ops.grad_util import unbroadcast

    return [unbroadcast(ga, a), unbroadcast(gb, b)]


register(
    "MatMul",
    api_name="matmul",
    infer=_matmul_infer,
    evaluate=_mm(np),
    lower=_mm(jnp),
    gradient=_matmul_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]),
        Sample([rng.standard_normal((4, 3)), rng.standard_normal((4, 2))], {"transpose_a": True}),
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((2, 4))], {"transpose_b": True}),
        Sample(
            [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))],
            {"transpose_a": True, "transpose_b": True},
        ),
        Sample([rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))]),
        Sample([rng.standard_normal((2, 1, 3, 4)), rng.standard_normal((3, 4, 2))]),
        Sample([rng.standard_normal((0, 4)), rng.standard_normal((4, 2))]),
    ],
    doc="Matrix product; batched over leading dims (broadcast) when the inputs have rank > 2.",
)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: str | None = None,
) -> Tensor:
    """TF1 `tf.matmul(a, b, transpose_a=False, transpose_b=False)`; rank > 2 is a batched product."""
    x, y = operands([a, b], "matmul")
    attrs = {"transpose_a": bool(transpose_a or adjoint_a), "transpose_b": bool(transpose_b or adjoint_b)}
    return make_tensor("MatMul", [x, y], attrs, name or "MatMul")


def _td_axes(attrs: Mapping[str, Any], ra: int, rb: int) -> tuple[list[int], list[int]]:
    aa = [int(x) % ra if ra else int(x) for x in attrs["axes_a"]]
    ab = [int(x) % rb if rb else int(x) for x in attrs["axes_b"]]
    return aa, ab


def _tensordot_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    a, b = inputs
    _same_dtype(inputs)
    check_kind(a, NUMERIC)
    if a.shape.dims is None or b.shape.dims is None:
        return [spec(None, a.dtype)]
    da, db = a.shape.as_list(), b.shape.as_list()
    if len(attrs["axes_a"]) != len(attrs["axes_b"]):
        raise ShapeError("axes must list as many axes of a as of b")
    for ax, r in [(x, len(da)) for x in attrs["axes_a"]] + [(x, len(db)) for x in attrs["axes_b"]]:
        if not -r <= int(ax) < r:
            raise ShapeError(f"axis {ax} is out of range for rank {r}")
    aa, ab = _td_axes(attrs, len(da), len(db))
    for i, j in zip(aa, ab, strict=True):
        if da[i] is not None and db[j] is not None and da[i] != db[j]:
            raise ShapeError(
                f"contracted dimensions differ: axis {i} of {a.shape.short()} vs axis {j} of {b.shape.short()}"
            )
    out = [d for i, d in enumerate(da) if i not in aa] + [d for j, d in enumerate(db) if j not in ab]
    return [spec(out, a.dtype)]


def _td(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a, b = inputs
        aa, ab = _td_axes(attrs, a.ndim, b.ndim)
        return xp.tensordot(a, b, axes=(aa, ab))

    return rule


def _transpose_to(t: Tensor, order: Sequence[int]) -> Tensor:
    """Transpose `t`, whose axis k holds the operand's axis order[k], back to the operand's order."""
    perm = [list(order).index(i) for i in range(len(order))]
    if perm == list(range(len(perm))):
        return t
    from graphdl.ops import array

    return array.transpose(t, perm)  # type: ignore[no-any-return]


def _tensordot_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    a, b = node.inputs
    if not a.dtype.is_floating:
        return [None, None]
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is None or rb is None:
        raise ShapeError(f"{node.describe()}: the gradient of tensordot needs inputs of known rank")
    g = grads[0]
    aa, ab = _td_axes(node.attrs, ra, rb)
    fa = [i for i in range(ra) if i not in aa]
    fb = [j for j in range(rb) if j not in ab]
    nfa = len(fa)
    # d a: contract g's b-free part with b's free axes -> [a free..., b contracted (in b order)]
    ga = tensordot(g, b, [list(range(nfa, nfa + len(fb))), fb])
    ga = _transpose_to(ga, fa + [aa[ab.index(j)] for j in sorted(ab)])
    # d b: contract a's free axes with g's a-free part -> [a contracted (in a order)..., b free]
    gb = tensordot(a, g, [fa, list(range(nfa))])
    gb = _transpose_to(gb, [ab[aa.index(i)] for i in sorted(aa)] + fb)
    return [ga, gb]


register(
    "Tensordot",
    api_name="tensordot",
    infer=_tensordot_infer,
    evaluate=_td(np),
    lower=_td(jnp),
    gradient=_tensordot_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((4, 2))], {"axes_a": [1], "axes_b": [0]}),
        Sample(
            [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))],
            {"axes_a": [1, 2], "axes_b": [1, 0]},
        ),
        Sample([rng.standard_normal((2,)), rng.standard_normal((3,))], {"axes_a": [], "axes_b": []}),
        Sample(
            [rng.standard_normal((2, 3)), rng.standard_normal((3, 2))], {"axes_a": [0, 1], "axes_b": [1, 0]}
        ),
    ],
    doc="Sum over the paired axes of a and b of the product a * b (numpy.tensordot).",
)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.tensordot(a, b, axes)`: axes an int N (last N of a with first N of b) or a pair of lists."""
    x, y = operands([a, b], "tensordot")
    if isinstance(axes, int | np.integer):
        n = int(axes)
        ra = x.shape.ndims
        if ra is None:
            raise get_default_graph().located_error(
                ShapeError, "tensordot", "an integer `axes` needs `a` of known rank"
            )
        if n < 0 or n > ra or (y.shape.ndims is not None and n > y.shape.ndims):
            raise get_default_graph().located_error(
                ShapeError, "tensordot", f"axes={n} is out of range for {x.shape.short()} x {y.shape.short()}"
            )
        axes_a, axes_b = list(range(ra - n, ra)), list(range(n))
    else:
        pair = list(axes)
        if len(pair) != 2:
            raise get_default_graph().located_error(
                ShapeError, "tensordot", f"axes must be an int or a pair of axis lists, got {axes!r}"
            )
        axes_a = [int(v) for v in np.atleast_1d(pair[0])]
        axes_b = [int(v) for v in np.atleast_1d(pair[1])]
    return make_tensor("Tensordot", [x, y], {"axes_a": axes_a, "axes_b": axes_b}, name or "Tensordot")
