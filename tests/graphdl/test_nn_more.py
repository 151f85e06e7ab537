"""The extra `tf.nn` functions (LRN, fused batch norm, moments helpers, conv1d/pool1d, the generic
convolution and pool, conv3d and 3-D pooling, crelu, swish, relu_layer, log_poisson_loss,
zero_fraction): both backends on the same graph, values against TF1 (a JSON fixture made by
data/make_tf_nn_more.py), NumPy formulas and loop references, gradients, and build-time errors."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import DTypeError, GraphError, ShapeError

TF = {
    k: np.asarray(v)
    for k, v in json.loads((Path(__file__).parent / "data" / "tf_nn_more.json").read_text()).items()
}


def _inputs() -> dict[str, np.ndarray]:
    """The fixture's inputs, drawn exactly as make_tf_nn_more.py draws them."""
    rng = np.random.default_rng(7)
    return {
        "lrn_x": rng.standard_normal((2, 3, 2, 7)).astype(np.float32),
        "bn_x": rng.standard_normal((4, 3, 2, 3)).astype(np.float32),
        "bn_scale": rng.uniform(0.5, 1.5, 3).astype(np.float32),
        "bn_offset": rng.standard_normal(3).astype(np.float32),
        "bn_mean": rng.standard_normal(3).astype(np.float32),
        "bn_var": rng.uniform(0.5, 2.0, 3).astype(np.float32),
        "lp_targets": np.array([0.0, 0.5, 1.0, 1.5, 3.0, 7.0, 20.0], np.float32),
        "lp_log_input": rng.standard_normal(7).astype(np.float32),
        "conv1d_x": rng.standard_normal((2, 9, 3)).astype(np.float32),
        "conv1d_w": rng.standard_normal((3, 3, 4)).astype(np.float32),
        "conv3d_x": rng.standard_normal((2, 4, 5, 3, 2)).astype(np.float32),
        "conv3d_w": rng.standard_normal((2, 3, 2, 2, 3)).astype(np.float32),
    }


D = _inputs()


def run_both(fetches: Any, feeds: dict[Any, Any] | None = None, tol: float = 1e-5) -> Any:
    """Run `fetches` on the interpreter and on XLA; assert they agree and return the interpreter's."""
    with tf.Session(backend="interpreter") as s:
        a = s.run(fetches, feeds)
    with tf.Session(backend="xla") as s:
        b = s.run(fetches, feeds)
    for u, v in zip(
        a if isinstance(a, list | tuple) else [a], b if isinstance(b, list | tuple) else [b], strict=True
    ):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=tol, atol=tol)
    return a


