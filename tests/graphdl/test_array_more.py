"""Segment reductions, sorting and array rearrangements (graphdl/ops/segment.py, sorting.py,
array_extra.py and space_blocks.py) on both backends, against NumPy, TF1's outputs (data/tf_array_more.json, written by
data/make_tf_array_more.py) and their gradients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import BackendError, DTypeError, ExecutionError, GraphError, ShapeError

BACKENDS = ["interpreter", "xla"]
TF = json.loads((Path(__file__).parent / "data" / "tf_array_more.json").read_text())


def _tf(kind: str, key: str) -> Any:
    v = TF[kind][key]
    if isinstance(v, list):
        return [np.array(a["values"], a["dtype"]).reshape(a["shape"]) for a in v]
    return np.array(v["values"], v["dtype"]).reshape(v["shape"])


def _flat(x: Any) -> list[np.ndarray]:
    if isinstance(x, list | tuple):
        return [a for item in x for a in _flat(item)]
    return [np.asarray(x)]


def run_both(fetches: Any, feeds: dict[Any, Any] | None = None) -> Any:
    """The fetches on both backends, checked to agree with each other; the interpreter's values."""
    out = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            out.append(s.run(fetches, feeds or {}))
    for a, b in zip(_flat(out[0]), _flat(out[1]), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=1e-6)
    return out[0]


@pytest.fixture(autouse=True)
def _fresh_graph() -> Any:
    with gd.Graph().as_default() as g:
        yield g


# --- segments -------------------------------------------------------------------------------------

DATA = _tf("inputs", "data")
IDS_SORTED = _tf("inputs", "ids_sorted")
IDS_UNSORTED = _tf("inputs", "ids_unsorted")


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod"])
def test_segment_ops_match_tf1_with_empty_segments(kind: str) -> None:
    x = gd.placeholder(gd.float32, [None, 2])
    y = getattr(gd, f"segment_{kind}")(x, IDS_SORTED)
    assert y.op.type == f"Segment{kind.capitalize()}"
    assert y.shape.as_list() == [5, 2]  # last id + 1, known from the constant ids
    np.testing.assert_allclose(run_both(y, {x: DATA}), _tf("outputs", f"segment_{kind}"), rtol=1e-6)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod", "sqrt_n"])
def test_unsorted_segment_ops_match_tf1(kind: str) -> None:
    x = gd.placeholder(gd.float32, [6, 2])
    y = getattr(gd, f"unsorted_segment_{kind}")(x, IDS_UNSORTED, 5)
    assert y.shape.as_list() == [5, 2]
    np.testing.assert_allclose(run_both(y, {x: DATA}), _tf("outputs", f"unsorted_segment_{kind}"), rtol=1e-6)


def test_unsorted_segment_max_int_empty_is_lowest() -> None:
    y = gd.unsorted_segment_max(DATA.astype(np.int32), IDS_UNSORTED, 5)
    got = run_both(y)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, _tf("outputs", "unsorted_segment_max_int"))
    assert got[2, 0] == np.iinfo(np.int32).min


def _np_segment(data: np.ndarray, ids: np.ndarray, n: int, fn: Any, empty: float) -> np.ndarray:
    out = np.full((n,) + data.shape[ids.ndim :], empty)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = fn(rows, axis=0)
    return out


@pytest.mark.parametrize(
    ("kind", "fn"), [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("prod", np.prod)]
)
def test_segment_ops_random_against_numpy_with_fed_ids(kind: str, fn: Any) -> None:
    rng = np.random.default_rng(1)
    data = rng.standard_normal((7, 3, 2))
    ids = np.array([0, 0, 1, 3, 3, 3, 4], np.int64)
    x = gd.placeholder(gd.float64, [None, 3, 2])
    fed = gd.placeholder(gd.int64, [None])
    y = getattr(gd, f"segment_{kind}")(x, fed)
    assert y.shape.as_list() == [None, 3, 2]  # the size depends on the fed ids
    with gd.Session(backend="interpreter") as s:
        got = s.run(y, {x: data, fed: ids})
    empty = 1.0 if kind == "prod" else 0.0
    np.testing.assert_allclose(got, _np_segment(data, ids, 5, fn, empty), rtol=1e-12)
    # the same ids as a constant: both backends, static size
    z = getattr(gd, f"segment_{kind}")(x, ids)
    assert z.shape.as_list() == [5, 3, 2]
    np.testing.assert_allclose(run_both(z, {x: data}), got, rtol=1e-12)


