"""cholesky, solves, qr, svd, eigh, log-determinant, diagonals and bands, cross and the special functions:
both backends on the same graph, values against TF1's (data/tf_linalg_more.json, made by
make_tf_linalg_more.py) and NumPy's truth (reconstructions), sign conventions, errors and gradients."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp

import graphdl as gd
from graphdl.errors import DTypeError, GraphError, ShapeError

RNG = np.random.default_rng(11)
DATA = json.loads((Path(__file__).parent / "data" / "tf_linalg_more.json").read_text())
IN = {k: np.asarray(v, np.float64) for k, v in DATA["inputs"].items()}
TF = {k: np.asarray(v, np.float64) for k, v in DATA["outputs"].items()}


def run_both(fetches, feeds=None, rtol=1e-9, atol=1e-10):
    """Runs `fetches` on the interpreter and on XLA, asserts they agree, returns the interpreter's."""
    got = []
    for backend in ("interpreter", "xla"):
        with gd.Session(backend=backend) as sess:
            got.append(sess.run(fetches, feeds))
    flat_i, flat_x = jax.tree_util.tree_leaves(got[0]), jax.tree_util.tree_leaves(got[1])
    assert len(flat_i) == len(flat_x)
    for a, b in zip(flat_i, flat_x, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    return got[0]


def fix_columns(u, *others):
    """graphdl's convention, in NumPy: flip columns so each one's largest-magnitude entry is positive."""
    k = u.shape[-1]
    idx = np.argmax(np.abs(u), axis=-2)[..., None, :]
    s = np.where(np.take_along_axis(u, idx, axis=-2) < 0, -1.0, 1.0)
    return [u * s] + [o[..., :, :k] * s for o in others]


# --- values against TF1 -------------------------------------------------------------------------

FIXTURE_VALUES = {
    "cholesky": lambda c: gd.cholesky(c["spd"]),
    "solve": lambda c: gd.matrix_solve(c["gen"], c["rhs"]),
    "solve_adj": lambda c: gd.matrix_solve(c["gen"], c["rhs"], adjoint=True),
    "tri_lower": lambda c: gd.matrix_triangular_solve(c["gen"], c["rhs"]),
    "tri_upper_adj": lambda c: gd.matrix_triangular_solve(c["gen"], c["rhs"], lower=False, adjoint=True),
    "ls_tall": lambda c: gd.matrix_solve_ls(c["tall"], c["b4"]),
    "ls_tall_l2": lambda c: gd.matrix_solve_ls(c["tall"], c["b4"], l2_regularizer=0.5),
    "ls_wide": lambda c: gd.matrix_solve_ls(c["wide"], c["b2"]),
    "svd_s": lambda c: gd.svd(c["rect"], compute_uv=False),
    "eigvals": lambda c: gd.self_adjoint_eigvals(c["spd"]),
    "logdet_sign": lambda c: gd.log_matrix_determinant(c["gen"] * np.array([1.0, -1.0, 1.0])[:, None])[0],
    "logdet": lambda c: gd.log_matrix_determinant(c["gen"] * np.array([1.0, -1.0, 1.0])[:, None])[1],
    "band_1_0": lambda c: gd.matrix_band_part(c["rect"], 1, 0),
    "band_m1_1": lambda c: gd.matrix_band_part(c["rect"], -1, 1),
    "mdiag": lambda c: gd.matrix_diag(c["v3a"]),
    "mdiag_part": lambda c: gd.matrix_diag_part(c["rect"]),
    "set_diag": lambda c: gd.matrix_set_diag(c["rect"], c["v3a"]),
    "diag": lambda c: gd.diag(c["v3a"]),
    "diag_part": lambda c: gd.diag_part(gd.diag(c["v3a"]) + 1.0),
    "trace": lambda c: gd.trace(c["rect"]),
    "cross": lambda c: gd.cross(c["v3a"], c["v3b"]),
    "lgamma": lambda c: gd.lgamma(c["neg"]),
    "digamma": lambda c: gd.digamma(c["neg"]),
    "lbeta": lambda c: gd.lbeta(c["pos"]),
    "igamma": lambda c: gd.igamma(c["pos"], c["pos2"]),
    "igammac": lambda c: gd.igammac(c["pos"], c["pos2"]),
    "betainc": lambda c: gd.betainc(c["pos"], c["pos2"], c["unit"]),
    "polygamma": lambda c: gd.polygamma(np.array([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]]), c["pos"]),
    "zeta": lambda c: gd.zeta(c["zx"], c["pos"]),
}


