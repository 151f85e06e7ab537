"""data_format="NCHW" (channels first) for the convolution and pooling ops, and "channels_first" for the
layers: every op against NumPy loop references and against its NHWC twin on transposed data, on both
backends; gradients of NCHW graphs (finite differences, the transposed NHWC gradients, no transposes in
the gradient graph); TF1's build-time errors; a small channels_first CNN training like its twin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import ShapeError
from graphdl.ops.pool import avg_pool_grad, max_pool_grad
from graphdl.registry import Sample, get_op_def
from tests.graphdl.test_conv import conv_ref, max_pool_grad_ref, pool_ref
from tests.graphdl.test_conv_extra import conv_transpose_ref, depthwise_ref
from tests.oracle.harness import check_gradient


def nchw(a: np.ndarray) -> np.ndarray:
    """An NHWC array as NCHW."""
    return np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2)))


def nhwc(a: np.ndarray) -> np.ndarray:
    """An NCHW array as NHWC."""
    return np.ascontiguousarray(np.transpose(a, (0, 2, 3, 1)))


def run_both(fetches: Any, feeds: dict[Any, Any], graph: gd.Graph, init: Any = None) -> list[Any]:
    """The fetches on the interpreter and on XLA, each in a fresh session."""
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=graph, backend=backend) as s:
            if init is not None:
                s.run(init)
            out.append(s.run(fetches, feeds))
    return out


def op_types(graph: gd.Graph) -> list[str]:
    return [op.type for op in graph.get_operations()]


CONV_CASES = [  # NHWC x shape, filter shape, (sh, sw), padding, (dh, dw)
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((1, 7, 6, 2), (2, 3, 2, 3), (2, 2), "VALID", (1, 1)),
    ((2, 6, 7, 2), (3, 2, 2, 2), (2, 3), "SAME", (1, 1)),
    ((1, 8, 9, 1), (3, 2, 1, 2), (1, 1), "VALID", (2, 3)),
    ((1, 7, 7, 2), (2, 3, 2, 2), (1, 1), "SAME", (2, 2)),
]


# --- forward ops: NCHW == transposed NHWC == NumPy reference -------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "dil"), CONV_CASES)
def test_conv2d_nchw(xs: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(0)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, nchw(xv).shape)
        xl = gd.placeholder(gd.float64, xs)
        w = gd.constant(wv)
        y = gd.nn.conv2d(x, w, [1, 1, *st], pad, data_format="NCHW", dilations=[1, 1, *dil])
        y2 = gd.nn.conv2d(x, w, list(st), pad, data_format="NCHW", dilations=list(dil))  # TF1's short forms
        yl = gd.nn.conv2d(xl, w, [1, *st, 1], pad, dilations=[1, *dil, 1])
    assert y.op.attrs["data_format"] == "NCHW" and y.op.attrs["strides"] == [1, 1, *st]
    assert y2.op.attrs["strides"] == [1, 1, *st] and y2.op.attrs["dilations"] == [1, 1, *dil]
    expect = conv_ref(xv, wv, st, pad, dil)
    assert y.shape.as_list() == list(nchw(expect).shape)
    for a, b, c in run_both([y, y2, yl], {x: nchw(xv), xl: xv}, g):
        np.testing.assert_allclose(a, nchw(expect), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, nchw(c), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("xs", "ws", "st", "pad", "dil"), CONV_CASES[:3])
def test_conv2d_backprop_ops_nchw(xs: Any, ws: Any, st: Any, pad: str, dil: Any) -> None:
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    dyv = rng.standard_normal(conv_ref(xv, wv, st, pad, dil).shape)
    g = gd.Graph()
    with g.as_default():
        x, w, dy = gd.constant(nchw(xv)), gd.constant(wv), gd.constant(nchw(dyv))
        kw: dict[str, Any] = {
            "strides": [1, 1, *st],
            "padding": pad,
            "data_format": "NCHW",
            "dilations": [1, 1, *dil],
        }
        bi = gd.nn.conv2d_backprop_input(x, w, dy, **kw)
        bf = gd.nn.conv2d_backprop_filter(x, w, dy, **kw)
        lkw: dict[str, Any] = {"strides": [1, *st, 1], "padding": pad, "dilations": [1, *dil, 1]}
        bil = gd.nn.conv2d_backprop_input(gd.constant(xv), w, gd.constant(dyv), **lkw)
        bfl = gd.nn.conv2d_backprop_filter(gd.constant(xv), w, gd.constant(dyv), **lkw)
    assert bi.shape.as_list() == list(nchw(xv).shape) and bf.shape.as_list() == list(ws)
    # outside truth: the transposes of the reference convolution, <dy, conv(x, w)> = <bi, x> = <bf, w>
    inner = float(np.sum(dyv * conv_ref(xv, wv, st, pad, dil)))
    for a, b, c, d in run_both([bi, bf, bil, bfl], {}, g):
        np.testing.assert_allclose(a, nchw(c), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b, d, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.sum(a * nchw(xv)), inner, rtol=1e-10)
        np.testing.assert_allclose(np.sum(b * wv), inner, rtol=1e-10)


@pytest.mark.parametrize(
    ("out", "ws", "st", "pad"),
    [((2, 8, 8, 3), (3, 3, 3, 4), (2, 2), "SAME"), ((1, 9, 7, 2), (3, 2, 2, 3), (2, 1), "VALID")],
)
def test_conv2d_transpose_nchw(out: Any, ws: Any, st: Any, pad: str) -> None:
    rng = np.random.default_rng(2)
    wv = rng.standard_normal(ws)
    vshape = conv_ref(np.zeros(out), np.zeros(ws), st, pad, (1, 1)).shape
    vv = rng.standard_normal(vshape)
    g = gd.Graph()
    with g.as_default():
        o_nchw = [out[0], out[3], out[1], out[2]]
        y = gd.nn.conv2d_transpose(gd.constant(nchw(vv)), gd.constant(wv), o_nchw, [1, 1, *st], pad,
                                   data_format="NCHW")  # fmt: skip
        yl = gd.nn.conv2d_transpose(gd.constant(vv), gd.constant(wv), list(out), [1, *st, 1], pad)
    assert y.shape.as_list() == o_nchw and y.op.attrs["data_format"] == "NCHW"
    expect = conv_transpose_ref(vv, wv, out, st, pad)
    for a, b in run_both([y, yl], {}, g):
        np.testing.assert_allclose(a, nchw(expect), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(a, nchw(b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("xs", "ws", "st", "pad", "rate"),
    [((2, 6, 6, 3), (3, 3, 3, 2), (1, 1), "SAME", (1, 1)), ((1, 7, 8, 2), (2, 3, 2, 1), (2, 2), "VALID", (1, 1)),
     ((1, 8, 8, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2))],
)  # fmt: skip
def test_depthwise_and_separable_nchw(xs: Any, ws: Any, st: Any, pad: str, rate: Any) -> None:
    rng = np.random.default_rng(3)
    xv, wv = rng.standard_normal(xs), rng.standard_normal(ws)
    pv = rng.standard_normal((1, 1, ws[2] * ws[3], 5))
    g = gd.Graph()
    with g.as_default():
        x, xl, w, p = gd.constant(nchw(xv)), gd.constant(xv), gd.constant(wv), gd.constant(pv)
        d = gd.nn.depthwise_conv2d(x, w, [1, 1, *st], pad, rate=list(rate), data_format="NCHW")
        dl = gd.nn.depthwise_conv2d(xl, w, [1, *st, 1], pad, rate=list(rate))
        dn = gd.nn.depthwise_conv2d_native(
            x, w, [1, 1, *st], pad, data_format="NCHW", dilations=[1, 1, *rate]
        )
        s = gd.nn.separable_conv2d(x, w, p, [1, 1, *st], pad, rate=list(rate), data_format="NCHW")
        sl = gd.nn.separable_conv2d(xl, w, p, [1, *st, 1], pad, rate=list(rate))
    expect = depthwise_ref(xv, wv, st, pad, rate)
    assert d.shape.as_list() == list(nchw(expect).shape)
    assert s.shape.as_list() == [xs[0], 5, *expect.shape[1:3]]
    for a, b, c, e, f in run_both([d, dl, dn, s, sl], {}, g):
        np.testing.assert_allclose(a, nchw(expect), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(a, nchw(b), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            e, nchw(np.einsum("nhwc,co->nhwo", expect, pv[0, 0])), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(e, nchw(f), rtol=1e-12, atol=1e-12)


POOL_CASES = [  # NHWC x shape, (kh, kw), (sh, sw), padding
    ((2, 4, 6, 3), (2, 2), (2, 2), "VALID"),
    ((1, 5, 5, 2), (2, 2), (2, 2), "SAME"),
    ((2, 5, 6, 1), (3, 3), (2, 2), "SAME"),
    ((1, 6, 5, 2), (3, 2), (1, 2), "VALID"),
]


def distinct(rng: np.random.Generator, shape: Any) -> np.ndarray:
    """Values at least 0.01 apart, so no window has a tie."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0.0, 0.05, n)).reshape(shape) - n * 0.05


