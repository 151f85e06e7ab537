"""tf.orthogonal_initializer: orthonormal columns (or rows when wider than tall) times gain, the same
matrix on both backends for the same seed, and TF1's shape rule."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf


def _values(backend: str) -> dict[str, np.ndarray]:
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(7)
        tall = tf.get_variable("tall", [3, 4, 5], initializer=tf.orthogonal_initializer(gain=2.0))
        wide = tf.get_variable("wide", [3, 8], initializer=tf.initializers.orthogonal())
        square = tf.get_variable("square", [6, 6], dtype=tf.float64, initializer=tf.orthogonal_initializer())
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            return dict(zip(["tall", "wide", "square"], sess.run([tall, wide, square]), strict=True))


def test_orthogonal_initializer():
    xla, interp = _values("xla"), _values("interpreter")
    for got in (xla, interp):
        tall = got["tall"].reshape(12, 5)  # [prod(shape[:-1]), shape[-1]]: orthogonal columns
        np.testing.assert_allclose(tall.T @ tall, 4.0 * np.eye(5), atol=1e-5)
        np.testing.assert_allclose(got["wide"] @ got["wide"].T, np.eye(3), atol=1e-6)  # wider: rows
        assert got["square"].dtype == np.float64
        np.testing.assert_allclose(got["square"] @ got["square"].T, np.eye(6), atol=1e-12)
    for key in xla:  # the same normal draws and R's signs fixed: the same matrices
        np.testing.assert_allclose(xla[key], interp[key], atol=1e-5)
    assert not np.allclose(xla["tall"][0], xla["tall"][1])


def test_orthogonal_initializer_needs_a_matrix():
    g = tf.Graph()
    with g.as_default(), pytest.raises(tf.errors.ShapeError, match="two dimensions or more"):
        tf.get_variable("v", [4], initializer=tf.orthogonal_initializer())
