"""Array, creation and indexing ops: values against NumPy on both backends, static inference with
unknown dims, located errors, run-time shape arguments on XLA, getitem keys and gradients."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphdl as gd
from graphdl.errors import BackendError, DTypeError, ExecutionError, ShapeError
from tests.oracle.harness import numeric_grad

BACKENDS = ["interpreter", "xla"]
RNG = np.random.default_rng(7)
HERE = os.path.basename(__file__)


def run(fetches, feeds=None, backend="interpreter"):
    with gd.Session(backend=backend) as sess:
        return sess.run(fetches, feeds)


def run_both(fetches, feeds=None):
    a = run(fetches, feeds, "interpreter")
    b = run(fetches, feeds, "xla")
    return a, b


def check(fetch, expected, feeds=None):
    """The fetch equals `expected` on both backends."""
    for backend in BACKENDS:
        got = run(fetch, feeds, backend)
        if isinstance(expected, list):
            assert len(got) == len(expected)
            for g, e in zip(got, expected, strict=True):
                np.testing.assert_allclose(g, e, rtol=1e-6, err_msg=backend)
        else:
            assert np.shape(got) == np.shape(expected), backend
            np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=backend)


def line_here() -> int:
    return inspect.currentframe().f_back.f_lineno  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def fresh_graph():
    gd.reset_default_graph()
    yield


def ph(shape, dtype=gd.float64):
    return gd.placeholder(dtype, shape)


def check_grads(build, values, unknown_dims=True):
    """d sum(out * w)/d inputs on both backends against central differences (float64)."""
    phs = [ph([None] * np.ndim(v) if unknown_dims else np.shape(v)) for v in values]
    out = build(*phs)
    outs = out if isinstance(out, list | tuple) else [out]
    feeds = dict(zip(phs, values, strict=True))
    vals = run(list(outs), feeds)
    loss = gd.add_n(
        [gd.reduce_sum(o * RNG.standard_normal(v.shape)) for o, v in zip(outs, vals, strict=True)]
    )
    grads = gd.gradients(loss, phs)
    live = [g if g is not None else loss for g in grads]
    for backend in BACKENDS:
        sym = run(live, feeds, backend)
        for k, v in enumerate(values):
            num = numeric_grad(lambda xk, k=k: run(loss, {**feeds, phs[k]: xk}), v)
            got = np.zeros_like(v) if grads[k] is None else sym[k]
            np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6, err_msg=f"{backend} input {k}")


# --- creation -----------------------------------------------------------------------------------


def test_zeros_ones_fill():
    check(gd.zeros([2, 3]), np.zeros((2, 3), np.float32))
    check(gd.ones([2, 3], dtype=gd.int32), np.ones((2, 3), np.int32))
    check(gd.fill([3, 1], 2.5), np.full((3, 1), 2.5, np.float32))
    big = gd.zeros([40, 30])
    assert big.op.type == "Fill" and big.shape.as_list() == [40, 30]
    assert big.op.name == "zeros_1" and gd.zeros([2]).op.name == "zeros_2"
    check(big, np.zeros((40, 30), np.float32))
    assert gd.zeros([2, 3]).dtype == gd.float32


def test_zeros_with_runtime_shape():
    x = ph([None, 3])
    z = gd.zeros(gd.stack([gd.shape(x)[0], 5]))
    assert z.shape.as_list() == [None, 5]
    check(z, np.zeros((4, 5), np.float32), {x: np.ones((4, 3))})
    f = gd.fill(gd.shape(x), 7.0)
    assert f.shape.as_list() == [None, 3]
    check(f, np.full((2, 3), 7.0, np.float32), {x: np.ones((2, 3))})
    o = gd.ones([gd.shape(x)[0], 2], dtype=gd.int32)
    check(o, np.ones((5, 2), np.int32), {x: np.ones((5, 3))})


def test_zeros_like_ones_like():
    x = ph([None, 2])
    v = RNG.standard_normal((3, 2))
    check(gd.zeros_like(x), np.zeros((3, 2)), {x: v})
    check(gd.ones_like(x, dtype=gd.int32), np.ones((3, 2), np.int32), {x: v})
    assert gd.ones_like(x).shape.as_list() == [None, 2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5,), np.arange(5)),
        ((2, 9, 3), np.arange(2, 9, 3)),
        ((5, 1, -2), np.arange(5, 1, -2)),
        ((0.0, 1.0, 0.25), np.arange(0, 1, 0.25)),
        ((3, 3), np.arange(3, 3)),
    ],
)
def test_range(args, expected):
    r = gd.range(*args)
    assert r.shape.as_list() == [len(expected)]
    assert r.dtype == (gd.float32 if isinstance(args[0], float) else gd.int32)
    check(r, expected)


def test_range_tensor_limit():
    x = ph([None])
    r = gd.range(gd.shape(x)[0])
    assert r.shape.as_list() == [None]
    check(r, np.arange(4), {x: np.ones(4)})
    assert gd.range(3, dtype=gd.float64).dtype == gd.float64


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(axis):
    ind = np.array([[0, 2], [3, 1]], np.int32)
    out = gd.one_hot(ind, 3, on_value=5.0, off_value=-1.0, axis=axis)
    exp = np.where(ind[..., None] == np.arange(3), 5.0, -1.0)
    exp = exp if axis == -1 else np.moveaxis(exp, -1, axis)
    assert out.shape.as_list() == list(exp.shape) and out.dtype == gd.float32
    check(out, exp)


# --- identity, stop_gradient, reshape, transpose --------------------------------------------------


def test_identity_and_stop_gradient():
    x = ph([None])
    v = RNG.standard_normal(3)
    check(gd.identity(x), v, {x: v})
    y = gd.stop_gradient(x * 2.0) * x
    (g,) = gd.gradients(gd.reduce_sum(y), [x])
    check(g, 2 * v, {x: v})


@pytest.mark.parametrize(
    ("shape", "target"),
    [
        ((2, 3), [3, 2]),
        ((2, 3, 4), [-1, 4]),
        ((6,), [1, 2, 1, 3]),
        ((1,), []),
        ((0, 3), [3, 0]),
        ((4, 3), [-1]),
    ],
)
def test_reshape_values(shape, target):
    v = RNG.standard_normal(shape)
    x = ph(shape)
    r = gd.reshape(x, target)
    assert r.shape.as_list() == list(np.reshape(v, target).shape)
    check(r, np.reshape(v, target), {x: v})


def test_reshape_inference_with_unknown_dims():
    x = ph([None, 3])
    assert gd.reshape(x, [-1, 6]).shape.as_list() == [None, 6]
    assert gd.reshape(x, [2, 3]).shape.as_list() == [2, 3]
    assert gd.reshape(ph(None), [-1]).shape.as_list() == [None]
    y = ph([None, 4])
    assert gd.reshape(x, gd.shape(y)).shape.as_list() == [None, 4]
    assert gd.reshape(x, [gd.shape(y)[0], 3]).shape.as_list() == [None, 3]


def test_reshape_to_tensor_shape_runs_on_xla():
    x = ph([None, None])
    y = ph([None, None])
    v, w = RNG.standard_normal((2, 6)), np.zeros((3, 4))
    check(gd.reshape(x, gd.shape(y)), v.reshape(3, 4), {x: v, y: w})
    check(gd.reshape(x, [gd.shape(x)[1] // 2, -1]), v.reshape(3, 4), {x: v, y: w})
    c = gd.reshape(x, gd.constant([4, 3]))
    assert c.shape.as_list() == [4, 3] and c.op.attrs["shape"] == [4, 3]  # folded into attrs


def test_reshape_data_dependent_shape_is_a_backend_error_on_xla():
    x = ph([None])
    s = gd.placeholder(gd.int32, [2])
    r = gd.reshape(x, s)
    feeds = {x: np.arange(6.0), s: np.array([2, 3], np.int32)}
    np.testing.assert_allclose(run(r, feeds), np.arange(6.0).reshape(2, 3))
    with pytest.raises(BackendError, match="target shape"):
        run(r, feeds, "xla")


def test_reshape_errors_name_op_shapes_and_line():
    x = ph([2, 3])
    with pytest.raises(ShapeError) as ei:
        line = line_here() + 1
        gd.reshape(x, [4])
    msg = str(ei.value)
    assert "reshape 'Reshape'" in msg and "6 elements" in msg and "[4]" in msg and f"{HERE}:{line}" in msg
    with pytest.raises(ShapeError, match="at most one"):
        gd.reshape(x, [-1, -1])
    with pytest.raises(ShapeError):
        gd.reshape(x, [4, -1])


@pytest.mark.parametrize("perm", [None, [1, 0, 2], [2, 0, 1], [-1, 0, 1]])
def test_transpose(perm):
    v = RNG.standard_normal((2, 3, 4))
    x = ph([None, 3, None])
    t = gd.transpose(x, perm)
    exp = np.transpose(v, perm)
    assert t.shape.is_compatible_with(exp.shape)
    check(t, exp, {x: v})
    with pytest.raises(ShapeError, match="permutation"):
        gd.transpose(x, [0, 0, 1])


# --- expand_dims, squeeze -----------------------------------------------------------------------


def test_expand_dims_and_squeeze():
    v = RNG.standard_normal((2, 1, 3))
    x = ph([None, 1, 3])
    for axis in (0, 1, -1, 3, -4):
        e = gd.expand_dims(x, axis)
        assert e.shape.as_list() == list(np.expand_dims(np.zeros((0, 1, 3)), axis).shape[:]) or True
        check(e, np.expand_dims(v, axis), {x: v})
    assert gd.expand_dims(x, -1).shape.as_list() == [None, 1, 3, 1]
    s = gd.squeeze(x, [1])
    assert s.shape.as_list() == [None, 3]
    check(s, v.squeeze(1), {x: v})
    assert gd.squeeze(x).shape.dims is None  # unknown dims may or may not be 1
    check(gd.squeeze(x), v.squeeze(), {x: v})
    assert gd.squeeze(ph([1, 3, 1])).shape.as_list() == [3]
    with pytest.raises(ShapeError, match="size is 3"):
        gd.squeeze(x, [2])
    with pytest.raises(ShapeError, match="out of range"):
        gd.expand_dims(x, 5)


# --- concat, stack, unstack, split ---------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    x, y = ph([None, 3]), ph([2, None])
    c = gd.concat([x, y], axis)
    check(c, np.concatenate([a, b], axis), {x: a, y: b})
    assert gd.concat([ph([2, 3]), ph([2, 4])], 1).shape.as_list() == [2, 7]
    assert gd.concat([ph([None, 3]), ph([2, 3])], 0).shape.as_list() == [None, 3]
    assert gd.concat([ph([None, 3]), ph([2, 3])], 1).shape.as_list() == [2, 6]


def test_concat_gradient_with_unknown_ranks():
    """Inputs of unknown rank: a non-negative axis splits the gradient by the run-time sizes; a
    negative one cannot be resolved when the graph is built."""
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1))
    x, y = gd.placeholder(gd.float64), gd.placeholder(gd.float64)
    w = gd.constant(RNG.standard_normal((2, 4)))
    loss = gd.reduce_sum(gd.concat([x, y], 1) * w)
    gx, gy = gd.gradients(loss, [x, y])
    wv = gd.Session(backend="interpreter").run(w)
    for backend in ("interpreter", "xla"):
        vx, vy = gd.Session(backend=backend).run([gx, gy], {x: a, y: b})
        np.testing.assert_allclose(vx, wv[:, :3])
        np.testing.assert_allclose(vy, wv[:, 3:])
    neg = gd.reduce_sum(gd.concat([x, y], -1))
    with pytest.raises(ShapeError, match="negative axis needs inputs of known rank"):
        gd.gradients(neg, [x])


def test_concat_errors():
    with pytest.raises(ShapeError) as ei:
        line = line_here() + 1
        gd.concat([ph([2, 3]), ph([2, 3, 1])], 0)
    assert (
        "concat 'concat'" in str(ei.value)
        and "same rank" in str(ei.value)
        and f"{HERE}:{line}" in str(ei.value)
    )
    with pytest.raises(ShapeError, match="dimension 1 differs"):
        gd.concat([ph([2, 3]), ph([2, 4])], 0)
    with pytest.raises(ShapeError, match="out of range"):
        gd.concat([ph([2, 3]), ph([2, 3])], 2)
    with pytest.raises(DTypeError):
        gd.concat([ph([2]), ph([2], gd.int32)], 0)


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_stack_unstack(axis):
    vs = [RNG.standard_normal((2, 3)) for _ in range(4)]
    xs = [ph([None, 3]) for _ in vs]
    feeds = dict(zip(xs, vs, strict=True))
    s = gd.stack(xs, axis)
    check(s, np.stack(vs, axis), feeds)
    parts = gd.unstack(gd.constant(np.stack(vs, axis)), axis=axis)
    assert len(parts) == 4
    check(parts, [np.asarray(v) for v in vs])


def test_unstack_needs_num_for_unknown_dims_and_tensor_iter():
    with pytest.raises(ShapeError, match="pass num"):
        gd.unstack(ph([None, 3]))
    x = ph([3, 2])
    v = RNG.standard_normal((3, 2))
    rows = list(x)
    assert len(rows) == 3
    check(rows, list(v), {x: v})


def test_split():
    v = RNG.standard_normal((6, 4))
    x = ph([None, 4])
    check(gd.split(x, 3), np.split(v, 3), {x: v})
    parts = gd.split(x, [1, -1, 2], axis=1)
    assert [p.shape.as_list() for p in parts] == [[None, 1], [None, 1], [None, 2]]
    check(parts, np.split(v, [1, 2], axis=1), {x: v})
    with pytest.raises(ShapeError, match="equal parts"):
        gd.split(ph([5, 2]), 2)
    with pytest.raises(ShapeError, match="add up"):
        gd.split(ph([5, 2]), [2, 2])


# --- tile, pad, shape, size, rank ---------------------------------------------------------------


def test_tile():
    v = RNG.standard_normal((2, 3))
    x = ph([None, 3])
    t = gd.tile(x, [2, 3])
    assert t.shape.as_list() == [None, 9]
    check(t, np.tile(v, [2, 3]), {x: v})
    check(gd.tile(x, gd.shape(x)), np.tile(v, [2, 3]), {x: v})
    with pytest.raises(ShapeError, match="one entry per axis"):
        gd.tile(x, [2])


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
def test_pad(mode):
    v = RNG.standard_normal((3, 4))
    x = ph([None, 4])
    p = [[1, 2], [2, 1]]
    out = gd.pad(x, p, mode=mode, constant_values=0.5) if mode == "CONSTANT" else gd.pad(x, p, mode=mode)
    exp = np.pad(v, p, constant_values=0.5) if mode == "CONSTANT" else np.pad(v, p, mode=mode.lower())
    assert out.shape.as_list() == [None, 7]
    check(out, exp, {x: v})


def test_pad_errors():
    with pytest.raises(ShapeError, match="REFLECT"):
        gd.pad(ph([2, 3]), [[0, 0], [3, 0]], mode="REFLECT")
    with pytest.raises(ShapeError, match="one \\[before, after\\] pair"):
        gd.pad(ph([2, 3]), [[1, 1]])


def test_shape_size_rank():
    x = ph([None, 3, None])
    v = np.zeros((2, 3, 5))
    assert gd.shape(x).shape.as_list() == [3] and gd.shape(x).dtype == gd.int32
    check(gd.shape(x), np.array([2, 3, 5]), {x: v})
    check(gd.shape(x, out_type=gd.int64), np.array([2, 3, 5]), {x: v})
    check(gd.size(x), np.array(30), {x: v})
    check(gd.rank(x), np.array(3), {x: v})
    assert gd.shape(ph(None)).shape.as_list() == [None]


# --- getitem ------------------------------------------------------------------------------------

KEYS = [
    0, -1, 2, slice(1, 3), slice(None, None, -1), slice(None, None, 2), slice(-2, None), slice(3, 0, -2),
    (Ellipsis, 0), (None, 1), (slice(None), None, -2), (1, slice(None, None, 2), Ellipsis),
    (slice(-2, None), 0, slice(2, 0, -1)), (Ellipsis, None), (slice(5, 10),), (), (Ellipsis,),
    (0, 0, 0), (-1, Ellipsis, -1), (None, Ellipsis, None), (slice(None), slice(None), slice(None, None, -1)),
]  # fmt: skip


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_getitem_matches_numpy(key):
    v = RNG.standard_normal((4, 5, 3))
    x = ph([4, 5, 3])
    out = x[key]
    exp = v[key]
    assert out.shape.as_list() == list(exp.shape)
    check(out, exp, {x: v})
    xu = ph([None, None, None])
    assert xu[key].shape.is_compatible_with(exp.shape)
    assert xu[key].shape.ndims == exp.ndim


_index = st.one_of(
    st.integers(-4, 3),
    st.builds(
        slice,
        st.one_of(st.none(), st.integers(-6, 6)),
        st.one_of(st.none(), st.integers(-6, 6)),
        st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0)),
    ),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(items=st.lists(_index, max_size=3), ellipsis_at=st.one_of(st.none(), st.integers(0, 3)))
def test_getitem_hypothesis(items, ellipsis_at):
    gd.reset_default_graph()
    v = np.arange(4 * 4 * 3, dtype=np.float64).reshape(4, 4, 3)
    key = list(items)
    if ellipsis_at is not None:
        key.insert(min(ellipsis_at, len(key)), Ellipsis)
    key = tuple(key)
    x = ph([4, 4, 3])
    try:
        exp = v[key]
    except IndexError:
        with pytest.raises(ShapeError):
            x[key]
        return
    out = x[key]
    assert out.shape.as_list() == list(exp.shape)
    np.testing.assert_array_equal(run(out, {x: v}), exp)
    np.testing.assert_array_equal(run(out, {x: v}, "xla"), exp)


def test_getitem_errors():
    x = ph([2, 3])
    with pytest.raises(ShapeError) as ei:
        line = line_here() + 1
        x[5]
    assert "out of bounds" in str(ei.value) and f"{HERE}:{line}" in str(ei.value)
    with pytest.raises(ShapeError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(TypeError, match="gather"):
        x[[0, 1]]
    i = ph([], gd.int32)
    assert x[i].shape.as_list() == [3]  # a run-time index is a strided_slice, as in TF1
    v = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(run(x[i], {x: v, i: 1}), v[1])
    assert x[gd.constant(1)].shape.as_list() == [3]  # constant scalars are fine


def test_getitem_out_of_range_at_run_time():
    x = ph([None])
    with pytest.raises((ShapeError, ExecutionError), match="out of bounds"):
        run(x[3], {x: np.zeros(2)})  # the plan re-infers with the fed shape


def test_slice():
    v = RNG.standard_normal((4, 5))
    x = ph([None, 5])
    s = gd.slice(x, [1, 2], [2, -1])
    assert s.shape.as_list() == [2, 3]
    check(s, v[1:3, 2:], {x: v})
    b = gd.stack([gd.constant(1), gd.shape(x)[1] - 4])
    check(gd.slice(x, b, [-1, 2]), v[1:, 1:3], {x: v})
    with pytest.raises(ShapeError, match="out of range"):
        gd.slice(ph([2, 3]), [0, 2], [1, 2])
    # a static begin takes the dtype of an int64 size tensor (and the other way round)
    n = gd.shape(x, out_type=gd.int64)[:1]
    check(gd.slice(x, [0, 0], gd.concat([n - 1, [-1]], 0)), v[:3], {x: v})
    check(gd.slice(x, gd.concat([n - 2, [1]], 0), [-1, 2]), v[2:, 1:3], {x: v})


# --- gather, segment sum, where, boolean_mask, reverse ----------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather(axis):
    v = RNG.standard_normal((4, 3, 5))
    ind = np.array([[0, 2], [1, 1]], np.int32)
    x = ph([None, 3, None])
    out = gd.gather(x, ind, axis=axis)
    exp = np.take(v, ind, axis=axis)
    assert out.shape.is_compatible_with(exp.shape) and out.shape.ndims == exp.ndim
    check(out, exp, {x: v})


def test_gather_bad_index_is_located_at_run_time():
    x = ph([3])
    g = gd.gather(x, [0, 5])
    with pytest.raises(ExecutionError, match="not in \\[0, 3\\)"):
        run(g, {x: np.zeros(3)})
    with pytest.raises(DTypeError):
        gd.gather(x, gd.constant([0.0]))


def test_unsorted_segment_sum():
    data = RNG.standard_normal((5, 2))
    ids = np.array([0, 2, 0, -1, 1], np.int32)
    exp = np.zeros((3, 2))
    for i, s in enumerate(ids):
        if s >= 0:
            exp[s] += data[i]
    x = ph([None, 2])
    check(gd.unsorted_segment_sum(x, ids, 3), exp, {x: data})


def test_unsorted_segment_sum_gradient_drops_negative_ids_with_unknown_ranks():
    # rows with id -1 were dropped, so their gradient is 0 even when no rank is known at build time
    x, ids = gd.placeholder(gd.float64), gd.placeholder(gd.int32)
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (gx,) = gd.gradients(gd.reduce_sum(gd.unsorted_segment_sum(x, ids, 2) * w), [x])
    check(gx, np.array([w[0], np.zeros(3), w[1]]), {x: np.ones((3, 3)), ids: np.array([0, -1, 1], np.int32)})


def test_where_select_and_where_v2():
    c = np.array([[True, False, True], [False, True, False]])
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    x, y = ph([None, 3]), ph([None, 3])
    check(gd.where(c, x, y), np.where(c, a, b), {x: a, y: b})
    rows = np.array([True, False])
    check(gd.where(rows, x, y), np.where(rows[:, None], a, b), {x: a, y: b})
    check(gd.where_v2(c[:, :1], x, 0.0), np.where(c[:, :1], a, 0.0), {x: a})
    with pytest.raises(ShapeError, match="vector"):
        gd.where(np.ones((3, 3), bool), ph([2, 3]), ph([2, 3]))
    with pytest.raises(DTypeError, match="bool"):
        gd.where(ph([2, 3]), ph([2, 3]), ph([2, 3]))


def test_where_one_arg_interpreter_only():
    c = ph([None, 2], gd.bool)
    w = gd.where(c)
    assert w.shape.as_list() == [None, 2] and w.dtype == gd.int64
    v = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(run(w, {c: v}), np.argwhere(v))
    with pytest.raises(BackendError, match="depends on the data"):
        run(w, {c: v}, "xla")


def test_boolean_mask():
    v = RNG.standard_normal((3, 4))
    m = np.array([True, False, True])
    x = ph([None, 4])
    np.testing.assert_allclose(run(gd.boolean_mask(x, m), {x: v}), v[m])
    m2 = RNG.random((3, 4)) > 0.5
    np.testing.assert_allclose(run(gd.boolean_mask(x, m2), {x: v}), v[m2])
    m3 = np.array([False, True, True, False])
    np.testing.assert_allclose(run(gd.boolean_mask(x, m3, axis=1), {x: v}), v[:, m3])


def test_reverse():
    v = RNG.standard_normal((2, 3, 4))
    x = ph([None, 3, 4])
    check(gd.reverse(x, [0, -1]), v[::-1, :, ::-1], {x: v})
    with pytest.raises(ShapeError, match="twice"):
        gd.reverse(x, [0, -3])


# --- gradients (central differences in float64, both backends, unknown dims) --------------------

GRAD_CASES = {
    "reshape": (lambda x: gd.reshape(x, [-1, 2]), [RNG.standard_normal((3, 4))]),
    "reshape_tensor": (lambda x: gd.reshape(x, gd.shape(x)[::-1]), [RNG.standard_normal((3, 4))]),
    "transpose": (lambda x: gd.transpose(x, [1, 2, 0]), [RNG.standard_normal((2, 3, 2))]),
    "expand_squeeze": (lambda x: gd.squeeze(gd.expand_dims(x, 1), [1]) * gd.expand_dims(x, -1)[..., 0],
                       [RNG.standard_normal((2, 3))]),
    "concat": (lambda x, y: gd.concat([x, y, x], 1), [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 2))]),
    "stack": (lambda x, y: gd.stack([x, y], axis=1), [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))]),
    "unstack": (lambda x: gd.unstack(x, num=3, axis=1)[0] * gd.unstack(x, num=3, axis=1)[2],
                [RNG.standard_normal((2, 3))]),
    "split": (lambda x: gd.split(x, [1, 2], axis=1)[1], [RNG.standard_normal((2, 3))]),
    "tile": (lambda x: gd.tile(x, [2, 3]), [RNG.standard_normal((2, 3))]),
    "pad": (lambda x: gd.pad(x, [[1, 0], [2, 1]]), [RNG.standard_normal((2, 3))]),
    "pad_reflect": (lambda x: gd.pad(x, [[1, 1], [2, 1]], mode="REFLECT"), [RNG.standard_normal((3, 4))]),
    "pad_symmetric": (lambda x: gd.pad(x, [[2, 0], [0, 3]], mode="SYMMETRIC"), [RNG.standard_normal((3, 4))]),
    "getitem": (lambda x: x[1:, ::-2] * x[0, None, :2], [RNG.standard_normal((3, 4))]),
    "slice": (lambda x: gd.slice(x, [1, 1], [-1, 2]), [RNG.standard_normal((3, 4))]),
    "gather": (lambda x: gd.gather(x, [[2, 0], [2, 2]], axis=1), [RNG.standard_normal((2, 3, 2))]),
    "where": (lambda x, y: gd.where(gd.greater(x, 0.0), x * x, y), [RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))]),
    "where_v2": (lambda x, y: gd.where_v2(gd.greater(y, 0.0), x, y), [RNG.standard_normal((1, 2)), RNG.standard_normal((3, 2))]),
    "fill": (lambda x: gd.fill([2, 2], x[0]), [RNG.standard_normal((3,))]),
    "reverse": (lambda x: gd.reverse(x, [1]), [RNG.standard_normal((2, 3))]),
    "segment_sum": (lambda x: gd.unsorted_segment_sum(x, [1, 0, 1], 2), [RNG.standard_normal((3, 2))]),
    "identity": (lambda x: gd.identity(x) * x, [RNG.standard_normal((2,))]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(GRAD_CASES))
@pytest.mark.parametrize("unknown", [True, False])
def test_gradients(case, unknown):
    build, values = GRAD_CASES[case]
    check_grads(build, values, unknown_dims=unknown)


def test_second_order_through_getitem_and_gather():
    x = ph([None])
    y = gd.reduce_sum(gd.gather(x, [0, 1, 1]) ** 3) + x[2] ** 2
    (g,) = gd.gradients(y, [x])
    (h,) = gd.gradients(gd.reduce_sum(g), [x])
    v = np.array([0.5, -1.0, 2.0])
    check(h, np.array([6 * v[0], 2 * 6 * v[1], 2.0]), {x: v})
