"""tf.make_template: variables made once and shared, TF1's scope and op names (as TF 2.21's
tf.compat.v1.make_template gives them), and the error for a trainable variable made later."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf


def _layer(x, scale):
    w = tf.get_variable("w", [3, 2], initializer=tf.ones_initializer())
    return tf.matmul(x, w) * scale


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
def test_template_shares_its_variables_with_tf1_names(backend):
    g = tf.Graph()
    with g.as_default():
        t = tf.make_template("my_layer", _layer, scale=2.0)
        assert t.variable_scope is None and t.variables == []
        x = tf.placeholder(tf.float32, [None, 3])
        a, b = t(x), t(x + 1)
        t2 = tf.make_template("my_layer", _layer, scale=1.0)
        c = t2(x)
        # the names tf.compat.v1 gives the same program
        assert [v.name for v in tf.global_variables()] == ["my_layer/w:0", "my_layer_1/w:0"]
        assert (t.variable_scope_name, t2.variable_scope_name) == ("my_layer/", "my_layer_1/")
        assert [a.name, b.name, c.name] == ["my_layer/mul:0", "my_layer_1/mul:0", "my_layer_2/mul:0"]
        assert [v.name for v in t.trainable_variables] == ["my_layer/w:0"] and t.non_trainable_variables == []
        update = tf.assign_add(t.variables[0], tf.ones([3, 2]))
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(update)
            xv = np.ones((1, 3), np.float32)
            got_a, got_b, got_c = sess.run([a, b, c], {x: xv})
    np.testing.assert_allclose(got_a, [[12.0, 12.0]])  # w = 2 after the update, shared by a and b
    np.testing.assert_allclose(got_b, [[24.0, 24.0]])
    np.testing.assert_allclose(got_c, [[3.0, 3.0]])  # the second template has its own w


def test_template_scope_now_and_errors():
    g = tf.Graph()
    with g.as_default():
        t = tf.make_template("early", _layer, create_scope_now_=True, scale=1.0)
        assert t.variable_scope_name == "early/" and t.variables == []
        with tf.variable_scope("outer"):
            t(tf.zeros([1, 3]))
        assert [v.name for v in t.variables] == ["early/w:0"]  # the scope made when the template was

        def bad(x):
            return x * tf.Variable(1.0, name="v")

        tb = tf.make_template("bad", bad)
        tb(tf.zeros([2]))
        with pytest.raises(tf.errors.GraphError, match="created when calling template 'bad' after the first"):
            tb(tf.zeros([2]))
        with pytest.raises(tf.errors.GraphError, match="name cannot be empty"):
            tf.make_template("", bad)
