"""cumsum / cumprod: TF1's exclusive and reverse semantics against NumPy on both backends, int and float
dtypes, static and constant-tensor axes, located errors, and gradients against jax.grad of jnp.cumsum /
jnp.cumprod (including the cumprod gradient at zeros, where TF1's formula divides by zero)."""

from __future__ import annotations

import inspect
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError, ShapeError
from tests.oracle.harness import numeric_grad

RNG = np.random.default_rng(11)
COMBOS = list(itertools.product([False, True], [False, True]))  # (exclusive, reverse)


def run(fetches, feeds=None, backend="interpreter"):
    with gd.Session(backend=backend) as sess:
        return sess.run(fetches, feeds)


def run_both(fetches, feeds=None):
    return run(fetches, feeds, "interpreter"), run(fetches, feeds, "xla")


def line_here() -> int:
    return inspect.currentframe().f_back.f_lineno  # type: ignore[union-attr]


def np_scan(x, axis, exclusive, reverse, product):
    """TF1's definition, element by element: out[i] combines x[j] for j before i (or after, when reversed)."""
    x = np.asarray(x)
    xm = np.moveaxis(x, axis, 0)
    out = np.empty_like(xm)
    n = xm.shape[0]
    for i in range(n):
        if reverse:
            js = range(i + 1, n) if exclusive else range(i, n)
        else:
            js = range(i) if exclusive else range(i + 1)
        acc = np.ones_like(xm[0]) if product else np.zeros_like(xm[0])
        for j in js:
            acc = acc * xm[j] if product else acc + xm[j]
        out[i] = acc
    return np.moveaxis(out, 0, axis)


def jnp_scan(x, axis, exclusive, reverse, product):
    """The same with jnp.cumsum / jnp.cumprod, for jax.grad."""
    fn = jnp.cumprod if product else jnp.cumsum
    if reverse:
        x = jnp.flip(x, axis)
    if exclusive:
        first = jnp.ones_like(jnp.take(x, jnp.array([0]), axis=axis))
        first = first if product else first * 0
        rest = jnp.take(x, jnp.arange(x.shape[axis] - 1), axis=axis)
        x = jnp.concatenate([first, rest], axis=axis)
    y = fn(x, axis=axis)
    return jnp.flip(y, axis) if reverse else y


OPS = [(gd.cumsum, False, "Cumsum"), (gd.cumprod, True, "Cumprod")]


def test_tf1_doc_examples():
    x = np.array([1.0, 2.0, 3.0])
    cases = {
        (False, False): ([1, 3, 6], [1, 2, 6]),
        (True, False): ([0, 1, 3], [1, 1, 2]),
        (False, True): ([6, 5, 3], [6, 6, 3]),
        (True, True): ([5, 3, 0], [6, 3, 1]),
    }
    fetches = []
    for e, r in cases:
        fetches += [gd.cumsum(x, exclusive=e, reverse=r), gd.cumprod(x, exclusive=e, reverse=r)]
    for got in run_both(fetches):
        for k, (s, p) in enumerate(cases.values()):
            np.testing.assert_array_equal(got[2 * k], s)
            np.testing.assert_array_equal(got[2 * k + 1], p)


@pytest.mark.parametrize(("exclusive", "reverse"), COMBOS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64])
@pytest.mark.parametrize(("fn", "product", "op"), OPS, ids=["cumsum", "cumprod"])
def test_values_against_numpy_on_both_backends(fn, product, op, dtype, exclusive, reverse):
    if np.dtype(dtype).kind == "f":
        x = (RNG.uniform(0.5, 1.5, (3, 4, 5)) * RNG.choice([-1, 1], (3, 4, 5))).astype(dtype)
    else:
        x = RNG.integers(-3, 4, (3, 4, 5)).astype(dtype)
    p = gd.placeholder(gd.as_dtype(dtype), [None, 4, None])
    outs = [fn(p, axis=a, exclusive=exclusive, reverse=reverse) for a in (0, 1, 2, -1, -3)]
    for t in outs:
        assert t.op.type == op and t.dtype == gd.as_dtype(dtype) and t.shape.as_list() == [None, 4, None]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for got in run_both(outs, {p: x}):
        for v, a in zip(got, (0, 1, 2, -1, -3), strict=True):
            assert v.dtype == dtype
            np.testing.assert_allclose(v, np_scan(x, a, exclusive, reverse, product), rtol=tol, atol=tol)