def test_segment_fed_ids_on_xla_is_a_clear_error() -> None:
    fed = gd.placeholder(gd.int32, [None])
    y = gd.segment_max(gd.constant(np.arange(4.0)), fed)
    with (
        gd.Session() as s,
        pytest.raises(BackendError, match=r"segment_max 'SegmentMax'.*unsorted_segment_max"),
    ):
        s.run(y, {fed: [0, 0, 1, 1]})


def test_segment_ids_computed_from_shapes_compile_on_xla() -> None:
    # ids built from a shape (not a constant): XLA reads them when it compiles the plan
    x = gd.placeholder(gd.float32, [None, 2])
    ids = gd.range(gd.shape(x)[0]) // 2
    y = gd.segment_sum(x, ids)
    np.testing.assert_allclose(run_both(y, {x: DATA}), DATA.reshape(3, 2, 2).sum(axis=1))


def test_segment_ids_not_increasing_or_negative() -> None:
    # TF1 on CPU: InvalidArgumentError "segment ids are not increasing"
    assert "segment_sum_unsorted" in TF["errors"]
    with pytest.raises(GraphError, match=r"segment_sum .*not increasing"):
        gd.segment_sum(DATA, [0, 2, 1, 1, 1, 1])
    with pytest.raises(GraphError, match="must be >= 0"):
        gd.segment_min(DATA, [-1, 0, 0, 1, 1, 1])
    fed = gd.placeholder(gd.int32, [None])
    y = gd.segment_sum(DATA, fed)
    with gd.Session(backend="interpreter") as s, pytest.raises(ExecutionError, match="not increasing"):
        s.run(y, {fed: [0, 2, 1, 1, 1, 1]})
    with pytest.raises(ShapeError, match="vector"):
        gd.segment_sum(DATA, [[0, 0, 0], [1, 1, 1]])
    with pytest.raises(DTypeError):
        gd.segment_sum(DATA, gd.constant(np.zeros(6, np.float32)))


def test_unsorted_segment_num_segments_tensor_and_out_of_range() -> None:
    n = gd.placeholder(gd.int32, [])
    y = gd.unsorted_segment_min(DATA, IDS_UNSORTED, n)
    with gd.Session(backend="interpreter") as s:
        np.testing.assert_allclose(s.run(y, {n: 5}), _tf("outputs", "unsorted_segment_min"))
        with pytest.raises(ExecutionError, match="not < num_segments"):
            s.run(y, {n: 3})
    m = gd.unsorted_segment_prod(DATA, IDS_UNSORTED, gd.shape(gd.zeros([5]))[0])
    assert m.op.attrs["num_segments"] == 5  # folded when known at build time


def _weighted_grad(y: gd.Tensor, x: gd.Tensor) -> gd.Tensor:
    w = np.arange(1.0, 1.0 + int(np.prod(y.shape.as_list())), dtype=np.float32).reshape(y.shape.as_list())
    return gd.gradients(gd.reduce_sum(y * w), x)[0]


TIED = np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 3.0], [0.0, 3.0], [2.0, 0.0], [-1.0, 0.0]], np.float32)


def test_segment_max_gradient_splits_ties_as_tf1() -> None:
    x = gd.placeholder(gd.float32, [6, 2])
    g = _weighted_grad(gd.segment_max(x, [0, 0, 1, 1, 1, 1]), x)
    np.testing.assert_allclose(run_both(g, {x: TIED}), _tf("grads", "segment_max"), rtol=1e-6)


def test_unsorted_segment_prod_gradient_with_zeros_as_tf1() -> None:
    x = gd.placeholder(gd.float32, [6, 2])
    g = _weighted_grad(gd.unsorted_segment_prod(x, IDS_UNSORTED, 5), x)
    np.testing.assert_allclose(run_both(g, {x: TIED}), _tf("grads", "unsorted_segment_prod"), rtol=1e-6)


