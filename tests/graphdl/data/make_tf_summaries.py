"""Regenerates tf_summaries.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_summaries.py  (writes /tmp/s4/tf_summaries.json; copy it here)
"""

# ruff: noqa
import json, os, tempfile, zlib, struct
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
vals = np.array([-3.5, 0.0, 0.0, 1e-3, 2.0, 7.25, 100.0], np.float32)
img = np.array([[[[0.0], [0.5]], [[0.25], [1.0]]]], np.float32)
img_neg = np.array([[[[-1.0], [0.5]], [[0.0], [2.0]]]], np.float32)
rgb = np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3) / 53.0
g = tf1.Graph()
with g.as_default():
    s_scalar = tf1.summary.scalar("loss", tf.constant(1.5))
    s_hist = tf1.summary.histogram("x", tf.constant(vals))
    s_img = tf1.summary.image("img", tf.constant(img))
    s_neg = tf1.summary.image("neg", tf.constant(img_neg))
    s_rgb = tf1.summary.image("rgb", tf.constant(rgb), max_outputs=2)
    merged = tf1.summary.merge([s_scalar, s_hist])
    with tf1.Session() as sess:
        out = sess.run(
            {"scalar": s_scalar, "hist": s_hist, "img": s_img, "neg": s_neg, "rgb": s_rgb, "merged": merged}
        )


def pixels(b):
    s = tf1.Summary.FromString(b)
    return [
        {
            "tag": v.tag,
            "h": v.image.height,
            "w": v.image.width,
            "c": v.image.colorspace,
            "pixels": tf.io.decode_png(v.image.encoded_image_string).numpy().tolist(),
        }
        for v in s.value
    ]


ev = tf1.Event(wall_time=1234.5, step=7, summary=tf1.Summary.FromString(out["scalar"]))
evb = ev.SerializeToString()
first = tf1.Event(wall_time=1000.25, file_version="brain.Event:2").SerializeToString()
d = tempfile.mkdtemp()
p = os.path.join(d, "rec")
with tf.io.TFRecordWriter(p) as w:
    w.write(first)
    w.write(evb)
rec = open(p, "rb").read()
ref = {
    "tf_version": tf.__version__,
    "scalar": out["scalar"].hex(),
    "hist": out["hist"].hex(),
    "merged": out["merged"].hex(),
    "hist_values": vals.tolist(),
    "img": pixels(out["img"]),
    "neg": pixels(out["neg"]),
    "rgb": pixels(out["rgb"]),
    "img_input": img.tolist(),
    "neg_input": img_neg.tolist(),
    "rgb_input": rgb.tolist(),
    "event": evb.hex(),
    "first_event": first.hex(),
    "tfrecords": rec.hex(),
}
json.dump(ref, open("/tmp/s4/tf_summaries.json", "w"), indent=1)
print("ok", tf.__version__, len(rec))
