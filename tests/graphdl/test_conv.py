"""conv2d, max_pool, avg_pool and their gradient ops against NumPy loop references, on every path."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl._jax import jax, jnp
from graphdl.errors import ShapeError
from graphdl.ops import pool as P
from graphdl.ops.window import out_size
from graphdl.registry import get_op_def
from tests.oracle.harness import LowerCtx, check_gradient

# --- NumPy references (direct loops) -------------------------------------------------------------


def ref_geometry(n: int, k: int, s: int, d: int, padding: str) -> tuple[int, int]:
    """(output size, pad before) written from TF1's documentation."""
    eff = (k - 1) * d + 1
    if padding == "VALID":
        return math.ceil((n - eff + 1) / s), 0
    out = math.ceil(n / s)
    return out, max((out - 1) * s + eff - n, 0) // 2


def conv_ref(
    x: np.ndarray, w: np.ndarray, strides: tuple[int, int], padding: str, dil: tuple[int, int]
) -> np.ndarray:
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    oh, pt = ref_geometry(h, kh, strides[0], dil[0], padding)
    ow, pl = ref_geometry(wd, kw, strides[1], dil[1], padding)
    out = np.zeros((n, oh, ow, o))
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        rr = r * strides[0] + i * dil[0] - pt
                        qq = q * strides[1] + j * dil[1] - pl
                        if 0 <= rr < h and 0 <= qq < wd:
                            out[b, r, q] += x[b, rr, qq] @ w[i, j]
    return out


def pool_ref(x: np.ndarray, k: tuple[int, int], s: tuple[int, int], padding: str, kind: str) -> np.ndarray:
    n, h, wd, c = x.shape
    oh, pt = ref_geometry(h, k[0], s[0], 1, padding)
    ow, pl = ref_geometry(wd, k[1], s[1], 1, padding)
    out = np.zeros((n, oh, ow, c))
    for r in range(oh):
        for q in range(ow):
            r0, q0 = r * s[0] - pt, q * s[1] - pl
            win = x[:, max(r0, 0) : r0 + k[0], max(q0, 0) : q0 + k[1], :]
            out[:, r, q] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


def first_argmax_ref(x: np.ndarray, k: Any, s: Any, padding: str) -> dict[tuple[int, ...], tuple[int, int]]:
    """For every (b, r, q, ch) window, the position of its first maximum in row-major order (TF1)."""
    n, h, wd, c = x.shape
    oh, pt = ref_geometry(h, k[0], s[0], 1, padding)
    ow, pl = ref_geometry(wd, k[1], s[1], 1, padding)
    table = {}
    for b in range(n):
        for ch in range(c):
            for r in range(oh):
                for q in range(ow):
                    best, arg = -np.inf, (0, 0)
                    for i in range(k[0]):
                        for j in range(k[1]):
                            rr, qq = r * s[0] - pt + i, q * s[1] - pl + j
                            if 0 <= rr < h and 0 <= qq < wd and x[b, rr, qq, ch] > best:
                                best, arg = x[b, rr, qq, ch], (rr, qq)
                    table[(b, r, q, ch)] = arg
    return table


def max_pool_grad_ref(x: np.ndarray, dy: np.ndarray, k: Any, s: Any, padding: str) -> np.ndarray:
    """Each window's gradient to its first maximum."""
    dx = np.zeros_like(x)
    for (b, r, q, ch), (rr, qq) in first_argmax_ref(x, k, s, padding).items():
        dx[b, rr, qq, ch] += dy[b, r, q, ch]
    return dx


def max_pool_pick_ref(x: np.ndarray, g: np.ndarray, k: Any, s: Any, padding: str) -> np.ndarray:
    """g at each window's first maximum (the adjoint of max_pool_grad_ref in dy)."""
    table = first_argmax_ref(x, k, s, padding)
    out = np.zeros(pool_ref(x, k, s, padding, "max").shape)
    for (b, r, q, ch), (rr, qq) in table.items():
        out[b, r, q, ch] = g[b, rr, qq, ch]
    return out


# --- helpers -------------------------------------------------------------------------------------------


def run_both(fetches: Any, feeds: dict[Any, Any], graph: gd.Graph) -> tuple[Any, Any]:
    with gd.Session(graph=graph, backend="interpreter") as s:
        a = s.run(fetches, feeds)
    with gd.Session(graph=graph, backend="xla") as s:
        b = s.run(fetches, feeds)
    return a, b


def lower_on(node: Any, inputs: list[np.ndarray], platform: str) -> np.ndarray:
    op = get_op_def(node.type)
    return np.asarray(
        op.lower([jnp.asarray(v) for v in inputs], node.attrs, LowerCtx(node, platform=platform))
    )


