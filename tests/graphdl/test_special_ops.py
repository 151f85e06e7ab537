"""Special elementwise ops (floor, ceil, round, rint, erf, erfc, expm1, is_nan, is_inf, is_finite): values
against NumPy / math on both backends, TF1 dtype rules with located errors, and gradients (None for the
rounding ops, TF1's formulas for erf, erfc and expm1)."""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError
from tests.oracle.harness import numeric_grad

RNG = np.random.default_rng(7)


def run(fetches, feeds=None, backend="interpreter"):
    with gd.Session(backend=backend) as sess:
        return sess.run(fetches, feeds)


def run_both(fetches, feeds=None):
    return run(fetches, feeds, "interpreter"), run(fetches, feeds, "xla")


def line_here() -> int:
    return inspect.currentframe().f_back.f_lineno  # type: ignore[union-attr]


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _erfc(x):
    return np.vectorize(math.erfc, otypes=[np.float64])(x)


UNARY = [
    (gd.floor, np.floor, "Floor"),
    (gd.ceil, np.ceil, "Ceil"),
    (gd.round, np.round, "Round"),
    (gd.rint, np.rint, "Rint"),
    (gd.erf, _erf, "Erf"),
    (gd.erfc, _erfc, "Erfc"),
    (gd.expm1, np.expm1, "Expm1"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fn", "ref", "op"), UNARY, ids=[u[2] for u in UNARY])
def test_values_against_numpy_on_both_backends(fn, ref, op, dtype):
    x = (RNG.standard_normal((3, 4)) * 3).astype(dtype)
    x[0, :4] = [-2.5, 0.5, 1.5, -0.0]
    p = gd.placeholder(gd.as_dtype(dtype), [None, 4])
    y = fn(p)
    assert y.op.type == op and y.op.name == op
    assert y.dtype == gd.as_dtype(dtype) and y.shape.as_list() == [None, 4]
    want = ref(x.astype(np.float64)).astype(dtype)
    for got in run_both(y, {p: x}):
        assert got.dtype == dtype
        tol = 1e-6 if dtype == np.float32 else 1e-14
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_round_and_rint_break_ties_to_even():
    x = np.array([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 2.6])
    want = np.array([-4.0, -2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0, 0.0, 3.0])
    for got in run_both([gd.round(x), gd.rint(x), gd.round(x.astype(np.float32))]):
        for v in got:
            np.testing.assert_array_equal(v, want.astype(v.dtype))
        np.testing.assert_array_equal(np.signbit(got[0]), np.signbit(want))  # round(-0.5) is -0.0


def test_floor_ceil_on_negative_values_and_integers():
    x = np.array([-1.5, -1.0, -0.2, 0.0, 0.2, 1.0, 1.5])
    for f, c in run_both([gd.floor(x), gd.ceil(x)]):
        np.testing.assert_array_equal(f, [-2.0, -1.0, -1.0, 0.0, 0.0, 1.0, 1.0])
        np.testing.assert_array_equal(c, [-1.0, -1.0, -0.0, 0.0, 1.0, 1.0, 2.0])


def test_round_of_an_integer_tensor_is_the_tensor_itself():
    x = gd.constant(np.array([-3, 0, 7], np.int32))
    assert gd.round(x) is x  # TF1: round returns integer inputs unchanged, adding no op
    n = len(gd.get_default_graph().get_operations())
    gd.round(x)
    assert len(gd.get_default_graph().get_operations()) == n


def test_erf_erfc_expm1_accuracy_in_the_tails():
    x = np.array([-30.0, -5.0, -1e-12, 1e-12, 5.0, 10.0, 26.0])
    small = np.array([1e-15, -1e-10, 1e-5])
    for a, b, c in run_both([gd.erf(x), gd.erfc(x), gd.expm1(small)]):
        np.testing.assert_allclose(a, [math.erf(v) for v in x], rtol=1e-14, atol=0)
        # erfc keeps its relative precision where 1 - erf(x) would give 0
        np.testing.assert_allclose(b, [math.erfc(v) for v in x], rtol=1e-13, atol=0)
        assert b[-1] > 0 and b[-1] < 1e-290
        np.testing.assert_allclose(c, [math.expm1(v) for v in small], rtol=1e-14, atol=0)


def test_erf_identities():
    x = RNG.standard_normal(50) * 2
    e, ec, en = run([gd.erf(x), gd.erfc(x), gd.erf(-x)], backend="xla")
    np.testing.assert_allclose(e + ec, 1.0, rtol=1e-14)
    np.testing.assert_allclose(en, -e, rtol=1e-14)


def test_predicates_return_bool_on_both_backends():
    x = np.array([[0.0, -1.5, np.nan, np.inf], [-np.inf, 1e300, -0.0, -np.nan]])
    for dtype in (np.float32, np.float64):
        v = x.astype(dtype) if dtype == np.float64 else np.where(np.abs(x) == 1e300, 1e30, x).astype(dtype)
        outs = [gd.is_nan(v), gd.is_inf(v), gd.is_finite(v)]
        assert [t.op.type for t in outs] == ["IsNan", "IsInf", "IsFinite"]
        assert all(t.dtype == gd.bool and t.shape.as_list() == [2, 4] for t in outs)
        for got in run_both(outs):
            np.testing.assert_array_equal(got[0], np.isnan(v))
            np.testing.assert_array_equal(got[1], np.isinf(v))
            np.testing.assert_array_equal(got[2], np.isfinite(v))
            assert all(g.dtype == np.bool_ for g in got)


@pytest.mark.parametrize(
    "fn", [gd.floor, gd.ceil, gd.rint, gd.erf, gd.erfc, gd.expm1, gd.is_nan, gd.is_inf, gd.is_finite]
)
def test_integer_inputs_are_dtype_errors_naming_op_and_line(fn):
    x = gd.constant(np.array([1, 2], np.int32))
    line = line_here() + 2
    with pytest.raises(DTypeError) as exc:
        fn(x)
    msg = str(exc.value)
    assert f"test_special_ops.py:{line}" in msg and "floating" in msg and "int32" in msg
    assert msg.startswith(f"{fn.__name__} ")


def test_bool_input_to_round_is_a_dtype_error():
    with pytest.raises(DTypeError, match=r"round 'Round'.*bool"):
        gd.round(gd.constant(np.array([True, False])))


def test_names():
    x = gd.placeholder(gd.float32, [2])
    assert gd.floor(x, name="f").op.name == "f"
    assert gd.is_nan(x).op.name == "IsNan"
    assert gd.erfc(x).name == "Erfc:0"


# --- gradients ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [gd.floor, gd.ceil, gd.round, gd.rint])
def test_rounding_ops_have_no_gradient_like_tf1(fn):
    x = gd.placeholder(gd.float64, [3])
    assert gd.gradients(gd.reduce_sum(fn(x)), [x]) == [None]
    # other paths still flow: d/dx (x + floor(x)) = 1
    (g,) = gd.gradients(gd.reduce_sum(fn(x) * 3.0 + x), [x])
    for got in run_both(g, {x: np.array([0.3, -1.7, 2.2])}):
        np.testing.assert_array_equal(got, [1.0, 1.0, 1.0])


def test_predicates_stop_the_gradient():
    x = gd.placeholder(gd.float64, [3])
    masked = gd.where(gd.is_finite(x), x * 2.0, gd.zeros_like(x))
    (g,) = gd.gradients(gd.reduce_sum(masked), [x])
    for got in run_both(g, {x: np.array([1.0, np.inf, -2.0])}):
        np.testing.assert_array_equal(got, [2.0, 0.0, 2.0])


SMOOTH = [
    (gd.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-(x**2)), jax.scipy.special.erf),
    (gd.erfc, lambda x: -2 / np.sqrt(np.pi) * np.exp(-(x**2)), jax.scipy.special.erfc),
    (gd.expm1, np.exp, jnp.expm1),
]


@pytest.mark.parametrize(("fn", "deriv", "jfn"), SMOOTH, ids=["erf", "erfc", "expm1"])
def test_gradients_tf1_formula_finite_differences_and_jax(fn, deriv, jfn):
    xv = RNG.standard_normal((3, 4)) * 1.5
    w = RNG.standard_normal((3, 4))
    x = gd.placeholder(gd.float64, [None, 4])
    loss = gd.reduce_sum(fn(x) * w)
    (g,) = gd.gradients(loss, [x])
    jg = np.asarray(jax.grad(lambda v: jnp.sum(jfn(v) * w))(jnp.asarray(xv)))
    num = numeric_grad(lambda v: run(loss, {x: v}), xv)
    for got in run_both(g, {x: xv}):
        np.testing.assert_allclose(got, w * deriv(xv), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got, jg, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


def test_second_derivative_of_erf():
    xv = np.linspace(-2.0, 2.0, 9)
    x = gd.placeholder(gd.float64, [9])
    (g,) = gd.gradients(gd.reduce_sum(gd.erf(x)), [x])
    (h,) = gd.gradients(gd.reduce_sum(g), [x])
    want = -2 * xv * 2 / np.sqrt(np.pi) * np.exp(-(xv**2))
    for got in run_both(h, {x: xv}):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_float32_gradients_keep_dtype():
    x = gd.placeholder(gd.float32, [3])
    grads = gd.gradients([gd.reduce_sum(gd.erf(x)), gd.reduce_sum(gd.expm1(x))], [x])
    xv = np.array([0.1, -0.4, 1.2], np.float32)
    for (got,) in run_both(grads, {x: xv}):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, 2 / np.sqrt(np.pi) * np.exp(-(xv**2)) + np.exp(xv), rtol=1e-6)
