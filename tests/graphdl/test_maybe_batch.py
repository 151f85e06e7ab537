"""tf.train.maybe_batch and its family against TF 2.21's tf.compat.v1 (tf_maybe_batch.json)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_maybe_batch.json")) as _f:
    TF = json.load(_f)["cases"]


def _drain(fetch, backend):
    out = []
    with tf.Session(backend=backend) as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while True:
                out.append(sess.run(fetch).tolist())
        except tf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    return out


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
def test_maybe_batch_keeps_what_tf1_keeps(backend):
    g = tf.Graph()
    with g.as_default():
        x = tf.train.slice_input_producer([np.arange(10, dtype=np.int64)], num_epochs=1, shuffle=False)[0]
        b = tf.train.maybe_batch([x], tf.not_equal(x % 3, 0), batch_size=2, allow_smaller_final_batch=True)
        assert _drain(b, backend) == TF["scalar_keep"]
    g = tf.Graph()
    with g.as_default():
        x = tf.train.limit_epochs(tf.constant(np.arange(6, dtype=np.int64)), num_epochs=2)
        keep = tf.constant([True, False, True, True, False, True])
        b = tf.train.maybe_batch([x], keep, batch_size=3, enqueue_many=True, allow_smaller_final_batch=True)
        assert _drain(b, backend) == TF["vector_keep_many"]


def test_maybe_shuffle_batch_and_joins_keep_only_kept_elements():
    g = tf.Graph()
    with g.as_default():
        x = tf.train.slice_input_producer([np.arange(12, dtype=np.int64)], num_epochs=1, shuffle=False)[0]
        even = tf.equal(x % 2, 0)
        sb = tf.train.maybe_shuffle_batch(
            [x], 2, capacity=20, min_after_dequeue=0, keep_input=even, seed=3, allow_smaller_final_batch=True
        )
        got = sorted(v for batch in _drain(sb, "xla") for v in batch)
        assert got == [0, 2, 4, 6, 8, 10]
    for join, kwargs in (
        (tf.train.maybe_batch_join, {}),
        (tf.train.maybe_shuffle_batch_join, {"capacity": 20, "min_after_dequeue": 0, "seed": 1}),
    ):
        g = tf.Graph()
        with g.as_default():
            x = tf.train.slice_input_producer([np.arange(8, dtype=np.int64)], num_epochs=1, shuffle=False)[0]
            keep = tf.less(x, 5)
            if join is tf.train.maybe_batch_join:
                b = join([[x]], keep, 2, allow_smaller_final_batch=True)
            else:
                b = join([[x]], 2, keep_input=keep, allow_smaller_final_batch=True, **kwargs)
            assert sorted(v for batch in _drain(b, "xla") for v in batch) == [0, 1, 2, 3, 4]


def test_keep_input_must_be_a_scalar_without_enqueue_many():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(np.arange(3, dtype=np.int64))
        with pytest.raises(tf.errors.ShapeError, match="keep_input must be a scalar"):
            tf.train.maybe_batch([x], tf.constant([True, False, True]), batch_size=2)
        with pytest.raises(tf.errors.ShapeError, match="a scalar or a vector"):
            tf.train.maybe_batch([x], tf.constant([[True]]), batch_size=2, enqueue_many=True)
