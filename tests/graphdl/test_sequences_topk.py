"""eye, linspace/lin_space, sequence_mask and top_k against NumPy and TF1's formulas, on both backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import graphdl as gd

BACKENDS = ["interpreter", "xla"]


def _flat(x: Any) -> list[np.ndarray]:
    if isinstance(x, list | tuple):
        return [a for item in x for a in _flat(item)]
    return [np.asarray(x)]


def run_both(fetches: Any, feeds: dict[Any, Any] | None = None) -> list[Any]:
    """The fetches on both backends, checked to agree with each other."""
    out = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            out.append(s.run(fetches, feeds or {}))
    for a, b in zip(_flat(out[0]), _flat(out[1]), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=1e-7)
    return out


# --- eye ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "expected_shape"),
    [
        ((3,), {}, (3, 3)),
        ((2, 4), {}, (2, 4)),
        ((4, 2), {"batch_shape": [2, 3]}, (2, 3, 4, 2)),
        ((0,), {}, (0, 0)),
    ],
)
def test_eye_matches_numpy(
    args: tuple[int, ...], kwargs: dict[str, Any], expected_shape: tuple[int, ...]
) -> None:
    t = gd.eye(*args, **kwargs)
    assert t.shape.as_list() == list(expected_shape)
    assert t.dtype == gd.float32
    ref = np.broadcast_to(np.eye(expected_shape[-2], expected_shape[-1], dtype=np.float32), expected_shape)
    for v in run_both(t):
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, ref)


def test_eye_dtypes_and_tensor_sizes() -> None:
    i = gd.eye(gd.constant(3), dtype=gd.int32)
    b = gd.eye(2, 3, dtype=gd.bool)
    assert i.op.type == "Eye" and i.dtype == gd.int32
    iv, bv = run_both([i, b])[1]
    np.testing.assert_array_equal(iv, np.eye(3, dtype=np.int32))
    assert bv.dtype == np.bool_
    np.testing.assert_array_equal(bv, np.eye(2, 3, dtype=bool))


def test_eye_with_fed_size_runs_on_the_interpreter() -> None:
    n = gd.placeholder(gd.int32, [])
    t = gd.eye(n, 2, batch_shape=[2], dtype=gd.float64)
    assert t.dtype == gd.float64
    with gd.Session(backend="interpreter") as s:
        v = s.run(t, {n: 3})
    np.testing.assert_array_equal(v, np.broadcast_to(np.eye(3, 2), (2, 3, 2)))


def test_eye_errors() -> None:
    with pytest.raises(gd.ShapeError, match="eye"):
        gd.eye(-1)
    with pytest.raises(gd.DTypeError, match="num_rows"):
        gd.eye(2.5)
    with pytest.raises(gd.DTypeError, match="num_columns"):
        gd.eye(2, gd.constant(1.0))


# --- linspace -----------------------------------------------------------------------------------


def tf1_linspace(start: float, stop: float, num: int, dtype: Any) -> np.ndarray:
    """TF1's LinSpace kernel: start + step * i in the dtype, the last value exactly stop."""
    start_, stop_ = dtype(start), dtype(stop)
    if num == 1:
        return np.array([start_], dtype)
    step = (stop_ - start_) / dtype(num - 1)
    out = np.array([start_ + step * dtype(i) for i in range(num)], dtype)
    out[-1] = stop_
    return out


@pytest.mark.parametrize(
    ("start", "stop", "num", "dtype"),
    [
        (0.0, 1.0, 5, np.float32),
        (-3.0, 7.3, 11, np.float32),
        (2.0, -1.0, 4, np.float64),
        (1.5, 9.0, 1, np.float32),
    ],
)
def test_linspace_matches_tf1_kernel(start: float, stop: float, num: int, dtype: Any) -> None:
    dt = gd.as_dtype(dtype)
    t = gd.linspace(gd.constant(start, dt), gd.constant(stop, dt), num)
    assert t.op.type == "LinSpace"
    assert t.shape.as_list() == [num] and t.dtype == dt
    ref = tf1_linspace(start, stop, num, dtype)
    for v in run_both(t):
        assert v.dtype == dtype
        np.testing.assert_allclose(v, ref, rtol=1e-6)
        assert v[-1] == (dtype(stop) if num > 1 else dtype(start))
    np.testing.assert_allclose(ref, np.linspace(start, stop, num), rtol=1e-5, atol=1e-6)


