"""tf.image: resize_bilinear / resize_nearest_neighbor / resize_images with TF1's coordinate
conventions on hand-checked cases (2x2 -> 3x3 and 4x4, with and without align_corners, and
half_pixel_centers), dtypes (uint8 in, float32 out for bilinear), gradients (the adjoint identity,
duplicates in nearest), flips and per_image_standardization, on both backends."""

from __future__ import annotations

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import GraphError, ShapeError

IMG = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32).reshape(1, 2, 2, 1)
T = 1.0 / 3.0


def run_both(fetches, feeds=None):
    out = []
    for backend in ("interpreter", "xla"):
        with gd.Session(backend=backend) as sess:
            out.append(sess.run(fetches, feeds))
    return out


BILINEAR = [
    # (size, align_corners, half_pixel_centers, expected 2-D output) worked out by hand from TF1's kernel
    ((3, 3), False, False, [[0, 2 * T, 1], [4 * T, 2, 7 * T], [2, 8 * T, 3]]),
    ((3, 3), True, False, [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]),
    ((4, 4), False, False, [[0, 0.5, 1, 1], [1, 1.5, 2, 2], [2, 2.5, 3, 3], [2, 2.5, 3, 3]]),
    ((4, 4), True, False, [[c + 2 * r * T for c in (0, T, 2 * T, 1)] for r in range(4)]),
    ((4, 4), False, True, [[c + 2 * r for c in (0, 0.25, 0.75, 1)] for r in (0, 0.25, 0.75, 1)]),
    ((1, 3), False, False, [[0, 2 * T, 1]]),
]

NEAREST = [
    ((3, 3), False, False, [[0, 0, 1], [0, 0, 1], [2, 2, 3]]),
    ((3, 3), True, False, [[0, 1, 1], [2, 3, 3], [2, 3, 3]]),
    ((4, 4), False, False, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]),
    ((4, 4), True, False, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]),
    ((4, 4), False, True, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]),
    ((1, 1), False, False, [[0]]),
    ((1, 1), True, False, [[0]]),
]


@pytest.mark.parametrize(("size", "align", "half", "want"), BILINEAR)
def test_bilinear_hand_checked(size, align, half, want):
    with gd.Graph().as_default():
        y = gd.image.resize_bilinear(gd.constant(IMG), size, align_corners=align, half_pixel_centers=half)
        assert y.shape.as_list() == [1, *size, 1] and y.dtype == gd.float32
        for got in run_both(y):
            np.testing.assert_allclose(got[0, :, :, 0], want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("size", "align", "half", "want"), NEAREST)
def test_nearest_hand_checked(size, align, half, want):
    with gd.Graph().as_default():
        y = gd.image.resize_nearest_neighbor(
            gd.constant(IMG), size, align_corners=align, half_pixel_centers=half
        )
        for got in run_both(y):
            np.testing.assert_array_equal(got[0, :, :, 0], want)


def test_downscale_and_uint8():
    img = np.arange(2 * 5 * 6 * 3).reshape(2, 5, 6, 3) % 251
    u8 = img.astype(np.uint8)
    with gd.Graph().as_default():
        x = gd.placeholder(gd.uint8, [None, 5, 6, 3])
        yb = gd.image.resize_bilinear(x, [2, 4])
        yn = gd.image.resize_nearest_neighbor(x, [2, 4])
        assert yb.dtype == gd.float32 and yn.dtype == gd.uint8
        # legacy mapping: rows 0, 2.5 -> (2, 3, .5); cols 0, 1.5, 3, 4.5
        f = img.astype(np.float64)
        cols = [(0, 0, 0.0), (1, 2, 0.5), (3, 3, 0.0), (4, 5, 0.5)]
        rows = [(0, 0, 0.0), (2, 3, 0.5)]
        want = np.zeros((2, 2, 4, 3))
        for i, (r0, r1, ly) in enumerate(rows):
            for j, (c0, c1, lx) in enumerate(cols):
                top = f[:, r0, c0] + (f[:, r0, c1] - f[:, r0, c0]) * lx
                bot = f[:, r1, c0] + (f[:, r1, c1] - f[:, r1, c0]) * lx
                want[:, i, j] = top + (bot - top) * ly
        for b, n in run_both([yb, yn], {x: u8}):
            assert b.dtype == np.float32 and n.dtype == np.uint8
            np.testing.assert_allclose(b, want, rtol=1e-6)
            np.testing.assert_array_equal(n, u8[:, [0, 2]][:, :, [0, 1, 3, 4]])


