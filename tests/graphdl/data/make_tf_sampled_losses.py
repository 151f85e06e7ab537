"""Regenerates tf_sampled_losses.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_sampled_losses.py  (writes tf_sampled_losses.json beside itself)
Fixed inputs, `sampled_values` given explicitly (with repeated ids and accidental hits), so the losses
and their gradients are deterministic; plus compute_accidental_hits and the samplers' expected counts
for ids that TF1 drew itself (unique=False, so the count is num_sampled * P(k)).
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(7)
C, D, B, S = 10, 4, 3, 5
W = rng.standard_normal((C, D)).astype(np.float32)
b = (0.1 * rng.standard_normal(C)).astype(np.float32)
X = rng.standard_normal((B, D)).astype(np.float32)
labels1 = np.array([[2], [7], [0]], np.int64)
labels2 = np.array([[2, 5], [7, 7], [0, 3]], np.int64)
sampled = np.array([7, 1, 2, 7, 4], np.int64)  # 7 twice (only its last place is a hit), 2 hits row 0
true_exp1 = np.array([[0.4], [0.9], [1.3]], np.float32)
true_exp2 = np.array([[0.4, 0.6], [0.9, 0.9], [1.3, 0.2]], np.float32)
samp_exp = np.array([0.9, 1.1, 0.4, 0.9, 0.7], np.float32)

out = {
    "W": W.tolist(),
    "b": b.tolist(),
    "X": X.tolist(),
    "sampled": sampled.tolist(),
    "samp_exp": samp_exp.tolist(),
    "cases": [],
}
for loss in ("nce_loss", "sampled_softmax_loss"):
    for num_true, labels, true_exp in ((1, labels1, true_exp1), (2, labels2, true_exp2)):
        for rah in (False, True):
            g = tf1.Graph()
            with g.as_default():
                w_t, b_t, x_t = tf.constant(W), tf.constant(b), tf.constant(X)
                sv = (tf.constant(sampled), tf.constant(true_exp), tf.constant(samp_exp))
                fn = getattr(tf1.nn, loss)
                l = fn(
                    w_t,
                    b_t,
                    tf.constant(labels),
                    x_t,
                    S,
                    C,
                    num_true=num_true,
                    sampled_values=sv,
                    remove_accidental_hits=rah,
                )
                gw, gb, gx = tf1.gradients(tf.reduce_sum(l * tf.constant([1.0, -0.5, 2.0])), [w_t, b_t, x_t])
                with tf1.Session() as sess:
                    lv, gwv, gbv, gxv = sess.run([l, tf.convert_to_tensor(gw), tf.convert_to_tensor(gb), gx])
            out["cases"].append(
                {
                    "loss": loss,
                    "num_true": num_true,
                    "labels": labels.tolist(),
                    "true_exp": true_exp.tolist(),
                    "remove_accidental_hits": rah,
                    "value": lv.tolist(),
                    "grad_w": gwv.tolist(),
                    "grad_b": gbv.tolist(),
                    "grad_x": gxv.tolist(),
                }
            )

g = tf1.Graph()
with g.as_default():
    hits = tf1.nn.compute_accidental_hits(tf.constant(labels2), tf.constant(sampled), num_true=2)
    draws = {}
    for kind, fn, kw in (
        ("log_uniform", tf1.nn.log_uniform_candidate_sampler, {}),
        ("uniform", tf1.nn.uniform_candidate_sampler, {}),
        (
            "unigram",
            tf1.nn.fixed_unigram_candidate_sampler,
            {"unigrams": [1.0, 0.0, 3.0, 2.0, 5.0, 1.0, 0.5, 2.5, 1.0, 4.0], "distortion": 0.75},
        ),
    ):
        draws[kind] = fn(tf.constant(labels2), 2, 6, False, C, seed=3, **kw)
    with tf1.Session() as sess:
        h, d = sess.run([hits, draws])
out["hits"] = {
    "labels": labels2.tolist(),
    "indices": h[0].tolist(),
    "ids": h[1].tolist(),
    "weights": h[2].tolist(),
}
out["samplers"] = {
    k: {"sampled": v[0].tolist(), "true_expected": v[1].tolist(), "sampled_expected": v[2].tolist()}
    for k, v in d.items()
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_sampled_losses.json"), "w") as f:
    json.dump(out, f, indent=1)
