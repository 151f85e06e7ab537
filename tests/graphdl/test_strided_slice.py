"""tf.strided_slice: TF1's masks against a TF1 fixture on both backends, run-time begin/end, gradients."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError, GraphdlError, GraphError, InvalidArgumentError, ShapeError
from tests.oracle.harness import numeric_grad

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "tf_strided_slice.json").read_text())
CASES = DATA["cases"]
VALID = [c for c in CASES if "error" not in c]
BAD = [c for c in CASES if "error" in c]


def run_both(fetches, feeds=None, graph=None):
    """Runs fetches on both backends and checks they agree; returns the interpreter's values."""
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=graph, backend=backend) as sess:
            out.append(sess.run(fetches, feeds))
    for a, b in zip(out[0], out[1], strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=0)
    return out[0]


def _input(case):
    return np.arange(int(np.prod(case["shape"])), dtype=np.float64).reshape(case["shape"])


def _expected(case):
    return np.asarray(case["out"], np.float64).reshape(case["out_shape"])


def test_fixture_covers_the_masks():
    assert len(VALID) >= 40 and len(BAD) >= 5
    for mask in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"):
        assert sum(mask in c["masks"] for c in VALID) >= 3, mask
    assert any(any(s < 0 for s in c["strides"]) for c in VALID)


@pytest.mark.parametrize("k", range(len(VALID)))
def test_static_matches_tf1(k):
    case = VALID[k]
    x_val = _input(case)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, case["shape"])
        y = gd.strided_slice(x, case["begin"], case["end"], case["strides"], **case["masks"])
        # the same slice with begin/end/strides given as constant tensors
        z = gd.strided_slice(
            x,
            gd.constant(case["begin"], gd.int32, [len(case["begin"])]),
            gd.constant(case["end"], gd.int64, [len(case["end"])]),
            gd.constant(case["strides"], gd.int32, [len(case["strides"])]),
            **case["masks"],
        )
    assert y.op.type == "StridedSlice" and z.op.type == "StridedSlice"
    assert y.shape.as_list() == case["out_shape"]
    got_y, got_z = run_both([y, z], {x: x_val}, graph=g)
    np.testing.assert_array_equal(got_y, _expected(case))
    np.testing.assert_array_equal(got_z, _expected(case))


@pytest.mark.parametrize("k", range(len(BAD)))
def test_static_rejects_what_tf1_rejects(k):
    case = BAD[k]
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float64, case["shape"])
        with pytest.raises(ShapeError, match="strided_slice"):
            gd.strided_slice(x, case["begin"], case["end"], case["strides"], **case["masks"])


def _dynamic_ok(case):
    """Cases the run-time path takes: positive strides on the sliced entries."""
    m = case["masks"]
    skip = m.get("ellipsis_mask", 0) | m.get("new_axis_mask", 0)
    return all(s > 0 for i, s in enumerate(case["strides"]) if not skip >> i & 1)


def _half_masked(case):
    """Whether a sliced entry has exactly one of its bounds masked (the other is then a run-time value)."""
    m = case["masks"]
    other = m.get("ellipsis_mask", 0) | m.get("new_axis_mask", 0) | m.get("shrink_axis_mask", 0)
    half = (m.get("begin_mask", 0) ^ m.get("end_mask", 0)) & ~other
    return any(half >> i & 1 for i in range(len(case["begin"])))


DYN = [c for c in VALID if c["begin"] and _dynamic_ok(c)]


