"""conv2d_transpose, depthwise/separable/atrous convolutions and their layers against NumPy loop references."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl._jax import jax, jnp
from graphdl.errors import ShapeError
from graphdl.registry import get_op_def
from tests.oracle.harness import LowerCtx, build

# --- NumPy references (direct loops, written from TF1's documentation) -----------------------------


def ref_geometry(n: int, k: int, s: int, d: int, padding: str) -> tuple[int, int]:
    """(output size, pad before) of a convolution along one axis."""
    eff = (k - 1) * d + 1
    if padding == "VALID":
        return math.ceil((n - eff + 1) / s), 0
    out = math.ceil(n / s)
    return out, max((out - 1) * s + eff - n, 0) // 2


def conv_ref(x: np.ndarray, w: np.ndarray, st: Any, padding: str, dil: Any = (1, 1)) -> np.ndarray:
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    oh, pt = ref_geometry(h, kh, st[0], dil[0], padding)
    ow, pl = ref_geometry(wd, kw, st[1], dil[1], padding)
    out = np.zeros((n, oh, ow, o))
    for r in range(oh):
        for q in range(ow):
            for i in range(kh):
                for j in range(kw):
                    rr, qq = r * st[0] + i * dil[0] - pt, q * st[1] + j * dil[1] - pl
                    if 0 <= rr < h and 0 <= qq < wd:
                        out[:, r, q] += x[:, rr, qq] @ w[i, j]
    return out


def conv_transpose_ref(
    v: np.ndarray, w: np.ndarray, out_shape: Any, st: Any, padding: str, dil: Any = (1, 1)
) -> np.ndarray:
    """Each input cell scatters filter[i, j] @ value into the output cell a convolution would read."""
    n, h, wd, c = out_shape
    kh, kw = w.shape[:2]
    oh, pt = ref_geometry(h, kh, st[0], dil[0], padding)
    ow, pl = ref_geometry(wd, kw, st[1], dil[1], padding)
    assert v.shape == (n, oh, ow, w.shape[3])
    out = np.zeros((n, h, wd, c))
    for r in range(oh):
        for q in range(ow):
            for i in range(kh):
                for j in range(kw):
                    rr, qq = r * st[0] + i * dil[0] - pt, q * st[1] + j * dil[1] - pl
                    if 0 <= rr < h and 0 <= qq < wd:
                        out[:, rr, qq] += v[:, r, q] @ w[i, j].T
    return out


def depthwise_ref(x: np.ndarray, w: np.ndarray, st: Any, padding: str, dil: Any = (1, 1)) -> np.ndarray:
    """out[..., c * M + m] = sum over the window of x[..., c] * w[i, j, c, m]."""
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    oh, pt = ref_geometry(h, kh, st[0], dil[0], padding)
    ow, pl = ref_geometry(wd, kw, st[1], dil[1], padding)
    out = np.zeros((n, oh, ow, c * m))
    for r in range(oh):
        for q in range(ow):
            for ch in range(c):
                for mm in range(m):
                    for i in range(kh):
                        for j in range(kw):
                            rr, qq = r * st[0] + i * dil[0] - pt, q * st[1] + j * dil[1] - pl
                            if 0 <= rr < h and 0 <= qq < wd:
                                out[:, r, q, ch * m + mm] += x[:, rr, qq, ch] * w[i, j, ch, mm]
    return out


# --- helpers -------------------------------------------------------------------------------------------


def run_both(fetches: Any, feeds: dict[Any, Any], graph: gd.Graph, init: Any = None) -> tuple[Any, Any]:
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=graph, backend=backend) as s:
            if init is not None:
                s.run(init)
            out.append(s.run(fetches, feeds))
    return out[0], out[1]


def lower_on(node: Any, inputs: list[np.ndarray], platform: str) -> np.ndarray:
    op = get_op_def(node.type)
    return np.asarray(
        op.lower([jnp.asarray(v) for v in inputs], node.attrs, LowerCtx(node, platform=platform))
    )


def _jax_conv(x: Any, w: Any, st: Any, padding: str, dil: Any = (1, 1), groups: int = 1) -> Any:
    pads = []
    for ax in (0, 1):
        n, k = x.shape[1 + ax], w.shape[ax]
        out, before = ref_geometry(n, k, st[ax], dil[ax], padding)
        total = max((out - 1) * st[ax] + (k - 1) * dil[ax] + 1 - n, 0) if padding == "SAME" else 0
        pads.append((before, total - before))
    return jax.lax.conv_general_dilated(
        x, w, st, pads, rhs_dilation=dil, dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups, precision=jax.lax.Precision.HIGHEST,
    )  # fmt: skip


# --- conv2d_transpose ------------------------------------------------------------------------------------

TRANSPOSE_CASES = [  # output shape (the conv's input), filter [kh, kw, out_c, in_c], strides, padding, dilations
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((1, 14, 14, 2), (5, 5, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 13, 13, 2), (5, 5, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 7, 6, 2), (2, 3, 2, 3), (2, 2), "VALID", (1, 1)),
    ((2, 8, 7, 1), (3, 3, 1, 2), (2, 2), "VALID", (1, 1)),
    ((1, 9, 8, 2), (3, 2, 2, 3), (3, 2), "SAME", (1, 1)),
    ((1, 7, 7, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 4, 4, 2), (1, 1, 2, 5), (2, 2), "VALID", (1, 1)),
]


def _value_shape(out: Any, ws: Any, st: Any, pad: str, dil: Any) -> tuple[int, int, int, int]:
    oh = ref_geometry(out[1], ws[0], st[0], dil[0], pad)[0]
    ow = ref_geometry(out[2], ws[1], st[1], dil[1], pad)[0]
    return (out[0], oh, ow, ws[3])


@pytest.mark.parametrize(("os", "ws", "st", "pad", "dil"), TRANSPOSE_CASES)
def test_conv2d_transpose_matches_reference(os: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(0)
    vs = _value_shape(os, ws, st, pad, dil)
    vv, wv = rng.standard_normal(vs), rng.standard_normal(ws)
    expect = conv_transpose_ref(vv, wv, os, st, pad, dil)
    g = gd.Graph()
    with g.as_default():
        v = gd.placeholder(gd.float64, vs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.conv2d_transpose(v, w, list(os), [1, *st, 1], pad, dilations=[1, *dil, 1])
    assert y.op.type == "Conv2DBackpropInput" and y.op.name == "conv2d_transpose"
    assert y.shape.as_list() == list(os)
    for got in run_both(y, {v: vv, w: wv}, g):
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
    like = np.zeros(os)
    for platform in ("cpu", "gpu"):
        np.testing.assert_allclose(lower_on(y.op, [like, wv, vv], platform), expect, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("os", "ws", "st", "pad", "dil"), TRANSPOSE_CASES)
def test_conv2d_transpose_is_the_gradient_of_conv2d(os: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(1)
    vs = _value_shape(os, ws, st, pad, dil)
    xv, wv, dyv = rng.standard_normal(os), rng.standard_normal(ws), rng.standard_normal(vs)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, os)
        w = gd.placeholder(gd.float64, ws)
        dy = gd.placeholder(gd.float64, vs)
        (gx,) = gd.gradients(gd.nn.conv2d(x, w, [1, *st, 1], pad, dilations=[1, *dil, 1]), [x], grad_ys=[dy])
        t = gd.nn.conv2d_transpose(dy, w, list(os), [1, *st, 1], pad, dilations=[1, *dil, 1])
    # the adjoint identity <conv(x), dy> == <x, conv_transpose(dy)>, independent of both implementations
    lhs = np.sum(conv_ref(xv, wv, st, pad, dil) * dyv)
    for got_g, got_t in run_both([gx, t], {x: xv, w: wv, dy: dyv}, g):
        np.testing.assert_allclose(got_t, got_g, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.sum(xv * got_t), lhs, rtol=1e-10)


@pytest.mark.parametrize(("os", "ws", "st", "pad", "dil"), TRANSPOSE_CASES[::2])
def test_conv2d_transpose_gradients(os: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(2)
    vs = _value_shape(os, ws, st, pad, dil)
    vv, wv, rv = rng.standard_normal(vs), rng.standard_normal(ws), rng.standard_normal(os)

    def loss(v: Any, w: Any) -> Any:  # the transpose as jax's vjp of its own convolution
        _, vjp = jax.vjp(lambda x: _jax_conv(x, w, st, pad, dil), jnp.zeros(os))
        return jnp.sum(vjp(v)[0] * rv)

    ev, ew = jax.grad(loss, argnums=(0, 1))(vv, wv)
    g = gd.Graph()
    with g.as_default():
        v = gd.placeholder(gd.float64, vs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.conv2d_transpose(v, w, list(os), [1, *st, 1], pad, dilations=[1, *dil, 1])
        gv, gw = gd.gradients(gd.reduce_sum(y * gd.constant(rv)), [v, w])
        assert gv.op.type == "Conv2D" and gw.op.type == "Conv2DBackpropFilter"
        err = gd.test.compute_gradient_error([v, w], [vs, ws], y, os, x_init_value=[vv, wv])
    assert err < 1e-6
    for got_v, got_w in run_both([gv, gw], {v: vv, w: wv}, g):
        np.testing.assert_allclose(got_v, np.asarray(ev), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got_w, np.asarray(ew), rtol=1e-10, atol=1e-10)


def test_conv2d_transpose_dynamic_batch_from_tf_shape() -> None:
    rng = np.random.default_rng(3)
    wv = rng.standard_normal((5, 5, 32, 64)).astype(np.float32) * 0.1
    vv = rng.standard_normal((3, 7, 7, 64)).astype(np.float32)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 7, 7, 64])
        w = gd.constant(wv)
        y = gd.nn.conv2d_transpose(x, w, gd.stack([gd.shape(x)[0], 14, 14, 32]), [1, 2, 2, 1], "SAME")
        y2 = gd.nn.conv2d_transpose(x, w, [gd.shape(x)[0], 14, 14, 32], [1, 2, 2, 1])  # a mixed list
    assert y.shape.as_list() == [None, 14, 14, 32] and y2.shape.as_list() == [None, 14, 14, 32]
    expect = conv_transpose_ref(vv.astype(np.float64), wv.astype(np.float64), (3, 14, 14, 32), (2, 2), "SAME")
    for a, b in run_both([y, y2], {x: vv}, g):
        np.testing.assert_allclose(a, expect, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(b, expect, rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_build_time_errors_name_the_op_and_line() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 7, 7, 64])
        w = gd.placeholder(gd.float32, [5, 5, 32, 64])
        with pytest.raises(ShapeError, match=r"conv2d_transpose \(test_conv_extra.py:\d+\).*height 15 to 8"):
            gd.nn.conv2d_transpose(x, w, [4, 15, 14, 32], [1, 2, 2, 1], "SAME")
        with pytest.raises(ShapeError, match=r"conv2d_transpose.*width 14 to 5"):
            gd.nn.conv2d_transpose(x, w, [4, 14, 14, 32], [1, 2, 3, 1], "SAME")
        with pytest.raises(ShapeError, match="height 14 to 5"):
            gd.nn.conv2d_transpose(x, w, [4, 14, 14, 32], [1, 2, 2, 1], "VALID")
        gd.nn.conv2d_transpose(x, w, [4, 17, 18, 32], [1, 2, 2, 1], "VALID")  # (17 - 5) // 2 + 1 = 7
        with pytest.raises(ShapeError, match="output channels"):
            gd.nn.conv2d_transpose(x, w, [4, 14, 14, 16], [1, 2, 2, 1], "SAME")
        with pytest.raises(ShapeError, match="value has 64 channels"):
            gd.nn.conv2d_transpose(x, gd.placeholder(gd.float32, [5, 5, 32, 8]), [4, 14, 14, 32], 2)
        with pytest.raises(ShapeError, match="4 entries"):
            gd.nn.conv2d_transpose(x, w, [14, 14, 32], [1, 2, 2, 1])
        with pytest.raises(ShapeError, match="batch 4"):
            gd.nn.conv2d_transpose(gd.placeholder(gd.float32, [2, 7, 7, 64]), w, [4, 14, 14, 32], 2)
        with pytest.raises(ShapeError, match="NHWC"):
            gd.nn.conv2d_transpose(x, w, [4, 14, 14, 32], 2, data_format="NCHW")
        with pytest.raises(ShapeError, match="padding"):
            gd.nn.conv2d_transpose(x, w, [4, 14, 14, 32], 2, padding="FULL")


# --- atrous ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "pad"), [(1, "SAME"), (2, "SAME"), (2, "VALID"), (3, "SAME")])
def test_atrous_conv2d_and_its_transpose(rate: int, pad: str) -> None:
    rng = np.random.default_rng(4)
    xv, wv = rng.standard_normal((2, 9, 8, 2)), rng.standard_normal((3, 3, 2, 3))
    expect = conv_ref(xv, wv, (1, 1), pad, (rate, rate))
    dyv = rng.standard_normal(expect.shape)
    expect_t = conv_transpose_ref(dyv, wv, xv.shape, (1, 1), pad, (rate, rate))
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xv.shape)
        w = gd.placeholder(gd.float64, wv.shape)
        dy = gd.placeholder(gd.float64, expect.shape)
        y = gd.nn.atrous_conv2d(x, w, rate, pad)
        t = gd.nn.atrous_conv2d_transpose(dy, w, list(xv.shape), rate, pad)
    assert y.op.type == "Conv2D" and y.op.attrs["dilations"] == [1, rate, rate, 1]
    assert y.shape.as_list() == list(expect.shape)
    for a, b in run_both([y, t], {x: xv, w: wv, dy: dyv}, g):
        np.testing.assert_allclose(a, expect, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b, expect_t, rtol=1e-12, atol=1e-12)
    with g.as_default(), pytest.raises(ShapeError, match="rate"):
        gd.nn.atrous_conv2d(x, w, 0, pad)


# --- depthwise and separable -------------------------------------------------------------------------------

DW_CASES = [  # x shape, filter [kh, kw, C, M], strides, padding, rate
    ((2, 5, 5, 3), (3, 3, 3, 1), (1, 1), "SAME", (1, 1)),
    ((2, 5, 5, 3), (3, 3, 3, 2), (1, 1), "VALID", (1, 1)),
    ((1, 7, 6, 2), (2, 3, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 7, 7, 2), (3, 3, 2, 2), (2, 2), "VALID", (1, 1)),
    ((1, 9, 8, 1), (3, 2, 1, 4), (3, 2), "SAME", (1, 1)),
    ((1, 8, 9, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 9, 9, 3), (2, 3, 3, 1), (1, 1), "VALID", (2, 3)),
]


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "rate"), DW_CASES)
def test_depthwise_conv2d_matches_reference(xs: Any, ws: Any, st: Any, pad: str, rate: Any) -> None:
    rng = np.random.default_rng(5)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    expect = depthwise_ref(xv, wv, st, pad, rate)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.depthwise_conv2d(x, w, [1, *st, 1], pad, rate=list(rate))
    assert y.op.type == "DepthwiseConv2dNative" and y.op.name == "depthwise"
    assert y.shape.as_list() == list(expect.shape)
    for got in run_both(y, {x: xv, w: wv}, g):
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
    for platform in ("cpu", "gpu"):
        np.testing.assert_allclose(lower_on(y.op, [xv, wv], platform), expect, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "rate"), DW_CASES)
def test_depthwise_gradients_first_and_second_order(xs: Any, ws: Any, st: Any, pad: str, rate: Any) -> None:
    rng = np.random.default_rng(6)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    rv = rng.standard_normal(depthwise_ref(xv, wv, st, pad, rate).shape)
    c, m = ws[2], ws[3]

    def loss(x: Any, w: Any) -> Any:
        return jnp.sum(_jax_conv(x, jnp.reshape(w, (*ws[:2], 1, c * m)), st, pad, rate, groups=c) * rv)

    def loss2(x: Any, w: Any) -> Any:
        gx, gw = jax.grad(loss, argnums=(0, 1))(x, w)
        return jnp.sum(gx * gx) + jnp.sum(gw * gw * gw)

    ex, ex2 = jax.grad(loss, argnums=(0, 1))(xv, wv), jax.grad(loss2, argnums=(0, 1))(xv, wv)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xs)
        w = gd.placeholder(gd.float64, ws)
        y = gd.nn.depthwise_conv2d(x, w, [1, *st, 1], pad, rate=list(rate))
        gx, gw = gd.gradients(gd.reduce_sum(y * gd.constant(rv)), [x, w])
        assert gx.op.type == "DepthwiseConv2dNativeBackpropInput"
        assert gw.op.type == "DepthwiseConv2dNativeBackpropFilter"
        hx, hw = gd.gradients(gd.reduce_sum(gx * gx) + gd.reduce_sum(gw * gw * gw), [x, w])
        err = gd.test.compute_gradient_error([x, w], [xs, ws], y, list(rv.shape), x_init_value=[xv, wv])
    assert err < 1e-6
    for got in run_both([gx, gw, hx, hw], {x: xv, w: wv}, g):
        for a, e in zip(got, [*ex, *ex2], strict=True):
            np.testing.assert_allclose(a, np.asarray(e), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "name",
    ["DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter"],
)
def test_depthwise_cpu_and_native_lowerings_agree(name: str) -> None:
    op = get_op_def(name)
    assert op.samples is not None
    for sample in op.samples(np.random.default_rng(0)):
        _, node, _, _ = build(op, sample)
        cpu, native = lower_on(node, sample.inputs, "cpu"), lower_on(node, sample.inputs, "gpu")
        np.testing.assert_allclose(cpu, native, rtol=1e-12, atol=1e-12, err_msg=f"{name} {sample.attrs}")
        f32 = [np.asarray(v, np.float32) for v in sample.inputs]
        np.testing.assert_allclose(
            lower_on(node, f32, "cpu"), lower_on(node, f32, "gpu"), rtol=2e-5, atol=2e-5
        )


def test_depthwise_and_separable_errors() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 8, 8, 3])
        with pytest.raises(ShapeError, match=r"depthwise.*3 channels but the filter expects 4"):
            gd.nn.depthwise_conv2d(x, gd.placeholder(gd.float32, [3, 3, 4, 2]), [1, 1, 1, 1], "SAME")
        with pytest.raises(ShapeError, match=r"depthwise_conv2d \(test_conv_extra.py:\d+\).*rate > 1"):
            gd.nn.depthwise_conv2d(x, gd.placeholder(gd.float32, [3, 3, 3, 2]), [1, 2, 2, 1], "SAME", rate=2)
        dw = gd.placeholder(gd.float32, [3, 3, 3, 2])
        with pytest.raises(ShapeError, match="pointwise_filter must be"):
            gd.nn.separable_conv2d(x, dw, gd.placeholder(gd.float32, [3, 3, 6, 4]), [1, 1, 1, 1], "SAME")
        with pytest.raises(ShapeError, match="makes 6 channels"):
            gd.nn.separable_conv2d(x, dw, gd.placeholder(gd.float32, [1, 1, 5, 4]), [1, 1, 1, 1], "SAME")


@pytest.mark.parametrize(("st", "pad", "rate"), [((1, 1), "SAME", (1, 1)), ((2, 2), "VALID", (1, 1)),
                                                 ((1, 1), "SAME", (2, 2))])  # fmt: skip
def test_separable_conv2d_matches_reference(st: Any, pad: str, rate: Any) -> None:
    rng = np.random.default_rng(7)
    xv, dwv, pwv = (
        rng.standard_normal((2, 7, 6, 3)),
        rng.standard_normal((3, 3, 3, 2)),
        rng.standard_normal((1, 1, 6, 4)),
    )
    expect = depthwise_ref(xv, dwv, st, pad, rate) @ pwv[0, 0]
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, xv.shape)
        dw, pw = gd.constant(dwv), gd.placeholder(gd.float64, pwv.shape)
        y = gd.nn.separable_conv2d(x, dw, pw, [1, *st, 1], pad, rate=list(rate))
        (gp,) = gd.gradients(gd.reduce_sum(y), [pw])
    assert y.op.name == "separable_conv2d" and y.op.type == "Conv2D"
    assert y.op.inputs[0].op.name == "separable_conv2d/depthwise"
    dsum = depthwise_ref(xv, dwv, st, pad, rate).sum(axis=(0, 1, 2))
    for got, got_g in run_both([y, gp], {x: xv, pw: pwv}, g):
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got_g[0, 0], np.repeat(dsum[:, None], 4, axis=1), rtol=1e-12)


# --- layers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hw", "k", "s", "pad", "out_hw"),
    [((7, 7), 3, 2, "same", (14, 14)), ((7, 7), 3, 2, "valid", (15, 15)), ((5, 6), (2, 4), (2, 3), "valid", (10, 19)),
     ((5, 5), 1, 3, "valid", (15, 15)), ((5, 4), 3, 1, "same", (5, 4)), ((5, 4), 3, 1, "valid", (7, 6))],
)  # fmt: skip
def test_conv2d_transpose_layer(hw: Any, k: Any, s: Any, pad: str, out_hw: Any) -> None:
    rng = np.random.default_rng(8)
    xv = rng.standard_normal((2, *hw, 3)).astype(np.float32)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, *hw, 3])
        y = gd.layers.conv2d_transpose(x, 4, k, strides=s, padding=pad, activation=gd.nn.relu,
                                       bias_initializer=gd.constant_initializer(0.1))  # fmt: skip
        y2 = gd.layers.conv2d_transpose(x, 4, k, strides=s, padding=pad, name="conv2d_transpose", reuse=True)
        dyn = gd.layers.Conv2DTranspose(4, k, strides=s, padding=pad, name="dyn")
        z = dyn(gd.placeholder_with_default(x, [None, None, None, 3]))
        init = gd.global_variables_initializer()
        all_vars = gd.global_variables()
    kh, kw = (k, k) if isinstance(k, int) else k
    names = {v.name: v.shape.as_list() for v in all_vars if not v.name.startswith("dyn")}
    assert names == {"conv2d_transpose/kernel:0": [kh, kw, 4, 3], "conv2d_transpose/bias:0": [4]}
    assert y.shape.as_list() == [None, *out_hw, 4] and z.shape.as_list()[3] == 4
    assert y.op.name == "conv2d_transpose/Relu"
    outs = run_both([y, y2, z, "conv2d_transpose/kernel:0", "dyn/kernel:0"], {x: xv}, g, init)
    for yv, y2v, zv, kv, dk in outs:
        st, p = (s, s) if isinstance(s, int) else s, pad.upper()
        ref = conv_transpose_ref(xv.astype(np.float64), kv.astype(np.float64), (2, *out_hw, 4), st, p)
        np.testing.assert_allclose(yv, np.maximum(ref + 0.1, 0), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(y2v, ref + 0.1, rtol=1e-4, atol=1e-4)
        zref = conv_transpose_ref(xv.astype(np.float64), dk.astype(np.float64), (2, *out_hw, 4), st, p)
        np.testing.assert_allclose(zv, zref, rtol=1e-4, atol=1e-4)


def test_separable_conv2d_layer() -> None:
    rng = np.random.default_rng(9)
    xv = rng.standard_normal((2, 9, 8, 3)).astype(np.float32)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 9, 8, 3])
        y = gd.layers.separable_conv2d(x, 5, 3, strides=2, padding="same", depth_multiplier=2)
        layer = gd.layers.SeparableConv2D(4, (3, 2), dilation_rate=2, use_bias=False)
        z = layer(x)
        init = gd.global_variables_initializer()
        all_vars = gd.global_variables()
    shapes = {v.name: v.shape.as_list() for v in all_vars}
    assert shapes == {
        "separable_conv2d/depthwise_kernel:0": [3, 3, 3, 2],
        "separable_conv2d/pointwise_kernel:0": [1, 1, 6, 5],
        "separable_conv2d/bias:0": [5],
        "separable_conv2d_1/depthwise_kernel:0": [3, 2, 3, 1],
        "separable_conv2d_1/pointwise_kernel:0": [1, 1, 3, 4],
    }
    assert y.shape.as_list() == [None, 5, 4, 5] and z.shape.as_list() == [None, 5, 6, 4]
    fetch = [y, z, *all_vars]
    for yv, zv, d1, p1, b1, d2, p2 in run_both(fetch, {x: xv}, g, init):
        x64 = xv.astype(np.float64)
        ref_y = depthwise_ref(x64, d1, (2, 2), "SAME") @ p1[0, 0] + b1
        ref_z = depthwise_ref(x64, d2, (1, 1), "VALID", (2, 2)) @ p2[0, 0]
        np.testing.assert_allclose(yv, ref_y, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(zv, ref_z, rtol=1e-4, atol=1e-4)


def test_autoencoder_training_step_lowers_the_loss_on_both_backends() -> None:
    rng = np.random.default_rng(10)
    xv = rng.random((8, 12, 12, 1)).astype(np.float32)
    g = gd.Graph()
    with g.as_default():
        gd.set_random_seed(1)
        x = gd.placeholder(gd.float32, [None, 12, 12, 1])
        h = gd.layers.conv2d(x, 8, 3, strides=2, padding="same", activation=gd.nn.relu)  # 6x6x8
        h = gd.layers.separable_conv2d(h, 8, 3, padding="same", activation=gd.nn.relu)
        w = gd.get_variable("dec_w", [3, 3, 4, 8], initializer=gd.glorot_uniform_initializer())
        h = gd.nn.relu(gd.nn.conv2d_transpose(h, w, gd.stack([gd.shape(x)[0], 12, 12, 4]), [1, 2, 2, 1]))
        out = gd.layers.conv2d_transpose(h, 1, 3, padding="same", activation=gd.nn.sigmoid)
        loss = gd.reduce_mean(gd.square(out - x))
        train = gd.train.AdamOptimizer(0.03).minimize(loss)
        init = gd.global_variables_initializer()
    assert out.shape.as_list() == [None, 12, 12, 1]
    traces = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=g, backend=backend) as s:
            s.run(init)
            traces.append([s.run([loss, train], {x: xv})[0] for _ in range(25)])
    for tr in traces:
        assert tr[-1] < 0.8 * tr[0], tr
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-3)