def test_unsorted_segment_mean_and_sqrt_n_gradients_against_numpy() -> None:
    x = gd.placeholder(gd.float64, [6, 2])
    counts = np.array([2, 1, 0, 2, 0], np.float64)
    w = np.arange(10.0).reshape(5, 2)
    for fn, scale in ((gd.unsorted_segment_mean, counts), (gd.unsorted_segment_sqrt_n, np.sqrt(counts))):
        g = gd.gradients(gd.reduce_sum(fn(x, IDS_UNSORTED, 5) * w), x)[0]
        keep = IDS_UNSORTED >= 0
        expected = np.zeros((6, 2))
        expected[keep] = w[IDS_UNSORTED[keep]] / scale[IDS_UNSORTED[keep], None]
        np.testing.assert_allclose(run_both(g, {x: DATA.astype(np.float64)}), expected, rtol=1e-12)


def test_large_unsorted_segment_prod_uses_the_scatter_path() -> None:
    # more segments x rows than the masked-product limit: XLA lowers to a scatter-multiply
    rng = np.random.default_rng(2)
    data = 1.0 + 0.001 * rng.standard_normal(3000)
    ids = rng.integers(-1, 2000, 3000).astype(np.int32)
    y = gd.unsorted_segment_prod(gd.constant(data), ids, 2000)
    expected = np.ones(2000)
    np.multiply.at(expected, ids[ids >= 0], data[ids >= 0])
    np.testing.assert_allclose(run_both(y), expected, rtol=1e-12)


# --- sorting --------------------------------------------------------------------------------------


def test_sort_and_argsort_ties_match_tf1() -> None:
    a = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, -1.0, 5.0, 5.0]], np.float32)
    b = np.array([[3.0, 1.0, 2.0, 1.0], [5.0, -1.0, 5.0, 5.0]], np.float32)
    c = np.array([[3.0, 1.0, 3.0, 1.0], [5.0, -1.0, 5.0, 5.0]], np.float32)
    out = run_both([gd.sort(a, direction="DESCENDING"), gd.argsort(b), gd.argsort(c, direction="DESCENDING")])
    np.testing.assert_array_equal(out[0], _tf("outputs", "sort_desc"))
    assert out[1].dtype == np.int32
    np.testing.assert_array_equal(out[1], _tf("outputs", "argsort_ties"))
    np.testing.assert_array_equal(out[2], _tf("outputs", "argsort_desc_ties"))


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
def test_sort_axes_against_numpy(axis: int, direction: str) -> None:
    rng = np.random.default_rng(3)
    v = rng.integers(0, 4, (3, 4, 5)).astype(np.int32)  # many ties
    x = gd.placeholder(gd.int32, [3, 4, 5])
    s, i = (
        gd.sort(x, axis=axis, direction=direction),
        gd.argsort(x, axis=axis, direction=direction, stable=True),
    )
    assert s.shape.as_list() == [3, 4, 5] and i.dtype == gd.int32
    got_s, got_i = run_both([s, i], {x: v})
    if direction == "ASCENDING":
        ref_i = np.argsort(v, axis=axis, kind="stable")
    else:  # stable descending: larger first, equal values by lower index
        ref_i = np.argsort(-v, axis=axis, kind="stable")
    np.testing.assert_array_equal(got_i, ref_i)
    np.testing.assert_array_equal(got_s, np.take_along_axis(v, ref_i, axis=axis))


def test_sort_gradient_goes_through_the_permutation() -> None:
    rng = np.random.default_rng(4)
    v = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))
    x = gd.placeholder(gd.float64, [None, 4])
    g = gd.gradients(gd.reduce_sum(gd.sort(x, axis=0, direction="DESCENDING") * w), x)[0]
    order = np.argsort(-v, axis=0, kind="stable")
    expected = np.zeros_like(v)
    np.put_along_axis(expected, order, w, axis=0)
    np.testing.assert_allclose(run_both(g, {x: v}), expected, rtol=1e-12)