def _consts():
    return {k: gd.constant(v) for k, v in IN.items()}


def test_values_match_tf1_on_both_backends() -> None:
    with gd.Graph().as_default():
        c = _consts()
        fetches = {k: f(c) for k, f in FIXTURE_VALUES.items()}
        got = run_both(fetches)
    for k in FIXTURE_VALUES:
        np.testing.assert_allclose(got[k], TF[k], rtol=1e-8, atol=1e-9, err_msg=k)


def test_factor_vectors_match_tf1_up_to_the_sign_convention() -> None:
    with gd.Graph().as_default():
        c = _consts()
        q, r = gd.qr(c["rect"])
        s, u, v = gd.svd(c["rect"])
        e, ev = gd.self_adjoint_eig(c["spd"])
        got = run_both({"q": q, "r": r, "u": u, "v": v, "ev": ev, "s": s, "e": e})
    # TF1 leaves LAPACK's signs; graphdl makes diag(R) >= 0 and each vector's largest entry positive
    sgn = np.where(np.diagonal(TF["qr_r"], axis1=-2, axis2=-1) < 0, -1.0, 1.0)
    np.testing.assert_allclose(got["q"], TF["qr_q"] * sgn[..., None, :], atol=1e-9)
    np.testing.assert_allclose(got["r"], TF["qr_r"] * sgn[..., :, None], atol=1e-9)
    tu, tv = fix_columns(TF["svd_u"], TF["svd_v"])
    np.testing.assert_allclose(got["u"], tu, atol=1e-9)
    np.testing.assert_allclose(got["v"], tv, atol=1e-9)
    np.testing.assert_allclose(got["s"], TF["svd_s"], atol=1e-9)
    np.testing.assert_allclose(got["ev"], fix_columns(TF["eig_v"])[0], atol=1e-9)
    np.testing.assert_allclose(got["e"], TF["eigvals"], atol=1e-9)


def test_gradients_match_tf1() -> None:
    with gd.Graph().as_default():
        c = _consts()
        w = c["w"]
        chol = gd.gradients(gd.reduce_sum(gd.cholesky(c["spd"]) * w), c["spd"])[0]
        eigv = gd.gradients(gd.reduce_sum(gd.self_adjoint_eigvals(c["spd"]) * w[:, 0]), c["spd"])[0]
        logdet = gd.gradients(gd.reduce_sum(gd.log_matrix_determinant(c["gen"])[1]), c["gen"])[0]
        svd_s = gd.gradients(gd.reduce_sum(gd.svd(c["rect"], compute_uv=False) * w[:, 0]), c["rect"])[0]
        ig = gd.gradients(gd.reduce_sum(gd.igamma(c["pos"], c["pos2"])), c["pos2"])[0]
        bi = gd.gradients(gd.reduce_sum(gd.betainc(c["pos"], c["pos2"], c["unit"])), c["unit"])[0]
        ze = gd.gradients(gd.reduce_sum(gd.zeta(c["zx"], c["pos"])), c["pos"])[0]
        tri = gd.matrix_triangular_solve(c["gen"], c["rhs"])
        tri_g = gd.gradients(gd.reduce_sum(tri * w[:, :, :2]), c["gen"])[0]
        ls = gd.matrix_solve_ls(c["tall"], c["b4"], l2_regularizer=0.5)
        ls_g = gd.gradients(gd.reduce_sum(ls), c["tall"])[0]
        got = run_both(
            {
                "grad_cholesky": chol,
                "grad_eigvals": eigv,
                "grad_logdet": logdet,
                "grad_svd_s": svd_s,
                "grad_igamma_x": ig,
                "grad_betainc_x": bi,
                "grad_zeta_q": ze,
                "grad_tri": tri_g,
                "grad_ls_tall": ls_g,
            },
            rtol=1e-8,
            atol=1e-9,
        )
    for k, v in got.items():
        if k in ("grad_cholesky", "grad_eigvals"):
            # TF1 reads the lower triangle and returns a gradient on it alone (off-diagonal doubled);
            # graphdl reads (A + A^T)/2: the same derivative spread evenly over both triangles.
            v = np.tril(v + np.swapaxes(v, -1, -2)) - v * np.eye(3)
            want = np.tril(TF[k] + np.swapaxes(TF[k], -1, -2)) - TF[k] * np.eye(3)
        else:
            want = TF[k]
        np.testing.assert_allclose(v, want, rtol=1e-7, atol=1e-8, err_msg=k)