@pytest.mark.parametrize(("xs", "k", "st", "pad"), POOL_CASES)
def test_pools_and_their_gradient_ops_nchw(xs: Any, k: Any, st: Any, pad: str) -> None:
    rng = np.random.default_rng(4)
    xv = distinct(rng, xs)
    mx, av = pool_ref(xv, k, st, pad, "max"), pool_ref(xv, k, st, pad, "avg")
    dyv = rng.standard_normal(mx.shape)
    g = gd.Graph()
    with g.as_default():
        x, dy = gd.constant(nchw(xv)), gd.constant(nchw(dyv))
        kw: dict[str, Any] = {
            "ksize": [1, 1, *k],
            "strides": [1, 1, *st],
            "padding": pad,
            "data_format": "NCHW",
        }
        m = gd.nn.max_pool(x, **kw)
        a = gd.nn.avg_pool(x, **kw)
        m2 = gd.nn.max_pool(x, list(k), list(st), pad, data_format="NCHW")  # TF1's short forms
        mg = max_pool_grad(x, m, dy, **kw)
        ag = avg_pool_grad(x, dy, **kw)
        lkw: dict[str, Any] = {"ksize": [1, *k, 1], "strides": [1, *st, 1], "padding": pad}
        agl = avg_pool_grad(gd.constant(xv), gd.constant(dyv), **lkw)
    assert m.shape.as_list() == list(nchw(mx).shape) and m2.op.attrs["ksize"] == [1, 1, *k]
    # avg_pool_grad is the transpose of avg_pool: <dy, avg(x)> = <avg_grad(dy), x>
    inner = float(np.sum(dyv * av))
    for mv, avv, m2v, mgv, agv, aglv in run_both([m, a, m2, mg, ag, agl], {}, g):
        np.testing.assert_allclose(mv, nchw(mx), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(avv, nchw(av), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(m2v, mv, rtol=0, atol=0)
        np.testing.assert_allclose(mgv, nchw(max_pool_grad_ref(xv, dyv, k, st, pad)), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(agv, nchw(aglv), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.sum(agv * nchw(xv)), inner, rtol=1e-10)


def test_bias_add_nchw() -> None:
    rng = np.random.default_rng(5)
    v, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal(3)
    g = gd.Graph()
    with g.as_default():
        bt = gd.constant(b)
        y = gd.nn.bias_add(gd.constant(v), bt, data_format="NCHW")
        (gb,) = gd.gradients(gd.reduce_sum(y * gd.constant(v)), [bt])
    for out, gbv in run_both([y, gb], {}, g):
        np.testing.assert_allclose(out, v + b[None, :, None, None], rtol=1e-12)
        np.testing.assert_allclose(gbv, v.sum(axis=(0, 2, 3)), rtol=1e-12)


# --- gradients of NCHW graphs ----------------------------------------------------------------------------


def test_gradients_of_an_nchw_graph_are_the_transposed_nhwc_ones_without_transposes() -> None:
    rng = np.random.default_rng(6)
    xv = rng.standard_normal((2, 7, 6, 3))
    w1v, dwv = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal((2, 2, 4, 2))
    pwv, bv = rng.standard_normal((1, 1, 8, 3)), rng.standard_normal(3)
    wtv = rng.standard_normal((3, 3, 2, 3))

    def net(x: Any, fmt: str) -> tuple[Any, list[Any]]:
        sp = (lambda a, b: [1, 1, a, b]) if fmt == "NCHW" else (lambda a, b: [1, a, b, 1])
        w1, dw, pw, b, wt = (gd.constant(v) for v in (w1v, dwv, pwv, bv, wtv))
        h = gd.nn.conv2d(x, w1, sp(1, 1), "SAME", data_format=fmt, dilations=sp(1, 2))
        h = gd.nn.max_pool(gd.tanh(h), sp(2, 2), sp(1, 1), "SAME", data_format=fmt)
        h = gd.nn.separable_conv2d(h, dw, pw, sp(2, 2), "VALID", data_format=fmt)
        h = gd.nn.bias_add(h, b, data_format=fmt)
        h = gd.nn.avg_pool(gd.square(h), sp(2, 2), sp(1, 1), "VALID", data_format=fmt)
        dims: list[int] = h.shape.as_list()  # type: ignore[assignment]
        n, hh, ww = (2, dims[2], dims[3]) if fmt == "NCHW" else (2, dims[1], dims[2])
        shape = [n, 2, 2 * hh, 2 * ww] if fmt == "NCHW" else [n, 2 * hh, 2 * ww, 2]
        h = gd.nn.conv2d_transpose(h, wt, shape, sp(2, 2), "SAME", data_format=fmt)
        loss = gd.reduce_sum(gd.sin(h))
        return loss, [x, w1, dw, pw, b, wt]

    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [2, 3, 7, 6])
        loss, ins = net(x, "NCHW")
        n_before = len(g.get_operations())
        grads = gd.gradients(loss, ins)
        new_ops = g.get_operations()[n_before:]
        (gxx,) = gd.gradients(gd.reduce_sum(gd.square(grads[0])), [x])  # second order
    g2 = gd.Graph()
    with g2.as_default():
        xl = gd.placeholder(gd.float64, [2, 7, 6, 3])
        loss_l, ins_l = net(xl, "NHWC")
        grads_l = gd.gradients(loss_l, ins_l)
        (gxx_l,) = gd.gradients(gd.reduce_sum(gd.square(grads_l[0])), [xl])
    assert "Transpose" not in [op.type for op in new_ops]
    for op in new_ops:
        if "data_format" in op.attrs and op.type != "BiasAddGrad":
            assert op.attrs["data_format"] == "NCHW", op
    assert {"Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad", "AvgPoolGrad",
            "DepthwiseConv2dNativeBackpropInput"} <= {op.type for op in new_ops}  # fmt: skip
    outs = run_both([loss, *grads, gxx], {x: nchw(xv)}, g)
    outs_l = run_both([loss_l, *grads_l, gxx_l], {xl: xv}, g2)
    for o, ol in zip(outs, outs_l, strict=True):
        np.testing.assert_allclose(o[0], ol[0], rtol=1e-10)
        np.testing.assert_allclose(o[1], nchw(ol[1]), rtol=1e-9, atol=1e-10)
        for a, b in zip(o[2:-1], ol[2:-1], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(o[-1], nchw(ol[-1]), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-9, atol=1e-10)


NCHW_CONV = {"strides": [1, 1, 2, 1], "padding": "SAME", "dilations": [1, 1, 1, 2], "data_format": "NCHW"}
NCHW_POOL = {"ksize": [1, 1, 3, 2], "strides": [1, 1, 2, 2], "padding": "SAME", "data_format": "NCHW"}


@pytest.mark.parametrize(
    ("op", "shapes", "attrs"),
    [("Conv2D", [(1, 2, 5, 6), (2, 2, 2, 3)], NCHW_CONV),
     ("DepthwiseConv2dNative", [(1, 2, 5, 6), (2, 2, 2, 2)], NCHW_CONV),
     ("MaxPool", [(2, 2, 5, 4)], NCHW_POOL), ("AvgPool", [(2, 2, 5, 4)], NCHW_POOL)],
)  # fmt: skip
def test_nchw_gradients_against_finite_differences(op: str, shapes: Any, attrs: Any) -> None:
    rng = np.random.default_rng(7)
    ins = [distinct(rng, s) if op == "MaxPool" else rng.standard_normal(s) for s in shapes]
    check_gradient(get_op_def(op), Sample(ins, dict(attrs)))


# --- errors ------------------------------------------------------------------------------------------------


def test_nchw_errors_name_the_op_and_the_line() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [2, 3, 8, 8])
        w = gd.placeholder(gd.float32, [3, 3, 3, 4])
        with pytest.raises(ShapeError, match=r"conv2d.*test_nchw\.py.*batch and channel.*axes 0 and 1"):
            gd.nn.conv2d(x, w, [1, 2, 1, 1], "SAME", data_format="NCHW")  # NHWC-style strides in NCHW
        with pytest.raises(ShapeError, match=r"conv2d.*batch and channel"):
            gd.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCHW", dilations=[1, 2, 1, 1])
        with pytest.raises(ShapeError, match=r"conv2d.*data_format"):
            gd.nn.conv2d(x, w, 1, "SAME", data_format="NCHW_VECT_C")
        with pytest.raises(ShapeError, match=r"conv2d.*3 channels but the filter expects 8"):
            gd.nn.conv2d(x, gd.placeholder(gd.float32, [3, 3, 8, 4]), 1, "SAME", data_format="NCHW")
        with pytest.raises(ShapeError, match=r"max_pool.*test_nchw\.py.*pooling over batch or channels"):
            gd.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 2, 2], "VALID", data_format="NCHW")
        with pytest.raises(ShapeError, match=r"avg_pool.*axes 0 and 1"):
            gd.nn.avg_pool(x, [1, 1, 2, 2], [1, 2, 2, 1], "VALID", data_format="NCHW")
        with pytest.raises(ShapeError, match=r"depthwise_conv2d_native.*batch and channel"):
            gd.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], "SAME", data_format="NCHW")
        with pytest.raises(ShapeError, match=r"conv2d_transpose.*3 channels on axis 1"):
            gd.nn.conv2d_transpose(x, gd.placeholder(gd.float32, [3, 3, 4, 8]), [2, 4, 16, 16], 2,
                                   data_format="NCHW")  # fmt: skip
        with pytest.raises(ShapeError, match=r"conv2d_transpose.*height 17 to 9"):
            gd.nn.conv2d_transpose(x, gd.placeholder(gd.float32, [3, 3, 4, 3]), [2, 4, 17, 16], 2,
                                   data_format="NCHW")  # fmt: skip
        with pytest.raises(ValueError, match="channels_first"):
            gd.layers.Conv2D(4, 3, data_format="NCHW")


