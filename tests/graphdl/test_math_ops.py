"""Elementwise math, comparisons, logic, cast, clip, add_n, matmul and tensordot: values against NumPy on
both backends, static inference, located errors, Tensor operators and gradients."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError, ShapeError
from graphdl.registry import get_op_def
from tests.oracle.harness import numeric_grad

BACKENDS = ["interpreter", "xla"]
RNG = np.random.default_rng(1234)


def run(fetches, feeds=None, backend="interpreter"):
    with gd.Session(backend=backend) as sess:
        return sess.run(fetches, feeds)


def run_both(fetches, feeds=None):
    a = run(fetches, feeds, "interpreter")
    b = run(fetches, feeds, "xla")
    return a, b


def line_here() -> int:
    return inspect.currentframe().f_back.f_lineno  # type: ignore[union-attr]


def check_grads(build, values, rtol=1e-5, atol=1e-6):
    """build(*placeholders) -> tensor; check d sum(out * w)/d inputs against central differences."""
    phs = [gd.placeholder(gd.float64, [None] * np.ndim(v)) for v in values]
    out = build(*phs)
    w = RNG.standard_normal(run(out, dict(zip(phs, values, strict=True))).shape)
    loss = gd.reduce_sum(out * w)
    grads = gd.gradients(loss, phs)
    feeds = dict(zip(phs, values, strict=True))
    live = [g if g is not None else loss for g in grads]
    sym = [
        np.zeros_like(v) if g is None else s for g, v, s in zip(grads, values, run(live, feeds), strict=True)
    ]
    sym_xla = [
        np.zeros_like(v) if g is None else s
        for g, v, s in zip(grads, values, run(live, feeds, "xla"), strict=True)
    ]
    for k, v in enumerate(values):

        def f(xk, k=k):
            return run(loss, {**feeds, phs[k]: xk})

        num = numeric_grad(f, v)
        np.testing.assert_allclose(sym[k], num, rtol=rtol, atol=atol, err_msg=f"input {k}")
        np.testing.assert_allclose(sym_xla[k], sym[k], rtol=1e-9, atol=1e-12, err_msg=f"xla input {k}")
    return grads


# --- values against NumPy ----------------------------------------------------------------------

BINARY = [
    (gd.add, np.add),
    (gd.subtract, np.subtract),
    (gd.multiply, np.multiply),
    (gd.divide, np.true_divide),
    (gd.truediv, np.true_divide),
    (gd.floordiv, np.floor_divide),
    (gd.mod, np.mod),
    (gd.maximum, np.maximum),
    (gd.minimum, np.minimum),
    (gd.squared_difference, lambda x, y: (x - y) ** 2),
    (gd.pow, np.power),
]
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((0, 3), (1, 3)), ((), ())]


@pytest.mark.parametrize(("fn", "ref"), BINARY, ids=[f[0].__name__ for f in BINARY])
@pytest.mark.parametrize(("sx", "sy"), SHAPES)
def test_binary_matches_numpy(fn, ref, sx, sy):
    x = RNG.uniform(0.5, 2.0, sx).astype(np.float32)
    y = (RNG.uniform(0.5, 2.0, sy) * (-1 if fn is not gd.pow else 1)).astype(np.float32)
    px, py = gd.placeholder(gd.float32, sx), gd.placeholder(gd.float32, sy)
    out = fn(px, py)
    assert out.shape.as_list() == list(np.broadcast_shapes(sx, sy))
    a, b = run_both(out, {px: x, py: y})
    expect = ref(x, y)
    assert a.dtype == np.float32 and a.shape == expect.shape
    np.testing.assert_allclose(a, expect, rtol=1e-6)
    np.testing.assert_allclose(b, expect, rtol=1e-5)


@pytest.mark.parametrize(
    ("fn", "ref"),
    [(gd.add, np.add), (gd.multiply, np.multiply), (gd.floordiv, np.floor_divide), (gd.mod, np.mod),
     (gd.maximum, np.maximum), (gd.minimum, np.minimum), (gd.subtract, np.subtract)],
)  # fmt: skip
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_binary(fn, ref, dtype):
    x = np.array([[-7, -3, 0, 5, 9]], dtype)
    y = np.array([[2], [-3]], dtype)
    out = fn(gd.constant(x), gd.constant(y))
    assert out.dtype == gd.as_dtype(dtype)
    a, b = run_both(out)
    np.testing.assert_array_equal(a, ref(x, y))
    np.testing.assert_array_equal(b, ref(x, y))


def test_floordiv_and_mod_follow_python_for_negatives():
    x, y = np.array([7.0, -7.0, 7.0, -7.0]), np.array([2.0, 2.0, -2.0, -2.0])
    a, b = run_both([gd.floordiv(x, y), gd.mod(x, y), gd.constant(x) // y, gd.constant(x) % y])
    for got in (a, b):
        np.testing.assert_array_equal(got[0], [3, -4, -4, 3])
        np.testing.assert_array_equal(got[1], [1, 1, -1, -1])
        np.testing.assert_array_equal(got[2], got[0])
        np.testing.assert_array_equal(got[3], got[1])


def test_div_no_nan_values_and_gradients():
    """TF1's div_no_nan: 0 where the divisor is 0, elsewhere x / y; finite gradients everywhere."""
    xv = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    yv = np.array([[2.0, 0.0, -1.5], [0.0, 0.25, 3.0]])
    x, y = gd.placeholder(gd.float64, [2, 3]), gd.placeholder(gd.float64, [2, 3])
    for got in run_both(gd.div_no_nan(x, y), {x: xv, y: yv}):
        np.testing.assert_allclose(got, np.where(yv == 0, 0.0, xv / np.where(yv == 0, 1.0, yv)))
    check_grads(gd.div_no_nan, [xv, yv + (yv == 0) * 0.7])  # differences away from y == 0
    at_zero = run_both(gd.gradients(gd.reduce_sum(gd.div_no_nan(x, y)), [x, y]), {x: xv, y: yv})
    for dx, dy in at_zero:
        assert np.isfinite(dx).all() and np.isfinite(dy).all()
        assert (dx[yv == 0] == 0).all() and (dy[yv == 0] == 0).all()
    assert gd.math.divide_no_nan is gd.div_no_nan
    with pytest.raises(DTypeError, match="floating-point"):
        gd.div_no_nan(gd.constant(1), gd.constant(2))