# --- NumPy truth: reconstructions and conventions ----------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_factorizations_reconstruct_their_input(dtype) -> None:
    tol = 1e-4 if dtype == np.float32 else 1e-10
    a = RNG.standard_normal((2, 5, 3)).astype(dtype)
    sq = RNG.standard_normal((2, 4, 4)).astype(dtype)
    spd = (sq @ np.swapaxes(sq, -1, -2) + 4 * np.eye(4)).astype(dtype)
    with gd.Graph().as_default():
        x = gd.placeholder(gd.as_dtype(dtype), [None, 5, 3])
        p = gd.placeholder(gd.as_dtype(dtype), [None, 4, 4])
        q, r = gd.qr(x)
        qf, rf = gd.qr(x, full_matrices=True)
        s, u, v = gd.svd(x)
        sf, uf, vf = gd.svd(x, full_matrices=True)
        e, ev = gd.self_adjoint_eig(p)
        ell = gd.cholesky(p)
        assert q.shape.as_list() == [None, 5, 3] and qf.shape.as_list() == [None, 5, 5]
        assert uf.shape.as_list() == [None, 5, 5] and vf.shape.as_list() == [None, 3, 3]
        assert s.dtype == gd.as_dtype(dtype)
        got = run_both([q, r, qf, rf, s, u, v, sf, uf, vf, e, ev, ell], {x: a, p: spd}, rtol=tol, atol=tol)
    q, r, qf, rf, s, u, v, sf, uf, vf, e, ev, ell = got
    eye3 = np.eye(3)
    np.testing.assert_allclose(q @ r, a, atol=tol)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(eye3, (2, 3, 3)), atol=tol)
    np.testing.assert_allclose(r, np.triu(r), atol=0)
    assert np.all(np.diagonal(r, axis1=-2, axis2=-1) >= 0)
    np.testing.assert_allclose(qf @ rf, a, atol=tol)
    np.testing.assert_allclose(np.swapaxes(qf, -1, -2) @ qf, np.broadcast_to(np.eye(5), (2, 5, 5)), atol=tol)
    np.testing.assert_allclose((u * s[..., None, :]) @ np.swapaxes(v, -1, -2), a, atol=tol)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=tol)
    assert np.all(np.diff(s, axis=-1) <= 0)
    np.testing.assert_allclose(sf, s, rtol=tol)
    np.testing.assert_allclose((uf[..., :, :3] * sf[..., None, :]) @ np.swapaxes(vf, -1, -2), a, atol=tol)
    np.testing.assert_allclose(np.swapaxes(uf, -1, -2) @ uf, np.broadcast_to(np.eye(5), (2, 5, 5)), atol=tol)
    for vecs in (u, ev):  # v follows u's flips
        big = np.take_along_axis(vecs, np.argmax(np.abs(vecs), axis=-2)[..., None, :], axis=-2)
        assert np.all(big > 0)
    np.testing.assert_allclose(spd @ ev, ev * e[..., None, :], atol=tol * 10)
    np.testing.assert_allclose(e, np.linalg.eigvalsh(spd), rtol=tol)
    np.testing.assert_allclose(ell @ np.swapaxes(ell, -1, -2), spd, atol=tol * 10)
    np.testing.assert_allclose(ell, np.linalg.cholesky(spd), atol=tol * 10)


