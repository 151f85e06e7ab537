"""tf.contrib.layers and tf.contrib.rnn: contrib's initializer formulas, regularizers, layer names, values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["xla", "interpreter"]


def sample(init, shape) -> np.ndarray:
    g = tf.Graph()
    with g.as_default():
        t = init(shape)
    return tf.Session(graph=g).run(t)


def test_xavier_and_variance_scaling_follow_contribs_formulas() -> None:
    shape = [400, 600]
    u = sample(tf.contrib.layers.xavier_initializer(seed=3), shape)
    limit = math.sqrt(3.0 / ((400 + 600) / 2))  # contrib: sqrt(3 * factor / n), n = mean fan
    assert np.abs(u).max() <= limit and np.abs(u).max() > 0.99 * limit
    assert abs(u.std() - limit / math.sqrt(3)) < 0.01 * limit
    n = sample(tf.contrib.layers.xavier_initializer(uniform=False, seed=3), shape)
    stddev = math.sqrt(1.3 / 500)  # contrib's truncated normal: sqrt(1.3 * factor / n), cut at 2 stddev
    assert np.abs(n).max() <= 2 * stddev + 1e-7
    assert abs(n.std() - 0.8796 * stddev) < 0.02 * stddev  # the truncated normal's own stddev
    he = sample(tf.contrib.layers.variance_scaling_initializer(), [3, 3, 64, 32])  # factor 2, FAN_IN
    he_std = math.sqrt(1.3 * 2.0 / (3 * 3 * 64))
    assert abs(he.std() - 0.8796 * he_std) < 0.03 * he_std
    with pytest.raises(tf.GraphError, match="FAN_IN, FAN_OUT or FAN_AVG"):
        tf.contrib.layers.variance_scaling_initializer(mode="fan_in")


@pytest.mark.parametrize("backend", BACKENDS)
def test_regularizers(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        w = tf.constant([[1.0, -2.0], [3.0, 0.5]])
        l2 = tf.contrib.layers.l2_regularizer(0.1)(w)
        l1 = tf.contrib.layers.l1_regularizer(0.2)(w)
        both = tf.contrib.layers.sum_regularizer(
            [tf.contrib.layers.l1_regularizer(0.2), tf.contrib.layers.l2_regularizer(0.1)]
        )(w)
        total = tf.contrib.layers.apply_regularization(tf.contrib.layers.l2_regularizer(0.1), [w, w])
        assert tf.contrib.layers.l2_regularizer(0.0)(w) is None
    got = tf.Session(graph=g, backend=backend).run([l2, l1, both, total])
    wv = np.array([[1.0, -2.0], [3.0, 0.5]])
    np.testing.assert_allclose(
        got,
        [
            0.1 * (wv**2).sum() / 2,
            0.2 * np.abs(wv).sum(),
            0.2 * np.abs(wv).sum() + 0.1 * (wv**2).sum() / 2,
            2 * 0.1 * (wv**2).sum() / 2,
        ],
        rtol=1e-6,
    )
    assert g.get_collection("regularization_losses") == [total]


@pytest.mark.parametrize("backend", BACKENDS)
def test_layers_names_and_values(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6, 6, 2], name="x")
        c = tf.contrib.layers.conv2d(x, 3, 3, weights_regularizer=tf.contrib.layers.l2_regularizer(0.01))
        p = tf.contrib.layers.max_pool2d(c, 2)
        f = tf.contrib.layers.flatten(p)
        h = tf.contrib.layers.fully_connected(f, 4)
        out = tf.contrib.layers.fully_connected(h, 2, activation_fn=None, scope="logits")
        init = tf.global_variables_initializer()
    names = [v.op.name for v in g.get_collection("variables")]
    assert names == [
        "Conv/weights",
        "Conv/biases",
        "fully_connected/weights",
        "fully_connected/biases",
        "logits/weights",
        "logits/biases",
    ]
    assert [v.op.name for v in g.get_collection("trainable_variables")] == names
    assert len(g.get_collection("regularization_losses")) == 1
    assert (c.shape.as_list(), p.shape.as_list(), f.shape.as_list(), out.shape.as_list()) == (
        [None, 6, 6, 3],
        [None, 3, 3, 3],
        [None, 27],
        [None, 2],
    )
    s = tf.Session(graph=g, backend=backend)
    s.run(init)
    xs = np.random.default_rng(0).standard_normal((2, 6, 6, 2)).astype(np.float32)
    vals = {n: s.run(f"{n}:0") for n in names}
    got = s.run(out, {x: xs})
    # NumPy: SAME 3x3 conv + bias + relu, 2x2 max pool, flatten, two dense layers
    pad = np.pad(xs, ((0, 0), (1, 1), (1, 1), (0, 0)))
    conv = np.zeros((2, 6, 6, 3))
    for i in range(6):
        for j in range(6):
            conv[:, i, j] = np.einsum("bhwc,hwco->bo", pad[:, i : i + 3, j : j + 3], vals["Conv/weights"])
    conv = np.maximum(conv + vals["Conv/biases"], 0)
    pool = conv.reshape(2, 3, 2, 3, 2, 3).max(axis=(2, 4)).reshape(2, 27)
    hid = np.maximum(pool @ vals["fully_connected/weights"] + vals["fully_connected/biases"], 0)
    np.testing.assert_allclose(
        got, hid @ vals["logits/weights"] + vals["logits/biases"], rtol=1e-4, atol=1e-5
    )


def test_dropout_switch_and_reuse() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.ones([4, 10])
        training = tf.placeholder_with_default(True, [], name="training")
        d = tf.contrib.layers.dropout(x, keep_prob=0.5, is_training=training, seed=2)
        off = tf.contrib.layers.dropout(x, is_training=False)
        a = tf.contrib.layers.fully_connected(x, 3, scope="shared")
        b = tf.contrib.layers.fully_connected(x, 3, scope="shared", reuse=True)
    s = tf.Session(graph=g)
    s.run(tf.variables_initializer(g.get_collection("variables")))
    on = s.run(d)
    assert set(np.unique(on)) <= {0.0, 2.0} and (on == 0).any()
    np.testing.assert_array_equal(s.run(d, {training: False}), np.ones((4, 10)))
    np.testing.assert_array_equal(s.run(off), np.ones((4, 10)))
    np.testing.assert_array_equal(*s.run([a, b]))
    assert len(g.get_collection("variables")) == 2


def test_contrib_rnn_aliases() -> None:
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn
    assert tf.contrib.rnn.LSTMStateTuple is tf.nn.rnn_cell.LSTMStateTuple


def test_contrib_framework_global_step_and_variable_queries() -> None:
    g = tf.Graph()
    with g.as_default():
        with tf.variable_scope("a"):
            w = tf.get_variable("w", [2])
            b = tf.get_variable("b", [1], trainable=False)
        with tf.variable_scope("c") as c_scope:
            z = tf.get_variable("w", [3])
        gs = tf.contrib.framework.get_or_create_global_step()
        fw = tf.contrib.framework
        assert gs is tf.train.get_global_step() is fw.get_global_step()
        assert fw.get_variables("a") == [w, b] and fw.get_variables(c_scope) == [z]
        assert fw.get_variables(suffix="w") == [w, z]
        assert fw.get_trainable_variables("a") == [w]
        assert fw.get_variables_to_restore(exclude=["c", "global_step"]) == [w, b]
        assert fw.get_variables_to_restore(include=["c", "a"]) == [z, w, b]
