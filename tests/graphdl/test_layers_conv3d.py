"""tf.layers.conv3d, max_pooling3d and average_pooling3d: values against a NumPy loop over the kernel,
channels first as channels last transposed, TF1's variable names, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf


def _np_conv3d_valid(
    x: np.ndarray, k: np.ndarray, b: np.ndarray, strides: tuple[int, int, int]
) -> np.ndarray:
    kd, kh, kw, _, f = k.shape
    sd, sh, sw = strides
    n, d, h, w, _ = x.shape
    od, oh, ow = (d - kd) // sd + 1, (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, od, oh, ow, f), np.float64)
    for i in range(kd):
        for j in range(kh):
            for m in range(kw):
                patch = x[:, i : i + sd * od : sd, j : j + sh * oh : sh, m : m + sw * ow : sw, :]
                out += patch @ k[i, j, m]
    return out + b


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
def test_conv3d_and_pooling3d(backend):
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((2, 5, 6, 7, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 5, 6, 7, 3])
        y = tf.layers.conv3d(
            x, 4, (2, 3, 2), strides=(1, 2, 1), bias_initializer=tf.constant_initializer(0.5)
        )
        x_first = tf.transpose(x, [0, 4, 1, 2, 3])
        conv_first = tf.layers.Conv3D(4, (2, 3, 2), strides=(1, 2, 1), data_format="channels_first")
        y_first = conv_first(x_first)
        pooled = tf.layers.max_pooling3d(y, 2, 1)
        pooled_first = tf.layers.average_pooling3d(
            y_first, (1, 2, 2), (1, 1, 2), data_format="channels_first"
        )
        assert [v.op.name for v in tf.global_variables()] == [
            "conv3d/kernel", "conv3d/bias", "conv3d_1/kernel", "conv3d_1/bias",
        ]  # fmt: skip
        copy = tf.assign(conv_first.kernel, tf.global_variables()[0])  # the same kernel for both layouts
        loss = tf.reduce_sum(tf.square(pooled))
        grads = tf.gradients(loss, [tf.global_variables()[0], x])
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(copy)
            k, yv, yf, pv, pf, gk, gx = sess.run(
                [tf.global_variables()[0], y, y_first, pooled, pooled_first, *grads], {x: xv}
            )
    want = _np_conv3d_valid(xv.astype(np.float64), k.astype(np.float64), np.full(4, 0.5), (1, 2, 1))
    np.testing.assert_allclose(yv, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.transpose(yf, [0, 2, 3, 4, 1]), want - 0.5, rtol=1e-5, atol=1e-5)
    windows = np.lib.stride_tricks.sliding_window_view(yv, (2, 2, 2), axis=(1, 2, 3))
    np.testing.assert_allclose(pv, windows.max(axis=(-3, -2, -1)), rtol=1e-6)
    yf_last = np.transpose(yf, [0, 2, 3, 4, 1])
    avg = np.lib.stride_tricks.sliding_window_view(yf_last, (1, 2, 2), axis=(1, 2, 3))[:, :, :, ::2]
    np.testing.assert_allclose(
        np.transpose(pf, [0, 2, 3, 4, 1]), avg.mean(axis=(-3, -2, -1)), rtol=1e-5, atol=1e-6
    )
    assert gk.shape == (2, 3, 2, 3, 4) and gx.shape == xv.shape and np.abs(gk).sum() > 0


def test_conv3d_needs_5d_inputs_with_known_channels():
    where = r"\[batch, depth, height, width, channels\]"
    with tf.Graph().as_default(), pytest.raises(tf.errors.ShapeError, match=where):
        tf.layers.conv3d(tf.placeholder(tf.float32, [2, 5, 6, 3]), 4, 3)