CONV_CASES = [  # x shape, filter shape, strides, padding, dilations
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((1, 5, 5, 1), (2, 2, 1, 2), (2, 2), "SAME", (1, 1)),
    ((1, 7, 6, 2), (2, 3, 2, 3), (2, 2), "VALID", (1, 1)),
    ((2, 6, 7, 2), (3, 2, 2, 2), (2, 3), "SAME", (1, 1)),
    ((1, 9, 8, 2), (3, 3, 2, 3), (3, 2), "SAME", (1, 1)),
    ((1, 7, 7, 2), (2, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 8, 9, 1), (3, 2, 1, 2), (1, 1), "VALID", (2, 3)),
    ((1, 9, 9, 2), (3, 3, 2, 2), (2, 2), "SAME", (2, 2)),
    ((3, 4, 4, 2), (1, 1, 2, 3), (1, 1), "VALID", (1, 1)),
    ((1, 3, 3, 2), (5, 5, 2, 1), (1, 1), "SAME", (1, 1)),
]


def _jax_conv(x: Any, w: Any, strides: Any, padding: str, dil: Any) -> Any:
    pads = []
    for ax in (0, 1):
        n, k = x.shape[1 + ax], w.shape[ax]
        out, before = ref_geometry(n, k, strides[ax], dil[ax], padding)
        total = max((out - 1) * strides[ax] + (k - 1) * dil[ax] + 1 - n, 0) if padding == "SAME" else 0
        pads.append((before, total - before))
    return jax.lax.conv_general_dilated(
        x, w, strides, pads, rhs_dilation=dil, dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )  # fmt: skip


# --- geometry -------------------------------------------------------------------------------------------


def test_tf1_same_output_size_and_padding_split() -> None:
    assert out_size(5, 2, 2, 1, "SAME") == (3, 0, 1)
    assert out_size(5, 3, 2, 1, "SAME") == (3, 1, 1)
    assert out_size(4, 3, 1, 1, "SAME") == (4, 1, 1)
    assert out_size(6, 4, 1, 1, "SAME") == (6, 1, 2)
    assert out_size(7, 3, 1, 2, "SAME") == (7, 2, 2)
    assert out_size(6, 1, 4, 1, "SAME") == (2, 0, 0)
    assert out_size(7, 3, 2, 1, "VALID") == (3, 0, 0)
    with pytest.raises(ShapeError):
        out_size(2, 3, 1, 1, "VALID")
    for n in range(1, 12):
        for k in range(1, 5):
            for s in range(1, 4):
                for d in (1, 2):
                    for p in ("SAME", "VALID"):
                        if p == "VALID" and n < (k - 1) * d + 1:
                            continue
                        o, before, _ = out_size(n, k, s, d, p)
                        assert (o, before) == ref_geometry(n, k, s, d, p)


def test_static_shapes_and_errors() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 28, 28, 1])
        w = gd.placeholder(gd.float32, [5, 5, 1, 32])
        y = gd.nn.conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")
        assert y.shape.as_list() == [None, 14, 14, 32]
        assert y.op.type == "Conv2D" and y.op.name == "Conv2D"
        z = gd.nn.max_pool(y, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="VALID")
        assert z.shape.as_list() == [None, 6, 6, 32]
        u = gd.nn.conv2d(gd.placeholder(gd.float32, [None, None, None, 1]), w, 1, "VALID")
        assert u.shape.as_list() == [None, None, None, 32]
        with pytest.raises(ShapeError, match="channels"):
            gd.nn.conv2d(x, gd.placeholder(gd.float32, [3, 3, 2, 4]), [1, 1, 1, 1], "SAME")
        with pytest.raises(ShapeError, match="padding"):
            gd.nn.conv2d(x, w, [1, 1, 1, 1], "FULL")
        with pytest.raises(ShapeError, match="batch"):
            gd.nn.max_pool(x, [2, 2, 2, 1], [1, 2, 2, 1], "SAME")


