"""Reductions, argmax/argmin, count_nonzero and reduce_logsumexp: values against NumPy on both backends,
static inference, axis handling, located errors and gradients (TF1's rules for max/min ties and prod zeros)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError, ShapeError
from tests.oracle.harness import numeric_grad

RNG = np.random.default_rng(4321)


def run(fetches, feeds=None, backend="interpreter"):
    with gd.Session(backend=backend) as sess:
        return sess.run(fetches, feeds)


def run_both(fetches, feeds=None):
    return run(fetches, feeds, "interpreter"), run(fetches, feeds, "xla")


def check_grad(build, value, static_shape=False, rtol=1e-5, atol=1e-6):
    """d sum(build(x) * w)/dx against central differences, on both backends."""
    p = gd.placeholder(gd.float64, value.shape if static_shape else [None] * value.ndim)
    out = build(p)
    w = RNG.standard_normal(run(out, {p: value}).shape)
    loss = gd.reduce_sum(out * w)
    (g,) = gd.gradients(loss, [p])
    num = numeric_grad(lambda v: run(loss, {p: v}), value)
    np.testing.assert_allclose(run(g, {p: value}), num, rtol=rtol, atol=atol)
    np.testing.assert_allclose(run(g, {p: value}, "xla"), num, rtol=rtol, atol=atol)
    return g


REDUCERS = [
    (gd.reduce_sum, np.sum),
    (gd.reduce_mean, np.mean),
    (gd.reduce_max, np.max),
    (gd.reduce_min, np.min),
    (gd.reduce_prod, np.prod),
]
AXES = [None, 0, 1, -1, [0, 2], [-1, 0], [], (1,)]


@pytest.mark.parametrize(("fn", "ref"), REDUCERS, ids=[r[0].__name__ for r in REDUCERS])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_matches_numpy(fn, ref, axis, keepdims):
    x = RNG.uniform(0.5, 1.5, (2, 3, 4)).astype(np.float32)
    p = gd.placeholder(gd.float32, [2, 3, 4])
    out = fn(p, axis=axis, keepdims=keepdims)
    np_axis = tuple(np.atleast_1d(axis).tolist()) if axis is not None else None
    expect = ref(x, axis=np_axis, keepdims=keepdims)
    assert out.shape.as_list() == list(expect.shape)
    for got in run_both(out, {p: x}):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expect, rtol=1e-5)


@pytest.mark.parametrize(("fn", "ref"), REDUCERS, ids=[r[0].__name__ for r in REDUCERS])
def test_reduce_rank0_and_integers(fn, ref):
    for got in run_both([fn(np.float32(3.5)), fn(np.float32(3.5), axis=[])]):
        assert got[0].shape == () and got[0] == np.float32(3.5) and got[1] == np.float32(3.5)
    xi = np.array([[3, -7, 2], [5, 1, -4]], np.int32)
    out = fn(gd.constant(xi), axis=1)
    assert out.dtype == gd.int32
    expect = ref(xi, axis=1)
    if fn is gd.reduce_mean:
        expect = np.trunc(xi.sum(1) / 3).astype(np.int32)  # TF1: integer mean truncates
    for got in run_both(out):
        np.testing.assert_array_equal(got, expect)


def test_reduce_of_size_zero_dims():
    x = np.zeros((0, 3), np.float32)
    outs = [gd.reduce_sum(x, 0), gd.reduce_prod(x, 0), gd.reduce_max(x, 0), gd.reduce_min(x, 0),
            gd.reduce_sum(x, 1), gd.reduce_any(x > 0, 0), gd.reduce_all(x > 0, 0)]  # fmt: skip
    for got in run_both(outs):
        np.testing.assert_array_equal(got[0], [0, 0, 0])
        np.testing.assert_array_equal(got[1], [1, 1, 1])
        np.testing.assert_array_equal(got[2], [-np.inf] * 3)
        np.testing.assert_array_equal(got[3], [np.inf] * 3)
        assert got[4].shape == (0,)
        np.testing.assert_array_equal(got[5], [False] * 3)
        np.testing.assert_array_equal(got[6], [True] * 3)


def test_tf1_deprecated_argument_names():
    x = RNG.standard_normal((2, 3))
    a = gd.reduce_sum(x, reduction_indices=[1], keep_dims=True)
    b = gd.reduce_mean(x, reduction_indices=0)
    assert a.shape.as_list() == [2, 1] and b.shape.as_list() == [3]
    got = run([a, b])
    np.testing.assert_allclose(got[0], x.sum(1, keepdims=True))
    np.testing.assert_allclose(got[1], x.mean(0))
    c = gd.reduce_sum(x, axis=gd.constant([1]))
    assert c.shape.as_list() == [2]


def test_default_names():
    x = gd.constant([[1.0, 2.0]])
    for fn, name in [(gd.reduce_sum, "Sum"), (gd.reduce_mean, "Mean"), (gd.reduce_max, "Max"),
                     (gd.reduce_min, "Min"), (gd.reduce_prod, "Prod"), (gd.reduce_logsumexp, "ReduceLogSumExp"),
                     (gd.argmax, "ArgMax"), (gd.argmin, "ArgMin")]:  # fmt: skip
        assert fn(x).op.name == name
    assert gd.reduce_any(x > 0).op.name == "Any" and gd.reduce_all(x > 0).op.name == "All"
    assert gd.count_nonzero(x).op.name.startswith("count_nonzero/")


def test_infer_with_unknown_dims_and_rank():
    p = gd.placeholder(gd.float32, [None, 3, None])
    assert gd.reduce_sum(p, 1).shape.as_list() == [None, None]
    assert gd.reduce_mean(p, [0, -1], keepdims=True).shape.as_list() == [1, 3, 1]
    assert gd.reduce_max(p).shape.as_list() == []
    assert gd.argmax(p, 1).shape.as_list() == [None, None]
    u = gd.placeholder(gd.float32)
    assert gd.reduce_sum(u).shape.as_list() == []
    assert gd.reduce_sum(u, 1).shape.dims is None
    assert gd.reduce_sum(u, keepdims=True).shape.dims is None
    assert gd.argmax(u, 0).shape.dims is None and gd.argmax(u, 0).dtype == gd.int64
    xv = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    for got in run_both([gd.reduce_sum(u, 1), gd.reduce_mean(u, -1, keepdims=True)], {u: xv}):
        np.testing.assert_allclose(got[0], xv.sum(1), rtol=1e-6)
        np.testing.assert_allclose(got[1], xv.mean(-1, keepdims=True), rtol=1e-6)


def test_errors_name_op_and_line():
    p = gd.placeholder(gd.float32, [2, 3])
    line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
    with pytest.raises(ShapeError) as exc:
        gd.reduce_sum(p, axis=2)
    assert f"reduce_sum (test_reduce_ops.py:{line})" in str(exc.value) and "[2,3]" in str(exc.value)
    with pytest.raises(ShapeError, match=r"argmax.*out of range"):
        gd.argmax(p, -3)
    with pytest.raises(DTypeError, match=r"reduce_any 'Any' \(test_reduce_ops.py:\d+\).*bool"):
        gd.reduce_any(p)
    with pytest.raises(DTypeError, match=r"reduce_logsumexp.*floating"):
        gd.reduce_logsumexp(gd.constant([1, 2]))


def test_argmax_argmin():
    x = np.array([[1.0, 5.0, 5.0], [7.0, -1.0, 7.0]], np.float32)
    outs = [gd.argmax(x), gd.argmax(x, 1), gd.argmin(x, axis=-1), gd.argmax(x, dimension=1),
            gd.argmin(x, 1, output_type=gd.int32)]  # fmt: skip
    assert [t.dtype for t in outs] == [gd.int64] * 4 + [gd.int32]
    for got in run_both(outs):
        np.testing.assert_array_equal(got[0], [1, 0, 1])  # axis None means 0 in TF1
        np.testing.assert_array_equal(got[1], [1, 0])  # ties: first index
        np.testing.assert_array_equal(got[2], [0, 1])
        np.testing.assert_array_equal(got[3], [1, 0])
        assert got[4].dtype == np.int32


def test_any_all_count_nonzero():
    b = np.array([[True, False, False], [True, True, True]])
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], np.float32)
    outs = [gd.reduce_any(b, 1), gd.reduce_all(b, 1), gd.reduce_all(b), gd.count_nonzero(x),
            gd.count_nonzero(x, axis=1, keepdims=True), gd.count_nonzero(b, 0, dtype=gd.int32)]  # fmt: skip
    assert outs[3].dtype == gd.int64 and outs[5].dtype == gd.int32
    for got in run_both(outs):
        np.testing.assert_array_equal(got[0], [True, True])
        np.testing.assert_array_equal(got[1], [False, True])
        assert not got[2]
        assert got[3] == 3
        np.testing.assert_array_equal(got[4], [[1], [2]])
        np.testing.assert_array_equal(got[5], [2, 1, 1])


def test_reduce_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]], np.float32)
    outs = [gd.reduce_logsumexp(x, 1), gd.reduce_logsumexp(x[2], keepdims=True)]
    for got in run_both(outs):
        np.testing.assert_allclose(got[0][0], 1000.0 + np.log(2.0), rtol=1e-6)
        assert got[0][1] == -np.inf
        np.testing.assert_allclose(got[0][2], np.log(np.exp([0.0, 1.0, 2.0]).sum()), rtol=1e-6)
        assert got[1].shape == (1,)


# --- gradients -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [gd.reduce_sum, gd.reduce_mean, gd.reduce_max, gd.reduce_min, gd.reduce_prod, gd.reduce_logsumexp]
)
@pytest.mark.parametrize(
    ("axis", "keepdims"), [(None, False), (1, False), ([0, -1], True), (None, True), (-2, False)]
)
@pytest.mark.parametrize("static_shape", [True, False])
def test_reduce_gradients(fn, axis, keepdims, static_shape):
    x = RNG.uniform(0.5, 1.5, (2, 3, 4)) * RNG.choice([-1.0, 1.0], (2, 3, 4))
    check_grad(lambda p: fn(p, axis=axis, keepdims=keepdims), x, static_shape=static_shape)


def test_reduce_mean_gradient_with_dynamic_batch():
    p = gd.placeholder(gd.float32, [None, 3])
    (g,) = gd.gradients(gd.reduce_mean(p), [p])
    for n in (1, 4):
        for got in run_both(g, {p: np.ones((n, 3), np.float32)}):
            np.testing.assert_allclose(got, np.full((n, 3), 1.0 / (3 * n)), rtol=1e-6)


def test_max_gradient_splits_ties_equally():
    x = gd.constant(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0], [5.0, 5.0, 5.0]]))
    (g,) = gd.gradients(gd.reduce_max(x, 1), [x])
    (gm,) = gd.gradients(gd.reduce_min(x, 1), [x])
    for got in run_both([g, gm]):
        np.testing.assert_allclose(got[0], [[0, 0.5, 0.5], [0.5, 0, 0.5], [1 / 3, 1 / 3, 1 / 3]])
        np.testing.assert_allclose(got[1], [[1, 0, 0], [0, 1, 0], [1 / 3, 1 / 3, 1 / 3]])


def test_prod_gradient_with_zeros():
    x = np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]])
    t = gd.constant(x)
    (g,) = gd.gradients(gd.reduce_prod(t, 1), [t])
    for got in run_both(g):
        np.testing.assert_allclose(got, [[0, 3, 0], [0, 0, 0], [-2, -1, 2]])
    check_grad(lambda p: gd.reduce_prod(p, 1), x)


def test_second_order_through_reductions():
    p = gd.placeholder(gd.float64, [None, 3])
    y = gd.reduce_logsumexp(p, 1) + gd.reduce_sum(
        gd.reduce_mean(p * p, 0) * gd.reduce_max(p, 1, keepdims=True)
    )
    (g,) = gd.gradients(gd.reduce_sum(y), [p])
    (h,) = gd.gradients(gd.reduce_sum(g * g), [p])
    xv = RNG.standard_normal((2, 3))
    num = numeric_grad(lambda v: float(np.sum(run(g, {p: v}) ** 2)), xv)
    np.testing.assert_allclose(run(h, {p: xv}), num, rtol=1e-5, atol=1e-6)
