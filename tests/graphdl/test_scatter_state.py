"""tf.scatter_update / add / sub / mul / div / min / max on variables, against TF 2.21 (tf_scatter.json),
on both backends; out-of-range indices are an error that leaves everything as it was."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_scatter.json")) as _f:
    TF = json.load(_f)

BACKENDS = ["xla", "interpreter"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", TF["cases"], ids=lambda c: f"{c['fn']}-rank{np.ndim(c['indices'])}")
def test_scatter_matches_tf1(case, backend):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.asarray(TF["init"], np.float32), name="v")
        out = getattr(tf, case["fn"])(
            v, np.asarray(case["indices"], np.int32), np.asarray(case["updates"], np.float32)
        )
        with tf.Session(backend=backend) as sess:
            sess.run(v.initializer)
            before = sess.run(v)
            got = sess.run(out)
            after = sess.run(v)
    np.testing.assert_array_equal(before, np.asarray(TF["init"], np.float32))  # reads see the start of a run
    np.testing.assert_allclose(got, case["result"], rtol=1e-6)
    np.testing.assert_array_equal(after, got)  # the write landed


@pytest.mark.parametrize("backend", BACKENDS)
def test_int_scatter_add_with_repeats_and_bad_indices(backend):
    case = TF["int_case"]
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.asarray(case["init"], np.int32), name="v")
        w = tf.Variable(np.float32(0), name="w")
        idx = tf.placeholder(tf.int32, [None])
        upd = tf.placeholder(tf.int32, [None])
        add = tf.scatter_add(v, idx, upd)
        other = tf.assign_add(w, 1.0)
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run(add, {idx: case["indices"], upd: case["updates"]})
            assert got.tolist() == case["result"]
            for bad in ([6], [-1]):
                with pytest.raises(
                    tf.errors.InvalidArgumentError, match=f"index {bad[0]} is not in \\[0, 6\\)"
                ):
                    sess.run([add, other], {idx: bad, upd: [1]})
            assert sess.run(v).tolist() == case["result"] and float(sess.run(w)) == 0.0


def test_scatter_build_errors():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.zeros((4, 3), np.float32))
        with pytest.raises(tf.errors.ShapeError, match=r"indices.shape \+ variable.shape\[1:\]"):
            tf.scatter_update(v, [0, 1], np.zeros((2, 2), np.float32))
        with pytest.raises(tf.errors.DTypeError, match="int32 or int64"):
            tf.scatter_add(v, tf.constant([0.5]), np.zeros((1, 3), np.float32))
        with pytest.raises(tf.errors.DTypeError, match="Variable"):
            tf.scatter_add(tf.zeros([4, 3]), [0], np.zeros((1, 3), np.float32))
