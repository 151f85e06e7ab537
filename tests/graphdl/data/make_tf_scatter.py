"""Regenerates tf_scatter.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_scatter.py  (writes tf_scatter.json beside itself)
tf.compat.v1's variable scatters on a [5, 3] float32 variable: repeated indices for the arithmetic
ones, distinct ones for scatter_update, 1-d and 2-d index shapes; also an int32 scatter_add.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rng = np.random.default_rng(9)
init = (rng.random((5, 3)) * 4 + 0.5).astype(np.float32)
cases = []
for fn in [
    "scatter_update",
    "scatter_add",
    "scatter_sub",
    "scatter_mul",
    "scatter_div",
    "scatter_min",
    "scatter_max",
]:
    for idx in ([4, 0, 2], [[1, 3], [3, 1]]):
        idx = np.asarray(idx, np.int32)
        if fn == "scatter_update" and idx.ndim == 2:
            idx = np.asarray([[1, 3], [0, 4]], np.int32)
        upd = (rng.random(idx.shape + (3,)) * 3 + 0.5).astype(np.float32)
        g = tf1.Graph()
        with g.as_default():
            v = tf1.Variable(init)
            out = getattr(tf1, fn)(v, idx, upd)
            with tf1.Session() as sess:
                sess.run(v.initializer)
                got = sess.run(out)
        cases.append({"fn": fn, "indices": idx.tolist(), "updates": upd.tolist(), "result": got.tolist()})
g = tf1.Graph()
with g.as_default():
    vi = tf1.Variable(np.arange(6, dtype=np.int32))
    out = tf1.scatter_add(vi, [5, 5, 0], np.asarray([10, 20, 7], np.int32))
    with tf1.Session() as sess:
        sess.run(vi.initializer)
        int_case = {
            "init": list(range(6)),
            "indices": [5, 5, 0],
            "updates": [10, 20, 7],
            "result": sess.run(out).tolist(),
        }
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_scatter.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, "init": init.tolist(), "cases": cases, "int_case": int_case}, f)