def test_truediv_of_integers_is_float():
    t = gd.truediv(gd.constant([1, 2, 3]), gd.constant([2, 2, 2]))
    assert t.dtype == gd.float64 and t.op.name == "truediv"
    np.testing.assert_allclose(run(t), [0.5, 1.0, 1.5])
    t8 = gd.constant(np.array([1, 2], np.int8)) / gd.constant(np.array([4, 4], np.int8))
    assert t8.dtype == gd.float32


UNARY = [
    (gd.negative, np.negative, "any"),
    (gd.abs, np.abs, "any"),
    (gd.sign, np.sign, "any"),
    (gd.square, np.square, "any"),
    (gd.sqrt, np.sqrt, "pos"),
    (gd.rsqrt, lambda x: 1 / np.sqrt(x), "pos"),
    (gd.exp, np.exp, "any"),
    (gd.log, np.log, "pos"),
    (gd.log1p, np.log1p, "pos"),
    (gd.sin, np.sin, "any"),
    (gd.cos, np.cos, "any"),
    (gd.tanh, np.tanh, "any"),
    (gd.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "any"),
    (gd.reciprocal, np.reciprocal, "pos"),
]


@pytest.mark.parametrize(("fn", "ref", "domain"), UNARY, ids=[u[0].__name__ for u in UNARY])
@pytest.mark.parametrize("shape", [(2, 3), (), (0, 4), (1, 1, 5)])
def test_unary_matches_numpy(fn, ref, domain, shape):
    x = (RNG.uniform(0.1, 3.0, shape) if domain == "pos" else RNG.standard_normal(shape) * 2).astype(
        np.float32
    )
    p = gd.placeholder(gd.float32, [None] * len(shape))
    out = fn(p)
    assert out.shape.as_list() == [None] * len(shape) and out.dtype == gd.float32
    a, b = run_both(out, {p: x})
    np.testing.assert_allclose(a, ref(x.astype(np.float64)), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(b, a, rtol=2e-6, atol=1e-7)


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], np.float32)
    with np.errstate(over="raise"):
        a, b = run_both(gd.sigmoid(x))
    for got in (a, b):
        assert np.all(np.isfinite(got))
        assert got[0] == 0.0 and got[-1] == 1.0 and got[3] == 0.5
        np.testing.assert_allclose(got[2], np.exp(-30.0), rtol=1e-5)