def test_resize_images_methods_and_ranks():
    img3 = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    with gd.Graph().as_default():
        x = gd.constant(img3)
        a = gd.image.resize_images(x, [4, 6])
        b = gd.image.resize_images(
            x, [3, 3], method=gd.image.ResizeMethod.NEAREST_NEIGHBOR, align_corners=True
        )
        same = gd.image.resize_images(gd.constant(img3.astype(np.uint8)), [2, 2])
        assert a.shape.as_list() == [4, 6, 3] and b.shape.as_list() == [3, 3, 3]
        assert same.dtype == gd.uint8  # TF1 returns the images untouched when the size does not change
        ref = gd.image.resize_bilinear(gd.constant(img3[None]), [4, 6])
        for av, bv, sv, rv in run_both([a, b, same, ref]):
            np.testing.assert_array_equal(av, rv[0])
            np.testing.assert_array_equal(bv, img3[[0, 1, 1]][:, [0, 1, 1]])
            np.testing.assert_array_equal(sv, img3.astype(np.uint8))
        assert gd.image.ResizeMethod.BILINEAR == 0 and gd.image.ResizeMethod.AREA == 3
        with pytest.raises(GraphError, match=r"resize_images .*not supported"):
            gd.image.resize_images(x, [4, 4], method=gd.image.ResizeMethod.BICUBIC)
        with pytest.raises(ShapeError, match=r"resize_bilinear .*positive"):
            gd.image.resize_bilinear(gd.constant(img3[None]), [0, 2])
        with pytest.raises(ShapeError, match="align_corners must be False"):
            gd.image.resize_bilinear(
                gd.constant(img3[None]), [3, 3], align_corners=True, half_pixel_centers=True
            )
        with pytest.raises(ShapeError, match="4-D"):
            gd.image.resize_bilinear(x, [3, 3])


@pytest.mark.parametrize("nearest", [False, True])
@pytest.mark.parametrize(("align", "half"), [(False, False), (True, False), (False, True)])
def test_gradient_is_the_adjoint(nearest, align, half):
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((2, 3, 5, 2)).astype(np.float32)
    gv = rng.standard_normal((2, 7, 4, 2)).astype(np.float32)
    fn = gd.image.resize_nearest_neighbor if nearest else gd.image.resize_bilinear
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float32, [2, 3, 5, 2])
        y = fn(x, [7, 4], align_corners=align, half_pixel_centers=half)
        (gx,) = gd.gradients(gd.reduce_sum(y * gv), [x])
        for yv, gxv in run_both([y, gx], {x: xv}):
            # <resize(x), g> == <x, resize^T(g)>, and the map is linear: resize^T(g) does not depend on x
            np.testing.assert_allclose(np.sum(yv * gv), np.sum(xv * gxv), rtol=1e-5)
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float32, [2, 3, 5, 2])
        y = fn(x, [7, 4], align_corners=align, half_pixel_centers=half)
        (gx2,) = gd.gradients(gd.reduce_sum(y * gv), [x])
        for (g2,) in run_both([gx2], {x: xv * 2 + 1}):
            np.testing.assert_allclose(g2, gxv, rtol=1e-6, atol=1e-6)


def test_nearest_gradient_sums_duplicates():
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float32, [1, 2, 2, 1])
        y = gd.image.resize_nearest_neighbor(x, [4, 4])
        (gx,) = gd.gradients(gd.reduce_sum(y), [x])
        for (g,) in run_both([gx], {x: IMG}):
            np.testing.assert_array_equal(g[0, :, :, 0], [[4, 4], [4, 4]])
        y3 = gd.image.resize_nearest_neighbor(x, [3, 3])
        (g3,) = gd.gradients(gd.reduce_sum(y3), [x])
        for (g,) in run_both([g3], {x: IMG}):
            np.testing.assert_array_equal(g[0, :, :, 0], [[4, 2], [2, 1]])