def test_solvers_against_numpy() -> None:
    a = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 4))
    tall, wide = RNG.standard_normal((6, 3)), RNG.standard_normal((3, 6))
    with gd.Graph().as_default():
        x = gd.matrix_solve(a, b)
        xa = gd.matrix_solve(a, b, adjoint=True)
        lo = gd.matrix_triangular_solve(a, b, lower=True)
        up = gd.matrix_triangular_solve(a, b, lower=False, adjoint=True)
        rhs_t = RNG.standard_normal((6, 2))
        ls_qr = gd.matrix_solve_ls(tall, rhs_t, fast=False)
        rhs_w = RNG.standard_normal((3, 2))
        ls_w = gd.matrix_solve_ls(wide, rhs_w, fast=False)
        ls_wf = gd.matrix_solve_ls(wide, rhs_w)
        got = run_both([x, xa, lo, up, ls_qr, ls_w, ls_wf])
    np.testing.assert_allclose(got[0], np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.linalg.solve(np.swapaxes(a, -1, -2), b), rtol=1e-10)
    np.testing.assert_allclose(got[2], np.linalg.solve(np.tril(a), b), rtol=1e-10)
    np.testing.assert_allclose(got[3], np.linalg.solve(np.swapaxes(np.triu(a), -1, -2), b), rtol=1e-10)
    np.testing.assert_allclose(got[4], np.linalg.lstsq(tall, rhs_t, rcond=None)[0], rtol=1e-9)
    # the minimum-norm least-squares solution of a wide system, by QR and by the normal equations
    want = np.linalg.lstsq(wide, rhs_w, rcond=None)[0]
    np.testing.assert_allclose(got[5], want, rtol=1e-9)
    np.testing.assert_allclose(got[6], want, rtol=1e-9)


def test_solve_ls_qr_path_equals_lstsq() -> None:
    a, b = RNG.standard_normal((2, 6, 3)), RNG.standard_normal((2, 6, 2))
    with gd.Graph().as_default():
        got = run_both([gd.matrix_solve_ls(a, b, fast=False), gd.matrix_solve_ls(a, b)])
    want = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)])
    np.testing.assert_allclose(got[0], want, rtol=1e-9)
    np.testing.assert_allclose(got[1], want, rtol=1e-8)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_solve_ls_with_rows_fed_at_run_time(fast, l2) -> None:
    # a regression's design matrix is fed as [None, k]: TF1 chooses the branch when it runs
    rng = np.random.default_rng(5)  # not RNG: the tests below keep their inputs
    a, b = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float64, [None, 3])
        y = gd.placeholder(gd.float64, [None, 2])
        sol = gd.matrix_solve_ls(x, y, l2, fast=fast)
        assert sol.shape.as_list() == [3, 2]
        fetches = [sol]
        if fast or l2:
            fetches += gd.gradients(gd.reduce_sum(sol * sol), [x, y])
        got = run_both(fetches, {x: a, y: b}, rtol=1e-8, atol=1e-9)
    want = np.linalg.solve(a.T @ a + l2 * np.eye(3), a.T @ b)
    np.testing.assert_allclose(got[0], want, rtol=1e-8)
    if len(got) > 1:  # against the same loss with the static shapes
        with gd.Graph().as_default():
            xs, ys = gd.constant(a), gd.constant(b)
            sol = gd.matrix_solve_ls(xs, ys, l2, fast=fast)
            want_g = run_both(gd.gradients(gd.reduce_sum(sol * sol), [xs, ys]))
        np.testing.assert_allclose(got[1], want_g[0], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(got[2], want_g[1], rtol=1e-7, atol=1e-9)


def test_solve_ls_of_unknown_shape_checks_rows_when_it_runs() -> None:
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float64, [None, 4])
        y = gd.placeholder(gd.float64, [None, 1])
        sol = gd.matrix_solve_ls(x, y)
        feeds = {x: np.ones((2, 4)), y: np.ones((2, 1))}
        for backend in ("interpreter", "xla"):
            with (
                gd.Session(backend=backend) as sess,
                pytest.raises(gd.errors.InvalidArgumentError, match=r"matrix_solve_ls.*M >= N"),
            ):
                sess.run(sol, feeds)


