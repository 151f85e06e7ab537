"""TF1 behaviours that real course programs rely on (each found running one): static shapes kept through
dropout, batch norm and tf.cond fed an unshaped placeholder; bias_add's gradient without a static rank;
variable initializers outside the enclosing control dependencies; scalars fetched as NumPy scalars."""

from __future__ import annotations

import os

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["interpreter", "xla"]


def test_dropout_keeps_the_static_shape_with_an_unshaped_keep_prob() -> None:
    # text CNNs feed `keep_prob = tf.placeholder(tf.float32)` (no shape); TF1 sets x's shape on the result
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 96])
        keep = tf.placeholder(tf.float32)
        d = tf.nn.dropout(x, keep)
        assert d.shape.as_list() == [None, 96]
        with pytest.raises(tf.ShapeError, match="keep_prob must be a scalar"):
            tf.nn.dropout(x, tf.placeholder(tf.float32, [2]))
        for backend in BACKENDS:
            with tf.Session(graph=g, backend=backend) as sess:
                out = sess.run(d, {x: np.ones((3, 96), np.float32), keep: 1.0})
            np.testing.assert_array_equal(out, np.ones((3, 96), np.float32))


@pytest.mark.parametrize("backend", BACKENDS)
def test_bias_add_gradient_without_a_static_rank(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32)  # rank known only when fed
        b = tf.Variable(tf.zeros([2]))
        (gb,) = tf.gradients(tf.reduce_sum(tf.square(tf.nn.bias_add(x, b))), [b])
        xv = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run(gb, {x: xv})
    np.testing.assert_allclose(got, 2 * xv.reshape(-1, 2).sum(0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_unshaped_training_flag_and_cond_predicate_keep_branch_shapes(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6, 6, 1])
        training = tf.placeholder(tf.bool)  # the usual `is_training` placeholder, no shape
        h = tf.layers.batch_normalization(tf.layers.conv2d(x, 4, 3, padding="same"), training=training)
        assert h.shape.as_list() == [None, 6, 6, 4]
        c = tf.cond(training, lambda: h, lambda: 2.0 * h)
        assert c.shape.as_list() == [None, 6, 6, 4]
        out = tf.layers.conv2d(tf.nn.relu(c), 2, 3)  # needs the channels: failed before
        assert out.shape.as_list() == [None, 4, 4, 2]
        xv = np.random.default_rng(0).standard_normal((2, 6, 6, 1)).astype(np.float32)
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            a, b = sess.run([h, c], {x: xv, training: True})
            a2, b2 = sess.run([h, c], {x: xv, training: False})
    np.testing.assert_allclose(b, a, rtol=1e-6)
    np.testing.assert_allclose(b2, 2 * a2, rtol=1e-6)
    np.testing.assert_allclose(a.mean(axis=(0, 1, 2)), 0, atol=1e-5)  # training: batch statistics


def test_variables_made_under_control_dependencies_initialize_alone() -> None:
    # tf.layers batch norm + `with control_dependencies(UPDATE_OPS): AdamOptimizer().minimize(...)`:
    # Adam's slots must not make the initializer run the updates
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(1.0, name="a")
        upd = a.assign_add(1.0)
        with tf.control_dependencies([upd]):
            b = tf.Variable(2.0, name="b")
            c = b * 3.0  # ops made here still take the dependency
        assert not b.initializer.control_inputs and upd.op in c.op.control_inputs
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            assert sess.run([a, b]) == [1.0, 2.0]


def test_batch_norm_update_ops_with_adam_trains() -> None:
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        x = tf.placeholder(tf.float32, [None, 4])
        training = tf.placeholder(tf.bool)
        h = tf.layers.batch_normalization(tf.layers.dense(x, 8), training=training)
        loss = tf.reduce_mean(tf.square(tf.layers.dense(tf.nn.relu(h), 1) - 1.0))
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            step = tf.train.AdamOptimizer(0.05).minimize(loss)
        moving_mean = next(v for v in tf.global_variables() if "moving_mean" in v.name)
        xv = np.random.default_rng(2).standard_normal((16, 4)).astype(np.float32) + 3.0
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(loss, {x: xv, training: True})
            for _ in range(40):
                sess.run(step, {x: xv, training: True})
            last = sess.run(loss, {x: xv, training: True})
            mm = sess.run(moving_mean)
    assert last < 0.1 * first
    assert np.abs(mm).max() > 0  # the update ops ran with each step


@pytest.mark.parametrize("backend", BACKENDS)
def test_scalars_are_fetched_as_numpy_scalars(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        s, v = tf.constant(1.5), tf.constant([1, 2])
        with tf.Session(graph=g, backend=backend) as sess:
            one, (two, vec) = sess.run(s), sess.run([s * 2, v])
    assert type(one) is np.float32 and one == 1.5 and type(two) is np.float32 and two == 3.0
    assert isinstance(vec, np.ndarray) and vec.tolist() == [1, 2]


def test_saver_takes_a_fetched_global_step(tmp_path: os.PathLike) -> None:
    g = tf.Graph()
    with g.as_default():
        gs = tf.Variable(0, trainable=False)
        inc = tf.assign_add(gs, 1)
        saver = tf.train.Saver()
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            step = sess.run(inc)
            path = saver.save(sess, os.path.join(tmp_path, "m"), global_step=step)
            path2 = saver.save(sess, os.path.join(tmp_path, "m"), global_step=np.array(7))
    assert path.endswith("m-1") and path2.endswith("m-7")


@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_cross_entropy_casts_float64_labels_to_the_logits_dtype(backend: str) -> None:
    # TF 1.15 casts them; course utilities build one-hot labels with np.zeros (float64)
    g = tf.Graph()
    with g.as_default():
        labels = tf.placeholder(tf.float64, [None, 3])
        logits = tf.placeholder(tf.float32, [None, 3])
        v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
        assert v1.dtype == tf.float32 and v2.dtype == tf.float32
        with pytest.raises(tf.DTypeError):  # TF1's sigmoid cross-entropy does not cast
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        lv = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
        xv = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], np.float32)
        with tf.Session(graph=g, backend=backend) as sess:
            a, b = sess.run([v1, v2], {labels: lv, logits: xv})
    z = xv.astype(np.float64)
    want = -(lv * (z - np.log(np.exp(z).sum(1, keepdims=True)))).sum(1)
    np.testing.assert_allclose(a, want, rtol=1e-6)
    np.testing.assert_allclose(b, want, rtol=1e-6)


