"""dropout, batch_normalization and embedding_lookup on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import GraphdlError


def run(graph: gd.Graph, fetches: object, feeds: dict[object, object] | None = None) -> list[object]:
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=graph, backend=backend) as s:
            out.append(s.run(fetches, feeds or {}))
    return out


def test_dropout_same_mask_on_both_backends_and_tf1_scaling() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 50])
        y = gd.nn.dropout(x, keep_prob=0.75, seed=3)
        assert y.op.name == "dropout" and y.shape.as_list() == [None, 50]
        mask_ops = [n for n in g.get_operations() if n.type == "DropoutMask"]
        assert len(mask_ops) == 1 and mask_ops[0].name == "dropout/mask"
    xv = np.random.default_rng(0).uniform(1.0, 2.0, (40, 50)).astype(np.float32)
    a, b = run(g, y, {x: xv})
    np.testing.assert_array_equal(a != 0, b != 0)  # the same mask; XLA may turn x / 0.75 into x * (1 / 0.75)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    kept = a != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(a[kept], xv[kept] / np.float32(0.75), rtol=1e-6)


def test_dropout_new_mask_each_run_and_rate_and_noise_shape() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.ones([8, 3, 20])
        y = gd.nn.dropout(x, rate=0.5, noise_shape=[8, 1, 20], seed=1)
    with gd.Session(graph=g, backend="xla") as s:
        first, second = s.run(y), s.run(y)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first[:, 0], first[:, 1])  # broadcast over the noise_shape's 1
    assert set(np.unique(first)) <= {0.0, 2.0}
    with gd.Session(graph=g, backend="interpreter") as s:
        np.testing.assert_array_equal(s.run(y), first)


def test_dropout_keep_prob_placeholder_and_identity() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [4, 6])
        kp = gd.placeholder(gd.float64, [])
        y = gd.nn.dropout(x, kp, seed=2)
        assert gd.nn.dropout(x, keep_prob=1.0) is x
        (gx,) = gd.gradients(gd.reduce_sum(y), [x])
        with pytest.raises(GraphdlError):
            gd.nn.dropout(x, keep_prob=1.5)
        with pytest.raises(GraphdlError):
            gd.nn.dropout(x)
    xv = np.random.default_rng(1).standard_normal((4, 6))
    for (yv, gv), (yv1, _) in zip(
        run(g, [y, gx], {x: xv, kp: 0.5}), run(g, [y, gx], {x: xv, kp: 1.0}), strict=True
    ):
        mask = yv != 0
        np.testing.assert_allclose(gv, mask / 0.5)  # the gradient is the scaled mask
        np.testing.assert_allclose(yv1, xv)


def test_batch_normalization_matches_formula() -> None:
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((5, 3))
    mean, var, off, sc = xv.mean(0), xv.var(0), rng.standard_normal(3), rng.standard_normal(3)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [None, 3])
        m, v = gd.nn.moments(x, axes=[0])
        y = gd.nn.batch_normalization(x, m, v, gd.constant(off), gd.constant(sc), 1e-3)
        y2 = gd.nn.batch_normalization(x, m, v, None, None, 1e-3)
    expect = sc * (xv - mean) / np.sqrt(var + 1e-3) + off
    for a, b in run(g, [y, y2], {x: xv}):
        np.testing.assert_allclose(a, expect, rtol=1e-10)
        np.testing.assert_allclose(b, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-10)


def test_embedding_lookup_gathers_rows_and_its_gradient() -> None:
    rng = np.random.default_rng(3)
    pv = rng.standard_normal((6, 4))
    ids = np.array([[0, 5], [2, 2]], np.int32)
    g = gd.Graph()
    with g.as_default():
        p = gd.placeholder(gd.float64, [6, 4])
        e = gd.nn.embedding_lookup(p, gd.constant(ids))
        (gp,) = gd.gradients(gd.reduce_sum(e), [p])
    expect_g = np.zeros((6, 4))
    np.add.at(expect_g, ids.reshape(-1), 1.0)
    for ev, gv in run(g, [e, gp], {p: pv}):
        np.testing.assert_allclose(ev, pv[ids])
        np.testing.assert_allclose(np.asarray(gv), expect_g)