def test_unary_integer_inputs_where_tf1_allows_them():
    x = gd.constant(np.array([-3, 0, 4], np.int32))
    a = run([gd.negative(x), gd.abs(x), gd.sign(x), gd.square(x)])
    np.testing.assert_array_equal(a[0], [3, 0, -4])
    np.testing.assert_array_equal(a[1], [3, 0, 4])
    np.testing.assert_array_equal(a[2], [-1, 0, 1])
    np.testing.assert_array_equal(a[3], [9, 0, 16])
    with pytest.raises(DTypeError, match=r"sqrt 'Sqrt'.*floating"):
        gd.sqrt(x)


def test_comparisons_and_logic():
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    y = np.array([[2.0], [1.0]], np.float32)
    cmps = [gd.equal(x, y), gd.not_equal(x, y), gd.less(x, y), gd.less_equal(x, y), gd.greater(x, y),
            gd.greater_equal(x, y)]  # fmt: skip
    refs = [np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal]
    for t in cmps:
        assert t.dtype == gd.bool and t.shape.as_list() == [2, 3]
    for got in run_both(cmps):
        for v, ref in zip(got, refs, strict=True):
            np.testing.assert_array_equal(v, ref(x, y))
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    logic = [gd.logical_and(p, q), gd.logical_or(p, q), gd.logical_xor(p, q), gd.logical_not(p)]
    for got in run_both(logic):
        np.testing.assert_array_equal(got[0], p & q)
        np.testing.assert_array_equal(got[1], p | q)
        np.testing.assert_array_equal(got[2], p ^ q)
        np.testing.assert_array_equal(got[3], ~p)
    with pytest.raises(DTypeError, match=r"logical_and 'LogicalAnd_1'.*expects bool"):
        gd.logical_and(gd.constant([1.0]), gd.constant([0.0]))
    assert run(gd.equal(gd.constant([1, 2]), 2)).tolist() == [False, True]