def test_a_layers_bad_data_format_is_a_graphdl_error_naming_the_layer_and_the_line() -> None:
    from graphdl.errors import GraphError

    for make, name in (
        (lambda: gd.layers.Conv2D(4, 3, data_format="NCHW"), "conv2d"),
        (lambda: gd.layers.MaxPooling2D(2, 2, data_format="nchw"), "max_pooling2d"),
        (lambda: gd.layers.AveragePooling2D(2, 2, data_format="NHWC"), "average_pooling2d"),
        (lambda: gd.layers.Conv2DTranspose(4, 3, data_format="channels_middle"), "conv2d_transpose"),
        (lambda: gd.layers.SeparableConv2D(4, 3, data_format="NCHW"), "separable_conv2d"),
    ):
        with pytest.raises(GraphError, match=rf"^{name} \(test_nchw\.py:\d+\): data_format must be"):
            make()


# --- layers -----------------------------------------------------------------------------------------------


def test_channels_first_layers_equal_their_channels_last_twins() -> None:
    rng = np.random.default_rng(8)
    xv = rng.standard_normal((2, 9, 8, 3)).astype(np.float32)
    kv = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    tv = rng.standard_normal((2, 2, 5, 4)).astype(np.float32)
    dv = rng.standard_normal((3, 3, 5, 2)).astype(np.float32)
    pv = rng.standard_normal((1, 1, 10, 3)).astype(np.float32)
    c = gd.constant_initializer

    def net(x: Any, df: str) -> list[Any]:
        h = gd.layers.conv2d(x, 4, 3, strides=(2, 1), padding="same", data_format=df, kernel_initializer=c(kv),
                             bias_initializer=c([0.1, -0.2, 0.3, 0.4]), activation=gd.nn.relu, name="conv")  # fmt: skip
        layer = gd.layers.Conv2DTranspose(5, 2, strides=2, padding="valid", data_format=df,
                                          kernel_initializer=c(tv), bias_initializer=c(0.5), name="deconv")  # fmt: skip
        t = layer(h)
        s = gd.layers.separable_conv2d(t, 3, 3, padding="same", data_format=df, depth_multiplier=2,
                                       depthwise_initializer=c(dv), pointwise_initializer=c(pv),
                                       bias_initializer=c([1.0, 2.0, 3.0]), name="sep")  # fmt: skip
        m = gd.layers.max_pooling2d(s, (3, 2), 2, padding="same", data_format=df)
        a = gd.layers.AveragePooling2D(2, (1, 2), data_format=df)(s)
        return [h, t, s, m, a]

    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 3, 9, 8])
        outs = net(x, "channels_first")
        with gd.variable_scope("twin"):
            xl = gd.placeholder(gd.float32, [None, 9, 8, 3])
            outs_l = net(xl, "channels_last")
        init = gd.global_variables_initializer()
    with g.as_default():
        shapes = {v.name: v.shape.as_list() for v in gd.global_variables() if not v.name.startswith("twin")}
    assert shapes == {
        "conv/kernel:0": [3, 3, 3, 4], "conv/bias:0": [4], "deconv/kernel:0": [2, 2, 5, 4], "deconv/bias:0": [5],
        "sep/depthwise_kernel:0": [3, 3, 5, 2], "sep/pointwise_kernel:0": [1, 1, 10, 3], "sep/bias:0": [3],
    }  # fmt: skip
    for o, ol in zip(outs, outs_l, strict=True):
        dims = ol.shape.as_list()
        assert o.shape.as_list() == [dims[0], dims[3], dims[1], dims[2]]
    bias_ops = [op for op in g.get_operations() if op.type == "BiasAdd" and not op.name.startswith("twin")]
    assert len(bias_ops) == 3 and all(op.attrs["data_format"] == "NCHW" for op in bias_ops)
    # the conv layer's output, from a NumPy reference: relu(conv + bias on axis 1)
    ref = np.maximum(conv_ref(xv.astype(np.float64), kv.astype(np.float64), (2, 1), "SAME", (1, 1))
                     + np.array([0.1, -0.2, 0.3, 0.4]), 0)  # fmt: skip
    for vals in run_both(outs + outs_l, {x: nchw(xv), xl: xv}, g, init):
        np.testing.assert_allclose(vals[0], nchw(ref), rtol=1e-4, atol=1e-4)
        for a, b in zip(vals[:5], vals[5:], strict=True):  # float32, values up to ~200
            np.testing.assert_allclose(a, nchw(b), rtol=1e-5, atol=1e-6 * np.abs(b).max())


