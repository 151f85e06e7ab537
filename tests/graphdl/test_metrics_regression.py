"""tf.metrics.root_mean_squared_error and mean_absolute_error streamed over batches, with and without
weights, against TF 2.21's tf.compat.v1 (tf_metrics_regression.json), on both backends."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_metrics_regression.json")) as _f:
    TF = json.load(_f)


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
@pytest.mark.parametrize("key", sorted(TF["results"]))
def test_regression_metric_streams_as_tf1(key, backend):
    weighted = key.endswith("_weighted")
    fn = key.removesuffix("_weighted")
    g = tf.Graph()
    with g.as_default():
        y = tf.placeholder(tf.float32, [None, 1])
        p = tf.placeholder(tf.float32, [None, 1])
        w = tf.placeholder(tf.float32, [None, 1])
        value, update = getattr(tf.metrics, fn)(
            y, p, weights=w if weighted else None, metrics_collections=["m"], updates_collections=["u"]
        )
        assert tf.get_collection("m") == [value] and tf.get_collection("u") == [update]
        with tf.Session(backend=backend) as sess:
            sess.run(tf.local_variables_initializer())
            rows = []
            for b in TF["batches"]:
                feed = {y: b["labels"], p: b["predictions"], w: b["weights"]}
                rows.append([float(sess.run(update, feed)), float(sess.run(value))])
    np.testing.assert_allclose(rows, TF["results"][key], rtol=1e-6)