@pytest.mark.parametrize("k", range(len(DYN)))
def test_run_time_begin_end_matches_tf1(k):
    """begin = p + b and end = p + e with p fed 0: the size is fixed at build time (e - b) and the
    op either gives TF1's values or, where TF1's clamping changes the size, fails at run time."""
    case = DYN[k]
    x_val = _input(case)
    n = len(case["begin"])
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, case["shape"])
        p = gd.placeholder(gd.int32, [])
        b = [p + v for v in case["begin"]]
        e = [p + v for v in case["end"]]
        if _half_masked(case):  # end - begin is not a constant: XLA cannot size the result
            with pytest.raises(GraphError, match=r"strided_slice.*XLA needs static sizes"):
                gd.strided_slice(x, b, e, case["strides"], **case["masks"])
            return
        y = gd.strided_slice(x, b, e, case["strides"], **case["masks"])
    assert any(op.type == "DynamicStridedSlice" for op in g.get_operations())
    assert n == len(b)
    want = _expected(case)
    if y.shape.as_list() == list(want.shape):
        (got,) = run_both([y], {x: x_val, p: 0}, graph=g)
        np.testing.assert_array_equal(got, want)
    else:
        for backend in ("interpreter", "xla"):
            with (
                gd.Session(graph=g, backend=backend) as sess,
                pytest.raises(InvalidArgumentError, match="fixed when the graph was built"),
            ):
                sess.run(y, {x: x_val, p: 0})


def test_run_time_path_is_exercised_with_matching_sizes():
    matching = 0
    for case in [c for c in DYN if not _half_masked(c)]:
        with gd.Graph().as_default():
            p = gd.placeholder(gd.int32, [])
            y = gd.strided_slice(
                gd.zeros(case["shape"], gd.float64),
                [p + v for v in case["begin"]],
                [p + v for v in case["end"]],
                case["strides"],
                **case["masks"],
            )
            matching += y.shape.as_list() == case["out_shape"]
    assert matching >= 10


def test_ptb_reader_slices():
    """PTB's reader: data[0:batch, i*k:(i+1)*k] with i known only at run time, both backends."""
    batch, length, k = 3, 20, 4
    data = np.arange(batch * length, dtype=np.int32).reshape(batch, length)
    g = gd.Graph()
    with g.as_default():
        d = gd.constant(data)
        i = gd.placeholder(gd.int32, [])
        x = gd.strided_slice(d, [0, i * k], [batch, (i + 1) * k])
        y = gd.strided_slice(d, [0, i * k + 1], [batch, (i + 1) * k + 1])
    assert x.shape.as_list() == [batch, k] and y.shape.as_list() == [batch, k]
    for step in range(length // k - 1):
        got_x, got_y = run_both([x, y], {i: step}, graph=g)
        np.testing.assert_array_equal(got_x, data[:, step * k : (step + 1) * k])
        np.testing.assert_array_equal(got_y, data[:, step * k + 1 : (step + 1) * k + 1])


def test_run_time_shrink_and_masks():
    x_val = np.arange(60.0).reshape(3, 4, 5)
    g = gd.Graph()
    with g.as_default():
        x = gd.constant(x_val)
        i = gd.placeholder(gd.int64, [])
        a = gd.strided_slice(x, [i, 0], [0, 0], [1, 1], shrink_axis_mask=1, end_mask=2)  # x[i, :]
        b = gd.strided_slice(x, [0, i], [0, i + 3], [1, 2], ellipsis_mask=1)  # x[..., i:i+3:2]
        c = gd.strided_slice(x, gd.stack([i, 1]), gd.stack([i + 1, 3]), new_axis_mask=0)  # x[i:i+1, 1:3]
        d = gd.strided_slice(x, [0, -i], [0, 0], [1, 1], new_axis_mask=1, shrink_axis_mask=2)  # x[None, -i]
    assert a.shape.as_list() == [4, 5] and b.shape.as_list() == [3, 4, 2]
    assert c.shape.as_list() == [1, 2, 5] and d.shape.as_list() == [1, 4, 5]
    for v in (1, 2):
        got = run_both([a, b, c, d], {i: v}, graph=g)
        for have, want in zip(
            got, [x_val[v], x_val[..., v : v + 3 : 2], x_val[v : v + 1, 1:3], x_val[None, -v]], strict=True
        ):
            np.testing.assert_array_equal(have, want)


def test_run_time_out_of_range_fails_on_both_backends():
    g = gd.Graph()
    with g.as_default():
        i = gd.placeholder(gd.int32, [])
        y = gd.strided_slice(gd.constant(np.arange(10.0)), [i * 4], [(i + 1) * 4])
        s = gd.strided_slice(gd.constant(np.arange(10.0)), [i], [0], shrink_axis_mask=1)
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=g, backend=backend) as sess:
            np.testing.assert_array_equal(sess.run(y, {i: 1}), [4.0, 5.0, 6.0, 7.0])
            assert sess.run(s, {i: -3}) == 7.0
            with pytest.raises(InvalidArgumentError, match="StridedSlice"):
                sess.run(y, {i: 2})  # [8:12] has only 2 elements
            with pytest.raises(InvalidArgumentError):
                sess.run(s, {i: 10})