def test_lin_space_alias_and_fed_ends() -> None:
    assert gd.lin_space is gd.linspace
    a = gd.placeholder(gd.float32, [])
    b = gd.placeholder(gd.float32, [])
    t = gd.lin_space(a, b, gd.constant(6))
    assert t.shape.as_list() == [6]
    for v in run_both(t, {a: -1.0, b: 4.0}):
        np.testing.assert_allclose(v, tf1_linspace(-1.0, 4.0, 6, np.float32), rtol=1e-6)


def test_linspace_fed_num_on_the_interpreter() -> None:
    n = gd.placeholder(gd.int32, [])
    t = gd.linspace(0.0, 2.0, n)
    assert t.shape.as_list() == [None]
    with gd.Session(backend="interpreter") as s:
        np.testing.assert_allclose(s.run(t, {n: 5}), [0.0, 0.5, 1.0, 1.5, 2.0])


def test_linspace_gradient() -> None:
    a = gd.placeholder(gd.float64, [])
    b = gd.placeholder(gd.float64, [])
    w = np.array([1.0, -2.0, 0.5, 3.0, 4.0])
    loss = gd.reduce_sum(gd.linspace(a, b, 5) * w)
    ga, gb = gd.gradients(loss, [a, b])
    frac = np.arange(5) / 4.0
    for va, vb in run_both([ga, gb], {a: 0.3, b: 2.0}):
        np.testing.assert_allclose(va, np.sum(w * (1 - frac)))
        np.testing.assert_allclose(vb, np.sum(w * frac))


def test_linspace_errors() -> None:
    with pytest.raises(gd.DTypeError, match="lin_space"):
        gd.linspace(0, 10, 5)  # TF1 wants floating start and stop
    with pytest.raises(gd.ShapeError, match="num must be > 0"):
        gd.linspace(0.0, 1.0, 0)
    with pytest.raises(gd.ShapeError, match="scalar"):
        gd.linspace(gd.constant([0.0, 1.0]), 1.0, 3)


# --- sequence_mask ------------------------------------------------------------------------------


def np_mask(lengths: np.ndarray, maxlen: int) -> np.ndarray:
    return np.arange(maxlen) < np.asarray(lengths)[..., None]


def test_sequence_mask_static_maxlen() -> None:
    lengths = np.array([1, 3, 2, 0], np.int32)
    m = gd.sequence_mask(lengths, 5)
    assert m.dtype == gd.bool and m.shape.as_list() == [4, 5]
    for v in run_both(m):
        assert v.dtype == np.bool_
        np.testing.assert_array_equal(v, np_mask(lengths, 5))


def test_sequence_mask_default_maxlen_and_dtype() -> None:
    lengths = np.array([[1, 4], [0, 2]], np.int64)
    m = gd.sequence_mask(gd.constant(lengths), dtype=gd.float32)
    assert m.dtype == gd.float32 and m.shape.as_list() == [2, 2, 4]
    for v in run_both(m):
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, np_mask(lengths, 4).astype(np.float32))


def test_sequence_mask_fed_lengths() -> None:
    lengths = gd.placeholder(gd.int32, [None])
    feed = {lengths: np.array([2, 0, 3], np.int32)}
    m = gd.sequence_mask(lengths, maxlen=4)
    assert m.shape.as_list() == [None, 4]
    for v in run_both(m, feed):
        np.testing.assert_array_equal(v, np_mask(feed[lengths], 4))
    # without maxlen the width is max(lengths), a value: the interpreter runs it, XLA cannot compile it
    wide = gd.sequence_mask(lengths)
    assert wide.shape.as_list() == [None, None]
    with gd.Session(backend="interpreter") as s:
        np.testing.assert_array_equal(s.run(wide, feed), np_mask(feed[lengths], 3))
    with gd.Session(backend="xla") as s, pytest.raises(gd.errors.BackendError, match="interpreter"):
        s.run(wide, feed)


def test_sequence_mask_errors() -> None:
    with pytest.raises(gd.ShapeError, match="maxlen must be a scalar"):
        gd.sequence_mask([1, 2], maxlen=[3, 4])
    with pytest.raises(gd.DTypeError, match="lengths must be integers"):
        gd.sequence_mask([1.0, 2.0])


