"""Norm clipping and the learning-rate schedules against TF1's formulas in NumPy, on both backends,
and both used in training loops."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import graphdl as gd

BACKENDS = ["interpreter", "xla"]


def _flat(x: Any) -> list[np.ndarray]:
    if isinstance(x, list | tuple):
        return [a for item in x if item is not None for a in _flat(item)]
    return [np.asarray(x)]


def run_both(fetches: Any, feeds: dict[Any, Any] | None = None) -> list[Any]:
    """The fetches on both backends, checked to agree with each other."""
    out = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            out.append(s.run(fetches, feeds or {}))
    for a, b in zip(_flat(out[0]), _flat(out[1]), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    return out


RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal(5).astype(np.float32)


# --- global_norm, clip_by_global_norm, clip_by_norm ----------------------------------------------


def test_global_norm_skips_none() -> None:
    n = gd.global_norm([gd.constant(A), None, gd.constant(B)])
    assert n.name == "global_norm/global_norm:0" and n.shape.as_list() == []
    want = np.sqrt(np.sum(A.astype(np.float64) ** 2) + np.sum(B.astype(np.float64) ** 2))
    for v in run_both(n):
        np.testing.assert_allclose(v, want, rtol=1e-6)


@pytest.mark.parametrize("clip", [1.0, 100.0])
def test_clip_by_global_norm_formula(clip: float) -> None:
    clipped, norm = gd.clip_by_global_norm([gd.constant(A), None, gd.constant(B)], clip)
    assert clipped[1] is None and len(clipped) == 3
    g = np.sqrt(np.sum(A.astype(np.float64) ** 2) + np.sum(B.astype(np.float64) ** 2))
    for (ca, cb), nv in run_both([[clipped[0], clipped[2]], norm]):
        np.testing.assert_allclose(nv, g, rtol=1e-6)
        np.testing.assert_allclose(ca, A * clip / max(g, clip), rtol=1e-5)
        np.testing.assert_allclose(cb, B * clip / max(g, clip), rtol=1e-5)
    if clip > g:  # below the threshold the tensors pass unchanged
        np.testing.assert_allclose(run_both(clipped[0])[0], A, rtol=1e-6)


def test_clip_by_global_norm_use_norm_and_nonfinite() -> None:
    (c,), n = gd.clip_by_global_norm([gd.constant(A)], 2.0, use_norm=gd.constant(4.0))
    for cv, nv in run_both([c, n]):
        assert nv == 4.0
        np.testing.assert_allclose(cv, A * 0.5, rtol=1e-6)
    (bad,), _ = gd.clip_by_global_norm([gd.constant(A)], 2.0, use_norm=gd.constant(np.inf, gd.float32))
    for v in run_both(bad):
        assert np.all(np.isnan(v))  # TF1: an infinite norm makes every entry NaN


def test_clip_by_global_norm_refuses_a_non_sequence() -> None:
    with pytest.raises(TypeError, match="sequence"):
        gd.clip_by_global_norm(gd.constant(A), 1.0)
    with pytest.raises(gd.GraphError, match="no tensors"):
        gd.global_norm([None])


@pytest.mark.parametrize("axes", [None, 1, [0]])
def test_clip_by_norm_formula(axes: Any) -> None:
    x = A * 2
    t = gd.clip_by_norm(x, 1.5, axes=axes)
    assert t.name == "clip_by_norm:0" and t.shape.as_list() == [3, 4]
    ax = None if axes is None else tuple(np.atleast_1d(axes))
    l2 = np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=ax, keepdims=True))
    for v in run_both(t):
        np.testing.assert_allclose(v, x * 1.5 / np.maximum(l2, 1.5), rtol=1e-5)


def test_clip_by_norm_of_zero_has_a_finite_gradient() -> None:
    x = gd.placeholder(gd.float32, [3])
    (g,) = gd.gradients(gd.reduce_sum(gd.clip_by_norm(x, 1.0)), [x])
    for v, gv in run_both([gd.clip_by_norm(x, 1.0), g], {x: np.zeros(3, np.float32)}):
        np.testing.assert_array_equal(v, 0.0)
        assert np.all(np.isfinite(gv))
        np.testing.assert_allclose(gv, 1.0)  # t * clip / max(0, clip) = t near 0


def test_clip_by_global_norm_then_apply_gradients() -> None:
    xv = RNG.standard_normal((8, 3)).astype(np.float32)
    yv = RNG.standard_normal((8, 1)).astype(np.float32) * 10
    w0 = RNG.standard_normal((3, 1)).astype(np.float32)
    x = gd.placeholder(gd.float32, [None, 3])
    y = gd.placeholder(gd.float32, [None, 1])
    w = gd.Variable(w0)
    b = gd.Variable(np.zeros(1, np.float32))
    loss = gd.reduce_mean(gd.square(gd.matmul(x, w) + b - y))
    opt = gd.train.GradientDescentOptimizer(0.1)
    grads, tvars = zip(*opt.compute_gradients(loss, [w, b]), strict=True)
    clipped, norm = gd.clip_by_global_norm(list(grads), 0.5)
    train = opt.apply_gradients(zip(clipped, tvars, strict=True))
    feed = {x: xv, y: yv}
    # NumPy: the gradient of the mean squared error, its global norm and one clipped SGD step
    r = xv @ w0 - yv
    gw = 2 * xv.T @ r / len(xv)
    gb = 2 * r.sum(0) / len(xv)
    gn = math.sqrt(float(np.sum(gw**2) + np.sum(gb**2)))
    assert gn > 0.5  # the clip is active
    results = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            s.run(gd.global_variables_initializer())
            nv, _ = s.run([norm, train], feed)
            np.testing.assert_allclose(nv, gn, rtol=1e-5)
            wv, bv = s.run([w, b])
            np.testing.assert_allclose(wv, w0 - 0.1 * gw * 0.5 / gn, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(bv, -0.1 * gb * 0.5 / gn, rtol=1e-5, atol=1e-6)
            for _ in range(20):
                s.run(train, feed)
            results.append(s.run([w, b, loss], feed))
    for a, c in zip(results[0], results[1], strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


# --- learning-rate schedules --------------------------------------------------------------------

STEPS = [0, 1, 4, 10, 15, 37, 100]
f32 = np.float32


def np_exponential(step: int, staircase: bool) -> float:
    p = f32(step) / f32(10)
    if staircase:
        p = np.floor(p)
    return f32(0.1) * f32(0.96) ** p


def np_natural_exp(step: int, staircase: bool) -> float:
    p = f32(step) / f32(10)
    if staircase:
        p = np.floor(p)
    return f32(0.1) * np.exp(-f32(0.5) * p)


def np_inverse_time(step: int, staircase: bool) -> float:
    p = f32(step) / f32(10)
    if staircase:
        p = np.floor(p)
    return f32(0.1) / (f32(1) + f32(0.5) * p)


def np_polynomial(step: int, cycle: bool) -> float:
    lr, end, power, steps = f32(0.1), f32(0.01), f32(2.0), f32(10)
    s = f32(step)
    if cycle:
        steps = steps * (f32(1.0) if s == 0 else np.ceil(s / steps))
    else:
        s = min(s, steps)
    return (lr - end) * (f32(1) - s / steps) ** power + end


def np_cosine(step: int) -> float:
    s = min(f32(step), f32(40))
    decayed = (1 - f32(0.2)) * f32(0.5) * (1 + np.cos(f32(math.pi) * s / f32(40))) + f32(0.2)
    return f32(0.1) * decayed


def np_piecewise(step: int) -> float:
    if step <= 4:
        return 1.0
    if step <= 15:
        return 0.5
    return 0.1


SCHEDULES = [
    (
        "exponential",
        lambda gs: gd.train.exponential_decay(0.1, gs, 10, 0.96),
        lambda s: np_exponential(s, False),
    ),
    (
        "exponential_staircase",
        lambda gs: gd.train.exponential_decay(0.1, gs, 10, 0.96, staircase=True),
        lambda s: np_exponential(s, True),
    ),
    (
        "natural_exp",
        lambda gs: gd.train.natural_exp_decay(0.1, gs, 10, 0.5),
        lambda s: np_natural_exp(s, False),
    ),
    (
        "natural_exp_staircase",
        lambda gs: gd.train.natural_exp_decay(0.1, gs, 10, 0.5, staircase=True),
        lambda s: np_natural_exp(s, True),
    ),
    (
        "inverse_time",
        lambda gs: gd.train.inverse_time_decay(0.1, gs, 10, 0.5),
        lambda s: np_inverse_time(s, False),
    ),
    (
        "inverse_time_staircase",
        lambda gs: gd.train.inverse_time_decay(0.1, gs, 10, 0.5, staircase=True),
        lambda s: np_inverse_time(s, True),
    ),
    (
        "polynomial",
        lambda gs: gd.train.polynomial_decay(0.1, gs, 10, 0.01, power=2.0),
        lambda s: np_polynomial(s, False),
    ),
    (
        "polynomial_cycle",
        lambda gs: gd.train.polynomial_decay(0.1, gs, 10, 0.01, power=2.0, cycle=True),
        lambda s: np_polynomial(s, True),
    ),
    ("cosine", lambda gs: gd.train.cosine_decay(0.1, gs, 40, alpha=0.2), np_cosine),
    ("piecewise", lambda gs: gd.train.piecewise_constant(gs, [4, 15], [1.0, 0.5, 0.1]), np_piecewise),
]


@pytest.mark.parametrize(("label", "build", "formula"), SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_reads_the_global_step_each_run(label: str, build: Any, formula: Any) -> None:
    gs = gd.train.get_or_create_global_step()
    lr = build(gs)
    assert lr.dtype == gd.float32 and lr.shape.as_list() == []
    new_step = gd.placeholder(gd.int64, [])
    set_step = gd.assign(gs, new_step)
    got: dict[str, list[float]] = {}
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            s.run(gd.global_variables_initializer())
            vals = []
            for step in STEPS:
                s.run(set_step, {new_step: step})
                vals.append(float(s.run(lr)))
            got[backend] = vals
    want = [float(formula(step)) for step in STEPS]
    np.testing.assert_allclose(got["interpreter"], want, rtol=2e-6)
    np.testing.assert_allclose(got["xla"], want, rtol=2e-6)
    assert len(set(want)) > 1  # the rate does change over these steps


def test_schedules_keep_the_learning_rate_dtype() -> None:
    gs = gd.placeholder(gd.int32, [])
    lr = gd.train.exponential_decay(gd.constant(0.5, gd.float64), gs, 3, 0.5, staircase=True)
    assert lr.dtype == gd.float64 and lr.name == "ExponentialDecay:0"
    for v in run_both(lr, {gs: 7}):
        assert v.dtype == np.float64 and v == 0.5 * 0.5**2


def test_piecewise_constant_dtypes_and_errors() -> None:
    x = gd.placeholder(gd.float32, [])
    pc = gd.train.piecewise_constant(x, [0.5, 1.5], [3, 2, 1])
    assert pc.dtype == gd.int32
    for xv, want in [(0.5, 3), (0.75, 2), (1.5, 2), (9.0, 1)]:
        for v in run_both(pc, {x: xv}):
            assert v == want
    with pytest.raises(gd.DTypeError, match="boundaries"):
        gd.train.piecewise_constant(x, [1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(gd.DTypeError, match="values"):
        gd.train.piecewise_constant(x, [1.0], [0.1, gd.constant(2.0, gd.float64)])
    with pytest.raises(gd.GraphError, match="one shorter"):
        gd.train.piecewise_constant(x, [1.0, 2.0], [0.1, 0.2])


def test_schedules_need_a_global_step() -> None:
    for fn in (gd.train.exponential_decay, gd.train.natural_exp_decay, gd.train.inverse_time_decay):
        with pytest.raises(gd.GraphError, match="global_step is required"):
            fn(0.1, None, 10, 0.5)
    with pytest.raises(gd.GraphError, match="global_step is required for cosine_decay"):
        gd.train.cosine_decay(0.1, None, 10)


@pytest.mark.parametrize("opt_cls", [gd.train.GradientDescentOptimizer, gd.train.AdamOptimizer])
def test_training_loop_with_a_decaying_rate(opt_cls: Any) -> None:
    gs = gd.train.get_or_create_global_step()
    lr = gd.train.exponential_decay(0.2, gs, 1, 0.5, staircase=True)
    w = gd.Variable(np.array([3.0, -2.0], np.float32))
    loss = gd.reduce_sum(gd.square(w))
    train = opt_cls(lr).minimize(loss, global_step=gs)
    runs = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            s.run(gd.global_variables_initializer())
            rates, ws = [], []
            for _ in range(4):
                rates.append(float(s.run(lr)))
                s.run(train)
                ws.append(s.run(w))
            assert s.run(gs) == 4
            runs.append((rates, ws))
    for rates, _ in runs:
        np.testing.assert_allclose(rates, [0.2, 0.1, 0.05, 0.025], rtol=1e-6)
    if opt_cls is gd.train.GradientDescentOptimizer:
        wv = np.array([3.0, -2.0], np.float32)
        for t in range(4):
            wv = wv - f32(0.2 * 0.5**t) * 2 * wv
            for _, ws in runs:
                np.testing.assert_allclose(ws[t], wv, rtol=1e-6)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-6)
