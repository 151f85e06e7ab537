"""Random ops: the counter-based generator, bit-for-bit agreement of both backends, TF1 seeds, statistics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl import random_bits as rb
from graphdl._jax import jax, jnp
from graphdl.ops.random import DEFAULT_GRAPH_SEED, get_seed


class Ctx:
    """The part of an evaluate/lower context random ops use."""

    def __init__(self, node: Any, step: Any) -> None:
        self.node = node
        self.step = step
        self.platform = "cpu"


def both(t: gd.Tensor, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The op's evaluate (NumPy) and its lowering (jitted, with a traced step) at run `step`."""
    node = t.op
    ins = [i.op.attrs["value"] for i in node.inputs]  # the constant parameters
    ev = node.op_def.evaluate([np.asarray(v) for v in ins], node.attrs, Ctx(node, step))
    lowered = jax.jit(lambda s, *a: node.op_def.lower(list(a), node.attrs, Ctx(node, s)))(
        np.int64(step), *[jnp.asarray(v) for v in ins]
    )
    return np.asarray(ev), np.asarray(lowered)


# --- the generator ------------------------------------------------------------------------------


@pytest.mark.parametrize("xp", [np, jnp], ids=["numpy", "jax"])
def test_threefry_known_answers(xp: Any) -> None:
    # Random123's known-answer vectors for Threefry-2x32, 20 rounds.
    cases = [
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ]
    for key, ctr, want in cases:
        args = [xp.asarray([v], dtype=xp.uint32) for v in key + ctr]
        y0, y1 = rb.threefry2x32(xp, *args)
        assert (int(y0[0]), int(y1[0])) == want


def test_step_key_same_for_python_int_and_traced_scalar() -> None:
    key = rb.base_key(5, 9)
    a = rb.step_key(np, key, 2**33 + 7)
    b = jax.jit(lambda s: rb.step_key(jnp, key, s))(np.int64(2**33 + 7))
    assert [int(v[0]) for v in a] == [int(v[0]) for v in b]
    assert rb.step_key(np, key, 0) != rb.step_key(np, key, 1)


# --- interpreter vs lowering, bit for bit --------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_uniform_bit_for_bit(dtype: str) -> None:
    t = gd.random_uniform([300, 7], minval=-3.0, maxval=3.1, dtype=dtype, seed=3)
    assert t.op.type == "RandomUniform" and t.op.name == "random_uniform"
    for step in (0, 1, 17):
        ev, lo = both(t, step)
        assert ev.dtype == lo.dtype == np.dtype(dtype)
        assert np.array_equal(ev, lo)


@pytest.mark.parametrize("op", ["random_normal", "truncated_normal"])
def test_normal_float32_bit_for_bit(op: str) -> None:
    t = getattr(gd, op)([200, 50], mean=0.7, stddev=0.3, seed=11)
    assert t.op.type in ("RandomNormal", "TruncatedNormal")
    for step in (0, 3):
        ev, lo = both(t, step)
        assert ev.dtype == np.float32
        assert np.array_equal(ev, lo)


@pytest.mark.parametrize("op", ["random_normal", "truncated_normal"])
def test_normal_float64_within_an_ulp(op: str) -> None:
    # Box-Muller's log and cos may differ by an ulp between NumPy and XLA in float64.
    t = getattr(gd, op)([10000], dtype=gd.float64, seed=11)
    ev, lo = both(t, 0)
    np.testing.assert_allclose(ev, lo, rtol=4e-16 * 8, atol=1e-15)
    assert np.mean(ev != lo) < 0.05


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_uniform_int_bit_for_bit(dtype: str) -> None:
    t = gd.random_uniform([1000], minval=-7, maxval=1000, dtype=dtype, seed=2)
    assert t.op.type == "RandomUniformInt"
    ev, lo = both(t, 4)
    assert ev.dtype == lo.dtype == np.dtype(dtype)
    assert np.array_equal(ev, lo)


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_sessions_agree_across_backends(backend: str) -> None:
    gd.set_random_seed(1234)
    a = gd.random_normal([64, 8], mean=1.0, stddev=2.0)
    b = gd.truncated_normal([64, 8], stddev=0.1)
    c = gd.random_uniform([5, 5], -3.0, 3.0)
    d = gd.random_uniform([9], 0, 10, dtype=gd.int64)
    with gd.Session(backend="interpreter") as ref:
        want = [ref.run([a, b, c, d]) for _ in range(3)]
    with gd.Session(backend=backend) as sess:
        got = [sess.run([a, b, c, d]) for _ in range(3)]
    for w_run, g_run in zip(want, got, strict=True):
        for w, g in zip(w_run, g_run, strict=True):
            assert np.array_equal(w, g)