def test_flips():
    img = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    with gd.Graph().as_default():
        fl = gd.image.flip_left_right(gd.constant(img[0]))
        fu = gd.image.flip_up_down(gd.constant(img[0]))
        fl4 = gd.image.flip_left_right(gd.constant(img))
        fu4 = gd.image.flip_up_down(gd.constant(img))
        for a, b, c, d in run_both([fl, fu, fl4, fu4]):
            np.testing.assert_array_equal(a, img[0, :, ::-1])
            np.testing.assert_array_equal(b, img[0, ::-1])
            np.testing.assert_array_equal(c, img[:, :, ::-1])
            np.testing.assert_array_equal(d, img[:, ::-1])
        with pytest.raises(ShapeError, match=r"flip_left_right .*3 or 4"):
            gd.image.flip_left_right(gd.constant([1.0, 2.0]))


def np_standardize(x):
    x = x.astype(np.float64)
    n = x[0].size if x.ndim == 4 else x.size
    axes = (-3, -2, -1)
    mean = x.mean(axis=axes, keepdims=True)
    std = np.maximum(x.std(axis=axes, keepdims=True), 1.0 / np.sqrt(n))
    return (x - mean) / std


def test_per_image_standardization():
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((2, 4, 3, 2)).astype(np.float32) * 3 + 1
    const = np.full((2, 2, 1), 7, np.uint8)
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float32, [None, 4, 3, 2])
        y = gd.image.per_image_standardization(x)
        y3 = gd.image.per_image_standardization(x[0])
        c = gd.image.per_image_standardization(gd.constant(const))
        assert c.dtype == gd.float32
        w = rng.standard_normal((2, 4, 3, 2)).astype(np.float32)
        (gx,) = gd.gradients(gd.reduce_sum(y * w), [x])
        res = run_both([y, y3, c, gx], {x: xv})

    def f(v):
        m = jnp.mean(v, axis=(-3, -2, -1), keepdims=True)
        var = jnp.mean(v * v, axis=(-3, -2, -1), keepdims=True) - m * m
        s = jnp.maximum(jnp.sqrt(jnp.maximum(var, 0)), 1.0 / np.sqrt(24.0))
        return jnp.sum((v - m) / s * w)

    jg = jax.grad(f)(xv)
    for a, b, cv, g in res:
        np.testing.assert_allclose(a, np_standardize(xv), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b, np_standardize(xv[0]), rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(cv, np.zeros((2, 2, 1)))  # stddev 0: divided by 1/sqrt(N), not 0
        np.testing.assert_allclose(g, jg, rtol=1e-3, atol=1e-4)


def test_crop_and_pad_match_tf1() -> None:
    """resize_image_with_crop_or_pad, central_crop, crop_ and pad_to_bounding_box against TF 2.21's
    tf.compat.v1 (tests/graphdl/data/make_tf_image_crop.py), on both backends, with the gradient of
    crop-or-pad: ones where an input pixel lands in the output."""
    path = os.path.join(os.path.dirname(__file__), "data", "tf_image_crop.json")
    with open(path) as f:
        cases = json.load(f)
    for case in cases:
        image = np.array(case["image"], np.float32)
        x = gd.placeholder(gd.float32, image.shape)
        out = getattr(gd.image, case["op"])(x, *case["args"])
        (grad,) = gd.gradients(gd.reduce_sum(out), [x])
        for got, g in run_both([out, grad], {x: image}):
            np.testing.assert_array_equal(got, np.array(case["out"], np.float32), err_msg=case["op"])
            # each output pixel is one input pixel or padding: the gradient counts where inputs went
            assert g.sum() == np.count_nonzero(np.isin(image, np.array(case["out"])))
    with pytest.raises(ShapeError, match="does not fit"):
        gd.image.crop_to_bounding_box(gd.zeros([4, 4, 1]), 2, 2, 3, 3)
    with pytest.raises(ShapeError, match="known when the graph is built"):
        gd.image.resize_image_with_crop_or_pad(gd.placeholder(gd.float32, [None, 4, 1]), 2, 2)
    with pytest.raises(ShapeError, match="central_fraction"):
        gd.image.central_crop(gd.zeros([4, 4, 1]), 0.0)
