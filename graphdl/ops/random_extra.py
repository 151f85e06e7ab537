"""More TF1 random ops: random_shuffle, random_crop and multinomial, bit-identical on both backends.

They draw from the counter-based generator of `graphdl.random_bits` with the seeds of
`graphdl.ops.random` (graph seed from `tf.set_random_seed` plus the op seed; a new draw each
`Session.run`), so the interpreter and XLA produce the same numbers for the same graph and step.

- random_shuffle: each row along axis 0 gets a 64-bit random key; the permutation is the stable
  argsort of the keys (exact integer work in both backends).
- random_crop: TF1's `offset = random bits % (shape - size + 1)`, then the slice at that offset.
- multinomial: inverse CDF. Per draw a uniform float64 u (exact); the class is the number of
  cumulative weights `cumsum(exp(logits - max))` that are <= u * total. `exp` and the cumulative
  sum may differ by an ulp between NumPy and XLA, so a draw can differ only when u lies within
  about 1e-16 of a class boundary (none in the tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl import random_bits as rb
from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype, int32, int64
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import spec
from graphdl.ops.random import _op_seeds
from graphdl.ops.shape_args import static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import as_shape
from graphdl.tensor import Tensor

__all__ = ["random_shuffle", "random_crop", "multinomial"]

_FLOATS = ("float16", "float32", "float64")


def _key(xp: Any, attrs: Mapping[str, Any], ctx: Any) -> Any:
    """This op's stream key for this run (the same in both backends)."""
    return rb.step_key(xp, rb.base_key(attrs["seed"], attrs["seed2"]), ctx.step)


def _seed_attrs(seed: int | None) -> dict[str, Any]:
    s1, s2 = _op_seeds(seed)
    return {"seed": s1, "seed2": s2}


# --- RandomShuffle ------------------------------------------------------------------------------


def _shuffle_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [inputs[0]]