# --- forward on every path --------------------------------------------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "dil"), CONV_CASES)
def test_conv2d_matches_reference(xs: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(0)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    expect = conv_ref(xv, wv, st, pad, dil)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.conv2d(x, w, [1, *st, 1], pad, dilations=[1, *dil, 1])
    assert y.shape.as_list() == list(expect.shape)
    a, b = run_both(y, {x: xv, w: wv}, g)
    np.testing.assert_allclose(a, expect, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, expect, rtol=1e-12, atol=1e-12)
    for platform in ("cpu", "gpu"):
        np.testing.assert_allclose(lower_on(y.op, [xv, wv], platform), expect, rtol=1e-12, atol=1e-12)


POOL_CASES = [  # x shape, ksize, strides, padding
    ((2, 4, 6, 3), (2, 2), (2, 2), "VALID"),
    ((1, 5, 5, 2), (2, 2), (2, 2), "SAME"),
    ((1, 7, 5, 2), (2, 2), (2, 2), "VALID"),
    ((2, 5, 6, 1), (3, 3), (2, 2), "SAME"),
    ((2, 5, 6, 1), (3, 3), (2, 2), "VALID"),
    ((1, 6, 5, 2), (3, 2), (1, 2), "VALID"),
    ((1, 4, 4, 1), (3, 3), (1, 1), "SAME"),
    ((1, 7, 7, 2), (3, 3), (3, 3), "SAME"),
    ((1, 3, 3, 1), (1, 1), (2, 2), "SAME"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("xs", "k", "st", "pad"), POOL_CASES)
def test_pool_matches_reference(kind: str, xs: Any, k: Any, st: Any, pad: str) -> None:
    rng = np.random.default_rng(1)
    xv = rng.standard_normal(xs) - 3.0  # all negative: a padded zero would win a max
    expect = pool_ref(xv, k, st, pad, kind)
    fn = gd.nn.max_pool if kind == "max" else gd.nn.avg_pool
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        y = fn(x, [1, *k, 1], [1, *st, 1], pad)
    assert y.shape.as_list() == list(expect.shape)
    a, b = run_both(y, {x: xv}, g)
    np.testing.assert_allclose(a, expect, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, expect, rtol=1e-12, atol=1e-12)
    for platform in ("cpu", "gpu"):
        np.testing.assert_allclose(lower_on(y.op, [xv], platform), expect, rtol=1e-12, atol=1e-12)
    kernel = P.max_pool_k if kind == "max" else P.avg_pool_k
    np.testing.assert_allclose(kernel(np, xv, y.op.attrs, fast=False), expect, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        np.asarray(kernel(jnp, jnp.asarray(xv), y.op.attrs, fast=False)), expect, rtol=1e-12
    )


# --- gradients -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "dil"), CONV_CASES)
def test_conv2d_gradients_first_and_second_order(xs: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(2)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    rv = rng.standard_normal(conv_ref(xv, wv, st, pad, dil).shape)

    def loss(x: Any, w: Any) -> Any:
        return jnp.sum(_jax_conv(x, w, st, pad, dil) * rv)

    def loss2(x: Any, w: Any) -> Any:  # a second-order quantity: |dL/dx|^2 + |dL/dw|^2
        gx, gw = jax.grad(loss, argnums=(0, 1))(x, w)
        return jnp.sum(gx * gx) + jnp.sum(gw * gw * gw)

    ex = jax.grad(loss, argnums=(0, 1))(xv, wv)
    ex2 = jax.grad(loss2, argnums=(0, 1))(xv, wv)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.conv2d(x, w, [1, *st, 1], pad, dilations=[1, *dil, 1])
        lo = gd.reduce_sum(y * gd.constant(rv))
        gx, gw = gd.gradients(lo, [x, w])
        assert gx.op.type == "Conv2DBackpropInput" and gw.op.type == "Conv2DBackpropFilter"
        l2 = gd.reduce_sum(gx * gx) + gd.reduce_sum(gw * gw * gw)
        hx, hw = gd.gradients(l2, [x, w])
    for got in run_both([gx, gw, hx, hw], {x: xv, w: wv}, g):
        for a, e in zip(got, [*ex, *ex2], strict=True):
            np.testing.assert_allclose(a, np.asarray(e), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("xs", "k", "st", "pad"), POOL_CASES)
def test_pool_gradients(kind: str, xs: Any, k: Any, st: Any, pad: str) -> None:
    rng = np.random.default_rng(3)
    xv = rng.standard_normal(xs)
    yv = pool_ref(xv, k, st, pad, kind)
    dyv, r2 = rng.standard_normal(yv.shape), rng.standard_normal(xs)
    fn = gd.nn.max_pool if kind == "max" else gd.nn.avg_pool
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        dy = gd.placeholder(gd.float64, yv.shape)
        y = fn(x, [1, *k, 1], [1, *st, 1], pad)
        (gx,) = gd.gradients(y, [x], grad_ys=[dy])
        (gdy,) = gd.gradients(gd.reduce_sum(gx * gd.constant(r2)), [dy])  # second order, in dy
    if kind == "max":
        expect, expect2 = max_pool_grad_ref(xv, dyv, k, st, pad), max_pool_pick_ref(xv, r2, k, st, pad)
        grad_inputs = [xv, yv, dyv]
    else:
        avg = y.op.attrs
        expect = np.asarray(jax.grad(lambda v: jnp.sum(P.native_avg_pool(v, avg) * dyv))(xv))
        expect2, grad_inputs = pool_ref(r2, k, st, pad, "avg"), [xv, dyv]
    for got, got2 in run_both([gx, gdy], {x: xv, dy: dyv}, g):
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got2, expect2, rtol=1e-12, atol=1e-12)
    for platform in ("cpu", "gpu"):
        np.testing.assert_allclose(lower_on(gx.op, grad_inputs, platform), expect, rtol=1e-12, atol=1e-12)


def test_max_pool_ties_go_to_the_first_maximum() -> None:
    xv = np.zeros((1, 4, 4, 1))
    xv[0, 1, 1, 0] = xv[0, 1, 2, 0] = 1.0  # a tie inside overlapping windows
    for k, st, pad in [((2, 2), (2, 2), "VALID"), ((3, 3), (1, 1), "SAME"), ((2, 2), (1, 1), "VALID")]:
        yv = pool_ref(xv, k, st, pad, "max")
        dy = np.arange(1.0, yv.size + 1).reshape(yv.shape)
        expect = max_pool_grad_ref(xv, dy, k, st, pad)
        g = gd.Graph()
        with g.as_default():
            x = gd.placeholder(gd.float64, xv.shape)
            y = gd.nn.max_pool(x, [1, *k, 1], [1, *st, 1], pad)
            (gx,) = gd.gradients(y, [x], grad_ys=[gd.constant(dy)])
        for got in run_both(gx, {x: xv}, g):
            np.testing.assert_allclose(got, expect)
        for platform in ("cpu", "gpu"):
            np.testing.assert_allclose(lower_on(gx.op, [xv, yv, dy], platform), expect)
        np.testing.assert_allclose(P.max_pool_grad_k(np, xv, yv, dy, gx.op.attrs, fast=False), expect)


# --- CPU lowering vs native lowering, every sample of every op here -------------------------------------

OPS = ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPool", "AvgPool", "MaxPoolGrad",
       "MaxPoolGradGrad", "AvgPoolGrad"]  # fmt: skip


@pytest.mark.parametrize("name", OPS)
def test_cpu_and_native_lowerings_agree(name: str) -> None:
    from tests.oracle.harness import build

    op = get_op_def(name)
    for sample in op.samples(np.random.default_rng(0)):
        _, node, _, _ = build(op, sample)
        cpu = lower_on(node, sample.inputs, "cpu")
        native = lower_on(node, sample.inputs, "gpu")
        np.testing.assert_allclose(cpu, native, rtol=1e-12, atol=1e-12, err_msg=f"{name} {sample.attrs}")
        f32 = [np.asarray(v, np.float32) for v in sample.inputs]
        np.testing.assert_allclose(
            lower_on(node, f32, "cpu"), lower_on(node, f32, "gpu"), rtol=2e-5, atol=2e-5
        )


def test_finite_differences_through_a_session() -> None:
    op = get_op_def("Conv2D")
    rng = np.random.default_rng(5)
    from graphdl.registry import Sample

    attrs = {"strides": [1, 2, 1, 1], "padding": "SAME", "dilations": [1, 1, 2, 1], "data_format": "NHWC"}
    check_gradient(op, Sample([rng.standard_normal((1, 5, 6, 2)), rng.standard_normal((2, 2, 2, 2))], attrs))


def test_float32_cnn_step_both_backends_agree() -> None:
    rng = np.random.default_rng(6)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 12, 12, 1])
        w1 = gd.Variable(rng.standard_normal((3, 3, 1, 4)).astype(np.float32) * 0.3)
        w2 = gd.Variable(rng.standard_normal((3, 3, 4, 6)).astype(np.float32) * 0.3)
        h = gd.nn.max_pool(
            gd.nn.relu(gd.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME")), [1, 2, 2, 1], [1, 2, 2, 1], "SAME"
        )
        h = gd.nn.avg_pool(gd.nn.conv2d(h, w2, [1, 1, 1, 1], "VALID"), [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        loss = gd.reduce_mean(gd.square(h))
        grads = gd.gradients(loss, [w1, w2])
        init = gd.global_variables_initializer()
    xv = rng.standard_normal((3, 12, 12, 1)).astype(np.float32)
    outs = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=g, backend=backend) as s:
            s.run(init)
            outs.append(s.run([loss, *grads], {x: xv}))
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
