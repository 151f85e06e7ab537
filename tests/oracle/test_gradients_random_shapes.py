"""Gradient rules against central finite differences over random (broadcast) shapes, in float64."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import graphdl as gd
from graphdl.gradient_checker import jacobians

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# name -> (builder, input transform keeping it inside the op's domain)
UNARY = {
    "negative": (gd.negative, None),
    "abs": (gd.abs, lambda v: v + np.sign(v) * 0.1),
    "square": (gd.square, None),
    "sqrt": (gd.sqrt, lambda v: np.abs(v) + 0.5),
    "rsqrt": (gd.rsqrt, lambda v: np.abs(v) + 0.5),
    "exp": (gd.exp, None),
    "log": (gd.log, lambda v: np.abs(v) + 0.5),
    "log1p": (gd.log1p, lambda v: np.abs(v)),
    "sin": (gd.sin, None),
    "cos": (gd.cos, None),
    "tanh": (gd.tanh, None),
    "sigmoid": (gd.sigmoid, None),
    "relu": (gd.nn.relu, lambda v: v + np.sign(v) * 0.1),
    "elu": (gd.nn.elu, lambda v: v + np.sign(v) * 0.1),
    "softplus": (gd.nn.softplus, None),
    "softmax": (gd.nn.softmax, None),
    "log_softmax": (gd.nn.log_softmax, None),
}
BINARY = {
    "add": gd.add,
    "subtract": gd.subtract,
    "multiply": gd.multiply,
    "divide": lambda a, b: gd.divide(a, gd.abs(b) + 0.5),
    "maximum": gd.maximum,
    "minimum": gd.minimum,
    "pow": lambda a, b: gd.pow(gd.abs(a) + 0.5, b),
    "squared_difference": gd.squared_difference,
}
REDUCE = {
    "reduce_sum": gd.reduce_sum,
    "reduce_mean": gd.reduce_mean,
    "reduce_max": gd.reduce_max,
    "reduce_prod": gd.reduce_prod,
    "reduce_logsumexp": gd.reduce_logsumexp,
}


def _check(build, values) -> None:
    g = gd.Graph()
    with g.as_default():
        xs = [gd.placeholder(gd.float64, v.shape) for v in values]
        y = build(*xs)
    for sym, num in jacobians(y, xs, values):
        np.testing.assert_allclose(sym, num, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(
    name=st.sampled_from(sorted(UNARY)),
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_unary_gradients(name, shape, seed):
    fn, fix = UNARY[name]
    v = np.random.default_rng(seed).standard_normal(shape)
    _check(fn, [fix(v) if fix else v])


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_binary_gradients_with_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    if name in ("maximum", "minimum"):
        b = b + 0.05  # keep away from ties, where the derivative jumps
    _check(BINARY[name], [np.asarray(a), np.asarray(b)])


@SETTINGS
@given(
    name=st.sampled_from(sorted(REDUCE)),
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_reduction_gradients(name, shape, keepdims, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    v = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape) / 7.0 + 0.3
    _check(lambda x: REDUCE[name](x, axis=axis, keepdims=keepdims), [v])


@SETTINGS
@given(m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4), ta=st.booleans(), tb=st.booleans())
def test_matmul_gradients(m, k, n, ta, tb):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a = rng.standard_normal((k, m) if ta else (m, k))
    b = rng.standard_normal((n, k) if tb else (k, n))
    _check(lambda x, y: gd.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])
