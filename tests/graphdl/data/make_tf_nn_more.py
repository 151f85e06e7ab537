"""Regenerates tf_nn_more.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_nn_more.py  (writes /tmp/s5d/tf_nn_more.json; copy it here)
The inputs are rebuilt by the tests from the same seeds and formulas (`inputs()` below).
"""

# ruff: noqa
import json
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def inputs():
    rng = np.random.default_rng(7)
    return {
        "lrn_x": rng.standard_normal((2, 3, 2, 7)).astype(np.float32),
        "bn_x": rng.standard_normal((4, 3, 2, 3)).astype(np.float32),
        "bn_scale": rng.uniform(0.5, 1.5, 3).astype(np.float32),
        "bn_offset": rng.standard_normal(3).astype(np.float32),
        "bn_mean": rng.standard_normal(3).astype(np.float32),
        "bn_var": rng.uniform(0.5, 2.0, 3).astype(np.float32),
        "lp_targets": np.array([0.0, 0.5, 1.0, 1.5, 3.0, 7.0, 20.0], np.float32),
        "lp_log_input": rng.standard_normal(7).astype(np.float32),
        "conv1d_x": rng.standard_normal((2, 9, 3)).astype(np.float32),
        "conv1d_w": rng.standard_normal((3, 3, 4)).astype(np.float32),
        "conv3d_x": rng.standard_normal((2, 4, 5, 3, 2)).astype(np.float32),
        "conv3d_w": rng.standard_normal((2, 3, 2, 2, 3)).astype(np.float32),
    }


def main():
    d = inputs()
    out = {}
    g = tf1.Graph()
    with g.as_default():
        x = tf.constant(d["lrn_x"])
        t = {
            "lrn_default": tf1.nn.local_response_normalization(x),
            "lrn_2_05_1e-1_075": tf1.nn.lrn(x, depth_radius=2, bias=0.5, alpha=0.1, beta=0.75),
        }
        gx = tf1.gradients(tf.reduce_sum(t["lrn_2_05_1e-1_075"] * tf.range(1.0, 8.0)), x)[0]
        t["lrn_grad"] = gx
        bx = tf.constant(d["bn_x"])
        y, m, v = tf1.nn.fused_batch_norm(bx, d["bn_scale"], d["bn_offset"], epsilon=0.001, is_training=True)
        t.update({"fbn_train_y": y, "fbn_train_mean": m, "fbn_train_var": v})
        y, m, v = tf1.nn.fused_batch_norm(
            bx,
            d["bn_scale"],
            d["bn_offset"],
            mean=d["bn_mean"],
            variance=d["bn_var"],
            epsilon=0.01,
            is_training=False,
        )
        t.update({"fbn_infer_y": y, "fbn_infer_mean": m, "fbn_infer_var": v})
        nchw = tf.transpose(bx, [0, 3, 1, 2])
        y, m, v = tf1.nn.fused_batch_norm(
            nchw, d["bn_scale"], d["bn_offset"], epsilon=1e-6, data_format="NCHW"
        )
        t.update({"fbn_nchw_y": y, "fbn_nchw_mean": m, "fbn_nchw_var": v})
        lt, li = tf.constant(d["lp_targets"]), tf.constant(d["lp_log_input"])
        t["lp"] = tf1.nn.log_poisson_loss(lt, li)
        t["lp_full"] = tf1.nn.log_poisson_loss(lt, li, compute_full_loss=True)
        cx, cw = tf.constant(d["conv1d_x"]), tf.constant(d["conv1d_w"])
        t["conv1d_same_s2"] = tf1.nn.conv1d(cx, cw, stride=2, padding="SAME")
        t["conv1d_valid"] = tf1.nn.conv1d(cx, cw, stride=1, padding="VALID")
        t["avg_pool1d_same"] = tf1.nn.avg_pool1d(cx, ksize=2, strides=2, padding="SAME")
        t["max_pool1d_same"] = tf1.nn.max_pool1d(cx, ksize=3, strides=2, padding="SAME")
        vx, vw = tf.constant(d["conv3d_x"]), tf.constant(d["conv3d_w"])
        t["conv3d_same"] = tf1.nn.conv3d(vx, vw, strides=[1, 2, 1, 2, 1], padding="SAME")
        t["conv3d_valid_dil"] = tf1.nn.conv3d(
            vx, vw, strides=[1] * 5, padding="VALID", dilations=[1, 1, 2, 1, 1]
        )
        t["conv3d_grad_x"], t["conv3d_grad_w"] = tf1.gradients(tf.reduce_sum(t["conv3d_same"] ** 2), [vx, vw])
        t["max_pool3d_same"] = tf1.nn.max_pool3d(vx, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME")
        t["avg_pool3d_same"] = tf1.nn.avg_pool3d(vx, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME")
        t["avg_pool3d_grad"] = tf1.gradients(tf.reduce_sum(t["avg_pool3d_same"] ** 2), vx)[0]
        t["max_pool3d_grad"] = tf1.gradients(tf.reduce_sum(t["max_pool3d_same"] ** 2), vx)[0]
        cfg = tf1.ConfigProto()
        cfg.graph_options.rewrite_options.disable_meta_optimizer = (
            True  # grappler rewrites FusedBatchNorm away
        )
        with tf1.Session(config=cfg) as sess:
            res = sess.run(t)
    for k, v in res.items():
        out[k] = np.asarray(v, np.float64).tolist()
    with open("/tmp/s5d/tf_nn_more.json", "w") as f:
        json.dump(out, f, indent=0)


if __name__ == "__main__":
    main()
