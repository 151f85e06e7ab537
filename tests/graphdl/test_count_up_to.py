"""tf.count_up_to / Variable.count_up_to and tf.train.limit_epochs, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["xla", "interpreter"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_count_up_to_counts_then_raises_and_changes_nothing(backend):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.int32(0), name="v")
        w = tf.Variable(np.float32(0), name="w")
        c = v.count_up_to(3)
        other = tf.assign_add(w, tf.cast(c, tf.float32) + 1.0)  # a write in the same run
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            assert [int(sess.run(c)) for _ in range(2)] == [0, 1]
            assert float(sess.run(other)) == 3.0  # c was 2: the run's other write lands too
            where = r"count_up_to 'CountUpTo' \(test_count_up_to.py:\d+\): Reached limit of 3"
            with pytest.raises(tf.errors.OutOfRangeError, match=where):
                sess.run([c, other])
            assert int(sess.run(v)) == 3 and float(sess.run(w)) == 3.0  # the failed run wrote nothing
            assert sess.run(v).dtype == np.int32


def test_count_up_to_needs_an_integer_scalar_variable():
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(tf.errors.DTypeError, match="int32 or int64"):
            tf.count_up_to(tf.Variable(np.float32(0)), 3)
        with pytest.raises(tf.errors.ShapeError, match="scalar"):
            tf.count_up_to(tf.Variable(np.zeros(2, np.int64)), 3)
        with pytest.raises(tf.errors.DTypeError, match="Variable"):
            tf.count_up_to(tf.constant(0), 3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_limit_epochs_as_tf1(backend):
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(np.array([1, 2], np.int32))
        assert tf.train.limit_epochs(x) is x  # no limit: the tensor itself, as TF1
        y = tf.train.limit_epochs(x, num_epochs=2)
        doubled = y * 2
        assert y.name == "limit_epochs:0"  # TF1's names
        assert [v.name for v in tf.local_variables()] == ["limit_epochs/epochs:0"]
        with tf.Session(backend=backend) as sess:
            sess.run(tf.local_variables_initializer())
            assert sess.run(doubled).tolist() == [2, 4]
            assert sess.run(y).tolist() == [1, 2]
            with pytest.raises(tf.errors.OutOfRangeError, match="Reached limit of 2"):
                sess.run(doubled)
        with pytest.raises(tf.errors.GraphError, match="num_epochs must be > 0"):
            tf.train.limit_epochs(x, 0)
