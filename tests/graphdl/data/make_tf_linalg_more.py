"""Regenerates tf_linalg_more.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_linalg_more.py  (writes /tmp/s5f/tf_linalg_more.json; copy it here)
The inputs are stored beside TF1's outputs, so the tests feed graphdl exactly the same numbers.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(7)
a = rng.standard_normal((2, 3, 3))
spd = a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)
gen = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
rhs = rng.standard_normal((2, 3, 2))
tall = rng.standard_normal((4, 2))
wide = rng.standard_normal((2, 4))
b4 = rng.standard_normal((4, 3))
b2 = rng.standard_normal((2, 3))
rect = rng.standard_normal((2, 4, 3))
v3a = rng.standard_normal((2, 3))
v3b = rng.standard_normal((2, 3))
pos = rng.uniform(0.5, 3.0, (2, 3))
pos2 = rng.uniform(0.5, 3.0, (2, 3))
unit = rng.uniform(0.1, 0.9, (2, 3))
zx = rng.uniform(1.5, 4.0, (2, 3))
neg = np.array([-2.5, -0.5, 0.3, 1.0, 4.5])
ins = {k: v for k, v in globals().items() if isinstance(v, np.ndarray)}

g = tf1.Graph()
with g.as_default():
    c = {k: tf1.constant(v) for k, v in ins.items()}
    out = {
        "cholesky": tf1.cholesky(c["spd"]),
        "solve": tf1.matrix_solve(c["gen"], c["rhs"]),
        "solve_adj": tf1.matrix_solve(c["gen"], c["rhs"], adjoint=True),
        "tri_lower": tf1.matrix_triangular_solve(c["gen"], c["rhs"]),
        "tri_upper_adj": tf1.matrix_triangular_solve(c["gen"], c["rhs"], lower=False, adjoint=True),
        "ls_tall": tf1.matrix_solve_ls(c["tall"], c["b4"]),
        "ls_tall_l2": tf1.matrix_solve_ls(c["tall"], c["b4"], l2_regularizer=0.5),
        "ls_wide": tf1.matrix_solve_ls(c["wide"], c["b2"]),
        "svd_s": tf1.svd(c["rect"], compute_uv=False),
        "eigvals": tf1.self_adjoint_eigvals(c["spd"]),
        "logdet_sign": tf1.linalg.slogdet(c["gen"] * np.array([1.0, -1.0, 1.0])[:, None])[0],
        "logdet": tf1.linalg.slogdet(c["gen"] * np.array([1.0, -1.0, 1.0])[:, None])[1],
        "band_1_0": tf1.matrix_band_part(c["rect"], 1, 0),
        "band_m1_1": tf1.matrix_band_part(c["rect"], -1, 1),
        "mdiag": tf1.matrix_diag(c["v3a"]),
        "mdiag_part": tf1.matrix_diag_part(c["rect"]),
        "set_diag": tf1.matrix_set_diag(c["rect"], c["v3a"]),
        "diag": tf1.diag(c["v3a"]),
        "diag_part": tf1.diag_part(tf1.diag(c["v3a"]) + 1.0),
        "trace": tf1.trace(c["rect"]),
        "cross": tf1.cross(c["v3a"], c["v3b"]),
        "lgamma": tf1.lgamma(c["neg"]),
        "digamma": tf1.digamma(c["neg"]),
        "lbeta": tf1.lbeta(c["pos"]),
        "igamma": tf1.igamma(c["pos"], c["pos2"]),
        "igammac": tf1.igammac(c["pos"], c["pos2"]),
        "betainc": tf1.betainc(c["pos"], c["pos2"], c["unit"]),
        "polygamma": tf1.polygamma(tf1.constant([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]], tf.float64), c["pos"]),
        "zeta": tf1.zeta(c["zx"], c["pos"]),
    }
    q, r = tf1.qr(c["rect"])
    out["qr_q"], out["qr_r"] = q, r
    s, u, v = tf1.svd(c["rect"])
    out["svd_u"], out["svd_v"] = u, v
    e, ev = tf1.self_adjoint_eig(c["spd"])
    out["eig_v"] = ev
    w = tf1.constant(rng.standard_normal((2, 3, 3)))
    ins["w"] = None
    grads = {
        "grad_cholesky": tf1.gradients(tf1.reduce_sum(tf1.cholesky(c["spd"]) * w), c["spd"])[0],
        "grad_eigvals": tf1.gradients(tf1.reduce_sum(tf1.self_adjoint_eigvals(c["spd"]) * w[:, 0]), c["spd"])[
            0
        ],
        "grad_logdet": tf1.gradients(tf1.reduce_sum(tf1.linalg.slogdet(c["gen"])[1]), c["gen"])[0],
        "grad_svd_s": tf1.gradients(
            tf1.reduce_sum(tf1.svd(c["rect"], compute_uv=False) * w[:, 0]), c["rect"]
        )[0],
        "grad_igamma_x": tf1.gradients(tf1.reduce_sum(tf1.igamma(c["pos"], c["pos2"])), c["pos2"])[0],
        "grad_betainc_x": tf1.gradients(
            tf1.reduce_sum(tf1.betainc(c["pos"], c["pos2"], c["unit"])), c["unit"]
        )[0],
        "grad_zeta_q": tf1.gradients(tf1.reduce_sum(tf1.zeta(c["zx"], c["pos"])), c["pos"])[0],
        "grad_tri": tf1.gradients(
            tf1.reduce_sum(tf1.matrix_triangular_solve(c["gen"], c["rhs"]) * w[:, :, :2]), c["gen"]
        )[0],
        "grad_ls_tall": tf1.gradients(
            tf1.reduce_sum(tf1.matrix_solve_ls(c["tall"], c["b4"], l2_regularizer=0.5)), c["tall"]
        )[0],
    }
    out.update(grads)
    with tf1.Session() as sess:
        res, wv = sess.run([out, w])
ins["w"] = wv
data = {
    "inputs": {k: np.asarray(v).tolist() for k, v in ins.items()},
    "outputs": {k: np.asarray(v).tolist() for k, v in res.items()},
}
os.makedirs("/tmp/s5f", exist_ok=True)
with open("/tmp/s5f/tf_linalg_more.json", "w") as f:
    json.dump(data, f)
print("wrote", len(data["outputs"]), "outputs")