# --- seeds and streams ----------------------------------------------------------------------------


def test_each_run_differs_and_a_new_session_restarts_the_stream() -> None:
    x = gd.random_uniform([4], seed=7)
    with gd.Session() as s1:
        r1, r2 = s1.run(x), s1.run(x)
    with gd.Session() as s2:
        r3 = s2.run(x)
    assert not np.array_equal(r1, r2)
    assert np.array_equal(r1, r3)


def test_graph_seed_reproduces_across_graphs() -> None:
    def build() -> np.ndarray:
        g = gd.Graph()
        with g.as_default():
            gd.set_random_seed(42)
            a = gd.random_normal([3])
            b = gd.random_normal([3])
            with gd.Session(graph=g) as s:
                return np.stack(s.run([a, b]))

    first, second = build(), build()
    assert np.array_equal(first, second)
    assert not np.array_equal(first[0], first[1])  # op seeds differ (the graph's last op id)


def test_op_seed_alone_reproduces_and_differs_by_seed() -> None:
    a = gd.random_uniform([5], seed=1)
    b = gd.random_uniform([5], seed=1)
    c = gd.random_uniform([5], seed=2)
    with gd.Session() as s:
        va, vb, vc = s.run([a, b, c])
    assert np.array_equal(va, vb)
    assert not np.array_equal(va, vc)


def test_no_seed_draws_a_seed_per_op() -> None:
    a = gd.random_uniform([5])
    b = gd.random_uniform([5])
    with gd.Session() as s:
        va, vb = s.run([a, b])
    assert not np.array_equal(va, vb)
    attrs = a.op.attrs
    assert isinstance(attrs["seed"], int) and isinstance(attrs["seed2"], int)


def test_tf1_get_seed_rules() -> None:
    g = gd.get_default_graph()
    assert get_seed(None) == (None, None)
    assert get_seed(5) == (DEFAULT_GRAPH_SEED, 5)
    gd.set_random_seed(10)
    gd.constant(1.0)
    assert get_seed(None) == (10, g._last_id)
    assert get_seed(3) == (10, 3)
    assert get_seed(2**31 + 1) == (10, 2)  # seeds are taken modulo 2**31 - 1
    gd.set_random_seed(0)
    assert get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "nondeterministic" in TF1


def test_seed_attrs_follow_get_seed() -> None:
    gd.set_random_seed(99)
    t = gd.random_uniform([2], seed=5)
    assert (t.op.attrs["seed"], t.op.attrs["seed2"]) == (99, 5)


# --- statistics ----------------------------------------------------------------------------------

N = 100_000


def test_normal_statistics() -> None:
    x = gd.random_normal([N], mean=3.0, stddev=2.0, seed=1)
    with gd.Session() as s:
        v = s.run(x)
    assert v.dtype == np.float32 and v.shape == (N,)
    assert abs(v.mean() - 3.0) < 0.03
    assert abs(v.std() - 2.0) < 0.03
    assert abs(np.mean(np.abs(v - 3.0) < 2.0) - 0.6827) < 0.01


def test_truncated_normal_statistics() -> None:
    x = gd.truncated_normal([N], mean=-1.0, stddev=0.5, seed=1, dtype=gd.float64)
    with gd.Session() as s:
        v = s.run(x)
    assert np.all(np.abs(v + 1.0) <= 1.0)  # within 2 stddev
    assert abs(v.mean() + 1.0) < 0.01
    assert abs(v.std() - 0.5 * 0.87962566103423978) < 0.01


def test_uniform_statistics() -> None:
    x = gd.random_uniform([N], minval=-2.0, maxval=6.0, seed=1)
    with gd.Session() as s:
        v = s.run(x)
    assert v.min() >= -2.0 and v.max() < 6.0
    assert abs(v.mean() - 2.0) < 0.05
    assert abs(v.var() - 64 / 12) < 0.1
    hist, _ = np.histogram(v, bins=16, range=(-2, 6))
    assert np.all(np.abs(hist / (N / 16) - 1) < 0.05)


def test_uniform_int_statistics() -> None:
    x = gd.random_uniform([N], minval=-3, maxval=7, dtype=gd.int32, seed=1)
    with gd.Session() as s:
        v = s.run(x)
    assert v.dtype == np.int32 and v.min() == -3 and v.max() == 6
    counts = np.bincount(v + 3, minlength=10)
    assert np.all(np.abs(counts / (N / 10) - 1) < 0.05)


def test_uniform_bits_are_independent_across_elements() -> None:
    x = gd.random_uniform([N], seed=5, dtype=gd.float64)
    with gd.Session() as s:
        v = s.run(x)
    assert abs(np.corrcoef(v[:-1], v[1:])[0, 1]) < 0.02


