"""Regenerates tf_maybe_batch.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_maybe_batch.py  (writes tf_maybe_batch.json beside itself)
TF1's maybe_batch with a scalar keep_input per element (from slice_input_producer, not shuffled), and
with enqueue_many and one flag per element; each case drains the batches until OutOfRangeError.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()


def drain(fetch):
    out = []
    with tf1.Session() as sess:
        sess.run([tf1.global_variables_initializer(), tf1.local_variables_initializer()])
        coord = tf1.train.Coordinator()
        threads = tf1.train.start_queue_runners(sess, coord)
        try:
            while True:
                out.append(sess.run(fetch).tolist())
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    return out


cases = {}
g = tf1.Graph()
with g.as_default():
    x = tf1.train.slice_input_producer([np.arange(10, dtype=np.int64)], num_epochs=1, shuffle=False)[0]
    b = tf1.train.maybe_batch([x], tf1.not_equal(x % 3, 0), batch_size=2, allow_smaller_final_batch=True)
    cases["scalar_keep"] = drain(b)
g = tf1.Graph()
with g.as_default():
    x = tf1.train.limit_epochs(tf1.constant(np.arange(6, dtype=np.int64)), num_epochs=2)
    keep = tf1.constant([True, False, True, True, False, True])
    b = tf1.train.maybe_batch([x], keep, batch_size=3, enqueue_many=True, allow_smaller_final_batch=True)
    cases["vector_keep_many"] = drain(b)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_maybe_batch.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, "cases": cases}, f)
