"""Shared checks for ops: infer vs evaluate, evaluate vs lower, gradient vs finite differences and jax.grad."""

from __future__ import annotations

from typing import Any

import numpy as np

import graphdl as gd
from graphdl.registry import OpDef, Sample

TOL = {
    np.dtype(np.float16): (1e-2, 1e-2),
    np.dtype(np.float32): (1e-5, 1e-5),
    np.dtype(np.float64): (1e-10, 1e-10),
}


class LowerCtx:
    """A minimal lowering context for calling an op's `lower` rule directly."""

    def __init__(self, node: Any, step: int = 0, platform: str = "cpu") -> None:
        self.node = node
        self.platform = platform
        self.step = step
        self.checks: list[tuple[Any, Any, tuple[Any, ...]]] = []  # run-time checks (ctx.check)

    def check(self, ok: Any, fail: Any, *data: Any) -> None:
        """Record a run-time check, as the driver's RunContext does."""
        self.checks.append((ok, fail, data))

    def read_variable(self, name: str) -> Any:
        raise AssertionError("sample ops do not read variables")

    def write_variable(self, name: str, value: Any) -> None:
        raise AssertionError("sample ops do not write variables")


def build(op: OpDef, sample: Sample) -> tuple[gd.Graph, Any, list[Any], dict[Any, np.ndarray]]:
    """A graph holding the op applied to placeholders (or constants) for the sample's inputs."""
    g = gd.Graph()
    with g.as_default():
        ins = []
        feeds: dict[Any, np.ndarray] = {}
        for i, v in enumerate(sample.inputs):
            v = np.asarray(v)
            if i in sample.const_inputs:
                ins.append(gd.constant(v))
            else:
                p = gd.placeholder(gd.as_dtype(v.dtype), v.shape, name=f"in{i}")
                ins.append(p)
                feeds[p] = v
        node = g.create_op(op.name, ins, dict(sample.attrs))
    return g, node, ins, feeds


def numeric_grad(f, x0: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function of one float64 array."""
    x = np.array(x0, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + eps
        fp = f(x)
        x.flat[i] = old - eps
        fm = f(x)
        x.flat[i] = old
        g.flat[i] = (fp - fm) / (2 * eps)
    return g


def assert_close(a: Any, b: Any, what: str, scale: float = 1.0) -> None:
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc":
        rtol, atol = TOL.get(a.dtype, (1e-6, 1e-6))
        np.testing.assert_allclose(a, b, rtol=rtol * scale, atol=atol * scale, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check_infer_evaluate_lower(op: OpDef, sample: Sample) -> list[np.ndarray]:
    """infer's shapes/dtypes match evaluate's arrays; lower agrees with evaluate."""
    from graphdl._jax import jnp

    g, node, _, feeds = build(op, sample)
    with gd.Session(graph=g, backend="interpreter") as sess:
        outs = sess.run(list(node.outputs), feeds)
    for t, v in zip(node.outputs, outs, strict=True):
        assert t.shape.is_compatible_with(v.shape), f"{op.name}: inferred {t.shape}, evaluated {v.shape}"
        assert t.dtype.np == v.dtype, f"{op.name}: inferred {t.dtype}, evaluated {v.dtype}"
    args = [None if i in op.ref_inputs else jnp.asarray(np.asarray(v)) for i, v in enumerate(sample.inputs)]
    ctx = LowerCtx(node)
    lowered = op.lower(args, node.attrs, ctx)
    for ok, _, _ in ctx.checks:  # the samples are inputs that pass their op's checks
        assert bool(np.all(np.asarray(ok))), f"{op.name}: a run-time check failed on a sample"
    if not isinstance(lowered, tuple | list):
        lowered = (lowered,)
    assert len(lowered) == len(outs), f"{op.name}: lower gave {len(lowered)} outputs, evaluate {len(outs)}"
    for k, (a, b) in enumerate(zip(outs, lowered, strict=True)):
        b = np.asarray(b)
        if b.dtype != a.dtype:
            b = b.astype(a.dtype)
        assert_close(a, b, f"{op.name} output {k}: evaluate vs lower", scale=10.0)
    return outs


def _loss_weights(outs: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray | None]:
    return [rng.standard_normal(o.shape) if o.dtype.kind == "f" else None for o in outs]


def check_gradient(op: OpDef, sample: Sample, seed: int = 0) -> None:
    """The gradient rule against central finite differences and against jax.grad of the lowering."""
    import jax

    from graphdl._jax import jnp

    rng = np.random.default_rng(seed)
    g, node, ins, feeds = build(op, sample)
    grad_idx = (
        list(sample.grad_inputs)
        if sample.grad_inputs is not None
        else [
            i
            for i, v in enumerate(sample.inputs)
            if np.asarray(v).dtype.kind == "f" and i not in sample.const_inputs
        ]
    )
    if not grad_idx:
        return
    for i in grad_idx:
        assert np.asarray(sample.inputs[i]).dtype == np.float64, (
            f"{op.name}: gradient samples must be float64"
        )
    with gd.Session(graph=g, backend="interpreter") as sess:
        outs = sess.run(list(node.outputs), feeds)
    weights = _loss_weights(outs, rng)
    with g.as_default():
        terms = [
            gd.reduce_sum(t * gd.constant(w))
            for t, w in zip(node.outputs, weights, strict=True)
            if w is not None
        ]
        loss = gd.add_n(terms) if len(terms) > 1 else terms[0]
        grads = gd.gradients(loss, [ins[i] for i in grad_idx])
    with gd.Session(graph=g, backend="interpreter") as sess:
        sym = sess.run([gr if gr is not None else loss for gr in grads], feeds)
        # central differences
        for k, i in enumerate(grad_idx):
            x = ins[i]
            v = np.array(sample.inputs[i], dtype=np.float64)
            num = np.zeros_like(v)
            flat = v.reshape(-1)
            nflat = num.reshape(-1)
            eps = 1e-6
            for j in range(flat.size):
                old = flat[j]
                flat[j] = old + eps
                fp = sess.run(loss, {**feeds, x: v})
                flat[j] = old - eps
                fm = sess.run(loss, {**feeds, x: v})
                flat[j] = old
                nflat[j] = (fp - fm) / (2 * eps)
            got = np.zeros_like(v) if grads[k] is None else np.asarray(sym[k])
            np.testing.assert_allclose(
                got,
                num,
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{op.name}: gradient wrt input {i} vs finite differences",
            )

    # jax.grad of the lowering
    def f(*xs: Any) -> Any:
        args = []
        it = iter(xs)
        for i, v in enumerate(sample.inputs):
            if i in op.ref_inputs:
                args.append(None)
            elif i in grad_idx:
                args.append(next(it))
            else:
                args.append(jnp.asarray(np.asarray(v)))
        res = op.lower(args, node.attrs, LowerCtx(node))
        if not isinstance(res, tuple | list):
            res = (res,)
        return sum(jnp.sum(r * w) for r, w in zip(res, weights, strict=True) if w is not None)

    jg = jax.grad(f, argnums=tuple(range(len(grad_idx))))(*[jnp.asarray(sample.inputs[i]) for i in grad_idx])
    for k, i in enumerate(grad_idx):
        got = np.zeros_like(np.asarray(sample.inputs[i])) if grads[k] is None else np.asarray(sym[k])
        np.testing.assert_allclose(
            got,
            np.asarray(jg[k]),
            rtol=1e-6,
            atol=1e-8,
            err_msg=f"{op.name}: gradient wrt input {i} vs jax.grad",
        )
