"""Writes tf_checks.json: TF1's run-time messages of failed checks (run with TensorFlow's venv).

/tmp/tfvenv/bin/python tests/graphdl/data/make_tf_checks.py
"""

import json
import os
import re

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
X = [1.0, -2.0, 3.0, 4.0, 5.0]
Y = [1.0, 2.0, 3.0, 0.0, 5.0]
out = {}
with tf1.Graph().as_default():
    x = tf1.placeholder(tf.float32, [None], name="x")
    y = tf1.placeholder(tf.float32, [None], name="y")
    i = tf1.placeholder(tf.int32, None, name="i")
    ops = {
        "Assert": tf1.Assert(tf.reduce_all(x > 0), [x, "hello", y]),
        "Assert_summarize": tf1.Assert(tf.reduce_all(x > 0), [x], summarize=10),
        "assert_equal": tf1.assert_equal(x, y),
        "assert_equal_message": tf1.assert_equal(x, y, message="msg!"),
        "assert_none_equal": tf1.assert_none_equal(x, y),
        "assert_less": tf1.assert_less(x, y),
        "assert_less_equal": tf1.assert_less_equal(x, y),
        "assert_greater": tf1.assert_greater(x, y),
        "assert_greater_equal": tf1.assert_greater_equal(x, y),
        "assert_positive": tf1.assert_positive(x),
        "assert_negative": tf1.assert_negative(x),
        "assert_non_negative": tf1.assert_non_negative(x),
        "assert_non_positive": tf1.assert_non_positive(x),
        "assert_rank": tf1.assert_rank(i, 2),
        "assert_rank_message": tf1.assert_rank(i, 2, message="mm"),
        "check_numerics": tf1.check_numerics(x, "bad x"),
        "verify_tensor_all_finite": tf1.verify_tensor_all_finite(x, "bad v"),
    }
    with tf1.Session() as s:
        for k, op in ops.items():
            feed = {x: X, y: Y, i: np.zeros(4, np.int32)}
            if k in ("check_numerics", "verify_tensor_all_finite"):
                feed[x] = [1.0, np.nan, -np.inf]
            try:
                s.run(op, feed)
                out[k] = None
            except tf.errors.InvalidArgumentError as e:
                out[k] = re.search(r"\n([^\n]*)\n\t \[\[", e.message).group(1)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_checks.json"), "w") as f:
    json.dump({"x": X, "y": Y, "messages": out}, f, indent=1, sort_keys=True)