def test_channels_first_cnn_trains_like_its_channels_last_twin() -> None:
    rng = np.random.default_rng(9)
    xv = rng.standard_normal((6, 10, 10, 2)).astype(np.float32)
    yv = rng.standard_normal((6, 3)).astype(np.float32)
    kv = (rng.standard_normal((3, 3, 2, 4)) * 0.2).astype(np.float32)
    dense_l = (rng.standard_normal((5 * 5 * 4, 3)) * 0.05).astype(np.float32)
    # flatten orders NHWC features (h, w, c) and NCHW features (c, h, w): the twin's dense rows follow
    dense_f = dense_l.reshape(5, 5, 4, 3).transpose(2, 0, 1, 3).reshape(-1, 3)
    c = gd.constant_initializer

    def model(df: str, x_shape: list[Any], dense_k: np.ndarray) -> tuple[Any, Any, Any]:
        x = gd.placeholder(gd.float32, x_shape)
        y = gd.placeholder(gd.float32, [None, 3])
        h = gd.layers.conv2d(x, 4, 3, padding="same", activation=gd.nn.relu, data_format=df,
                             kernel_initializer=c(kv), bias_initializer=c(0.05))  # fmt: skip
        h = gd.layers.max_pooling2d(h, 2, 2, data_format=df)
        out = gd.layers.dense(gd.layers.flatten(h), 3, kernel_initializer=c(dense_k))
        loss = gd.reduce_mean(gd.square(out - y))
        return x, y, (loss, gd.train.GradientDescentOptimizer(0.02).minimize(loss))

    losses: dict[str, list[list[float]]] = {}
    for df, shape, dk, feed_x in (("channels_first", [None, 2, 10, 10], dense_f, nchw(xv)),
                                  ("channels_last", [None, 10, 10, 2], dense_l, xv)):  # fmt: skip
        g = gd.Graph()
        with g.as_default():
            x, y, (loss, train) = model(df, shape, dk)
            init = gd.global_variables_initializer()
        for backend in ("interpreter", "xla"):
            with gd.Session(graph=g, backend=backend) as s:
                s.run(init)
                losses.setdefault(df, []).append([float(s.run([loss, train], {x: feed_x, y: yv})[0])
                                                  for _ in range(4)])  # fmt: skip
    first, last = np.array(losses["channels_first"]), np.array(losses["channels_last"])
    assert np.all(np.diff(first, axis=1) < 0), first  # it trains
    np.testing.assert_allclose(first, last, rtol=1e-5)
    np.testing.assert_allclose(first[0], first[1], rtol=1e-5)


