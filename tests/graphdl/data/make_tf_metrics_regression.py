"""Regenerates tf_metrics_regression.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_metrics_regression.py  (writes tf_metrics_regression.json beside itself)
tf.compat.v1.metrics.root_mean_squared_error and mean_absolute_error streamed over three batches, with
and without weights: each batch's update value and the value after it.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(4)
batches = [
    {
        "labels": rng.standard_normal((4, 1)).astype(np.float32),
        "predictions": rng.standard_normal((4, 1)).astype(np.float32),
        "weights": rng.random((4, 1)).astype(np.float32),
    }
    for _ in range(3)
]
out = {"batches": [{k: v.tolist() for k, v in b.items()} for b in batches], "results": {}}
for fn in ("root_mean_squared_error", "mean_absolute_error"):
    for weighted in (False, True):
        g = tf1.Graph()
        with g.as_default():
            y = tf1.placeholder(tf.float32, [None, 1])
            p = tf1.placeholder(tf.float32, [None, 1])
            w = tf1.placeholder(tf.float32, [None, 1])
            value, update = getattr(tf1.metrics, fn)(y, p, weights=w if weighted else None)
            with tf1.Session() as sess:
                sess.run(tf1.local_variables_initializer())
                rows = []
                for b in batches:
                    feed = {y: b["labels"], p: b["predictions"], w: b["weights"]}
                    u = float(sess.run(update, feed))
                    rows.append([u, float(sess.run(value))])
        out["results"][f"{fn}{'_weighted' if weighted else ''}"] = rows
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_metrics_regression.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, **out}, f)