def test_tensor_operators_build_the_right_ops():
    x = gd.constant(np.array([[1.0, -2.0], [3.0, 4.0]], np.float32))
    y = gd.constant(np.array([[2.0, 2.0], [-1.0, 0.5]], np.float32))
    a, b = x.op.attrs["value"], y.op.attrs["value"]
    cases = [
        (x + y, "Add", a + b), (x - y, "Sub", a - b), (x * y, "Mul", a * b), (x / y, "RealDiv", a / b),
        (x // y, "FloorDiv", a // b), (x % y, "FloorMod", a % b), (abs(x) ** y, "Pow", np.abs(a) ** b),
        (x @ y, "MatMul", a @ b), (-x, "Neg", -a), (abs(x), "Abs", np.abs(a)), (x < y, "Less", a < b),
        (x <= y, "LessEqual", a <= b), (x > y, "Greater", a > b), (x >= y, "GreaterEqual", a >= b),
        (1.0 + x, "Add", 1 + a), (2 - x, "Sub", 2 - a), (3 * x, "Mul", 3 * a), (1 / y, "RealDiv", 1 / b),
        (7 // y, "FloorDiv", 7 // b), (7 % y, "FloorMod", 7 % b), (2.0**y, "Pow", 2.0**b),
        (a @ y, "MatMul", a @ b),
    ]  # fmt: skip
    bx, by = x > 0, y > 0
    bools = [(bx & by, "LogicalAnd", (a > 0) & (b > 0)), (bx | by, "LogicalOr", (a > 0) | (b > 0)),
             (bx ^ by, "LogicalXor", (a > 0) ^ (b > 0)), (~bx, "LogicalNot", ~(a > 0))]  # fmt: skip
    for t, op_type, _ in cases + bools:
        assert t.op.type == op_type, (t, op_type)
    for got in run_both([t for t, _, _ in cases + bools]):
        for v, (_, op_type, expect) in zip(got, cases + bools, strict=True):
            np.testing.assert_allclose(v, expect, rtol=1e-6, err_msg=op_type)


def test_python_scalars_adopt_the_tensor_dtype():
    f64 = gd.constant(np.array([1.0, 2.0]))
    i32 = gd.constant(np.array([1, 2], np.int32))
    assert (f64 + 1).dtype == gd.float64
    assert (2 * f64).dtype == gd.float64
    assert (i32 + 2).dtype == gd.int32
    assert gd.maximum(i32, 0).dtype == gd.int32
    with pytest.raises(DTypeError, match=r"cannot use 1\.5 with int32"):
        i32 + 1.5


def test_default_names_follow_tf1():
    x = gd.constant([1.0, 2.0])
    names = {
        "Add": gd.add(x, x), "Sub": gd.subtract(x, x), "Mul": gd.multiply(x, x), "truediv": gd.divide(x, x),
        "floordiv": gd.floordiv(x, x), "FloorMod": gd.mod(x, x), "Neg": gd.negative(x), "Pow": gd.pow(x, x),
        "Maximum": gd.maximum(x, x), "Sigmoid": gd.sigmoid(x), "Equal": gd.equal(x, x), "Cast": gd.cast(x, gd.int32),
        "clip_by_value": gd.clip_by_value(x, 0.0, 1.0), "AddN": gd.add_n([x, x]), "scalar_mul": gd.scalar_mul(2.0, x),
        "SquaredDifference": gd.squared_difference(x, x), "Tensordot": gd.tensordot(x, x, 1),
        "LogicalNot": gd.logical_not(x > 0),
    }  # fmt: skip
    for name, t in names.items():
        assert t.op.name == name
    assert gd.add(x, x, name="plus").op.name == "plus"
    assert gd.add(x, x).op.name == "Add_1"


# --- static inference -------------------------------------------------------------------------


def test_infer_with_unknown_dims_and_rank():
    a = gd.placeholder(gd.float32, [None, 3])
    b = gd.placeholder(gd.float32, [5, 1, None])
    c = gd.placeholder(gd.float32)  # unknown rank
    assert (a + b).shape.as_list() == [5, None, 3]
    assert (a * 2).shape.as_list() == [None, 3]
    assert (a + c).shape.dims is None
    assert gd.sigmoid(c).shape.dims is None
    assert gd.less(a, c).dtype == gd.bool
    assert gd.matmul(a, gd.placeholder(gd.float32, [3, None])).shape.as_list() == [None, None]
    assert gd.matmul(c, a).shape.dims is None
    assert gd.add_n([a, gd.placeholder(gd.float32, [4, None])]).shape.as_list() == [4, 3]
    batched = gd.matmul(gd.placeholder(gd.float32, [None, 1, 2, 3]), gd.placeholder(gd.float32, [4, 3, 5]))
    assert batched.shape.as_list() == [None, 4, 2, 5]


def test_dtype_error_names_op_and_line():
    x = gd.placeholder(gd.float32, [2])
    y = gd.placeholder(gd.int32, [2])
    line = line_here() + 2
    with pytest.raises(DTypeError) as exc:
        gd.add(x, y)
    msg = str(exc.value)
    assert f"add 'Add' (test_math_ops.py:{line})" in msg and "float32" in msg and "int32" in msg
    with pytest.raises(DTypeError, match=r"multiply 'mul' \(test_math_ops.py:\d+\)"):
        x * y
    assert isinstance(exc.value, TypeError)


def test_shape_errors_name_op_shapes_and_line():
    x = gd.placeholder(gd.float32, [None, 784])
    w = gd.placeholder(gd.float32, [300, 10])
    line = line_here() + 2
    with pytest.raises(ShapeError) as exc:
        gd.matmul(x, w, name="dense/MatMul")
    assert str(exc.value).startswith(
        f"matmul 'dense/MatMul' (test_math_ops.py:{line}): inner dimensions differ: [?,784] x [300,10]"
    )
    assert isinstance(exc.value, ValueError)
    line = line_here() + 2
    with pytest.raises(ShapeError) as exc:
        gd.add(gd.placeholder(gd.float32, [2, 3]), gd.placeholder(gd.float32, [4]))
    assert f"add 'Add' (test_math_ops.py:{line})" in str(exc.value) and "[2,3]" in str(exc.value)
    with pytest.raises(ShapeError, match="rank >= 2"):
        gd.matmul(gd.constant([1.0, 2.0]), gd.constant([[1.0], [2.0]]))
    with pytest.raises(ShapeError, match=r"tensordot 'Tensordot'.*contracted dimensions differ"):
        gd.tensordot(gd.placeholder(gd.float32, [2, 3]), gd.placeholder(gd.float32, [4, 5]), 1)
    with pytest.raises(ShapeError, match=r"add_n 'AddN'.*same shape"):
        gd.add_n([gd.constant([1.0]), gd.constant([1.0, 2.0])])
    with pytest.raises(ShapeError, match="scalar_mul"):
        gd.scalar_mul(gd.constant([1.0, 2.0]), gd.constant([1.0, 2.0]))


# --- cast, clip, add_n, matmul, tensordot -------------------------------------------------------


def test_cast():
    x = gd.constant(np.array([-1.7, -0.2, 0.0, 2.9], np.float32))
    assert gd.cast(x, gd.float32) is x
    outs = [gd.cast(x, gd.int32), gd.cast(x, gd.bool), gd.cast(x, "float64"), gd.to_float(gd.constant([1, 2])),
            gd.to_int64(x), gd.cast(gd.constant([True, False]), gd.float32)]  # fmt: skip
    assert [t.dtype for t in outs] == [gd.int32, gd.bool, gd.float64, gd.float32, gd.int64, gd.float32]
    for got in run_both(outs):
        np.testing.assert_array_equal(got[0], [-1, 0, 0, 2])
        np.testing.assert_array_equal(got[1], [True, True, False, True])
        assert got[2].dtype == np.float64
        np.testing.assert_array_equal(got[3], [1.0, 2.0])
        np.testing.assert_array_equal(got[5], [1.0, 0.0])


def test_clip_by_value_values_and_gradient():
    x = np.array([-3.0, -0.5, 0.2, 0.9, 4.0])
    t = gd.clip_by_value(gd.constant(x), -1.0, 1.0)
    for got in run_both(t):
        np.testing.assert_array_equal(got, np.clip(x, -1, 1))
    (g,) = gd.gradients(gd.reduce_sum(t), [t.op.inputs[0]])
    np.testing.assert_array_equal(run(g), [0, 1, 1, 1, 0])
    check_grads(lambda a, lo, hi: gd.clip_by_value(a, lo, hi), [x, np.array([-1.0]), np.array(1.0)])


def test_add_n():
    xs = [RNG.standard_normal((2, 3)) for _ in range(4)]
    for got in run_both(gd.add_n(xs)):
        np.testing.assert_allclose(got, sum(xs))
    single = gd.constant(xs[0])
    assert gd.add_n([single]) is single
    check_grads(lambda a, b, c: gd.add_n([a, b, a * c]), xs[:3])


@pytest.mark.parametrize(("ta", "tb"), [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_transposes(ta, tb):
    a = RNG.standard_normal((4, 3) if ta else (3, 4))
    b = RNG.standard_normal((2, 4) if tb else (4, 2))
    out = gd.matmul(a, b, transpose_a=ta, transpose_b=tb)
    expect = (a.T if ta else a) @ (b.T if tb else b)
    assert out.shape.as_list() == [3, 2]
    for got in run_both(out):
        np.testing.assert_allclose(got, expect, rtol=1e-12)
    check_grads(lambda x, y: gd.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])


def test_batched_matmul_broadcasts_batch_dims():
    a, b = RNG.standard_normal((2, 1, 3, 4)), RNG.standard_normal((5, 4, 2))
    out = gd.matmul(a, b)
    assert out.shape.as_list() == [2, 5, 3, 2]
    for got in run_both(out):
        np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-12)
    check_grads(gd.matmul, [a, b])


@pytest.mark.parametrize(
    ("sa", "sb", "axes"),
    [((3, 4), (4, 2), 1), ((2, 3, 4), (3, 4, 5), 2), ((2,), (3,), 0), ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]),
     ((2, 3), (3, 2), ([-1], [0])), ((3, 4), (4, 3), [1, 0])],
)  # fmt: skip
def test_tensordot(sa, sb, axes):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    out = gd.tensordot(a, b, axes)
    np_axes = (
        axes if isinstance(axes, int) else (np.atleast_1d(axes[0]).tolist(), np.atleast_1d(axes[1]).tolist())
    )
    expect = np.tensordot(a, b, np_axes)
    assert out.shape.as_list() == list(expect.shape)
    for got in run_both(out):
        np.testing.assert_allclose(got, expect, rtol=1e-12)
    check_grads(lambda x, y: gd.tensordot(x, y, axes), [a, b])


