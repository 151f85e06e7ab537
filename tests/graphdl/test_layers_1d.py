"""tf.layers.conv1d, max_pooling1d and average_pooling1d: TF1's variables and values (against NumPy
loops), channels first like channels last on transposed data, both backends, and training."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import ShapeError

BACKENDS = ["interpreter", "xla"]
RNG = np.random.default_rng(11)


def conv1d_ref(x: np.ndarray, k: np.ndarray, stride: int, same: bool) -> np.ndarray:
    """NWC cross-correlation of x [n, w, c] with k [kw, c, f], as TF1 pads SAME (extra on the right)."""
    w = x.shape[1]
    kw = k.shape[0]
    if same:
        out_w = -(-w // stride)
        pad = max((out_w - 1) * stride + kw - w, 0)
        x = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)))
    else:
        out_w = (w - kw) // stride + 1
    return np.stack(
        [np.einsum("nkc,kcf->nf", x[:, i * stride : i * stride + kw], k) for i in range(out_w)], 1
    )


def pool1d_ref(x: np.ndarray, size: int, stride: int, reduce: str) -> np.ndarray:
    out_w = (x.shape[1] - size) // stride + 1
    f = np.max if reduce == "max" else np.mean
    return np.stack([f(x[:, i * stride : i * stride + size], axis=1) for i in range(out_w)], 1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("stride", "padding"), [(1, "valid"), (2, "same")])
def test_conv1d_layer_values_and_variables(backend: str, stride: int, padding: str) -> None:
    x = RNG.standard_normal((2, 9, 3)).astype(np.float32)
    k = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [None, 9, 3])
        y = tf.layers.conv1d(xp, 5, 4, strides=stride, padding=padding, activation=tf.nn.relu,
                             kernel_initializer=tf.constant_initializer(k),
                             bias_initializer=tf.constant_initializer(b))  # fmt: skip
        names = sorted((v.name, tuple(v.shape.as_list())) for v in tf.trainable_variables())
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run(y, {xp: x})
    assert names == [("conv1d/bias:0", (5,)), ("conv1d/kernel:0", (4, 3, 5))]
    want = np.maximum(conv1d_ref(x, k, stride, padding == "same") + b, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_channels_first_equals_channels_last_on_transposed_data(backend: str) -> None:
    x = RNG.standard_normal((2, 10, 4)).astype(np.float32)
    k = RNG.standard_normal((3, 4, 6)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        init = tf.constant_initializer(k)
        last = tf.layers.conv1d(tf.constant(x), 6, 3, kernel_initializer=init, bias_initializer=init_b())
        first = tf.layers.conv1d(tf.constant(x.transpose(0, 2, 1)), 6, 3, data_format="channels_first",
                                 kernel_initializer=init, bias_initializer=init_b())  # fmt: skip
        pools = [
            (tf.layers.max_pooling1d(tf.constant(x), 2, 2), tf.layers.max_pooling1d(
                tf.constant(x.transpose(0, 2, 1)), 2, 2, data_format="channels_first")),
            (tf.layers.average_pooling1d(tf.constant(x), 3, 1), tf.layers.average_pooling1d(
                tf.constant(x.transpose(0, 2, 1)), 3, 1, data_format="channels_first")),
        ]  # fmt: skip
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            a, b = sess.run([last, first])
            pooled = sess.run(pools)
    np.testing.assert_allclose(b, a.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    (mx_last, mx_first), (av_last, av_first) = pooled
    np.testing.assert_allclose(mx_last, pool1d_ref(x, 2, 2, "max"), rtol=1e-6)
    np.testing.assert_allclose(av_last, pool1d_ref(x, 3, 1, "mean"), rtol=1e-5)
    np.testing.assert_allclose(mx_first, mx_last.transpose(0, 2, 1), rtol=1e-6)
    np.testing.assert_allclose(av_first, av_last.transpose(0, 2, 1), rtol=1e-6)


def init_b() -> tf.Tensor:
    return tf.constant_initializer(np.arange(6, dtype=np.float32) / 10)


def test_text_cnn_trains_alike_on_both_backends() -> None:
    # embeddings -> conv1d -> max over time -> dense, the shape of a sentence classifier
    ids = RNG.integers(0, 50, (16, 12)).astype(np.int32)
    labels = (ids[:, :3].sum(1) % 2).astype(np.int32)
    losses = {}
    for backend in BACKENDS:
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(3)
            x = tf.placeholder(tf.int32, [None, 12])
            y = tf.placeholder(tf.int32, [None])
            emb = tf.get_variable("emb", [50, 8], initializer=tf.random_uniform_initializer(-0.5, 0.5))
            h = tf.layers.conv1d(tf.nn.embedding_lookup(emb, x), 16, 3, activation=tf.nn.relu)
            h = tf.reduce_max(tf.layers.max_pooling1d(h, 2, 1), axis=1)
            logits = tf.layers.dense(h, 2)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            step = tf.train.AdamOptimizer(0.05).minimize(loss)
            with tf.Session(graph=g, backend=backend) as sess:
                sess.run(tf.global_variables_initializer())
                losses[backend] = [sess.run([loss, step], {x: ids, y: labels})[0] for _ in range(30)]
    np.testing.assert_allclose(losses["interpreter"], losses["xla"], rtol=1e-3, atol=1e-4)
    assert losses["xla"][-1] < 0.5 * losses["xla"][0]


def test_bad_inputs_raise_graphdl_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(ShapeError, match="with known channels"):
            tf.layers.conv1d(tf.placeholder(tf.float32, [None, 5]), 2, 3)
        with pytest.raises(ValueError, match="kernel_size"):
            tf.layers.Conv1D(2, (3, 3))
        with pytest.raises(ValueError, match="data_format"):
            tf.layers.conv1d(tf.placeholder(tf.float32, [None, 5, 2]), 2, 3, data_format="NCW")