def test_diagonal_ops_against_numpy() -> None:
    x = RNG.standard_normal((2, 3, 5))
    t = RNG.standard_normal((2, 3))
    ints = np.arange(12, dtype=np.int32).reshape(3, 4)
    with gd.Graph().as_default():
        got = run_both(
            [
                gd.matrix_diag_part(x),
                gd.matrix_band_part(x, 0, -1),
                gd.matrix_band_part(x, gd.constant(1), gd.constant(2)),
                gd.diag_part(gd.diag(t)),
                gd.trace(x),
                gd.matrix_band_part(ints, 1, 0),
                gd.matrix_diag(gd.constant([[1, 2]], gd.int32)),
                gd.linalg.tensor_diag(t),
            ]
        )
    np.testing.assert_array_equal(got[0], np.diagonal(x, axis1=-2, axis2=-1))
    np.testing.assert_array_equal(got[1], np.triu(x))
    np.testing.assert_array_equal(got[2], np.triu(np.tril(x, 2), -1))
    np.testing.assert_array_equal(got[3], t)
    np.testing.assert_allclose(got[4], np.trace(x, axis1=-2, axis2=-1), rtol=1e-12)
    np.testing.assert_array_equal(got[5], np.tril(np.triu(ints, -1)))
    assert got[5].dtype == np.int32
    np.testing.assert_array_equal(got[6], [[[1, 0], [0, 2]]])
    np.testing.assert_array_equal(got[7].reshape(6, 6), np.diag(t.ravel()))


def test_special_functions_against_scipy_in_float32() -> None:
    a = RNG.uniform(0.5, 3, (4,)).astype(np.float32)
    x = RNG.uniform(0.2, 0.8, (4,)).astype(np.float32)
    with gd.Graph().as_default():
        pa, px = gd.constant(a), gd.constant(x)
        outs = [
            gd.lgamma(pa),
            gd.digamma(pa),
            gd.igamma(pa, px),
            gd.igammac(pa, 2.0),
            gd.betainc(pa, 2.0, px),
        ]
        outs += [gd.polygamma(1.0, pa), gd.zeta(2.0, pa), gd.polygamma(np.float32(1.5), pa)]
        got = run_both(outs, rtol=2e-5, atol=1e-6)
    assert all(o.dtype == np.float32 for o in got)
    a64, x64 = a.astype(np.float64), x.astype(np.float64)
    want = [
        sp.gammaln(a64), sp.digamma(a64), sp.gammainc(a64, x64), sp.gammaincc(a64, 2.0),
        sp.betainc(a64, 2.0, x64), sp.polygamma(1, a64), sp.zeta(2.0, a64),
    ]  # fmt: skip
    for g, w in zip(got, want, strict=False):
        np.testing.assert_allclose(g, w, rtol=1e-5)
    assert np.all(np.isnan(got[7]))  # TF1: polygamma of a non-integer order is NaN


# --- gradients with special cases ---------------------------------------------------------------


def test_svd_gradients_against_jax() -> None:
    u0, _ = np.linalg.qr(RNG.standard_normal((5, 3)))
    v0, _ = np.linalg.qr(RNG.standard_normal((3, 3)))
    a = (u0 * np.array([3.0, 2.0, 0.7])) @ v0.T
    w = [RNG.standard_normal((3,)), RNG.standard_normal((5, 3)), RNG.standard_normal((3, 3))]

    def jloss(m):
        uu, ss, vh = jnp.linalg.svd(m, full_matrices=False)
        i = jnp.argmax(jnp.abs(uu), axis=0)
        sg = jnp.where(uu[i, jnp.arange(3)] < 0, -1.0, 1.0)
        return jnp.sum(ss * w[0]) + jnp.sum(uu * sg * w[1]) + jnp.sum(vh.T * sg * w[2])

    for transpose in (False, True):
        m = a.T if transpose else a
        with gd.Graph().as_default():
            p = gd.placeholder(gd.float64, m.shape)
            s, u, v = gd.svd(p)
            if transpose:
                loss = gd.reduce_sum(s * w[0]) + gd.reduce_sum(v * w[1]) + gd.reduce_sum(u * w[2])
            else:
                loss = gd.reduce_sum(s * w[0]) + gd.reduce_sum(u * w[1]) + gd.reduce_sum(v * w[2])
            got = run_both(gd.gradients(loss, p)[0], {p: m})
        want = jax.grad(jloss)(jnp.asarray(a))
        np.testing.assert_allclose(got, np.asarray(want).T if transpose else want, rtol=1e-7, atol=1e-9)