def test_int32_sums_wrap_like_tf1_and_keep_their_dtype():
    x = np.array([2**31 - 1, 1, 5], np.int32)
    for (s,) in run_both([gd.cumsum(x)]):
        assert s.dtype == np.int32
        np.testing.assert_array_equal(s, np.array([2**31 - 1, -(2**31), -(2**31) + 5], np.int32))


@pytest.mark.parametrize(("fn", "product", "op"), OPS, ids=["cumsum", "cumprod"])
def test_empty_axes_and_length_one(fn, product, op):
    a, b = np.zeros((0, 3)), RNG.standard_normal((2, 1))
    outs = [fn(a, axis=0, exclusive=True), fn(a, axis=1, reverse=True), fn(b, axis=1, exclusive=True)]
    for got in run_both(outs):
        assert got[0].shape == (0, 3) and got[1].shape == (0, 3)
        np.testing.assert_array_equal(got[2], np.full((2, 1), 1.0 if product else 0.0))


def test_axis_as_constant_tensor_numpy_int_and_negative():
    x = RNG.standard_normal((2, 3, 4))
    outs = [
        gd.cumsum(x, axis=gd.constant(1)),
        gd.cumsum(x, axis=gd.constant(np.int64(-1)), exclusive=True),
        gd.cumprod(x, axis=np.int32(2), reverse=True),
        gd.cumprod(x, axis=gd.constant(2) - 3),  # a build-time computation on constants
    ]
    assert [t.op.attrs["axis"] for t in outs] == [1, -1, 2, -1]
    for got in run_both(outs):
        np.testing.assert_allclose(got[0], np.cumsum(x, axis=1), rtol=1e-12)
        np.testing.assert_allclose(got[1], np_scan(x, 2, True, False, False), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got[2], np_scan(x, 2, False, True, True), rtol=1e-12)
        np.testing.assert_allclose(got[3], np.cumprod(x, axis=-1), rtol=1e-12)


def test_axis_errors_name_the_op_and_line():
    x = gd.placeholder(gd.float32, [2, 3])
    line = line_here() + 2
    with pytest.raises(ShapeError) as exc:
        gd.cumsum(x, axis=2)
    assert f"cumsum 'Cumsum' (test_cumulative_ops.py:{line})" in str(exc.value)
    assert "axis 2 is out of range for rank 2" in str(exc.value)
    with pytest.raises(ShapeError, match=r"cumprod 'Cumprod'.*axis -3 is out of range"):
        gd.cumprod(x, axis=-3)
    fed = gd.placeholder(gd.int32, [])
    with pytest.raises(ShapeError, match=r"cumsum \(test_cumulative_ops.py:\d+\): axis must be known"):
        gd.cumsum(x, axis=fed)
    with pytest.raises(DTypeError, match=r"cumsum .*axis must be an int32 or int64 tensor, got float32"):
        gd.cumsum(x, axis=gd.constant(1.0))
    with pytest.raises(ShapeError, match=r"cumprod .*axis must be a scalar, got shape \[1\]"):
        gd.cumprod(x, axis=[1])
    with pytest.raises(DTypeError, match=r"cumsum .*axis must be an integer"):
        gd.cumsum(x, axis=1.5)


def test_dtype_and_rank_errors():
    with pytest.raises(DTypeError, match=r"cumsum 'Cumsum'.*numeric.*bool"):
        gd.cumsum(np.array([True, False]))
    with pytest.raises(ShapeError, match=r"cumprod 'Cumprod'.*out of range for rank 0"):
        gd.cumprod(3.0)


def test_unknown_rank_is_checked_at_run_time_shapes():
    x = gd.placeholder(gd.float64, None)
    y = gd.cumsum(x, axis=-1, reverse=True)
    assert y.shape.ndims is None
    xv = RNG.standard_normal((2, 3))
    for got in run_both(y, {x: xv}):
        np.testing.assert_allclose(got, np_scan(xv, 1, False, True, False), rtol=1e-12)