# --- top_k --------------------------------------------------------------------------------------


def np_top_k(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """TF1's order: descending, equal values by the lower index (a stable sort of -x)."""
    idx = np.argsort(-x.astype(np.float64), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


@pytest.mark.parametrize(("shape", "k"), [((7,), 3), ((4, 6), 1), ((2, 3, 5), 5), ((3, 4), 0)])
def test_top_k_matches_numpy(shape: tuple[int, ...], k: int) -> None:
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    r = gd.nn.top_k(x, k)
    assert type(r).__name__ == "TopKV2" and r._fields == ("values", "indices")
    assert r.values.op is r.indices.op and r.values.op.type == "TopKV2"
    assert r.values.shape.as_list() == [*shape[:-1], k] and r.indices.dtype == gd.int32
    want_v, want_i = np_top_k(x, k)
    for v, i in run_both(r):
        assert i.dtype == np.int32
        np.testing.assert_array_equal(v, want_v)
        np.testing.assert_array_equal(i, want_i)


def test_top_k_ties_pick_the_lower_index() -> None:
    x = np.array([[1, 3, 3, 0, 3, 2], [5, 5, 5, 5, 5, 5], [0, 2, 1, 2, 1, 0]], np.float32)
    r = gd.nn.top_k(x, k=4)
    for v, i in run_both(r):
        np.testing.assert_array_equal(i, [[1, 2, 4, 5], [0, 1, 2, 3], [1, 3, 2, 4]])
        np.testing.assert_array_equal(v, [[3, 3, 3, 2], [5, 5, 5, 5], [2, 2, 1, 1]])


def test_top_k_integers_and_tensor_k() -> None:
    x = np.array([[4, -1, 9, 4], [7, 7, 0, 8]], np.int64)
    r = gd.nn.top_k(gd.constant(x), k=gd.constant(2))
    assert r.values.dtype == gd.int64 and r.values.shape.as_list() == [2, 2]
    for v, i in run_both(r):
        np.testing.assert_array_equal(v, [[9, 4], [8, 7]])
        np.testing.assert_array_equal(i, [[2, 0], [3, 0]])
    kp = gd.placeholder(gd.int32, [])
    rk = gd.nn.top_k(x, kp)
    assert rk.values.shape.as_list() == [2, None]
    with gd.Session(backend="interpreter") as s:
        np.testing.assert_array_equal(s.run(rk.indices, {kp: 3}), [[2, 0, 3], [3, 0, 1]])


def test_top_k_gradient_scatters_to_selected_positions() -> None:
    xv = np.random.default_rng(2).standard_normal((3, 6))
    wv = np.random.default_rng(3).standard_normal((3, 2))
    x = gd.placeholder(gd.float64, [None, None])  # unknown shape: the gradient reads it at run time
    values, indices = gd.nn.top_k(x, 2)
    loss = gd.reduce_sum(values * wv) + gd.reduce_sum(gd.cast(indices, gd.float64))
    (gx,) = gd.gradients(loss, [x])
    _, idx = np_top_k(xv, 2)
    want = np.zeros_like(xv)
    np.put_along_axis(want, idx.astype(np.int64), wv, axis=-1)
    for g in run_both(gx, {x: xv}):
        np.testing.assert_allclose(g, want)


def test_top_k_gradient_with_ties_and_static_shape() -> None:
    x = gd.constant(np.array([[2.0, 1.0, 2.0, 2.0]]))
    values = gd.nn.top_k(x, 2).values
    (gx,) = gd.gradients(gd.reduce_sum(values * np.array([10.0, 1.0])), [x])
    for g in run_both(gx):
        np.testing.assert_array_equal(g, [[10.0, 0.0, 1.0, 0.0]])


def test_top_k_errors() -> None:
    with pytest.raises(gd.ShapeError, match="at least k=4"):
        gd.nn.top_k(np.zeros((2, 3), np.float32), 4)
    with pytest.raises(gd.ShapeError, match="at least 1-D"):
        gd.nn.top_k(gd.constant(1.0))
    with pytest.raises(gd.DTypeError):
        gd.nn.top_k(gd.constant([True, False]))
    with pytest.raises(gd.DTypeError, match="k must be an integer"):
        gd.nn.top_k(np.zeros(3, np.float32), 1.5)
