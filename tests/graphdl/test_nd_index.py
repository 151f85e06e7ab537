"""gather_nd / scatter_nd: TF1's documented examples and NumPy on both backends, int32/int64 indices,
shape errors at build time, out-of-range indices (interpreter raises naming the op; XLA reads zeros /
drops updates), and the gradients (each the other) against jax.grad."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import DTypeError, ExecutionError, ShapeError


def run_both(fetches, feeds=None):
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(backend=backend) as sess:
            out.append(sess.run(fetches, feeds))
    return out


def np_gather_nd(params, indices):
    ind = np.asarray(indices)
    out = [params[tuple(i)] for i in ind.reshape(-1, ind.shape[-1])]
    return np.reshape(out, ind.shape[:-1] + params.shape[ind.shape[-1] :])


def test_gather_nd_tf1_doc_examples():
    with gd.Graph().as_default():
        params = gd.constant(np.array([[0.0, 1.0], [2.0, 3.0]], np.float32))
        params3 = gd.constant(np.arange(8, dtype=np.float32).reshape(2, 2, 2))
        cases = [
            (gd.gather_nd(params, [[0, 0], [1, 1]]), [0.0, 3.0]),
            (gd.gather_nd(params, [[1], [0]]), [[2.0, 3.0], [0.0, 1.0]]),
            (gd.gather_nd(params3, [[1]]), [[[4.0, 5.0], [6.0, 7.0]]]),
            (gd.gather_nd(params3, [[0, 1], [1, 0]]), [[2.0, 3.0], [4.0, 5.0]]),
            (gd.gather_nd(params3, [[0, 0, 1], [1, 0, 1]]), [1.0, 5.0]),
            (gd.gather_nd(params, [[[0, 0]], [[0, 1]]]), [[0.0], [1.0]]),
        ]
        for got in run_both([c[0] for c in cases]):
            for g, (t, want) in zip(got, cases, strict=True):
                assert t.shape.as_list() == list(np.shape(want))
                np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("itype", [np.int32, np.int64])
def test_gather_nd_random_vs_numpy(itype):
    rng = np.random.default_rng(0)
    pv = rng.standard_normal((4, 3, 5)).astype(np.float32)
    iv = np.stack([rng.integers(0, 4, (2, 6)), rng.integers(0, 3, (2, 6))], -1).astype(itype)
    with gd.Graph().as_default():
        p = gd.placeholder(gd.float32, [None, 3, 5])
        i = gd.placeholder(gd.as_dtype(itype), [2, 6, 2])
        y = gd.gather_nd(p, i)
        assert y.shape.as_list() == [2, 6, 5]
        for got in run_both(y, {p: pv, i: iv}):
            np.testing.assert_array_equal(got, np_gather_nd(pv, iv))


def test_gather_nd_int_params_and_errors():
    with gd.Graph().as_default():
        p = gd.constant(np.arange(6, dtype=np.int32).reshape(2, 3))
        y = gd.gather_nd(p, [[1, 2], [0, 0]])
        for got in run_both(y):
            assert got.dtype == np.int32
            np.testing.assert_array_equal(got, [5, 0])
        with pytest.raises(ShapeError, match=r"gather_nd.*indices.shape\[-1\] must be <= params rank"):
            gd.gather_nd(p, [[0, 0, 0]])
        with pytest.raises(DTypeError, match="int32 or int64"):
            gd.gather_nd(p, gd.constant([[0.0, 1.0]]))
        with pytest.raises(ShapeError, match="at least 1-D"):
            gd.gather_nd(p, gd.constant(1))


def test_out_of_range_interpreter_raises_xla_reads_zero():
    with gd.Graph().as_default():
        p = gd.constant(np.ones((2, 2), np.float32))
        i = gd.placeholder(gd.int32, [None, 2])
        y = gd.gather_nd(p, i)
        bad = np.array([[0, 1], [2, 0], [-1, 0]], np.int32)
        with (
            gd.Session(backend="interpreter") as sess,
            pytest.raises(
                ExecutionError, match=r"gather_nd 'GatherNd'.*indices\[1\] = \[2, 0\] does not index"
            ),
        ):
            sess.run(y, {i: bad})
        with gd.Session(backend="xla") as sess:
            np.testing.assert_array_equal(sess.run(y, {i: bad}), [1.0, 0.0, 0.0])


def test_scatter_nd_tf1_doc_examples():
    with gd.Graph().as_default():
        y1 = gd.scatter_nd([[4], [3], [1], [7]], gd.constant([9, 10, 11, 12]), [8])
        upd = np.array([[[5, 5, 5, 5], [6, 6, 6, 6], [7, 7, 7, 7], [8, 8, 8, 8]]] * 2, np.float32)
        y2 = gd.scatter_nd([[0], [2]], gd.constant(upd), gd.constant([4, 4, 4]))
        dup = gd.scatter_nd(
            gd.constant(np.array([[1], [1], [0]], np.int64)), gd.constant([1.0, 2.0, 3.0]), [3]
        )
        want2 = np.zeros((4, 4, 4), np.float32)
        want2[0] = upd[0]
        want2[2] = upd[1]
        for a, b, c in run_both([y1, y2, dup]):
            np.testing.assert_array_equal(a, [0, 11, 0, 10, 9, 0, 0, 12])
            assert a.dtype == np.int32
            np.testing.assert_array_equal(b, want2)
            np.testing.assert_array_equal(c, [3.0, 3.0, 0.0])  # duplicates are summed


def test_scatter_nd_errors_and_dynamic_shape():
    with gd.Graph().as_default():
        with pytest.raises(ShapeError, match=r"scatter_nd.*updates must have shape"):
            gd.scatter_nd([[0], [1]], gd.constant([1.0, 2.0, 3.0]), [4])
        with pytest.raises(ShapeError, match="must be <= the rank"):
            gd.scatter_nd([[0, 1]], gd.constant([1.0]), [4])
        x = gd.placeholder(gd.float32, [None, 2])
        y = gd.scatter_nd([[1]], gd.constant([[1.0, 2.0]]), gd.shape(x))
        for got in run_both(y, {x: np.zeros((3, 2), np.float32)}):
            np.testing.assert_array_equal(got, [[0, 0], [1, 2], [0, 0]])
        i = gd.placeholder(gd.int32, [None, 1])
        z = gd.scatter_nd(i, gd.constant([1.0, 2.0]), [2])
        with (
            gd.Session(backend="interpreter") as sess,
            pytest.raises(ExecutionError, match=r"scatter_nd 'ScatterNd(_\d+)?'.*indices\[0\] = \[5\]"),
        ):
            sess.run(z, {i: np.array([[5], [0]], np.int32)})
        with gd.Session(backend="xla") as sess:  # out-of-range updates are dropped
            np.testing.assert_array_equal(sess.run(z, {i: np.array([[5], [0]], np.int32)}), [2.0, 0.0])


def test_gradients_against_jax():
    rng = np.random.default_rng(1)
    pv = rng.standard_normal((3, 4))
    iv = np.array([[0, 1], [2, 3], [0, 1], [1, 0]], np.int32)  # a duplicate: its grads add up
    w = rng.standard_normal(4)
    uv = rng.standard_normal(4)
    w2 = rng.standard_normal((3, 4))
    with gd.Graph().as_default():
        p = gd.placeholder(gd.float64, [3, 4])
        u = gd.placeholder(gd.float64, [4])
        loss = gd.reduce_sum(gd.gather_nd(p, iv) * w) + gd.reduce_sum(gd.scatter_nd(iv, u, [3, 4]) * w2)
        gp, gu = gd.gradients(loss, [p, u])
        res = run_both([gp, gu], {p: pv, u: uv})

    def f(pp, uu):
        g = pp[iv[:, 0], iv[:, 1]]
        s = jnp.zeros((3, 4)).at[iv[:, 0], iv[:, 1]].add(uu)
        return jnp.sum(g * w) + jnp.sum(s * w2)

    jp, ju = jax.grad(f, argnums=(0, 1))(pv, uv)
    for a, b in res:
        np.testing.assert_allclose(a, jp, rtol=1e-12)
        np.testing.assert_allclose(b, ju, rtol=1e-12)
    assert jp[0, 1] == pytest.approx(w[0] + w[2])
