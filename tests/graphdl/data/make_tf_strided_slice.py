"""Regenerates tf_strided_slice.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_strided_slice.py  (writes tf_strided_slice.json beside itself)
Each case: the input shape (values arange), begin/end/strides, the five masks, and TF1's output
(shape and values) or the error class name when TF1 rejects the spec.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
rng = np.random.default_rng(20261125)
MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")

fixed = [
    ([2, 3, 4], [1], [0], [1], {"shrink_axis_mask": 1}),
    ([2, 3, 4], [1], [0], [2], {"shrink_axis_mask": 1}),
    ([2, 3, 4], [-1], [0], [1], {"shrink_axis_mask": 1, "begin_mask": 1}),
    ([2, 3, 4], [0, 1], [0, 2], [1, 1], {"shrink_axis_mask": 1, "new_axis_mask": 1}),
    ([2, 3, 4], [0, 1, 0], [0, 2, 0], [1, 1, 1], {"ellipsis_mask": 2, "new_axis_mask": 2}),
    ([2, 3, 4], [0, 0, 1], [0, 0, 2], [1, 1, 1], {"ellipsis_mask": 1, "new_axis_mask": 2}),
    ([2, 3, 4], [0, -1], [0, 0], [1, -1], {"ellipsis_mask": 1, "end_mask": 2}),
    ([5], [-1], [-6], [-1], {}),
    ([5], [10], [-10], [-2], {}),
    ([5], [-10], [10], [3], {}),
    ([4, 5], [3, 4], [0, 0], [-1, -2], {"end_mask": 1}),
    ([4, 5], [0, 0], [0, 0], [1, 1], {"begin_mask": 3, "end_mask": 3}),
    ([4, 5], [0, 0], [0, 0], [-1, -1], {"begin_mask": 3, "end_mask": 3}),
    ([3, 4], [1, 0, 2], [2, 0, 3], [1, 1, 1], {"new_axis_mask": 2, "shrink_axis_mask": 5}),
    ([3], [], [], [], {}),
    ([], [0], [0], [1], {"new_axis_mask": 1}),
    ([2, 3], [0, 0, 0], [1, 1, 1], [1, 1, 1], {}),  # too many indices
    ([2, 3], [5], [6], [1], {"shrink_axis_mask": 1}),  # out of range
    ([2, 3], [1], [0], [-1], {"shrink_axis_mask": 1}),  # negative stride on a shrunk axis
    ([2, 3], [0, 0], [1, 1], [1, 0], {}),  # zero stride
    ([2, 3], [0, 0], [1, 1], [1, 1], {"ellipsis_mask": 3}),  # two ellipses
]


def random_case():
    rank = int(rng.integers(1, 5))
    shape = [int(rng.integers(1, 6)) for _ in range(rank)]
    n = int(rng.integers(1, rank + 2))
    begin, end, strides = [], [], []
    masks = {m: 0 for m in MASKS}
    has_ellipsis = False
    for i in range(n):
        d = shape[min(i, rank - 1)]
        r = rng.random()
        bit = 1 << i
        if r < 0.1 and not has_ellipsis:
            masks["ellipsis_mask"] |= bit
            has_ellipsis = True
        elif r < 0.2:
            masks["new_axis_mask"] |= bit
        elif r < 0.35:
            masks["shrink_axis_mask"] |= bit
            begin.append(int(rng.integers(-d, d)))
            end.append(int(rng.integers(-d - 2, d + 2)))
            strides.append(1)
            continue
        begin.append(int(rng.integers(-d - 2, d + 3)))
        end.append(int(rng.integers(-d - 2, d + 3)))
        strides.append(int(rng.choice([-3, -2, -1, 1, 1, 2, 3])))
        if rng.random() < 0.25:
            masks["begin_mask"] |= bit
        if rng.random() < 0.25:
            masks["end_mask"] |= bit
    return shape, begin, end, strides, {k: v for k, v in masks.items() if v}


cases = []
for shape, b, e, s, m in fixed + [random_case() for _ in range(40)]:
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    case = {"shape": shape, "begin": b, "end": e, "strides": s, "masks": m}
    try:
        g = tf1.Graph()
        with g.as_default():
            y = tf1.strided_slice(
                tf1.placeholder(tf.float64, shape, name="x"),
                tf.constant(b, tf.int32, [len(b)]),
                tf.constant(e, tf.int32, [len(e)]),
                tf.constant(s, tf.int32, [len(s)]),
                **m,
            )
            with tf1.Session() as sess:
                out = sess.run(y, {"x:0": x})
        case["out_shape"] = list(out.shape)
        case["out"] = out.reshape(-1).tolist()
    except Exception as exc:  # TF1 rejects it: at build time (ValueError) or run time
        case["error"] = type(exc).__name__
    cases.append(case)

here = os.path.dirname(os.path.abspath(__file__))
json.dump(
    {"tf_version": tf.__version__, "cases": cases}, open(os.path.join(here, "tf_strided_slice.json"), "w")
)
print("ok", tf.__version__, len(cases), sum("error" in c for c in cases))