def test_eigvals_and_logdet_gradients_are_closed_forms() -> None:
    q, _ = np.linalg.qr(RNG.standard_normal((4, 4)))
    a = (q * np.array([1.0, 2.0, 3.5, 5.0])) @ q.T
    with gd.Graph().as_default():
        p = gd.placeholder(gd.float64, [4, 4])
        ge = gd.gradients(gd.reduce_sum(gd.self_adjoint_eigvals(p)), p)[0]  # d trace / dA = I
        gl = gd.gradients(gd.log_matrix_determinant(p)[1], p)[0]  # A^-T
        gs = gd.gradients(gd.log_matrix_determinant(p)[0], p)[0]  # sign: a zero gradient
        got = run_both([ge, gl, gs], {p: a})
    np.testing.assert_allclose(got[0], np.eye(4), atol=1e-10)
    np.testing.assert_allclose(got[1], np.linalg.inv(a).T, rtol=1e-9)
    np.testing.assert_array_equal(got[2], np.zeros((4, 4)))


def test_special_function_gradients_follow_tf1() -> None:
    with gd.Graph().as_default():
        a = gd.placeholder(gd.float64, [3])
        x = gd.placeholder(gd.float64, [2, 3])
        ga, gx = gd.gradients(gd.reduce_sum(gd.igamma(a, x)), [a, x])
        assert ga is None  # TF1-style: no gradient with respect to a
        gpa, gpx = gd.gradients(gd.reduce_sum(gd.polygamma(2.0 + 0 * a, x)), [a, x])
        gz = gd.gradients(gd.reduce_sum(gd.zeta(2.5, x)), x)[0]
        gl = gd.gradients(gd.reduce_sum(gd.lbeta(x)), x)[0]
        gd2 = gd.gradients(gd.reduce_sum(gd.digamma(x)), x)[0]
        av, xv = RNG.uniform(0.5, 2, (3,)), RNG.uniform(0.5, 2, (2, 3))
        got = run_both([gx, gpx, gz, gl, gd2], {a: av, x: xv})
    np.testing.assert_allclose(got[0], np.exp(-xv + (av - 1) * np.log(xv) - sp.gammaln(av)), rtol=1e-10)
    np.testing.assert_allclose(got[1], sp.polygamma(3, xv), rtol=1e-9)
    np.testing.assert_allclose(got[2], -2.5 * sp.zeta(3.5, xv), rtol=1e-9)
    np.testing.assert_allclose(got[3], sp.digamma(xv) - sp.digamma(xv.sum(-1, keepdims=True)), rtol=1e-9)
    np.testing.assert_allclose(got[4], sp.polygamma(1, xv), rtol=1e-9)
    assert gpa is None


def test_unsupported_factor_gradients_raise_graph_errors() -> None:
    with gd.Graph().as_default():
        wide = gd.placeholder(gd.float64, [2, 4])
        q, _r = gd.qr(wide)
        with pytest.raises(GraphError, match=r"qr 'Qr'.*M >= N"):
            gd.gradients(gd.reduce_sum(q), wide)
        tall = gd.placeholder(gd.float64, [4, 2])
        _, u, _ = gd.svd(tall, full_matrices=True)
        with pytest.raises(GraphError, match=r"svd 'Svd'.*full_matrices=False"):
            gd.gradients(gd.reduce_sum(u), tall)


# --- errors at build time -----------------------------------------------------------------------