def _shuffle_rule(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        if x.ndim == 0 or x.shape[0] <= 1:
            return x
        hi, lo = rb.random_words(xp, _key(xp, attrs, ctx), x.shape[0], 0)
        keys = (hi.astype(xp.uint64) << 32) | lo.astype(xp.uint64)
        perm = np.argsort(keys, kind="stable") if xp is np else jnp.argsort(keys, stable=True)
        return x[perm]

    return rule


register(
    "RandomShuffle",
    api_name="random_shuffle",
    kind="random",
    infer=_shuffle_infer,
    evaluate=_shuffle_rule(np),
    lower=_shuffle_rule(jnp),
    differentiable=False,
    samples=lambda rng: [
        Sample([rng.standard_normal((7, 3))], {"seed": 1, "seed2": 2}),
        Sample([np.arange(10, dtype=np.int32)], {"seed": 3, "seed2": 4}),
        Sample([np.array(2.5)], {"seed": 3, "seed2": 4}),
    ],
    doc="The rows of value (axis 0) in a random order: the stable argsort of 64-bit random keys.",
)


def random_shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.random_shuffle(value, seed=None)`: value with its first axis randomly permuted."""
    x = convert_to_tensor(value, name="value")
    return x.graph.create_op("RandomShuffle", [x], _seed_attrs(seed), name=name or "RandomShuffle").outputs[0]


# --- RandomCrop ---------------------------------------------------------------------------------


def _crop_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    size = [int(s) for s in attrs["size"]]
    dims = x.shape.dims
    if dims is not None:
        if len(dims) != len(size):
            raise ShapeError(f"size {size} must have one entry per axis of value's shape {x.shape.short()}")
        if any(d is not None and s > d for d, s in zip(dims, size, strict=True)):
            raise ShapeError(f"Need value.shape >= size, got {x.shape.short()} and {size}")
    return [spec(as_shape(size), x.dtype)]


def _crop_offset(xp: Any, shape: Any, attrs: Mapping[str, Any], ctx: Any) -> tuple[list[int], Any]:
    """(size, offset) of this run's crop of a value of `shape`: the same in RandomCrop and its
    gradient RandomCropGrad, which share the seeds and draw for the same step."""
    size = [int(s) for s in attrs["size"]]
    if len(shape) != len(size) or any(s > d for s, d in zip(size, shape, strict=True)):
        raise ValueError(f"Need value.shape >= size, got {list(shape)} and {size}")
    if not size:
        return size, xp.zeros((0,), xp.int64)
    limit = xp.asarray([d - s + 1 for d, s in zip(shape, size, strict=True)], dtype=xp.uint32)
    hi, _ = rb.random_words(xp, _key(xp, attrs, ctx), len(size), 0)
    return size, (hi % limit).astype(xp.int64)


def _crop_rule(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        size, offset = _crop_offset(xp, x.shape, attrs, ctx)
        if not size:
            return x
        if xp is np:
            return x[tuple(slice(int(o), int(o) + s) for o, s in zip(offset, size, strict=True))]
        from jax import lax

        return lax.dynamic_slice(x, [offset[i] for i in range(len(size))], size)

    return rule


def _crop_attrs(node: Any) -> dict[str, Any]:
    return {k: node.attrs[k] for k in ("size", "seed", "seed2")}


def _crop_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """As TF1's slice at a random offset: the gradient is zero outside the crop (same offset)."""
    g = grads[0]
    return [
        g.graph.create_op("RandomCropGrad", [g, node.inputs[0]], _crop_attrs(node), "RandomCropGrad").outputs[
            0
        ]
    ]


register(
    "RandomCrop",
    api_name="random_crop",
    kind="random",
    infer=_crop_infer,
    evaluate=_crop_rule(np),
    lower=_crop_rule(jnp),
    gradient=_crop_grad,
    samples=lambda rng: [
        Sample(
            [rng.standard_normal((6, 5, 3))],
            {"size": [3, 5, 2], "seed": 1, "seed2": 2},
            grad_inputs=[],
            note="each run draws a new offset, so finite differences (one run per point) cannot follow it",
        ),
        Sample([rng.standard_normal((2, 3))], {"size": [2, 3], "seed": 1, "seed2": 2}),
        Sample([np.arange(9, dtype=np.int64)], {"size": [4], "seed": 5, "seed2": 6}),
        Sample([np.array(1.5)], {"size": [], "seed": 5, "seed2": 6}),
    ],
    doc="A block of `size` at a random offset: offset = random bits % (shape - size + 1), as TF1.",
)


def _crop_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [spec(inputs[1].shape, inputs[0].dtype)]


def _crop_grad_rule(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        g, x = inputs
        size, offset = _crop_offset(xp, x.shape, attrs, ctx)
        if not size:
            return g
        if xp is np:
            out = np.zeros(x.shape, g.dtype)
            out[tuple(slice(int(o), int(o) + s) for o, s in zip(offset, size, strict=True))] = g
            return out
        from jax import lax

        return lax.dynamic_update_slice(jnp.zeros(x.shape, g.dtype), g, [offset[i] for i in range(len(size))])

    return rule


def _crop_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    g = grads[0]
    return [g.graph.create_op("RandomCrop", [g], _crop_attrs(node), "RandomCrop").outputs[0], None]


register(
    "RandomCropGrad",
    api_name="random_crop",
    kind="random",
    infer=_crop_grad_infer,
    evaluate=_crop_grad_rule(np),
    lower=_crop_grad_rule(jnp),
    gradient=_crop_grad_grad,
    samples=lambda rng: [
        Sample(
            [rng.standard_normal((3, 5, 2)), rng.standard_normal((6, 5, 3))],
            {"size": [3, 5, 2], "seed": 1, "seed2": 2},
            grad_inputs=[],
            note="each run draws a new offset, so finite differences (one run per point) cannot follow it",
        ),
        Sample(
            [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
            {"size": [2, 3], "seed": 1, "seed2": 2},
            grad_inputs=[0],
        ),
        Sample([np.array(1.5), np.array(0.5)], {"size": [], "seed": 5, "seed2": 6}, grad_inputs=[0]),
    ],
    doc="RandomCrop's gradient: zeros of value's shape with the crop's gradient at the same random offset.",
)


def random_crop(value: Any, size: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.random_crop(value, size, seed=None)`: a random `size` block of value (size static)."""
    graph = get_default_graph()
    x = convert_to_tensor(value, name="value")
    sv = size if isinstance(size, list | tuple) and all(isinstance(s, int) for s in size) else None
    if sv is None:
        st = static_value(convert_to_tensor(size, name="size"))
        if st is None:
            raise graph.located_error(
                ShapeError,
                "random_crop",
                "size must be known when the graph is built (XLA needs static shapes)",
            )
        sv = [int(s) for s in np.asarray(st).reshape(-1)]
    if any(int(s) < 0 for s in sv):
        raise graph.located_error(ShapeError, "random_crop", f"size {list(sv)} has a negative entry")
    attrs = {"size": [int(s) for s in sv], **_seed_attrs(seed)}
    return graph.create_op("RandomCrop", [x], attrs, name=name or "random_crop").outputs[0]


# --- Multinomial --------------------------------------------------------------------------------


def _multinomial_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    logits = inputs[0]
    if logits.dtype.name not in _FLOATS:
        raise DTypeError(f"logits must be a floating type, got {logits.dtype.name}")
    if logits.shape.ndims not in (2, None):
        raise ShapeError(f"logits should be a matrix, got shape {logits.shape.short()}")
    out = as_dtype(attrs["output_dtype"])
    if out.name not in ("int32", "int64"):
        raise DTypeError(f"output_dtype must be int32 or int64, got {out.name}")
    batch = logits.shape.dims[0] if logits.shape.dims is not None else None
    return [spec([batch, int(attrs["num_samples"])], out)]


def _multinomial_rule(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        logits = inputs[0].astype(xp.float64)
        batch, classes = logits.shape
        ns = int(attrs["num_samples"])
        if classes == 0 and batch * ns > 0:  # shapes are static in the lowering too
            raise ValueError("multinomial needs at least one class")
        u = rb.uniform_float(xp, _key(xp, attrs, ctx), batch * ns, np.float64).reshape(batch, ns)
        if classes == 0:
            return xp.zeros((batch, ns), dtype=xp.int64)
        w = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
        cdf = xp.cumsum(w, axis=1)
        target = u * cdf[:, -1:]
        idx = xp.sum(cdf[:, None, :] <= target[:, :, None], axis=2)
        return xp.minimum(idx, classes - 1).astype(xp.int64)

    return rule


register(
    "Multinomial",
    api_name="multinomial",
    kind="random",
    infer=_multinomial_infer,
    evaluate=_multinomial_rule(np),
    lower=_multinomial_rule(jnp),
    differentiable=False,
    samples=lambda rng: [
        Sample(
            [rng.standard_normal((3, 5))],
            {"num_samples": 7, "seed": 1, "seed2": 2, "output_dtype": int64},
        ),
        Sample(
            [np.array([[0.0, -np.inf, 1.0]], np.float32)],
            {"num_samples": 4, "seed": 3, "seed2": 4, "output_dtype": int32},
        ),
        Sample(
            [rng.standard_normal((2, 3))], {"num_samples": 0, "seed": 3, "seed2": 4, "output_dtype": int64}
        ),
    ],
    doc="num_samples class indices per row of logits, drawn from softmax(logits) by inverse CDF.",
)


def multinomial(
    logits: Any, num_samples: Any, seed: int | None = None, name: str | None = None, output_dtype: Any = int64
) -> Tensor:
    """TF1 `tf.multinomial(logits, num_samples, seed=None, name=None, output_dtype=tf.int64)`."""
    graph = get_default_graph()
    x = convert_to_tensor(logits, name="logits")
    ns = num_samples
    if not isinstance(ns, int):
        nt = convert_to_tensor(ns, name="num_samples")
        if not nt.dtype.is_integer:
            raise graph.located_error(
                DTypeError, "multinomial", f"num_samples must be an integer, got {nt.dtype.name}"
            )
        v = static_value(nt)
        if v is None or np.asarray(v).ndim != 0:
            raise graph.located_error(
                ShapeError, "multinomial", "num_samples must be a scalar known when the graph is built"
            )
        ns = int(v)
    if ns < 0:
        raise graph.located_error(ShapeError, "multinomial", f"num_samples should be nonnegative, got {ns}")
    attrs = {"num_samples": int(ns), "output_dtype": as_dtype(output_dtype), **_seed_attrs(seed)}
    return graph.create_op("Multinomial", [x], attrs, name=name or "multinomial").outputs[0]