def test_sort_errors() -> None:
    with pytest.raises(GraphError, match="direction"):
        gd.sort([1.0, 2.0], direction="UP")
    with pytest.raises(ShapeError, match="argsort"):
        gd.argsort(gd.constant(1.0))
    with pytest.raises(ShapeError):
        gd.sort([[1.0, 2.0]], axis=2)
    with pytest.raises(DTypeError):
        gd.sort([True, False])


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_tf1_and_numpy(side: str) -> None:
    seq = np.array([[1.0, 2.0, 2.0, 4.0], [0.0, 1.0, 3.0, 3.0]], np.float32)
    vals = np.array([[2.0, 0.0, 5.0], [3.0, 1.0, -1.0]], np.float32)
    s = gd.placeholder(gd.float32, [None, 4])
    y = gd.searchsorted(s, vals, side=side)
    assert y.dtype == gd.int32 and y.op.type == ("LowerBound" if side == "left" else "UpperBound")
    got = run_both(y, {s: seq})
    np.testing.assert_array_equal(got, _tf("outputs", f"searchsorted_{side}"))
    ref = np.stack([np.searchsorted(a, b, side=side) for a, b in zip(seq, vals, strict=True)])
    np.testing.assert_array_equal(got, ref)
    z = gd.searchsorted([1, 3, 5], [0, 3, 6], side=side, out_type=gd.int64)
    assert z.dtype == gd.int64
    np.testing.assert_array_equal(run_both(z), np.searchsorted([1, 3, 5], [0, 3, 6], side=side))


def test_searchsorted_errors() -> None:
    with pytest.raises(GraphError, match="side"):
        gd.searchsorted([1.0], [1.0], side="middle")
    with pytest.raises(DTypeError, match="out_type"):
        gd.searchsorted([1.0], [1.0], out_type=gd.float32)
    with pytest.raises(ShapeError, match="same rank"):
        gd.searchsorted([[1.0, 2.0]], [1.0])
    with pytest.raises(ShapeError, match="all but the last"):
        gd.searchsorted([[1.0, 2.0]], [[1.0], [2.0]])


# --- arg_max, meshgrid, broadcast_to, roll ----------------------------------------------------------


def test_arg_max_arg_min_deprecated_names() -> None:
    v = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], np.float32)
    a, b = gd.arg_max(v, 1), gd.arg_min(v, dimension=0, output_type=gd.int32)
    assert a.dtype == gd.int64 and b.dtype == gd.int32
    got = run_both([a, b])
    np.testing.assert_array_equal(got[0], np.argmax(v, 1))
    np.testing.assert_array_equal(got[1], np.argmin(v, 0))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_matches_numpy_and_tf1(indexing: str) -> None:
    args = [np.array([1, 2, 3]), np.array([4, 5]), np.array([6, 7, 8, 9])]
    if indexing == "ij":
        args = args[:2]
    out = run_both(gd.meshgrid(*args, indexing=indexing))
    for got, ref, tf1 in zip(
        out, np.meshgrid(*args, indexing=indexing), _tf("outputs", f"meshgrid_{indexing}"), strict=True
    ):
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(got, tf1)


def test_meshgrid_gradient_and_fed_sizes() -> None:
    x = gd.placeholder(gd.float64, [None])
    y = gd.placeholder(gd.float64, [None])
    gx, gy = gd.meshgrid(x, y)
    assert gx.shape.as_list() == [None, None]
    grads = gd.gradients(gd.reduce_sum(gx * 2.0 + gy * gy), [x, y])
    xv, yv = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    got = run_both([gx, gy, *grads], {x: xv, y: yv})
    np.testing.assert_array_equal(got[0], np.meshgrid(xv, yv)[0])
    np.testing.assert_allclose(got[2], np.full(3, 2.0 * 2))  # each x appears len(y) times
    np.testing.assert_allclose(got[3], 2 * yv * 3)  # each y appears len(x) times
    assert gd.meshgrid() == []
    with pytest.raises(GraphError, match="indexing"):
        gd.meshgrid([1], indexing="yx")
    with pytest.raises(TypeError, match="unexpected"):
        gd.meshgrid([1], sparse=True)