def test_run_time_size_must_be_static():
    with gd.Graph().as_default():
        i = gd.placeholder(gd.int32, [])
        j = gd.placeholder(gd.int32, [])
        x = gd.zeros([4, 6])
        with pytest.raises(GraphError, match=r"strided_slice \(.*test_strided_slice.py.*XLA needs static"):
            gd.strided_slice(x, [0, i], [4, j])
        with pytest.raises(GraphError, match="XLA needs static"):
            gd.strided_slice(x, [0, i], [4, 2 * i])
        with pytest.raises(ShapeError, match="positive strides"):
            gd.strided_slice(x, [0, i + 3], [4, i], [1, -1])
        with pytest.raises(GraphError, match="strides must be known"):
            gd.strided_slice(x, [0, 0], [4, 4], gd.stack([1, i]))


def test_bad_arguments():
    with gd.Graph().as_default():
        x = gd.zeros([4, 6])
        with pytest.raises(ShapeError, match=r"strided_slice.*same length"):
            gd.strided_slice(x, [0, 0], [1], [1, 1])
        with pytest.raises(DTypeError, match=r"strided_slice.*begin"):
            gd.strided_slice(x, gd.constant([0.0, 1.0]), [1, 1])
        with pytest.raises(GraphError, match=r"strided_slice.*begin_mask"):
            gd.strided_slice(x, [0], [1], begin_mask=True)
        with pytest.raises(GraphError, match=r"strided_slice.*var="):
            gd.strided_slice(x, [0], [1], var=x)
        with pytest.raises(ShapeError, match=r"strided_slice.*1-D"):
            gd.strided_slice(x, [[0]], [[1]])
        with pytest.raises(ShapeError, match=r"strided_slice.*out of bounds"):
            gd.strided_slice(x, [4], [5], shrink_axis_mask=1)
        with pytest.raises(GraphdlError, match="strided_slice"):
            gd.strided_slice(x, [0, 0, 0], [1, 1, 1])


def test_names_and_defaults():
    with gd.Graph().as_default():
        x = gd.zeros([4, 6])
        y = gd.strided_slice(x, [1], [3])
        z = gd.strided_slice(x, [1], [3], name="rows")
        np.testing.assert_array_equal(gd.Session().run(y), np.zeros([2, 6]))
    assert y.op.name == "StridedSlice" and z.op.name == "rows"
    import inspect

    params = list(inspect.signature(gd.strided_slice).parameters)
    assert params == [
        "input_", "begin", "end", "strides", "begin_mask", "end_mask", "ellipsis_mask",
        "new_axis_mask", "shrink_axis_mask", "var", "name",
    ]  # fmt: skip


def _jacobian_of_slice(shape, key):
    """d y / d x for y = x[key]: 1 where an input element lands in the output."""
    idx = np.arange(int(np.prod(shape))).reshape(shape)[key].reshape(-1)
    jac = np.zeros((int(np.prod(shape)), idx.size))
    jac[idx, np.arange(idx.size)] = 1.0
    return jac