def test_global_step_is_made_in_the_current_variable_scope() -> None:
    """TF1's create_global_step is a get_variable: 'Model/global_step' inside variable_scope('Model')
    (PTB's ptb_word_lm.py), outside any name scope, an int64 0 that is not trainable."""
    g = tf.Graph()
    with g.as_default():
        with tf.variable_scope("Model"), tf.name_scope("inner"):
            gs = tf.train.get_or_create_global_step()
        assert tf.train.get_or_create_global_step() is gs
    assert gs.name == "Model/global_step:0" and gs.dtype == tf.int64
    assert g.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == []
    sess = tf.Session(graph=g)
    sess.run(tf.variables_initializer([gs]))
    assert sess.run(gs) == 0


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
def test_nested_structures_as_feed_keys(backend: str) -> None:
    """char-rnn's sampler feeds {model.initial_state: state}: a tuple of LSTMStateTuples fed the
    structure a previous run fetched, leaf by leaf as TF1 does."""
    g = tf.Graph()
    with g.as_default():
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3) for _ in range(2)])
        x = tf.placeholder(tf.float32, [1, 2])
        init = cell.zero_state(1, tf.float32)
        out, final = cell(x, init)
        tf.set_random_seed(1)
        variables = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend)
    sess.run(variables)
    state = sess.run(init)
    outs = []
    for _ in range(3):
        o, state = sess.run([out, final], {x: np.ones((1, 2), np.float32), init: state})
        outs.append(o)
    assert isinstance(state[0], tf.nn.rnn_cell.LSTMStateTuple) and state[1].h.shape == (1, 3)
    ref = sess.run(out, {x: np.ones((1, 2), np.float32), init[0].c: state[0].c, init[0].h: state[0].h,
                         init[1].c: state[1].c, init[1].h: state[1].h})  # fmt: skip
    np.testing.assert_array_equal(sess.run(out, {x: np.ones((1, 2), np.float32), init: state}), ref)
    assert not np.array_equal(outs[0], outs[2])  # the state carried over
    with pytest.raises(tf.errors.FeedError, match="same structure"):
        sess.run(out, {x: np.ones((1, 2), np.float32), init: state[0]})