# --- gradients -------------------------------------------------------------------------------


@pytest.mark.parametrize(("fn", "ref", "domain"), UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary_gradients(fn, ref, domain):
    x = RNG.uniform(0.3, 2.0, (2, 3)) * (1 if domain == "pos" else RNG.choice([-1, 1], (2, 3)))
    check_grads(fn, [x])


@pytest.mark.parametrize(("fn", "ref"), BINARY, ids=[f[0].__name__ for f in BINARY])
@pytest.mark.parametrize(("sx", "sy"), [((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,))])
def test_binary_gradients_with_broadcasting_and_dynamic_shapes(fn, ref, sx, sy):
    # check_grads feeds through placeholders of unknown dims: the run-time Unbroadcast op is exercised.
    x = RNG.uniform(0.5, 2.0, sx)
    y = RNG.uniform(0.5, 2.0, sy) + 0.1
    check_grads(fn, [x, y])


def test_static_broadcast_gradient_is_a_plain_reduce_sum():
    x = gd.placeholder(gd.float32, [None, 3])
    w = gd.placeholder(gd.float32, [3, 2])
    b = gd.placeholder(gd.float32, [2])
    h = gd.matmul(x, w)
    gh, gb = gd.gradients(gd.reduce_sum(h + b), [h, b])
    types = {n.type for n in gd.get_default_graph().get_operations() if n.name.startswith("gradients/")}
    assert "Unbroadcast" not in types  # the batch dim of h cannot have been broadcast: b has none
    assert gb.op.type == "Sum" and gb.shape.as_list() == [2]
    assert gh.shape.as_list() == [None, 2]
    xv = RNG.standard_normal((4, 3)).astype(np.float32)
    got = run([gh, gb], {x: xv, w: np.ones((3, 2), np.float32), b: np.zeros(2, np.float32)})
    np.testing.assert_allclose(got[0], np.ones((4, 2)))
    np.testing.assert_allclose(got[1], [4, 4])
    c = gd.placeholder(gd.float32, [4, 1])
    d = gd.placeholder(gd.float32, [4, 5])
    gc, gd_ = gd.gradients(gd.reduce_sum(c * d), [c, d])
    assert gc.op.type == "Sum" and gc.shape.as_list() == [4, 1]
    assert gd_.op.type == "Mul"  # same shape: no reduction at all


def test_dynamic_broadcast_gradient_uses_unbroadcast():
    x = gd.placeholder(gd.float64, [None, 3])
    y = gd.placeholder(gd.float64, [None, 3])
    gx, gy = gd.gradients(gd.reduce_sum(x * y), [x, y])
    assert gx.op.type == "Unbroadcast"
    xv, yv = RNG.standard_normal((1, 3)), RNG.standard_normal((5, 3))  # x broadcast over the batch
    got = run([gx, gy], {x: xv, y: yv})
    np.testing.assert_allclose(got[0], yv.sum(0, keepdims=True))
    np.testing.assert_allclose(got[1], np.broadcast_to(xv, (5, 3)))
    np.testing.assert_allclose(run([gx, gy], {x: xv, y: yv}, "xla")[0], got[0])


def test_tf1_gradient_conventions():
    x = gd.constant(np.array([2.0, 1.0, -1.0, 0.0]))
    y = gd.constant(np.array([2.0, 3.0, 2.0, 2.0]))
    gx, gy = gd.gradients(gd.reduce_sum(gd.maximum(x, y)), [x, y])
    np.testing.assert_array_equal(run(gx), [1, 0, 0, 0])  # tie goes to x
    np.testing.assert_array_equal(run(gy), [0, 1, 1, 1])
    gx, gy = gd.gradients(gd.reduce_sum(gd.minimum(x, y)), [x, y])
    np.testing.assert_array_equal(run(gx), [1, 1, 1, 1])
    # d/dy x^y is 0 where x <= 0 (no NaN from log), x^y log x elsewhere
    _, gy = gd.gradients(gd.reduce_sum(gd.pow(x, y)), [x, y])
    np.testing.assert_allclose(run(gy), [4 * np.log(2.0), 0.0, 0.0, 0.0])
    np.testing.assert_allclose(run(gy, backend="xla"), [4 * np.log(2.0), 0.0, 0.0, 0.0])
    (ga,) = gd.gradients(gd.reduce_sum(gd.abs(x)), [x])
    np.testing.assert_array_equal(run(ga), [1, 1, -1, 0])


def test_integer_and_comparison_ops_carry_no_gradient():
    i = gd.constant(np.array([1, 2], np.int32))
    node = (i + i).op
    assert get_op_def("Add").gradient(node, [i]) == [None, None]
    x = gd.constant([1.0, 2.0])
    assert gd.gradients(gd.reduce_sum(gd.cast(gd.cast(x, gd.int32), gd.float32)), [x]) == [None]
    assert not get_op_def("Less").differentiable
    (g,) = gd.gradients(gd.reduce_sum(gd.floordiv(x, 0.7)), [x])
    assert g is None


def test_cast_gradient_between_float_types():
    x = gd.placeholder(gd.float64, [3])
    (g,) = gd.gradients(gd.reduce_sum(gd.cast(x, gd.float32) * 2.0), [x])
    assert g.dtype == gd.float64
    np.testing.assert_array_equal(run(g, {x: np.ones(3)}), [2, 2, 2])


def test_second_order_gradients():
    x = gd.placeholder(gd.float64, [None])
    y = gd.reduce_sum(gd.sigmoid(x) * gd.tanh(x) + x**3)
    (g,) = gd.gradients(y, [x])
    (h,) = gd.gradients(gd.reduce_sum(g), [x])
    xv = RNG.standard_normal(5)

    def g_of(v):
        return run(g, {x: v})

    num = np.array([numeric_grad(lambda v, i=i: g_of(v)[i], xv)[i] for i in range(5)])
    np.testing.assert_allclose(run(h, {x: xv}), num, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run(h, {x: xv}, "xla"), num, rtol=1e-5, atol=1e-6)


def test_lower_agrees_with_evaluate_in_float32():
    from tests.oracle.harness import LowerCtx

    x = RNG.standard_normal((3, 4)).astype(np.float32) * 10
    for fn in (gd.sigmoid, gd.tanh, gd.exp, gd.abs, gd.square):
        t = fn(gd.constant(x))
        ev = t.op.op_def.evaluate([x], t.op.attrs, None)
        lo = np.asarray(t.op.op_def.lower([x], t.op.attrs, LowerCtx(t.op)))
        np.testing.assert_allclose(lo, ev, rtol=1e-5, err_msg=t.op.type)