def test_contrib_layers_nchw() -> None:
    rng = np.random.default_rng(10)
    xv = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    kv = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    g = gd.Graph()
    with g.as_default():
        x, xl = gd.placeholder(gd.float32, [2, 3, 6, 6]), gd.placeholder(gd.float32, [2, 6, 6, 3])
        kw = {
            "weights_initializer": gd.constant_initializer(kv),
            "biases_initializer": gd.constant_initializer(0.3),
        }
        h = gd.contrib.layers.conv2d(x, 4, 3, data_format="NCHW", **kw)
        p = gd.contrib.layers.max_pool2d(h, 2, data_format="NCHW")
        hl = gd.contrib.layers.conv2d(xl, 4, 3, **kw)
        pl = gd.contrib.layers.max_pool2d(hl, 2)
        init = gd.global_variables_initializer()
    assert h.shape.as_list() == [2, 4, 6, 6] and p.shape.as_list() == [2, 4, 3, 3]
    for a, b, c, d in run_both([h, p, hl, pl], {x: nchw(xv), xl: xv}, g, init):
        np.testing.assert_allclose(a, nchw(c), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(b, nchw(d), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_flatten_channels_first_flattens_in_channels_last_order(backend: str) -> None:
    # TF1's Flatten moves channels last first, so a channels_first model flattens like its twin
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32)  # NCHW
    g = gd.Graph()
    with g.as_default():
        first = gd.layers.flatten(gd.constant(x), data_format="channels_first")
        last = gd.layers.flatten(gd.constant(x.transpose(0, 2, 3, 1)))
        plain = gd.layers.Flatten()(gd.constant(x))
        with gd.Session(graph=g, backend=backend) as sess:
            a, b, c = sess.run([first, last, plain])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, x.reshape(2, -1))
    assert a.shape == (2, 60)
    with pytest.raises(ShapeError, match="data_format"):
        gd.layers.Flatten(data_format="NCHW")
