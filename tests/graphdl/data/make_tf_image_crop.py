"""Writes tf_image_crop.json: TF1's tf.image crop/pad outputs (run with TensorFlow's python, e.g.
/tmp/tfvenv/bin/python tests/graphdl/data/make_tf_image_crop.py)."""

import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
rng = np.random.default_rng(5)
cases = []
for shape, th, tw in [
    ((5, 7, 2), 3, 4),
    ((5, 7, 2), 8, 10),
    ((2, 6, 5, 3), 4, 9),
    ((2, 6, 5, 3), 7, 2),
    ((4, 4, 1), 4, 4),
]:
    img = rng.standard_normal(shape).astype(np.float32)
    cases.append({"op": "resize_image_with_crop_or_pad", "image": img.tolist(), "args": [th, tw]})
for shape, f in [((9, 11, 2), 0.5), ((2, 10, 7, 1), 0.3), ((8, 8, 3), 0.875), ((5, 5, 1), 1.0)]:
    img = rng.standard_normal(shape).astype(np.float32)
    cases.append({"op": "central_crop", "image": img.tolist(), "args": [f]})
for shape, args in [((6, 7, 2), [1, 2, 3, 4]), ((2, 5, 5, 1), [0, 1, 5, 3])]:
    img = rng.standard_normal(shape).astype(np.float32)
    cases.append({"op": "crop_to_bounding_box", "image": img.tolist(), "args": args})
for shape, args in [((3, 4, 2), [1, 2, 6, 7]), ((2, 2, 3, 1), [0, 1, 4, 4])]:
    img = rng.standard_normal(shape).astype(np.float32)
    cases.append({"op": "pad_to_bounding_box", "image": img.tolist(), "args": args})
with tf.Session() as s:
    for c in cases:
        t = getattr(tf.image, c["op"])(tf.constant(np.array(c["image"], np.float32)), *c["args"])
        c["out"] = s.run(t).tolist()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_image_crop.json"), "w") as f:
    json.dump(cases, f)