def test_broadcast_to_static_dynamic_and_gradient() -> None:
    x = gd.placeholder(gd.float64, [2, 1])
    s = gd.placeholder(gd.int32, [3])
    y = gd.broadcast_to(x, [3, 2, 4])
    assert y.shape.as_list() == [3, 2, 4] and y.op.type == "BroadcastTo"
    g = gd.gradients(gd.reduce_sum(y * np.arange(24.0).reshape(3, 2, 4)), x)[0]
    v = np.array([[1.0], [2.0]])
    got = run_both([y, g], {x: v})
    np.testing.assert_array_equal(got[0], np.broadcast_to(v, (3, 2, 4)))
    np.testing.assert_allclose(got[1], np.arange(24.0).reshape(3, 2, 4).sum(axis=(0, 2))[:, None])
    dyn = gd.broadcast_to(x, s)
    with gd.Session(backend="interpreter") as sess:
        np.testing.assert_array_equal(sess.run(dyn, {x: v, s: [2, 2, 3]}), np.broadcast_to(v, (2, 2, 3)))
    with pytest.raises(ShapeError, match="broadcast_to"):
        gd.broadcast_to(x, [3, 4])
    with pytest.raises(ShapeError, match="broadcast_to"):
        gd.broadcast_to(x, [1])


def test_roll_matches_tf1_numpy_and_dynamic_shift() -> None:
    v = np.arange(12).reshape(3, 4)
    y = gd.roll(v, shift=[1, -1, 2], axis=[0, 1, 1])
    got = run_both(y)
    np.testing.assert_array_equal(got, _tf("outputs", "roll"))
    np.testing.assert_array_equal(got, np.roll(v, (1, -1, 2), axis=(0, 1, 1)))
    sh = gd.placeholder(gd.int32, [2])
    x = gd.placeholder(gd.float64, [3, 4])
    r = gd.roll(x, sh, [0, 1])
    g = gd.gradients(gd.reduce_sum(r * np.arange(12.0).reshape(3, 4)), x)[0]
    fv = v.astype(np.float64)
    got = run_both([r, g], {x: fv, sh: [2, -3]})
    np.testing.assert_array_equal(got[0], np.roll(fv, (2, -3), axis=(0, 1)))
    np.testing.assert_array_equal(got[1], np.roll(np.arange(12.0).reshape(3, 4), (-2, 3), axis=(0, 1)))
    with pytest.raises(ShapeError, match="same size"):
        gd.roll(v, [1, 2], [0])


# --- reverse_sequence, invert_permutation -------------------------------------------------------------


def test_reverse_sequence_matches_tf1() -> None:
    seq = np.arange(30, dtype=np.float32).reshape(3, 5, 2)
    x = gd.placeholder(gd.float32, [None, 5, 2])
    a = gd.reverse_sequence(x, [2, 5, 0], seq_axis=1, batch_axis=0)
    b = gd.reverse_sequence(np.transpose(seq, (1, 0, 2)), [3, 1, 4], seq_dim=0, batch_dim=1)
    got = run_both([a, b], {x: seq})
    np.testing.assert_array_equal(got[0], _tf("outputs", "reverse_sequence"))
    np.testing.assert_array_equal(got[1], _tf("outputs", "reverse_sequence_b1"))


def test_reverse_sequence_gradient_and_errors() -> None:
    x = gd.placeholder(gd.float64, [2, 4])
    lens = gd.placeholder(gd.int32, [2])
    w = np.arange(8.0).reshape(2, 4)
    g = gd.gradients(gd.reduce_sum(gd.reverse_sequence(x, lens, 1) * w), x)[0]
    got = run_both(g, {x: np.zeros((2, 4)), lens: [3, 1]})
    np.testing.assert_array_equal(got, [[2.0, 1.0, 0.0, 3.0], [4.0, 5.0, 6.0, 7.0]])
    with gd.Session(backend="interpreter") as s, pytest.raises(ExecutionError, match="seq_lengths"):
        s.run(g, {x: np.zeros((2, 4)), lens: [5, 1]})
    with pytest.raises(ShapeError, match="must differ"):
        gd.reverse_sequence(x, [1, 1], seq_axis=0, batch_axis=0)
    with pytest.raises(ShapeError, match="3 entries"):
        gd.reverse_sequence(x, [1, 1, 1], seq_axis=1)
    with pytest.raises(GraphError, match="seq_axis is required"):
        gd.reverse_sequence(x, [1, 1])