@pytest.mark.parametrize(
    "args,key",
    [
        (([1, 0], [0, 0], [1, -2], 2, 2, 0, 0, 1), (1, slice(None, None, -2))),
        (([0, 0, 1], [3, 0, 0], [2, 1, 1], 0, 4, 0, 2, 0), (slice(0, 3, 2), None, slice(1, None))),
        (([0, -1], [0, 0], [1, 1], 0, 0, 1, 0, 2), (Ellipsis, -1)),
    ],
)
def test_gradient_with_masks(args, key):
    begin, end, strides, bm, em, elm, nm, sm = args
    shape = (4, 5)
    x_val = np.random.default_rng(1).standard_normal(shape)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, shape)
        y = gd.strided_slice(x, begin, end, strides, bm, em, elm, nm, sm)
        w = np.random.default_rng(2).standard_normal(y.shape.as_list())
        (gx,) = gd.gradients(gd.reduce_sum(y * w), [x])
    (got,) = run_both([gx], {x: x_val}, graph=g)
    want = np.zeros(shape)
    want[key] = w.reshape(np.zeros(shape)[key].shape)
    np.testing.assert_allclose(got, want)
    with g.as_default():
        theo, num = gd.test.compute_gradient(x, list(shape), y, y.shape.as_list(), x_init_value=x_val)
    np.testing.assert_allclose(theo, _jacobian_of_slice(shape, key), atol=1e-12)
    np.testing.assert_allclose(num, theo, atol=1e-6)


def test_run_time_gradient_matches_finite_differences():
    """The DynamicStridedSlice gradient (and its second derivative through the grad op)."""
    shape = (3, 8)
    x_val = np.random.default_rng(3).standard_normal(shape)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, shape)
        i = gd.placeholder(gd.int32, [])
        y = gd.strided_slice(x, [0, i * 2], [2, i * 2 + 5], [1, 2])
        loss = gd.reduce_sum(gd.sin(y) * y)
        (gx,) = gd.gradients(loss, [x])
        (ggx,) = gd.gradients(gd.reduce_sum(gx * gx), [x])
    assert y.shape.as_list() == [2, 3]
    for step in (0, 1):
        got_g, got_gg = run_both([gx, ggx], {x: x_val, i: step}, graph=g)
        with gd.Session(graph=g, backend="interpreter") as sess:
            num = numeric_grad(lambda v: sess.run(loss, {x: v, i: step}), x_val)
            num2 = numeric_grad(lambda v: float(np.sum(sess.run(gx, {x: v, i: step}) ** 2)), x_val)
        np.testing.assert_allclose(got_g, num, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(got_gg, num2, rtol=1e-5, atol=1e-6)
        outside = np.ones(shape, bool)
        outside[0:2, step * 2 : step * 2 + 5 : 2] = False
        assert np.all(got_g[outside] == 0.0) and np.all(got_g[~outside] != 0.0)


def test_getitem_with_run_time_indices() -> None:
    """x[:, i], x[i, 1:3, i:i + 2] and x[..., i] with i fed at run time, as TF1's __getitem__ builds
    them (a strided_slice whose size is fixed when the graph is built); gradients reach the slice."""
    v = np.arange(60.0).reshape(3, 4, 5)
    g = gd.Graph()
    with g.as_default():
        c = gd.placeholder(gd.float64, [3, 4, 5])
        i = gd.placeholder(gd.int32, [])
        picks = [c[:, i], c[i, 1:3, i : i + 2], c[..., i], c[gd.newaxis, i]]
        assert [p.shape.as_list() for p in picks] == [[3, 5], [2, 2], [3, 4], [1, 4, 5]]
        (grad,) = gd.gradients(gd.reduce_sum(picks[1]), [c])
    for k in (0, 2):
        want = [v[:, k], v[k, 1:3, k : k + 2], v[..., k], v[None, k]]
        for backend in ("interpreter", "xla"):
            with gd.Session(graph=g, backend=backend) as sess:
                *got, gv = sess.run([*picks, grad], {c: v, i: k})
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)
            mask = np.zeros_like(v)
            mask[k, 1:3, k : k + 2] = 1.0
            np.testing.assert_array_equal(gv, mask)
