"""Regenerates tf_session_log.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_session_log.py  (writes tf_session_log.json beside itself)
The serialized bytes of a few tf.compat.v1.SessionLog messages.
"""

# ruff: noqa
import json, os
import tensorflow as tf

SL = tf.compat.v1.SessionLog
cases = [
    {"status": 1, "checkpoint_path": "", "msg": ""},
    {"status": 2, "checkpoint_path": "", "msg": "bye"},
    {"status": 3, "checkpoint_path": "/tmp/run/model.ckpt-200", "msg": ""},
    {"status": 0, "checkpoint_path": "", "msg": ""},
]
for c in cases:
    c["hex"] = SL(**c).SerializeToString().hex()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_session_log.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, "cases": cases}, f)