def test_invert_permutation() -> None:
    p = gd.placeholder(gd.int32, [None])
    y = gd.invert_permutation(p)
    perm = np.array([3, 4, 0, 2, 1], np.int32)
    got = run_both(y, {p: perm})
    np.testing.assert_array_equal(got, _tf("outputs", "invert_permutation"))
    np.testing.assert_array_equal(got, np.argsort(perm))
    with gd.Session(backend="interpreter") as s, pytest.raises(ExecutionError, match="permutation"):
        s.run(y, {p: [0, 0, 1]})
    with pytest.raises(DTypeError):
        gd.invert_permutation(gd.constant([0.0, 1.0]))


# --- space_to_depth / depth_to_space, space_to_batch / batch_to_space ----------------------------------


def test_space_to_depth_and_depth_to_space_match_tf1() -> None:
    x4 = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    d4 = np.arange(2 * 2 * 3 * 12, dtype=np.float32).reshape(2, 2, 3, 12)
    x = gd.placeholder(gd.float32, [None, 4, 6, 3])
    s2d = gd.space_to_depth(x, 2)
    assert s2d.shape.as_list() == [None, 2, 3, 12]
    d2s = gd.depth_to_space(d4, 2)
    back = gd.depth_to_space(s2d, 2)
    nchw = gd.space_to_depth(np.transpose(x4, (0, 3, 1, 2)), 2, data_format="NCHW")
    got = run_both([s2d, d2s, back, nchw], {x: x4})
    np.testing.assert_array_equal(got[0], _tf("outputs", "space_to_depth"))
    np.testing.assert_array_equal(got[1], _tf("outputs", "depth_to_space"))
    np.testing.assert_array_equal(got[2], x4)
    np.testing.assert_array_equal(got[3], np.transpose(got[0], (0, 3, 1, 2)))
    with pytest.raises(ShapeError, match="multiples of block_size"):
        gd.space_to_depth(x, 4)
    with pytest.raises(ShapeError, match="multiple of block_size"):
        gd.depth_to_space(x, 2)
    with pytest.raises(ShapeError, match="block_size must be >= 2"):
        gd.space_to_depth(x, 1)
    with pytest.raises(GraphError, match="data_format"):
        gd.space_to_depth(x, 2, data_format="NCHW_VECT_C")
    with pytest.raises(ShapeError, match="known non-batch"):
        gd.space_to_depth(gd.placeholder(gd.float32, [1, None, 4, 1]), 2)


def test_space_to_batch_nd_and_back_match_tf1() -> None:
    stb = np.arange(30, dtype=np.float32).reshape(2, 3, 5, 1)
    bts = np.arange(48, dtype=np.float32).reshape(12, 2, 2, 1)
    x = gd.placeholder(gd.float32, [None, 3, 5, 1])
    a = gd.space_to_batch_nd(x, [2, 3], [[1, 0], [0, 1]])
    b = gd.batch_to_space_nd(bts, [2, 3], [[1, 0], [0, 1]])
    back = gd.batch_to_space_nd(a, [2, 3], [[1, 0], [0, 1]])
    got = run_both([a, b, back], {x: stb})
    np.testing.assert_array_equal(got[0], _tf("outputs", "space_to_batch_nd"))
    np.testing.assert_array_equal(got[1], _tf("outputs", "batch_to_space_nd"))
    np.testing.assert_array_equal(got[2], stb)


def test_space_to_batch_gradient_is_batch_to_space() -> None:
    rng = np.random.default_rng(5)
    v = rng.standard_normal((1, 4, 4, 2))
    x = gd.placeholder(gd.float64, [1, 4, 4, 2])
    y = gd.space_to_batch(x, [[0, 2], [2, 0]], block_size=2)
    assert y.shape.as_list() == [4, 3, 3, 2]
    w = rng.standard_normal((4, 3, 3, 2))
    g = gd.gradients(gd.reduce_sum(y * w), x)[0]
    ref = gd.batch_to_space(w, [[0, 2], [2, 0]], block_size=2)
    got = run_both([g, ref], {x: v})
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)
    with pytest.raises(ShapeError, match="multiples of block_shape"):
        gd.space_to_batch_nd(x, [3, 3], [[0, 0], [0, 0]])
    with pytest.raises(ShapeError, match="shape \\[2, 2\\]"):
        gd.space_to_batch_nd(x, [2, 2], [0, 0])
    with pytest.raises(ShapeError, match="multiple of prod"):
        gd.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]])