# --- building -------------------------------------------------------------------------------------


def test_names_follow_tf1() -> None:
    x = gd.random_normal([2, 3], name="w")
    assert x.op.name == "w" and x.shape.as_list() == [2, 3] and x.dtype == gd.float32
    assert x.op.type == "RandomNormal" and [i.op.name for i in x.op.inputs] == ["w/mean", "w/stddev"]
    y = gd.random_uniform([2], maxval=5, dtype=gd.int32)
    assert y.op.name == "random_uniform" and y.op.type == "RandomUniformInt"


def test_shape_from_constant_tensor_and_scalar_shape() -> None:
    x = gd.random_uniform(gd.constant([2, 5]), seed=1)
    y = gd.random_normal([], seed=1)
    assert x.shape.as_list() == [2, 5] and y.shape.as_list() == []
    with gd.Session() as s:
        vx, vy = s.run([x, y])
    assert vx.shape == (2, 5) and vy.shape == ()


def test_shape_from_an_int_tensor() -> None:
    n = gd.placeholder(gd.int32, [2])
    r = gd.random_uniform(n, seed=1)
    assert r.op.type == "RandomUniform" and r.shape.as_list() == [None, None]
    with gd.Session(backend="interpreter") as s:
        assert s.run(r, {n: np.array([4, 3], np.int32)}).shape == (4, 3)
    with (
        gd.Session(backend="xla") as s,
        pytest.raises(gd.errors.BackendError, match="when the graph is compiled"),
    ):
        s.run(r, {n: np.array([4, 3], np.int32)})


def test_shape_given_as_tf_shape() -> None:
    p = gd.placeholder(gd.float32, [None, 2])
    r = gd.random_uniform(gd.shape(p), seed=3)
    assert r.shape.as_list() == [None, 2]
    (g,) = gd.gradients(gd.reduce_sum(r * p), [p])  # the shape input carries no gradient
    feed = {p: np.zeros((5, 2), np.float32)}
    with gd.Session(backend="interpreter") as s1, gd.Session(backend="xla") as s2:
        a, ga = s1.run([r, g], feed)
        b, gb = s2.run([r, g], feed)
    assert a.shape == (5, 2) and np.array_equal(a, b) and np.array_equal(ga, a) and np.array_equal(gb, b)


def test_errors() -> None:
    with pytest.raises(gd.DTypeError, match="maxval"):
        gd.random_uniform([3], dtype=gd.int32)
    with pytest.raises(gd.DTypeError, match="floating"):
        gd.random_normal([3], dtype=gd.int32)
    with pytest.raises(gd.ShapeError, match="unknown"):
        gd.random_normal([None, 3])
    with pytest.raises(gd.ShapeError, match="minval < maxval"):
        gd.random_uniform([3], minval=5, maxval=5, dtype=gd.int32)
    with pytest.raises(gd.ShapeError, match="int32 or int64"):
        gd.random_normal(gd.placeholder(gd.float32, [2]))


def test_random_op_is_a_constant_for_gradients() -> None:
    x = gd.placeholder(gd.float32, [3])
    y = gd.reduce_sum(x * gd.random_normal([3], seed=1))
    (gx,) = gd.gradients(y, [x])
    with gd.Session() as s:
        noise, grad = s.run([y.op.inputs[0].op.inputs[1], gx], {x: np.ones(3, np.float32)})
    assert np.array_equal(noise, grad)


def test_tensor_parameters_get_gradients() -> None:
    mean = gd.placeholder(gd.float64, [3])
    stddev = gd.placeholder(gd.float64, [])
    z = gd.random_normal([3], mean=mean, stddev=stddev, dtype=gd.float64, seed=1)
    assert z.op.type == "Add" and z.op.name == "random_normal"
    gm, gs = gd.gradients(gd.reduce_sum(z), [mean, stddev])
    feed = {mean: np.array([1.0, 2.0, 3.0]), stddev: np.float64(2.0)}
    with gd.Session() as s:
        vz, vgm, vgs = s.run([z, gm, gs], feed)
    np.testing.assert_array_equal(vgm, np.ones(3))
    np.testing.assert_allclose(vgs, np.sum((vz - feed[mean]) / 2.0))


def test_uniform_range_tensor_parameters() -> None:
    hi = gd.placeholder(gd.float32, [])
    u = gd.random_uniform([1000], minval=2.0, maxval=hi, seed=4)
    with gd.Session() as s:
        v = s.run(u, {hi: np.float32(3.0)})
    assert v.min() >= 2.0 and v.max() < 3.0