def test_build_time_errors_name_the_op_and_line() -> None:
    with gd.Graph().as_default():
        rect = gd.placeholder(gd.float32, [3, 4])
        with pytest.raises(ShapeError, match=r"cholesky 'Cholesky' \(test_linalg_more.py:\d+\).*square"):
            gd.cholesky(rect)
        with pytest.raises(ShapeError, match="square"):
            gd.self_adjoint_eig(rect)
        with pytest.raises(ShapeError, match="square"):
            gd.log_matrix_determinant(rect)
        with pytest.raises(ShapeError, match="matrix_solve"):
            gd.matrix_solve(gd.placeholder(gd.float32, [3, 3]), gd.placeholder(gd.float32, [4, 2]))
        with pytest.raises(ShapeError, match="rank >= 2"):
            gd.matrix_triangular_solve(gd.placeholder(gd.float32, [3]), gd.placeholder(gd.float32, [3]))
        with pytest.raises(DTypeError, match="cholesky"):
            gd.cholesky(gd.placeholder(gd.int32, [2, 2]))
        with pytest.raises(DTypeError, match="matrix_solve"):
            gd.matrix_solve(gd.placeholder(gd.float32, [2, 2]), gd.placeholder(gd.float64, [2, 1]))
        with pytest.raises(ShapeError, match="last dimension of a and b must be 3"):
            gd.cross(gd.placeholder(gd.float32, [4]), gd.placeholder(gd.float32, [4]))
        with pytest.raises(ShapeError, match="same shape"):
            gd.cross(gd.placeholder(gd.float32, [2, 3]), gd.placeholder(gd.float32, [3]))
        with pytest.raises(ShapeError, match=r"diag_part.*even"):
            gd.diag_part(gd.placeholder(gd.float32, [2, 2, 2]))
        with pytest.raises(ShapeError, match=r"D1\.\.Dk"):
            gd.diag_part(gd.placeholder(gd.float32, [2, 3]))
        with pytest.raises(ShapeError, match=r"matrix_set_diag.*diagonal must have shape"):
            gd.matrix_set_diag(rect, gd.placeholder(gd.float32, [4]))
        with pytest.raises(ShapeError, match=r"matrix_band_part.*known"):
            gd.matrix_band_part(rect, gd.placeholder(gd.int64, []), 0)
        with pytest.raises(ShapeError, match=r"matrix_diag.*rank >= 1"):
            gd.matrix_diag(gd.placeholder(gd.float32, []))
        with pytest.raises(DTypeError, match="igamma"):
            gd.igamma(gd.placeholder(gd.float32, [2]), gd.placeholder(gd.float64, [2]))
        with pytest.raises(DTypeError, match="lgamma"):
            gd.lgamma(gd.placeholder(gd.int32, [2]))
        with pytest.raises(ShapeError, match=r"matrix_solve_ls.*do not match"):
            gd.matrix_solve_ls(gd.placeholder(gd.float32, [4, 2]), gd.placeholder(gd.float32, [3, 1]))


def test_unknown_dims_are_inferred() -> None:
    with gd.Graph().as_default():
        a = gd.placeholder(gd.float32, [None, None, None])
        b = gd.placeholder(gd.float32, [None, 3, 2])
        assert gd.matrix_solve(a, b).shape.as_list() == [None, 3, 2]
        assert gd.qr(a)[1].shape.as_list() == [None, None, None]
        assert gd.svd(gd.placeholder(gd.float32, [None, 4, 3]))[1].shape.as_list() == [None, 4, 3]
        assert gd.self_adjoint_eig(a)[0].shape.as_list() == [None, None]
        assert gd.matrix_diag_part(gd.placeholder(gd.float32, [2, 5, 3])).shape.as_list() == [2, 3]
        assert gd.log_matrix_determinant(a)[0].shape.as_list() == [None]
        assert gd.diag(gd.placeholder(gd.float32, [2, None])).shape.as_list() == [2, None, 2, None]


def test_tf_linalg_aliases_resolve() -> None:
    assert gd.linalg.cholesky is gd.cholesky
    assert gd.linalg.band_part is gd.matrix_band_part
    assert gd.linalg.eigh is gd.self_adjoint_eig
    assert gd.linalg.slogdet is gd.log_matrix_determinant
    assert gd.linalg.lstsq is gd.matrix_solve_ls
    assert gd.linalg.tensor_diag_part is gd.diag_part
    assert gd.linalg.set_diag is gd.matrix_set_diag