# --- extract_image_patches ------------------------------------------------------------------------

PATCH_CASES = {
    "patches_same": ([1, 2, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
    "patches_valid_rates": ([1, 2, 2, 1], [1, 1, 2, 1], [1, 2, 2, 1], "VALID"),
    "patches_same_rates": ([1, 3, 2, 1], [1, 2, 3, 1], [1, 2, 1, 1], "SAME"),
}


@pytest.mark.parametrize("case", sorted(PATCH_CASES))
def test_extract_image_patches_matches_tf1(case: str) -> None:
    ks, st, rt, padding = PATCH_CASES[case]
    img = np.arange(2 * 7 * 6 * 2, dtype=np.float32).reshape(2, 7, 6, 2)
    x = gd.placeholder(gd.float32, [None, 7, 6, 2])
    y = gd.extract_image_patches(x, ks, st, rt, padding)
    expected = _tf("outputs", case)
    assert y.shape.as_list() == [None, *expected.shape[1:]]
    np.testing.assert_array_equal(run_both(y, {x: img}), expected)


def test_extract_image_patches_gradient_counts_overlaps_and_errors() -> None:
    x = gd.placeholder(gd.float64, [1, 4, 4, 1])
    y = gd.extract_image_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    g = gd.gradients(gd.reduce_sum(y), x)[0]
    # each pixel is counted once per 2x2 window that covers it
    cover = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], np.float64)
    np.testing.assert_array_equal(run_both(g, {x: np.zeros((1, 4, 4, 1))})[0, :, :, 0], cover)
    with pytest.raises(ShapeError, match=r"\[1, rows, cols, 1\]"):
        gd.extract_image_patches(x, [2, 2], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(GraphError, match="padding"):
        gd.extract_image_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL")
    with pytest.raises(ShapeError, match="do not fit"):
        gd.extract_image_patches(x, [1, 5, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")


# --- unknown ranks, empty inputs and argument types (review regressions) ----------------------------


@pytest.mark.parametrize("kind", ["max", "prod", "mean", "sqrt_n"])
def test_unsorted_segment_ops_with_unknown_rank_data_or_ids(kind: str) -> None:
    # a placeholder without a shape (TF1's tf.placeholder(tf.int32)) for ids or data: the counts and the
    # gradient's mask get their trailing size-1 axes when the graph runs, as TF1's
    rng = np.random.default_rng(3)
    v = rng.standard_normal((4, 3))
    ids_v = np.array([0, 2, 2, 0], np.int32)  # no -1: see UnsortedSegmentSum (gathering.py)
    fn = getattr(gd.math, f"unsorted_segment_{kind}")
    ref_x = gd.constant(v)
    ref = fn(ref_x, ids_v, 3)
    ref_g = gd.gradients(gd.reduce_sum(ref * ref), ref_x)[0]
    expected = run_both([ref, ref_g])
    for data_shape, ids_shape in (([None, 3], None), (None, [None])):
        x = gd.placeholder(gd.float64, data_shape)
        ids = gd.placeholder(gd.int32, ids_shape)
        y = fn(x, ids, 3)
        g = gd.gradients(gd.reduce_sum(y * y), x)[0]
        got = run_both([y, g], {x: v, ids: ids_v})
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "prod"])
def test_sorted_segment_gradient_with_unknown_rank_ids(kind: str) -> None:
    rng = np.random.default_rng(4)
    v = rng.standard_normal((4, 3))
    ids_v = np.array([0, 1, 1, 3], np.int64)
    fn = getattr(gd.math, f"segment_{kind}")
    ref_x = gd.constant(v)
    ref = fn(ref_x, ids_v)
    expected = run_both(gd.gradients(gd.reduce_sum(ref * ref), ref_x)[0])
    x = gd.placeholder(gd.float64, [None, 3])
    ids = gd.placeholder(gd.int64)
    g = gd.gradients(gd.reduce_sum(fn(x, ids) ** 2), x)[0]
    with gd.Session(backend="interpreter") as s:  # fed sorted ids: interpreter only (see segment.py)
        np.testing.assert_allclose(s.run(g, {x: v, ids: ids_v}), expected, rtol=1e-12)


def test_sort_and_argsort_of_unknown_rank_along_the_last_axis() -> None:
    v = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], np.float32)
    x = gd.placeholder(gd.float32)
    y = gd.sort(x, direction="DESCENDING")
    i = gd.argsort(x)
    g = gd.gradients(gd.reduce_sum(y * np.array([1.0, 2.0, 3.0], np.float32)), x)[0]
    got = run_both([y, i, g], {x: v})
    np.testing.assert_array_equal(got[0], -np.sort(-v, axis=-1))
    np.testing.assert_array_equal(got[1], np.argsort(v, axis=-1, kind="stable"))
    np.testing.assert_array_equal(got[2], np.array([[1.0, 3.0, 2.0], [3.0, 1.0, 2.0]], np.float32))
    with pytest.raises(ShapeError, match="known rank"):
        gd.sort(x, axis=0)


