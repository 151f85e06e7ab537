"""Regenerates tf_tfrecord.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_tfrecord.py  (writes tf_tfrecord.json beside itself)
A TFRecord file written by tf.io.TFRecordWriter (uncompressed and GZIP), stored as hex, holding
tf.train.Example records with float, int64 and bytes features; single-feature Examples' serialized
bytes; and what tf.io.parse_single_example / parse_example give for them.
"""

# ruff: noqa
import json, os, tempfile
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(3)
examples = []
for i in range(4):
    examples.append(
        {
            "image": rng.integers(0, 256, 6).astype(np.uint8).tobytes(),
            "label": int(rng.integers(-5, 10)),
            "x": rng.standard_normal(3).astype(np.float32).tolist(),
            "big": [int(2**40 + i), -(2**35)],
        }
    )


def to_example(e):
    f = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[e["image"]])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[e["label"]])),
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=e["x"])),
        "big": tf.train.Feature(int64_list=tf.train.Int64List(value=e["big"])),
    }
    return tf.train.Example(features=tf.train.Features(feature=f))


out = {"examples": [{**e, "image": e["image"].hex()} for e in examples], "files": {}}
with tempfile.TemporaryDirectory() as d:
    for kind in ("", "GZIP"):
        path = os.path.join(d, "f.tfrecord")
        with tf.io.TFRecordWriter(path, options=tf.io.TFRecordOptions(compression_type=kind)) as w:
            for e in examples:
                w.write(to_example(e).SerializeToString())
        out["files"][kind or "NONE"] = open(path, "rb").read().hex()
single = {
    "float": tf.train.Example(
        features=tf.train.Features(
            feature={"v": tf.train.Feature(float_list=tf.train.FloatList(value=[1.5, -2.25, 3e-8]))}
        )
    ),
    "int64": tf.train.Example(
        features=tf.train.Features(
            feature={"v": tf.train.Feature(int64_list=tf.train.Int64List(value=[0, -1, 2**62, 300]))}
        )
    ),
    "bytes": tf.train.Example(
        features=tf.train.Features(
            feature={"v": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"ab", b"", b"\x00\xff"]))}
        )
    ),
}
out["single"] = {k: v.SerializeToString().hex() for k, v in single.items()}
features = {
    "image": tf.io.FixedLenFeature([], tf.string),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "x": tf.io.FixedLenFeature([3], tf.float32),
    "big": tf.io.FixedLenFeature([2], tf.int64),
    "missing": tf.io.FixedLenFeature([2], tf.float32, default_value=[7.0, 8.0]),
}
serialized = [to_example(e).SerializeToString() for e in examples]
parsed = tf.io.parse_example(serialized, features)
out["parsed"] = {
    k: (v.numpy().astype(object) if v.dtype == tf.string else v.numpy()).tolist()
    if v.dtype != tf.string
    else [b.hex() for b in v.numpy()]
    for k, v in parsed.items()
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_tfrecord.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, **out}, f)