def numeric_grad(f: Any, x0: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function of a float64 array."""
    x = np.array(x0, np.float64)
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


def check_grad(build: Any, x0: np.ndarray, tol: float = 1e-5) -> None:
    """d sum(build(x) * w)/dx from tf.gradients (both backends) against central differences."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, x0.shape)
        y = build(x)
        w = np.random.default_rng(1).standard_normal(y.shape.as_list())
        loss = tf.reduce_sum(y * w)
        (dx,) = tf.gradients(loss, [x])
        got = run_both(dx, {x: x0}, tol=1e-9)
        with tf.Session(backend="interpreter") as s:
            num = numeric_grad(lambda v: float(s.run(loss, {x: v})), x0)
    np.testing.assert_allclose(got, num, rtol=tol, atol=tol)


# --- LRN ------------------------------------------------------------------------------------------------


def lrn_ref(x: np.ndarray, r: int, bias: float, alpha: float, beta: float) -> np.ndarray:
    """TF1's documented formula, one channel at a time."""
    out = np.zeros_like(x, np.float64)
    c = x.shape[-1]
    for d in range(c):
        sq = np.sum(x[..., max(d - r, 0) : d + r + 1].astype(np.float64) ** 2, axis=-1)
        out[..., d] = x[..., d] / (bias + alpha * sq) ** beta
    return out


def test_lrn_matches_tf1_and_formula() -> None:
    x = tf.constant(D["lrn_x"])
    a = tf.nn.local_response_normalization(x)
    b = tf.nn.lrn(x, depth_radius=2, bias=0.5, alpha=0.1, beta=0.75)
    gx = tf.gradients(tf.reduce_sum(b * tf.range(1.0, 8.0)), x)[0]
    ra, rb, rg = run_both([a, b, gx])
    np.testing.assert_allclose(ra, TF["lrn_default"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rb, TF["lrn_2_05_1e-1_075"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rg, TF["lrn_grad"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ra, lrn_ref(D["lrn_x"], 5, 1.0, 1.0, 0.5), rtol=1e-5, atol=1e-6)
    assert a.op.type == "LRN" and ra.dtype == np.float32
    assert tf.nn.lrn is tf.nn.local_response_normalization


def test_lrn_gradient_and_second_order() -> None:
    x0 = np.random.default_rng(2).standard_normal((1, 2, 2, 6))
    check_grad(lambda x: tf.nn.lrn(x, depth_radius=1, bias=0.7, alpha=0.4, beta=0.6), x0)
    # the gradient is built from public ops, so it can be differentiated again
    check_grad(
        lambda x: tf.gradients(tf.reduce_sum(tf.nn.lrn(x, 2, 1.0, 0.5, 0.75) ** 2), x)[0], x0, tol=1e-4
    )


def test_lrn_gradient_with_depth_known_only_when_fed() -> None:
    # the band of the gradient is built in the graph when the depth is unknown ([None, ..., None])
    x0 = np.random.default_rng(3).standard_normal((2, 2, 3, 6))
    for shape in ([None, 2, 3, None], None):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float64, shape)
            known = tf.placeholder(tf.float64, [None, 2, 3, 6])
            w = np.arange(6.0)
            (gx,) = tf.gradients(tf.reduce_sum(tf.nn.lrn(x, 2, 0.5, 0.1, 0.75) * w), x)
            (gk,) = tf.gradients(tf.reduce_sum(tf.nn.lrn(known, 2, 0.5, 0.1, 0.75) * w), known)
            got, want = run_both([gx, gk], {x: x0, known: x0}, tol=1e-9)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_lrn_errors() -> None:
    with pytest.raises(ShapeError, match=r"local_response_normalization.*4-D"):
        tf.nn.lrn(tf.zeros([2, 3, 4]))
    with pytest.raises(DTypeError, match="floating"):
        tf.nn.lrn(tf.zeros([1, 2, 2, 3], tf.int32))
    with pytest.raises(ShapeError, match="depth_radius"):
        tf.nn.lrn(tf.zeros([1, 2, 2, 3]), depth_radius=-1)


# --- fused batch norm and moments ---------------------------------------------------------------------------


def test_fused_batch_norm_training_matches_tf1() -> None:
    x = D["bn_x"]
    y, m, v = tf.nn.fused_batch_norm(tf.constant(x), D["bn_scale"], D["bn_offset"], epsilon=0.001)
    ry, rm, rv = run_both([y, m, v])
    np.testing.assert_allclose(ry, TF["fbn_train_y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rm, TF["fbn_train_mean"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv, TF["fbn_train_var"], rtol=1e-5, atol=1e-6)
    # the returned variance is the Bessel-corrected one; y uses the biased one
    np.testing.assert_allclose(rv, np.var(x.astype(np.float64), axis=(0, 1, 2), ddof=1), rtol=1e-5)
    biased = np.var(x.astype(np.float64), axis=(0, 1, 2))
    want = (x - x.mean(axis=(0, 1, 2))) / np.sqrt(biased + 0.001) * D["bn_scale"] + D["bn_offset"]
    np.testing.assert_allclose(ry, want, rtol=1e-5, atol=1e-5)


def test_fused_batch_norm_inference_and_nchw_match_tf1() -> None:
    x = tf.constant(D["bn_x"])
    y, m, v = tf.nn.fused_batch_norm(
        x,
        D["bn_scale"],
        D["bn_offset"],
        mean=D["bn_mean"],
        variance=D["bn_var"],
        epsilon=0.01,
        is_training=False,
    )
    y2, m2, v2 = tf.nn.fused_batch_norm(
        tf.transpose(x, [0, 3, 1, 2]), D["bn_scale"], D["bn_offset"], epsilon=1e-6, data_format="NCHW"
    )
    r = run_both([y, m, v, y2, m2, v2])
    for got, key in zip(
        r, ["infer_y", "infer_mean", "infer_var", "nchw_y", "nchw_mean", "nchw_var"], strict=True
    ):
        np.testing.assert_allclose(got, TF["fbn_" + key], rtol=1e-5, atol=1e-5, err_msg=key)


def test_fused_batch_norm_epsilon_floor_and_gradient() -> None:
    x = tf.constant(D["bn_x"])
    a = tf.nn.fused_batch_norm(x, D["bn_scale"], D["bn_offset"], epsilon=0.0)[0]
    b = tf.nn.fused_batch_norm(x, D["bn_scale"], D["bn_offset"], epsilon=1.001e-5)[0]
    ra, rb = run_both([a, b])
    np.testing.assert_array_equal(ra, rb)  # TF1 raises epsilon to 1.001e-5
    x0 = np.random.default_rng(3).standard_normal((3, 2, 2, 2))
    check_grad(lambda t: tf.nn.fused_batch_norm(t, [1.5, 0.5], [0.1, -0.2])[0], x0)


def test_fused_batch_norm_errors() -> None:
    x = tf.zeros([2, 2, 2, 3])
    with pytest.raises(GraphError, match=r"fused_batch_norm.*mean and variance"):
        tf.nn.fused_batch_norm(x, [1.0] * 3, [0.0] * 3, is_training=False)
    with pytest.raises(ShapeError, match="4-D"):
        tf.nn.fused_batch_norm(tf.zeros([2, 3]), [1.0] * 3, [0.0] * 3)
    with pytest.raises(ShapeError, match="data_format"):
        tf.nn.fused_batch_norm(x, [1.0] * 3, [0.0] * 3, data_format="NWC")
    with pytest.raises(ShapeError, match="scale must be 1-D with the 3 channels"):
        tf.nn.fused_batch_norm(x, [1.0] * 2, [0.0] * 3)
    with pytest.raises(DTypeError, match="floating"):
        tf.nn.fused_batch_norm(tf.zeros([2, 2, 2, 3], tf.int32), [1.0] * 3, [0.0] * 3)


@pytest.mark.parametrize("scale_after", [True, False])
def test_batch_norm_with_global_normalization(scale_after: bool) -> None:
    x, m, v = D["bn_x"], D["bn_mean"], D["bn_var"]
    beta, gamma = D["bn_offset"], D["bn_scale"]
    y = tf.nn.batch_norm_with_global_normalization(x, m, v, beta, gamma, 0.01, scale_after)
    want = (x - m) / np.sqrt(v + 0.01) * (gamma if scale_after else 1.0) + beta
    np.testing.assert_allclose(run_both(y), want, rtol=1e-5, atol=1e-5)
    with pytest.raises(GraphError, match="required"):
        tf.nn.batch_norm_with_global_normalization(x, m, v, beta, gamma, 0.01)


@pytest.mark.parametrize("shift", [None, 0.75])
def test_sufficient_statistics_and_normalize_moments(shift: float | None) -> None:
    x0 = np.random.default_rng(4).standard_normal((3, 4, 5))
    x = tf.placeholder(tf.float64, [None, 4, 5])
    count, m_ss, v_ss, sh = tf.nn.sufficient_statistics(x, [0, 2], shift=shift)
    mean, var = tf.nn.normalize_moments(count, m_ss, v_ss, sh)
    rc, rm, rv, rmean, rvar = run_both([count, m_ss, v_ss, mean, var], {x: x0}, tol=1e-10)
    s = 0.0 if shift is None else shift
    assert rc == 15.0
    np.testing.assert_allclose(rm, (x0 - s).sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(rv, ((x0 - s) ** 2).sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(rmean, x0.mean(axis=(0, 2)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rvar, x0.var(axis=(0, 2)), rtol=1e-10, atol=1e-12)
    assert (sh is None) == (shift is None)
    _, m_k, _, _ = tf.nn.sufficient_statistics(tf.constant(x0), [1], keepdims=True)
    assert m_k.shape.as_list() == [3, 1, 5]
    with pytest.raises(ShapeError, match=r"sufficient_statistics.*out of range"):
        tf.nn.sufficient_statistics(tf.constant(x0), [3])


@pytest.mark.parametrize("keep_dims", [False, True])
def test_weighted_moments(keep_dims: bool) -> None:
    rng = np.random.default_rng(5)
    x0, w0 = rng.standard_normal((4, 3)), rng.uniform(0.1, 2.0, (4, 1))
    mean, var = tf.nn.weighted_moments(tf.constant(x0), [0], w0, keep_dims=keep_dims)
    rm, rv = run_both([mean, var], tol=1e-10)
    wb = np.broadcast_to(w0, x0.shape)
    want_m = (wb * x0).sum(0) / wb.sum(0)
    want_v = (wb * (x0 - want_m) ** 2).sum(0) / wb.sum(0)
    if keep_dims:
        want_m, want_v = want_m[None], want_v[None]
    np.testing.assert_allclose(rm, want_m, rtol=1e-10)
    np.testing.assert_allclose(rv, want_v, rtol=1e-10)


# --- conv1d, 1-D pooling, convolution, pool ------------------------------------------------------------------


def conv_ref(x: np.ndarray, w: np.ndarray, strides: Any, padding: str, dil: Any) -> np.ndarray:
    """N-D channels-last convolution written from TF1's documentation (direct loops)."""
    sp = x.shape[1:-1]
    geo = []
    for n, k, s, d in zip(sp, w.shape[:-2], strides, dil, strict=True):
        eff = (k - 1) * d + 1
        out = math.ceil((n - eff + 1) / s) if padding == "VALID" else math.ceil(n / s)
        pad = 0 if padding == "VALID" else max((out - 1) * s + eff - n, 0) // 2
        geo.append((out, pad))
    res = np.zeros((x.shape[0], *(g[0] for g in geo), w.shape[-1]))
    for o in itertools.product(*(range(g[0]) for g in geo)):
        for k in itertools.product(*(range(kk) for kk in w.shape[:-2])):
            pos = [o[a] * strides[a] + k[a] * dil[a] - geo[a][1] for a in range(len(sp))]
            if all(0 <= p < n for p, n in zip(pos, sp, strict=True)):
                res[(slice(None), *o)] += x[(slice(None), *pos)] @ w[k]
    return res


def pool_ref(x: np.ndarray, k: Any, s: Any, padding: str, kind: str) -> np.ndarray:
    """N-D channels-last pooling over the real cells of each window (direct loops)."""
    sp = x.shape[1:-1]
    geo = []
    for n, kk, ss in zip(sp, k, s, strict=True):
        out = math.ceil((n - kk + 1) / ss) if padding == "VALID" else math.ceil(n / ss)
        geo.append((out, 0 if padding == "VALID" else max((out - 1) * ss + kk - n, 0) // 2))
    res = np.zeros((x.shape[0], *(g[0] for g in geo), x.shape[-1]))
    for o in itertools.product(*(range(g[0]) for g in geo)):
        sl = tuple(
            slice(max(o[a] * s[a] - geo[a][1], 0), o[a] * s[a] - geo[a][1] + k[a]) for a in range(len(sp))
        )
        win = x[(slice(None), *sl)]
        axes = tuple(range(1, len(sp) + 1))
        res[(slice(None), *o)] = win.max(axis=axes) if kind == "max" else win.mean(axis=axes)
    return res


def test_conv1d_matches_tf1_both_layouts() -> None:
    x, w = D["conv1d_x"], D["conv1d_w"]
    a = tf.nn.conv1d(x, w, stride=2, padding="SAME")
    b = tf.nn.conv1d(x, w, 1, "VALID")
    c = tf.nn.conv1d(np.transpose(x, (0, 2, 1)), w, [2], "SAME", data_format="NCW")
    ra, rb, rc = run_both([a, b, c])
    np.testing.assert_allclose(ra, TF["conv1d_same_s2"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rb, TF["conv1d_valid"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.transpose(rc, (0, 2, 1)), TF["conv1d_same_s2"], rtol=1e-5, atol=1e-5)
    assert a.shape.as_list() == [2, 5, 4] and c.shape.as_list() == [2, 4, 5]


def test_conv1d_dilations_and_gradient() -> None:
    rng = np.random.default_rng(6)
    x0, w0 = rng.standard_normal((2, 11, 2)), rng.standard_normal((3, 2, 3))
    y = tf.nn.conv1d(x0, w0, 1, "SAME", dilations=2)
    np.testing.assert_allclose(
        run_both(y, tol=1e-10), conv_ref(x0, w0, [1], "SAME", [2]), rtol=1e-10, atol=1e-10
    )
    check_grad(lambda x: tf.nn.conv1d(x, w0, 2, "SAME"), x0)


def test_pool1d_and_pool2d_names() -> None:
    x = D["conv1d_x"]
    mx = tf.nn.max_pool1d(x, ksize=3, strides=2, padding="SAME")
    av = tf.nn.avg_pool1d(x, 2, 2, "SAME")
    av_ncw = tf.nn.avg_pool1d(np.transpose(x, (0, 2, 1)), [2], [2], "SAME", data_format="NCW")
    x4 = D["bn_x"]
    m2 = tf.nn.max_pool2d(x4, 2, 1, "SAME")
    a2 = tf.nn.avg_pool2d(x4, [2, 2], [2, 1], "VALID")
    m2_ref = tf.nn.max_pool(x4, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    rmx, rav, rncw, rm2, ra2, rref = run_both([mx, av, av_ncw, m2, a2, m2_ref])
    np.testing.assert_allclose(rmx, TF["max_pool1d_same"], rtol=1e-6)
    np.testing.assert_allclose(rav, TF["avg_pool1d_same"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.transpose(rncw, (0, 2, 1)), TF["avg_pool1d_same"], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(rm2, rref)
    np.testing.assert_allclose(ra2, pool_ref(x4, (2, 2), (2, 1), "VALID", "avg"), rtol=1e-6)


def test_convolution_dispatches_on_rank() -> None:
    rng = np.random.default_rng(8)
    x1, w1 = rng.standard_normal((1, 8, 2)), rng.standard_normal((3, 2, 2))
    x2, w2 = rng.standard_normal((2, 6, 5, 2)), rng.standard_normal((3, 2, 2, 3))
    x3, w3 = rng.standard_normal((1, 4, 4, 3, 1)), rng.standard_normal((2, 2, 2, 1, 2))
    c1 = tf.nn.convolution(x1, w1, "VALID", dilation_rate=[2])
    c2 = tf.nn.convolution(x2, w2, "SAME", strides=[2, 1])
    c2n = tf.nn.convolution(np.transpose(x2, (0, 3, 1, 2)), w2, "SAME", strides=[2, 1], data_format="NCHW")
    c3 = tf.nn.convolution(x3, w3, "SAME", dilation_rate=[1, 2, 1])
    r1, r2, r2n, r3 = run_both([c1, c2, c2n, c3], tol=1e-10)
    np.testing.assert_allclose(r1, conv_ref(x1, w1, [1], "VALID", [2]), atol=1e-10)
    np.testing.assert_allclose(r2, conv_ref(x2, w2, [2, 1], "SAME", [1, 1]), atol=1e-10)
    np.testing.assert_allclose(np.transpose(r2n, (0, 2, 3, 1)), r2, atol=1e-10)
    np.testing.assert_allclose(r3, conv_ref(x3, w3, [1, 1, 1], "SAME", [1, 2, 1]), atol=1e-10)


def test_pool_dispatches_on_rank() -> None:
    rng = np.random.default_rng(9)
    x1, x2, x3 = (
        rng.standard_normal((2, 7, 2)),
        rng.standard_normal((1, 5, 6, 2)),
        rng.standard_normal((1, 4, 5, 3, 2)),
    )
    p1 = tf.nn.pool(x1, [3], "MAX", "SAME", strides=[2])
    p2 = tf.nn.pool(x2, [2, 3], "AVG", "SAME", strides=[2, 2])
    p2n = tf.nn.pool(
        np.transpose(x2, (0, 3, 1, 2)), [2, 3], "AVG", "SAME", strides=[2, 2], data_format="NCHW"
    )
    p3 = tf.nn.pool(x3, [2, 2, 2], "MAX", "VALID", strides=[1, 2, 1])
    r1, r2, r2n, r3 = run_both([p1, p2, p2n, p3], tol=1e-10)
    np.testing.assert_allclose(r1, pool_ref(x1, [3], [2], "SAME", "max"))
    np.testing.assert_allclose(r2, pool_ref(x2, [2, 3], [2, 2], "SAME", "avg"), atol=1e-12)
    np.testing.assert_allclose(np.transpose(r2n, (0, 2, 3, 1)), r2, atol=1e-12)
    np.testing.assert_allclose(r3, pool_ref(x3, [2, 2, 2], [1, 2, 1], "VALID", "max"))


# --- conv3d and 3-D pooling ---------------------------------------------------------------------------------


def test_conv3d_matches_tf1() -> None:
    x, w = tf.constant(D["conv3d_x"]), tf.constant(D["conv3d_w"])
    a = tf.nn.conv3d(x, w, strides=[1, 2, 1, 2, 1], padding="SAME")
    b = tf.nn.conv3d(x, w, [1] * 5, "VALID", dilations=[1, 1, 2, 1, 1])
    gx, gw = tf.gradients(tf.reduce_sum(a**2), [x, w])
    ra, rb, rgx, rgw = run_both([a, b, gx, gw], tol=1e-4)
    np.testing.assert_allclose(ra, TF["conv3d_same"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rb, TF["conv3d_valid_dil"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rgx, TF["conv3d_grad_x"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(rgw, TF["conv3d_grad_w"], rtol=1e-4, atol=1e-4)
    assert a.op.type == "Conv3D" and a.shape.as_list() == [2, 2, 5, 2, 3]


def test_pool3d_matches_tf1() -> None:
    x = tf.constant(D["conv3d_x"])
    m = tf.nn.max_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME")
    a = tf.nn.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME")
    ga = tf.gradients(tf.reduce_sum(a**2), x)[0]
    gm = tf.gradients(tf.reduce_sum(m**2), x)[0]
    rm, ra, rga, rgm = run_both([m, a, ga, gm])
    for got, key in zip([rm, ra, rga, rgm], ["max_pool3d_same", "avg_pool3d_same", "avg_pool3d_grad", "max_pool3d_grad"],
                        strict=True):  # fmt: skip
        np.testing.assert_allclose(got, TF[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(
        ra, pool_ref(D["conv3d_x"], [2, 3, 2], [2, 2, 1], "SAME", "avg"), rtol=1e-5, atol=1e-6
    )


def test_max_pool3d_gradient_goes_to_first_maximum() -> None:
    x0 = np.zeros((1, 2, 2, 2, 1))  # one window, all eight cells tie: TF1 routes to the first
    x = tf.constant(x0)
    g = tf.gradients(tf.reduce_sum(tf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "VALID")), x)[0]
    want = np.zeros_like(x0)
    want[0, 0, 0, 0, 0] = 1.0
    np.testing.assert_array_equal(run_both(g), want)


# --- activations and losses -----------------------------------------------------------------------------


def test_activations_extra_values() -> None:
    rng = np.random.default_rng(10)
    x0 = rng.standard_normal((3, 4))
    w0, b0 = rng.standard_normal((4, 2)), rng.standard_normal(2)
    x = tf.placeholder(tf.float64, [None, 4])
    outs = [tf.nn.crelu(x), tf.nn.crelu(x, axis=0), tf.nn.swish(x), tf.nn.relu_layer(x, w0, b0)]
    rc, rc0, rs, rr = run_both(outs, {x: x0}, tol=1e-12)
    np.testing.assert_array_equal(rc, np.maximum(np.concatenate([x0, -x0], -1), 0))
    np.testing.assert_array_equal(rc0, np.maximum(np.concatenate([x0, -x0], 0), 0))
    np.testing.assert_allclose(rs, x0 / (1 + np.exp(-x0)), rtol=1e-12)
    np.testing.assert_allclose(rr, np.maximum(x0 @ w0 + b0, 0), rtol=1e-12)
    assert outs[0].shape.as_list() == [None, 8]


def test_swish_and_crelu_gradients() -> None:
    x0 = np.random.default_rng(11).standard_normal((2, 3)) + 0.05
    check_grad(tf.nn.swish, x0)
    check_grad(lambda x: tf.nn.crelu(x, axis=0), x0)
    x = tf.constant(x0)
    (g,) = tf.gradients(tf.reduce_sum(tf.nn.swish(x)), [x])
    sig = 1 / (1 + np.exp(-x0))
    np.testing.assert_allclose(run_both(g, tol=1e-12), sig * (1 + x0 * (1 - sig)), rtol=1e-12)


def test_log_poisson_loss_matches_tf1() -> None:
    t, li = D["lp_targets"], D["lp_log_input"]
    a = tf.nn.log_poisson_loss(t, tf.constant(li))
    b = tf.nn.log_poisson_loss(t, tf.constant(li), compute_full_loss=True)
    ra, rb = run_both([a, b])
    np.testing.assert_allclose(ra, TF["lp"], rtol=1e-6)
    np.testing.assert_allclose(rb, TF["lp_full"], rtol=1e-6)
    tt = t.astype(np.float64)
    stirling = np.where(
        (tt >= 0) & (tt <= 1),
        0.0,
        tt * np.log(np.maximum(tt, 1e-30)) - tt + 0.5 * np.log(2 * np.pi * np.maximum(tt, 1e-30)),
    )
    np.testing.assert_allclose(rb, np.exp(li) - li * t + stirling, rtol=1e-5)
    # the gradient in log_input is exp(log_input) - targets, whatever the full-loss term
    li_t = tf.constant(li.astype(np.float64))
    (g,) = tf.gradients(tf.reduce_sum(tf.nn.log_poisson_loss(tt, li_t, compute_full_loss=True)), [li_t])
    np.testing.assert_allclose(run_both(g, tol=1e-12), np.exp(li.astype(np.float64)) - tt, rtol=1e-12)


def test_zero_fraction() -> None:
    v = np.array([[0, 1, 0, 3], [0, 0, 5, 0]], np.int32)
    a = tf.nn.zero_fraction(v)
    b = tf.nn.zero_fraction(tf.constant(np.array([0.0, -0.0, 1e-30, 2.0])))
    ra, rb = run_both([a, b])
    assert a.dtype == tf.float32 and ra == pytest.approx(5 / 8) and rb == pytest.approx(0.5)


def test_activation_errors() -> None:
    with pytest.raises(DTypeError, match=r"crelu.*floating"):
        tf.nn.crelu(tf.constant([1, 2]))
    with pytest.raises(DTypeError, match=r"swish.*floating"):
        tf.nn.swish(tf.constant([1, 2]))
    with pytest.raises(ShapeError, match=r"log_poisson_loss.*incompatible"):
        tf.nn.log_poisson_loss(tf.zeros([3]), tf.zeros([4]))


# --- argument errors of the convolutions and pools -------------------------------------------------------------


def test_conv_and_pool_errors() -> None:
    x, w = tf.zeros([2, 9, 3]), tf.zeros([3, 3, 4])
    with pytest.raises(ShapeError, match=r"conv1d \(test_nn_more.py:\d+\): value must be 3-D"):
        tf.nn.conv1d(tf.zeros([2, 9, 3, 1]), w, 1, "SAME")
    with pytest.raises(ShapeError, match=r"conv1d.*3 channels but the filters expect 2"):
        tf.nn.conv1d(x, tf.zeros([3, 2, 4]), 1, "SAME")
    with pytest.raises(ShapeError, match="padding must be 'SAME' or 'VALID'"):
        tf.nn.conv1d(x, w, 1, "FULL")
    with pytest.raises(ShapeError, match="data_format must be one of"):
        tf.nn.conv1d(x, w, 1, "SAME", data_format="NHWC")
    with pytest.raises(ShapeError, match="stride must be positive"):
        tf.nn.conv1d(x, w, 0, "SAME")
    with pytest.raises(ShapeError, match=r"max_pool1d.*batch and channel"):
        tf.nn.max_pool1d(x, [2, 2, 1], 1, "SAME")
    with pytest.raises(ShapeError, match="pooling_type"):
        tf.nn.pool(x, [2], "MIN", "SAME")
    with pytest.raises(ShapeError, match="dilation_rate > 1 is not supported"):
        tf.nn.pool(x, [2], "MAX", "SAME", dilation_rate=[2])
    with pytest.raises(ShapeError, match="cannot be combined"):
        tf.nn.convolution(x, w, "SAME", strides=[2], dilation_rate=[2])
    with pytest.raises(ShapeError, match="3-, 4- or 5-D"):
        tf.nn.convolution(x, tf.zeros([3, 4]), "SAME")
    with pytest.raises(ShapeError, match=r"conv3d.*batch and channel"):
        tf.nn.conv3d(tf.zeros([1, 4, 4, 4, 2]), tf.zeros([2, 2, 2, 2, 1]), [2, 1, 1, 1, 1], "SAME")
    with pytest.raises(ShapeError, match=r"conv3d.*2 channels but the filter expects 3"):
        tf.nn.conv3d(tf.zeros([1, 4, 4, 4, 2]), tf.zeros([2, 2, 2, 3, 1]), [1] * 5, "SAME")
    with pytest.raises(ShapeError, match="only data_format='NDHWC'"):
        tf.nn.conv3d(
            tf.zeros([1, 2, 4, 4, 4]), tf.zeros([2, 2, 2, 2, 1]), [1] * 5, "SAME", data_format="NCDHW"
        )
    with pytest.raises(ShapeError, match="does not fit"):
        tf.nn.max_pool3d(tf.zeros([1, 2, 4, 4, 1]), [1, 3, 2, 2, 1], [1] * 5, "VALID")
