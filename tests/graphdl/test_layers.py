"""tf.layers: TF1 variable names and scopes, reuse, parameter counts of the course models, numerics."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf

BACKENDS = ["interpreter", "xla"]


def _names(collection: str = "variables") -> list[str]:
    return [v.op.name for v in tf.get_collection(collection)]


def _n_params(variables: list[tf.Variable]) -> int:
    return int(sum(np.prod(v.shape.as_list()) for v in variables))


def _run(backend: str, fetches: object, feed: dict | None = None, init: bool = True) -> object:
    with tf.Session(backend=backend) as sess:
        if init:
            sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def cnn_logits(images: tf.Tensor) -> tf.Tensor:
    """The course CNN (as in examples/mnist_cnn.py)."""
    h = tf.layers.conv2d(images, 32, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 64, 3, activation=tf.nn.relu)
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 64, activation=tf.nn.relu)
    return tf.layers.dense(h, 10)


def _needs(*names: str) -> None:
    for n in names:
        obj: object = tf
        for part in n.split("."):
            obj = getattr(obj, part, None)
            assert obj is not None, f"tf.{n} is missing"


# --- dense ------------------------------------------------------------------------------------------------


def test_dense_variable_names_shapes_and_op_scope() -> None:
    x = tf.placeholder(tf.float32, [None, 784])
    h = tf.layers.dense(x, 512, activation=tf.nn.relu)
    out = tf.layers.dense(h, 10)
    assert _names() == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert _names("trainable_variables") == _names()
    shapes = [v.shape.as_list() for v in tf.global_variables()]
    assert shapes == [[784, 512], [512], [512, 10], [10]]
    assert h.shape.as_list() == [None, 512]
    assert out.shape.as_list() == [None, 10]
    assert h.op.name.startswith("dense/")
    assert out.op.name.startswith("dense_1/")


def test_mlp_parameter_count() -> None:
    x = tf.placeholder(tf.float32, [None, 784])
    tf.layers.dense(tf.layers.dense(x, 512, activation=tf.nn.relu), 10)
    assert _n_params(tf.trainable_variables()) == 407_050


def test_dense_named_and_reused() -> None:
    x = tf.placeholder(tf.float32, [None, 4])
    y1 = tf.layers.dense(x, 3, name="fc")
    y2 = tf.layers.dense(x, 3, name="fc", reuse=True)
    assert _names() == ["fc/kernel", "fc/bias"]
    assert y1.op.name != y2.op.name
    with pytest.raises(ValueError, match="already exists"):
        tf.layers.dense(x, 3, name="fc")
    with pytest.raises(ValueError, match="does not exist"):
        tf.layers.dense(x, 3, name="nope", reuse=True)
    xv = np.arange(8, dtype=np.float32).reshape(2, 4)
    a, b = _run("interpreter", [y1, y2], {x: xv})
    np.testing.assert_array_equal(a, b)


def test_dense_reuse_through_variable_scope() -> None:
    x = tf.placeholder(tf.float32, [None, 4])
    with tf.variable_scope("model"):
        tf.layers.dense(x, 3, activation=tf.nn.relu)
        tf.layers.dense(x, 2)
    with tf.variable_scope("model", reuse=True):
        tf.layers.dense(x, 3, activation=tf.nn.relu)
        tf.layers.dense(x, 2)
    assert _names() == [
        "model/dense/kernel",
        "model/dense/bias",
        "model/dense_1/kernel",
        "model/dense_1/bias",
    ]
    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        tf.layers.dense(x, 3, name="dense")
    assert len(tf.global_variables()) == 4


def test_dense_layer_object_shares_its_variables() -> None:
    x = tf.placeholder(tf.float32, [None, 4])
    layer = tf.layers.Dense(3, use_bias=False)
    y1 = layer(x)
    y2 = layer(x * 2.0)
    assert _names() == ["dense/kernel"]
    assert layer.variables == tf.global_variables()
    assert layer.count_params() == 12
    assert y2.op.name.startswith("dense/")
    xv = np.ones((1, 4), np.float32)
    a, b = _run("interpreter", [y1, y2], {x: xv})
    np.testing.assert_allclose(2 * a, b, rtol=1e-6)


def test_dense_trainable_false_and_rank3_inputs() -> None:
    x = tf.placeholder(tf.float32, [None, 5, 4])
    y = tf.layers.dense(x, 3, trainable=False)
    assert y.shape.as_list() == [None, 5, 3]
    assert tf.trainable_variables() == []
    assert len(tf.global_variables()) == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_dense_numerics_and_glorot_kernel(backend: str) -> None:
    x = tf.placeholder(tf.float32, [None, 20])
    y = tf.layers.dense(x, 30, activation=tf.nn.relu, bias_initializer=tf.constant_initializer(0.5))
    kernel, bias = tf.global_variables()
    xv = np.random.default_rng(0).standard_normal((7, 20)).astype(np.float32)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        yv, k, b = sess.run([y, kernel, bias], {x: xv})
    limit = np.sqrt(6.0 / (20 + 30))
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.5 * limit
    np.testing.assert_array_equal(b, np.full(30, 0.5, np.float32))
    np.testing.assert_allclose(yv, np.maximum(xv @ k + b, 0), rtol=1e-5, atol=1e-5)


def test_dense_unknown_last_dimension_is_a_shape_error() -> None:
    x = tf.placeholder(tf.float32, [None, None])
    with pytest.raises(tf.ShapeError, match="last dimension"):
        tf.layers.dense(x, 3)


# --- conv2d, pooling, flatten -------------------------------------------------------------------------------


def test_cnn_variable_names_shapes_and_parameter_count() -> None:
    _needs("nn.conv2d", "nn.max_pool", "reshape")
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    logits = cnn_logits(x)
    assert logits.shape.as_list() == [None, 10]
    assert _names() == [
        "conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias", "conv2d_2/kernel", "conv2d_2/bias",
        "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
    ]  # fmt: skip
    shapes = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
    assert shapes["conv2d/kernel"] == [3, 3, 1, 32]
    assert shapes["conv2d_1/kernel"] == [3, 3, 32, 64]
    assert shapes["dense/kernel"] == [576, 64]
    assert _n_params(tf.trainable_variables()) == 93_322


def test_conv_pool_flatten_shapes() -> None:
    _needs("nn.conv2d", "nn.max_pool", "nn.avg_pool", "reshape")
    x = tf.placeholder(tf.float32, [None, 28, 28, 3])
    assert tf.layers.conv2d(x, 8, 3).shape.as_list() == [None, 26, 26, 8]
    assert tf.layers.conv2d(x, 8, (5, 3), padding="same").shape.as_list() == [None, 28, 28, 8]
    assert tf.layers.conv2d(x, 8, 3, strides=2).shape.as_list() == [None, 13, 13, 8]
    assert tf.layers.max_pooling2d(x, 2, 2).shape.as_list() == [None, 14, 14, 3]
    assert tf.layers.average_pooling2d(x, 3, 2, padding="same").shape.as_list() == [None, 14, 14, 3]
    assert tf.layers.flatten(x).shape.as_list() == [None, 28 * 28 * 3]
    assert "conv2d_2/kernel" in _names()
    assert tf.layers.conv2d(x, 4, 1, use_bias=False, name="pointwise").shape.as_list() == [None, 28, 28, 4]
    assert _names()[-1] == "pointwise/kernel"


@pytest.mark.parametrize("backend", BACKENDS)
def test_conv2d_layer_matches_nn_conv2d_plus_bias(backend: str) -> None:
    _needs("nn.conv2d", "nn.max_pool")
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    y = tf.layers.conv2d(x, 3, 3, activation=tf.nn.relu, bias_initializer=tf.constant_initializer(0.1))
    kernel, _ = tf.global_variables()
    ref = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=[1, 1, 1, 1], padding="VALID") + 0.1)
    pooled = tf.layers.max_pooling2d(y, 2, 2)
    ref_pooled = tf.nn.max_pool(ref, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    a, b, c, d = _run(backend, [y, ref, pooled, ref_pooled], {x: xv})
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, d, rtol=1e-5, atol=1e-6)
    assert c.shape == (2, 2, 2, 3)


# --- dropout ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_dropout_bool_and_tensor_training(backend: str) -> None:
    _needs("nn.dropout", "ones_like")
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 1000])
    training = tf.placeholder(tf.bool, [])
    off = tf.layers.dropout(x, rate=0.25, training=False)
    on = tf.layers.dropout(x, rate=0.25, training=True)
    switched = tf.layers.dropout(x, rate=0.25, training=training)
    xv = np.ones((4, 1000), np.float32)
    with tf.Session(backend=backend) as sess:
        a, b = sess.run([off, on], {x: xv})
        s_off = sess.run(switched, {x: xv, training: False})
        s_on = sess.run(switched, {x: xv, training: True})
    np.testing.assert_array_equal(a, xv)
    np.testing.assert_array_equal(s_off, xv)
    for d in (b, s_on):
        kept = d != 0
        assert 0.7 < kept.mean() < 0.8
        np.testing.assert_allclose(d[kept], 1 / 0.75, rtol=1e-6)


def test_dropout_gradient_flows_through_the_mask() -> None:
    _needs("nn.dropout", "ones_like")
    x = tf.placeholder(tf.float32, [None, 50])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.dropout(x, rate=0.5, training=training, seed=1)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    xv = np.ones((2, 50), np.float32)
    with tf.Session(backend="interpreter") as sess:
        yv, gv = sess.run([y, g], {x: xv, training: True})
        g_off = sess.run(g, {x: xv, training: False})
    np.testing.assert_allclose(gv, yv, rtol=1e-6)  # d(sum x*mask)/dx = mask = y for x = 1
    np.testing.assert_array_equal(g_off, np.ones_like(xv))


# --- batch normalization ----------------------------------------------------------------------------------


def test_batch_normalization_variables_and_update_ops() -> None:
    x = tf.placeholder(tf.float32, [None, 5])
    tf.layers.batch_normalization(x, training=True)
    tf.layers.batch_normalization(x)
    assert _names() == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance",
        "batch_normalization_1/gamma", "batch_normalization_1/beta",
        "batch_normalization_1/moving_mean", "batch_normalization_1/moving_variance",
    ]  # fmt: skip
    assert _names("trainable_variables") == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization_1/gamma", "batch_normalization_1/beta",
    ]  # fmt: skip
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2  # only the training one updates


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_normalization_training_inference_and_moving_averages(backend: str) -> None:
    rng = np.random.default_rng(0)
    xv = (rng.standard_normal((64, 3)) * [1.0, 2.0, 3.0] + [1.0, -2.0, 5.0]).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    training = tf.placeholder(tf.bool, [])
    y_train = tf.layers.batch_normalization(x, training=True, momentum=0.9, name="bn")
    y_infer = tf.layers.batch_normalization(x, training=False, name="bn", reuse=True)
    y_switch = tf.layers.batch_normalization(x, training=training, momentum=0.9, name="bn", reuse=True)
    mm, mv = tf.global_variables()[2:]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 4
    mean, var = xv.mean(0), xv.var(0)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        yt, yi = sess.run([y_train, y_infer], {x: xv})
        np.testing.assert_allclose(yt, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(yi, xv / np.sqrt(1 + 1e-3), rtol=1e-5, atol=1e-5)
        sess.run(updates[:2], {x: xv})
        np.testing.assert_allclose(sess.run(mm), 0.1 * mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(sess.run(mv), 0.9 + 0.1 * var, rtol=1e-4, atol=1e-5)
        # the switched form: no update when training is False, same numbers as the fixed forms
        before = sess.run([mm, mv])
        ys_off = sess.run(y_switch, {x: xv, training: False})
        sess.run(updates[2:], {x: xv, training: False})
        after = sess.run([mm, mv])
        np.testing.assert_allclose(after[0], before[0], rtol=1e-6)
        np.testing.assert_allclose(after[1], before[1], rtol=1e-6)
        expect_off = (xv - before[0]) / np.sqrt(before[1] + 1e-3)
        np.testing.assert_allclose(ys_off, expect_off, rtol=1e-4, atol=1e-4)
        ys_on = sess.run(y_switch, {x: xv, training: True})
        np.testing.assert_allclose(ys_on, yt, rtol=1e-4, atol=1e-4)


def test_batch_normalization_trains_with_update_ops() -> None:
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((32, 4)).astype(np.float32) * 3 + 2
    yv = (xv.sum(1, keepdims=True) > 8).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    h = tf.layers.batch_normalization(tf.layers.dense(x, 8), training=True)
    logits = tf.layers.dense(tf.nn.relu(h), 1)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    mm = next(v for v in tf.global_variables() if v.op.name.endswith("moving_mean"))
    with tf.Session(backend="xla") as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xv, y: yv})
        for _ in range(50):
            sess.run(train, {x: xv, y: yv})
        last = sess.run(loss, {x: xv, y: yv})
        assert np.abs(sess.run(mm)).sum() > 0
    assert last < first


def test_batch_normalization_channels_first_axis() -> None:
    _needs("reshape")
    x = tf.placeholder(tf.float32, [None, 3, 4, 4])
    y = tf.layers.batch_normalization(x, axis=1, training=True)
    assert [v.shape.as_list() for v in tf.global_variables()] == [[3]] * 4
    xv = np.random.default_rng(0).standard_normal((5, 3, 4, 4)).astype(np.float32) * 2 + 1
    yv = _run("interpreter", y, {x: xv})
    np.testing.assert_allclose(yv.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(yv.var(axis=(0, 2, 3)), 1, atol=1e-2)
