"""einsum, norm, matrix_inverse, matrix_determinant, matrix_transpose: NumPy on both backends,
TF1's argument checks, and gradients (inverse: -A^-T g A^-T, det: g det A^-T, einsum's diagonal
and operand-only indices) against jax.grad."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import ShapeError

RNG = np.random.default_rng(3)


def run_both(fetches, feeds=None):
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(backend=backend) as sess:
            out.append(sess.run(fetches, feeds))
    return out


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->ji", [(2, 3)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,k->ik", [(2, 3), (4,)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
]


@pytest.mark.parametrize(("eq", "shapes"), EINSUM_CASES)
def test_einsum_values_and_grads(eq, shapes):
    vals = [RNG.standard_normal(s) for s in shapes]
    with gd.Graph().as_default():
        xs = [gd.placeholder(gd.float64, s) for s in shapes]
        y = gd.einsum(eq, *xs)
        want = np.einsum(eq, *vals)
        assert y.shape.as_list() == list(want.shape)
        w = RNG.standard_normal(want.shape)
        grads = gd.gradients(gd.reduce_sum(y * w), xs)
        feeds = dict(zip(xs, vals, strict=True))
        res = run_both([y, *grads], feeds)
    jg = jax.grad(lambda *a: jnp.sum(jnp.einsum(eq, *a) * w), argnums=tuple(range(len(vals))))(*vals)
    for out in res:
        np.testing.assert_allclose(out[0], want, rtol=1e-12, atol=1e-12)
        for g, j in zip(out[1:], jg, strict=True):
            np.testing.assert_allclose(g, j, rtol=1e-10, atol=1e-12)


def test_einsum_errors_and_float32():
    with gd.Graph().as_default():
        a = gd.constant(np.ones((2, 3), np.float32))
        with pytest.raises(ShapeError, match=r"einsum 'Einsum' \(.*index 'j' has size 3 and 2"):
            gd.einsum("ij,jk->ik", a, a)
        with pytest.raises(ShapeError, match="names 2 operands, got 1"):
            gd.einsum("ij,jk->ik", a)
        with pytest.raises(ShapeError, match="ellipsis"):
            gd.einsum("...j->j", a)
        with pytest.raises(ShapeError, match="does not appear"):
            gd.einsum("ij->iz", a)
        y = gd.einsum("ij,kj->ik", a, a)
        for got in run_both(y):
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, np.full((2, 2), 3.0))


@pytest.mark.parametrize(
    ("ord_", "axis", "keepdims"),
    [
        ("euclidean", None, False),
        ("fro", None, True),
        (2, 1, False),
        (1, -1, True),
        (np.inf, 0, False),
        (3, 1, False),
        (0.5, [0], False),
        ("fro", (0, 1), False),
        (1, (0, 1), False),
        (np.inf, (-2, -1), True),
        (1, (1, 0), False),
    ],
)
def test_norm_vs_numpy(ord_, axis, keepdims):
    xv = RNG.standard_normal((3, 4))
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float64, [3, 4])
        y = gd.norm(x, ord=ord_, axis=axis, keepdims=keepdims)
        npord = None if ord_ in ("euclidean", "fro") and not isinstance(axis, tuple) else ord_
        if ord_ == "euclidean" and isinstance(axis, tuple):
            npord = "fro"
        if axis is None:
            want = np.linalg.norm(xv.reshape(-1), ord=npord)
            if keepdims:
                want = np.reshape(want, (1, 1))
        else:
            want = np.linalg.norm(
                xv, ord=npord, axis=tuple(axis) if not isinstance(axis, int) else axis, keepdims=keepdims
            )
        assert y.shape.as_list() == list(np.shape(want))
        (gx,) = gd.gradients(gd.reduce_sum(y), [x])
        res = run_both([y, gx], {x: xv})

    def f(v):
        if axis is None:
            r = jnp.linalg.norm(v.reshape(-1), ord=npord)
        else:
            r = jnp.linalg.norm(v, ord=npord, axis=tuple(axis) if not isinstance(axis, int) else axis)
        return jnp.sum(r)

    jg = jax.grad(f)(xv)
    for a, g in res:
        np.testing.assert_allclose(a, want, rtol=1e-12)
        np.testing.assert_allclose(g, jg, rtol=1e-9, atol=1e-12)


def test_norm_argument_errors():
    with gd.Graph().as_default():
        x = gd.constant(np.ones((2, 2), np.float32))
        with pytest.raises(ShapeError, match="supported matrix norm"):
            gd.norm(x, ord=2, axis=(0, 1))
        with pytest.raises(ShapeError, match="supported vector norm"):
            gd.norm(x, ord=-1)
        with pytest.raises(ShapeError, match="tuple of 2 unique"):
            gd.norm(x, axis=(0, 0))
        assert gd.linalg.norm is gd.norm


def test_inverse_determinant_values_and_grads():
    av = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    w = RNG.standard_normal((2, 3, 3))
    wd = RNG.standard_normal(2)
    with gd.Graph().as_default():
        a = gd.placeholder(gd.float64, [None, 3, 3])
        inv = gd.matrix_inverse(a)
        inv_t = gd.matrix_inverse(a, adjoint=True)
        det = gd.matrix_determinant(a)
        assert inv.shape.as_list() == [None, 3, 3] and det.shape.as_list() == [None]
        loss = gd.reduce_sum(inv * w) + gd.reduce_sum(inv_t * w * 0.5) + gd.reduce_sum(det * wd)
        (ga,) = gd.gradients(loss, [a])
        res = run_both([inv, inv_t, det, ga], {a: av})

    def f(m):
        i = jnp.linalg.inv(m)
        return jnp.sum(i * w) + jnp.sum(jnp.swapaxes(i, -1, -2) * w * 0.5) + jnp.sum(jnp.linalg.det(m) * wd)

    jg = jax.grad(f)(av)
    ainv = np.linalg.inv(av)
    manual = -np.swapaxes(ainv, -1, -2) @ w @ np.swapaxes(ainv, -1, -2)  # TF1's formula for the inverse alone
    np.testing.assert_allclose(manual, jax.grad(lambda m: jnp.sum(jnp.linalg.inv(m) * w))(av), rtol=1e-9)
    for i, it, d, g in res:
        np.testing.assert_allclose(i, ainv, rtol=1e-10)
        np.testing.assert_allclose(it, np.swapaxes(ainv, -1, -2), rtol=1e-10)
        np.testing.assert_allclose(d, np.linalg.det(av), rtol=1e-10)
        np.testing.assert_allclose(g, jg, rtol=1e-8, atol=1e-12)
        # det's gradient is g * det * A^-T
        np.testing.assert_allclose(
            np.asarray(jax.grad(lambda m: jnp.sum(jnp.linalg.det(m) * wd))(av)),
            wd[:, None, None] * np.linalg.det(av)[:, None, None] * np.swapaxes(ainv, -1, -2),
            rtol=1e-9,
        )


def test_inverse_errors_and_singular():
    with gd.Graph().as_default():
        with pytest.raises(ShapeError, match=r"matrix_inverse .*square"):
            gd.matrix_inverse(gd.constant(np.ones((2, 3))))
        with pytest.raises(ShapeError, match=r"matrix_determinant .*rank >= 2"):
            gd.matrix_determinant(gd.constant(np.ones(3)))
        y = gd.matrix_inverse(gd.placeholder(gd.float32, [2, 2]))
        with (
            gd.Session(backend="interpreter") as sess,
            pytest.raises(gd.errors.ExecutionError, match="not invertible"),
        ):
            sess.run(y, {"Placeholder:0": np.ones((2, 2), np.float32)})


def test_matrix_transpose():
    xv = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    with gd.Graph().as_default():
        y = gd.matrix_transpose(gd.constant(xv))
        assert y.shape.as_list() == [2, 4, 3]
        for got in run_both(y):
            np.testing.assert_array_equal(got, np.swapaxes(xv, -1, -2))
        with pytest.raises(ShapeError, match="rank >= 2"):
            gd.matrix_transpose(gd.constant([1.0]))
