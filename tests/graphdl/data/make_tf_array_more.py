"""Writes tf_array_more.json: TF1 outputs for the subtle cases of tests/graphdl/test_array_more.py.

Run with a TensorFlow venv: /tmp/tfvenv/bin/python tests/graphdl/data/make_tf_array_more.py
"""

from __future__ import annotations

import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()

data = np.arange(1.0, 13.0, dtype=np.float32).reshape(6, 2) * np.array([1.0, -1.0], np.float32)
ids_sorted = np.array([0, 0, 2, 2, 2, 4], np.int32)  # segments 1 and 3 are empty
ids_unsorted = np.array([3, 0, -1, 3, 1, 0], np.int32)  # segment 2 is empty, -1 is dropped
x4 = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
seq = np.arange(3 * 5 * 2, dtype=np.float32).reshape(3, 5, 2)
img = np.arange(2 * 7 * 6 * 2, dtype=np.float32).reshape(2, 7, 6, 2)
stb = np.arange(2 * 3 * 5 * 1, dtype=np.float32).reshape(2, 3, 5, 1)

cases = {
    "segment_sum": tf.math.segment_sum(data, ids_sorted),
    "segment_mean": tf.math.segment_mean(data, ids_sorted),
    "segment_max": tf.math.segment_max(data, ids_sorted),
    "segment_min": tf.math.segment_min(data, ids_sorted),
    "segment_prod": tf.math.segment_prod(data, ids_sorted),
    "unsorted_segment_sum": tf.math.unsorted_segment_sum(data, ids_unsorted, 5),
    "unsorted_segment_mean": tf.math.unsorted_segment_mean(data, ids_unsorted, 5),
    "unsorted_segment_max": tf.math.unsorted_segment_max(data, ids_unsorted, 5),
    "unsorted_segment_min": tf.math.unsorted_segment_min(data, ids_unsorted, 5),
    "unsorted_segment_prod": tf.math.unsorted_segment_prod(data, ids_unsorted, 5),
    "unsorted_segment_sqrt_n": tf.math.unsorted_segment_sqrt_n(data, ids_unsorted, 5),
    "unsorted_segment_max_int": tf.math.unsorted_segment_max(data.astype(np.int32), ids_unsorted, 5),
    "space_to_depth": tf.space_to_depth(x4, 2),
    "depth_to_space": tf.depth_to_space(np.arange(2 * 2 * 3 * 12, dtype=np.float32).reshape(2, 2, 3, 12), 2),
    "reverse_sequence": tf.reverse_sequence(seq, [2, 5, 0], seq_axis=1, batch_axis=0),
    "reverse_sequence_b1": tf.reverse_sequence(
        np.transpose(seq, (1, 0, 2)), [3, 1, 4], seq_axis=0, batch_axis=1
    ),
    "space_to_batch_nd": tf.space_to_batch_nd(stb, [2, 3], [[1, 0], [0, 1]]),
    "batch_to_space_nd": tf.batch_to_space_nd(
        np.arange(12 * 2 * 2 * 1, dtype=np.float32).reshape(12, 2, 2, 1), [2, 3], [[1, 0], [0, 1]]
    ),
    "sort_desc": tf.sort(
        np.array([[3.0, 1.0, 2.0, 1.0], [0.0, -1.0, 5.0, 5.0]], np.float32), direction="DESCENDING"
    ),
    "argsort_ties": tf.argsort(np.array([[3.0, 1.0, 2.0, 1.0], [5.0, -1.0, 5.0, 5.0]], np.float32)),
    "argsort_desc_ties": tf.argsort(
        np.array([[3.0, 1.0, 3.0, 1.0], [5.0, -1.0, 5.0, 5.0]], np.float32), direction="DESCENDING"
    ),
    "searchsorted_left": tf.searchsorted(
        np.array([[1.0, 2.0, 2.0, 4.0], [0.0, 1.0, 3.0, 3.0]], np.float32),
        np.array([[2.0, 0.0, 5.0], [3.0, 1.0, -1.0]], np.float32),
    ),
    "searchsorted_right": tf.searchsorted(
        np.array([[1.0, 2.0, 2.0, 4.0], [0.0, 1.0, 3.0, 3.0]], np.float32),
        np.array([[2.0, 0.0, 5.0], [3.0, 1.0, -1.0]], np.float32),
        side="right",
    ),
    "roll": tf.roll(np.arange(12).reshape(3, 4), shift=[1, -1, 2], axis=[0, 1, 1]),
    "meshgrid_xy": tf.meshgrid(np.array([1, 2, 3]), np.array([4, 5]), np.array([6, 7, 8, 9])),
    "meshgrid_ij": tf.meshgrid(np.array([1, 2, 3]), np.array([4, 5]), indexing="ij"),
    "invert_permutation": tf.invert_permutation(np.array([3, 4, 0, 2, 1], np.int32)),
    "patches_same": tf.extract_image_patches(img, [1, 2, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
    "patches_valid_rates": tf.extract_image_patches(img, [1, 2, 2, 1], [1, 1, 2, 1], [1, 2, 2, 1], "VALID"),
    "patches_same_rates": tf.extract_image_patches(img, [1, 3, 2, 1], [1, 2, 3, 1], [1, 2, 1, 1], "SAME"),
}
grads = {}
for nm, fn, oshape in [
    ("segment_max", lambda d: tf.math.segment_max(d, np.array([0, 0, 1, 1, 1, 1], np.int32)), (2, 2)),
    ("unsorted_segment_prod", lambda d: tf.math.unsorted_segment_prod(d, ids_unsorted, 5), (5, 2)),
]:
    tied = tf.constant(
        np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 3.0], [0.0, 3.0], [2.0, 0.0], [-1.0, 0.0]], np.float32)
    )
    out = fn(tied)
    w = tf.constant(np.arange(1.0, 1.0 + np.prod(oshape), dtype=np.float32).reshape(oshape))
    grads[nm] = tf.gradients(tf.reduce_sum(out * w), tied)[0]

with tf.Session() as s:
    vals = s.run(cases)
    gvals = s.run(grads)
    errors = {}
    try:
        s.run(tf.math.segment_sum(data, tf.constant(np.array([0, 2, 1, 1, 1, 1], np.int32))))
    except Exception as e:
        errors["segment_sum_unsorted"] = type(e).__name__ + ": " + str(e).splitlines()[0]


def enc(v):
    if isinstance(v, list):
        return [enc(a) for a in v]
    return {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.reshape(-1).tolist()}


out = {
    "inputs": {"data": enc(data), "ids_sorted": enc(ids_sorted), "ids_unsorted": enc(ids_unsorted)},
    "outputs": {k: enc(v) for k, v in vals.items()},
    "grads": {k: enc(v) for k, v in gvals.items()},
    "errors": errors,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_array_more.json"), "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
for k, v in vals.items():
    print(k, v if not isinstance(v, list) else [a.shape for a in v])
print(gvals, errors)