# --- gradients ---------------------------------------------------------------------------------------


def _check_grad(fn, product, xv, axis, exclusive, reverse, shape=None):
    x = gd.placeholder(gd.float64, shape if shape is not None else [None] * xv.ndim)
    w = RNG.standard_normal(xv.shape)
    loss = gd.reduce_sum(fn(x, axis=axis, exclusive=exclusive, reverse=reverse) * w)
    (g,) = gd.gradients(loss, [x])

    def jloss(v):
        return jnp.sum(jnp_scan(v, axis, exclusive, reverse, product) * w)

    jg = np.asarray(jax.grad(jloss)(jnp.asarray(xv)))
    num = numeric_grad(lambda v: run(loss, {x: v}), xv)
    np.testing.assert_allclose(jg, num, rtol=1e-6, atol=1e-7)  # the reference itself
    for got in run_both(g, {x: xv}):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, jg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("exclusive", "reverse"), COMBOS)
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize(("fn", "product", "op"), OPS, ids=["cumsum", "cumprod"])
def test_gradient_against_jax(fn, product, op, axis, exclusive, reverse):
    xv = RNG.uniform(0.5, 1.5, (3, 4, 2)) * RNG.choice([-1.0, 1.0], (3, 4, 2))
    _check_grad(fn, product, xv, axis, exclusive, reverse)


@pytest.mark.parametrize(("exclusive", "reverse"), COMBOS)
def test_cumprod_gradient_is_exact_at_zeros(exclusive, reverse):
    xv = np.array(
        [
            [0.0, 1.3, 0.0, 0.0, -0.7, 0.9, 0.0],
            [1.1, 0.0, 0.8, -1.2, 0.0, 0.6, 1.4],
            [0.9, 1.2, -0.8, 1.5, 0.7, -1.1, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    _check_grad(gd.cumprod, True, xv, 1, exclusive, reverse, shape=[4, 7])
    _check_grad(gd.cumprod, True, xv.T.copy(), 0, exclusive, reverse)


def test_cumprod_gradient_where_tf1s_formula_gives_nan():
    # d/dx sum(cumprod([2, 0, 3])) = [1 + x1 + x1 x2, x0 + x0 x2, x0 x1] = [1, 8, 0]; TF1 divides by x1 = 0.
    x = gd.placeholder(gd.float64, [3])
    (g,) = gd.gradients(gd.reduce_sum(gd.cumprod(x)), [x])
    for got in run_both(g, {x: np.array([2.0, 0.0, 3.0])}):
        np.testing.assert_array_equal(got, [1.0, 8.0, 0.0])


def test_cumsum_gradient_is_a_reversed_cumsum_like_tf1():
    x = gd.placeholder(gd.float64, [4])
    (g,) = gd.gradients(gd.reduce_sum(gd.cumsum(x, exclusive=True)), [x])
    assert g.op.type == "Cumsum" and g.op.attrs == {"axis": 0, "exclusive": True, "reverse": True}
    for got in run_both(g, {x: np.zeros(4)}):
        np.testing.assert_array_equal(got, [3.0, 2.0, 1.0, 0.0])


def test_cumprod_second_derivative_against_jax():
    xv = np.array([0.7, -1.2, 0.0, 1.4, 0.9])
    x = gd.placeholder(gd.float64, [5])
    (g,) = gd.gradients(gd.reduce_sum(gd.cumprod(x, reverse=True) ** 2), [x])
    (h,) = gd.gradients(gd.reduce_sum(g), [x])
    want = jax.grad(
        lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(jnp_scan(u, 0, False, True, True) ** 2))(v))
    )(jnp.asarray(xv))
    for got in run_both(h, {x: xv}):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)


def test_integer_scans_carry_no_gradient():
    x = gd.placeholder(gd.float64, [3])
    xi = gd.cast(x, gd.int32)
    y = gd.cast(gd.cumprod(xi) + gd.cumsum(xi), gd.float64)
    assert gd.gradients(gd.reduce_sum(y), [x]) == [None]