def test_searchsorted_into_an_empty_sequence_is_zero() -> None:
    # TF1 gives index 0 for every value; NumPy's reshape and XLA's modulo by 0 failed here
    s = gd.placeholder(gd.float32, [None, None])
    v = gd.placeholder(gd.float32, [None, 2])
    for side in ("left", "right"):
        y = gd.searchsorted(s, v, side=side, out_type=gd.int64)
        got = run_both(y, {s: np.zeros((2, 0), np.float32), v: np.ones((2, 2), np.float32)})
        np.testing.assert_array_equal(got, np.zeros((2, 2), np.int64))
        assert got.dtype == np.int64


def test_space_to_batch_block_size_and_patch_arguments_as_numpy_or_tensors() -> None:
    v = np.arange(2 * 4 * 4 * 1, dtype=np.float32).reshape(2, 4, 4, 1)
    x = gd.placeholder(gd.float32, [None, 4, 4, 1])
    a = gd.space_to_batch(x, np.zeros((2, 2), np.int64), block_size=gd.constant(2, gd.int64))
    b = gd.batch_to_space(a, [[0, 0], [0, 0]], block_size=np.int64(2))
    ref = gd.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])
    p = gd.extract_image_patches(x, np.array([1, 2, 2, 1]), (1, 1, 1, 1), gd.constant([1, 1, 1, 1]), b"VALID")
    pref = gd.extract_image_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    got = run_both([a, ref, b, p, pref], {x: v})
    np.testing.assert_array_equal(got[0], got[1])
    np.testing.assert_array_equal(got[2], v)
    np.testing.assert_array_equal(got[3], got[4])
    with pytest.raises(ShapeError, match=r"space_to_batch.*block_size must be >= 2"):
        gd.space_to_batch(x, [[0, 0], [0, 0]], block_size=1)
    with pytest.raises(ShapeError, match=r"extract_image_patches.*strides must be known"):
        gd.extract_image_patches(x, [1, 2, 2, 1], gd.placeholder(gd.int32, [4]), [1, 1, 1, 1], "VALID")


def test_known_entries_of_a_partly_known_shape_are_static() -> None:
    """tf.shape(x)[2] of a [None, 5, 10] placeholder is 10 when the graph is built (TF1's
    constant_value), so reshape(x, [-1, tf.shape(x)[2]]) has shape [None, 10] and sequence_loss's
    gradient knows its classes."""
    x = gd.placeholder(gd.float32, [None, 5, 10])
    assert gd.reshape(x, [-1, gd.shape(x)[2]]).shape.as_list() == [None, 10]
    assert gd.reshape(x, gd.shape(x)[1:]).shape.as_list() == [5, 10]
    assert gd.reshape(x, [gd.shape(x)[0], 50]).shape.as_list() == [None, 50]
    v = np.arange(100, dtype=np.float32).reshape(2, 5, 10)
    got = run_both([gd.reshape(x, [-1, gd.shape(x)[2]]), gd.shape(x)[0]], {x: v})
    np.testing.assert_array_equal(got[0], v.reshape(-1, 10))
    assert got[1] == 2  # the unknown entry is read at run time
