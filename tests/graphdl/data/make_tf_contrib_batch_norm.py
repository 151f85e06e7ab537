"""Regenerates tf_contrib_batch_norm.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_contrib_batch_norm.py  (writes tf_contrib_batch_norm.json beside itself)
TF 2.21 has no tf.contrib (and, with Keras 3, no tf.compat.v1.layers). TF 1.15's
`tf.contrib.layers.batch_norm` on [N, C] inputs computes, in the scope `BatchNorm`, nn.moments' (biased)
batch mean and variance, nn.batch_normalization with beta (and gamma when scale=True), and
assign_moving_average(decay, zero_debias=False) updates of moving_mean / moving_variance; this runs that
with contrib's defaults (decay 0.999, scale False, epsilon 0.001) for three training steps, then
inference from the moving statistics. A second case takes decay 0.9 and scale True.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf
from tensorflow.python.training import moving_averages

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(8)
batches = [(rng.standard_normal((6, 4)) * 2 + 1).astype(np.float32) for _ in range(3)]
test = rng.standard_normal((5, 4)).astype(np.float32)
cases = []
for decay, scale in ((0.999, False), (0.9, True)):
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 4])
        with tf1.variable_scope("BatchNorm"):
            gamma = (
                tf1.get_variable("gamma", [4], initializer=tf1.constant_initializer(np.linspace(0.5, 2.0, 4)))
                if scale
                else None
            )
            beta = tf1.get_variable("beta", [4], initializer=tf1.zeros_initializer())
            mm_v = tf1.get_variable("moving_mean", [4], initializer=tf1.zeros_initializer(), trainable=False)
            mv_v = tf1.get_variable(
                "moving_variance", [4], initializer=tf1.ones_initializer(), trainable=False
            )
            mean, var = tf1.nn.moments(x, [0])
            updates = [
                moving_averages.assign_moving_average(mm_v, mean, decay, zero_debias=False),
                moving_averages.assign_moving_average(mv_v, var, decay, zero_debias=False),
            ]
            y = tf1.nn.batch_normalization(x, mean, var, beta, gamma, 0.001)
            y_inf = tf1.nn.batch_normalization(x, mm_v, mv_v, beta, gamma, 0.001)
        names = [v.name for v in tf1.global_variables()]
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            train_out = [sess.run([y, updates], {x: b})[0].tolist() for b in batches]
            mm, mv = sess.run([mm_v, mv_v])
            infer = sess.run(y_inf, {x: test})
    cases.append(
        {
            "decay": decay,
            "scale": scale,
            "variables": names,
            "train_outputs": train_out,
            "moving_mean": mm.tolist(),
            "moving_variance": mv.tolist(),
            "inference": infer.tolist(),
        }
    )
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_contrib_batch_norm.json"), "w") as f:
    json.dump(
        {
            "tf_version": tf.__version__,
            "batches": [b.tolist() for b in batches],
            "test": test.tolist(),
            "cases": cases,
        },
        f,
    )
