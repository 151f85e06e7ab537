"""cosine_decay_restarts, linear_cosine_decay, noisy_linear_cosine_decay and tf.image's
convert_image_dtype, rgb_to_grayscale, grayscale_to_rgb and rot90 against TF 2.21's tf.compat.v1
(tf_schedules_images.json), on both backends."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_schedules_images.json")) as _f:
    TF = json.load(_f)

BACKENDS = ["xla", "interpreter"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("key", sorted(TF["schedules"]))
def test_schedule_matches_tf1(key, backend):
    case = TF["schedules"][key]
    g = tf.Graph()
    with g.as_default():
        step = tf.placeholder(tf.int64, [])
        lr = getattr(tf.train, case["fn"])(global_step=step, **case["kwargs"])
        with tf.Session(backend=backend) as sess:
            got = [float(sess.run(lr, {step: s})) for s in TF["steps"]]
    # lr * factor, factor in [0, 1] computed in float32: one float32 ulp of the learning rate apart
    lr0 = case["kwargs"]["learning_rate"]
    np.testing.assert_allclose(got, case["values"], rtol=1e-6, atol=lr0 * np.finfo(np.float32).eps)


def test_noisy_schedule_is_noisy_around_the_linear_cosine():
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(3)
        step = tf.placeholder(tf.int64, [])
        noisy = tf.train.noisy_linear_cosine_decay(0.1, step, 30, initial_variance=1.0)
        plain = tf.train.linear_cosine_decay(0.1, step, 30)
        with tf.Session() as sess:
            diffs = np.array([np.subtract(*sess.run([noisy, plain], {step: 3})) for _ in range(200)])
    # lr * noise * cosine(3/30): the noise has variance 1 / 4 ** 0.55 at step 3
    cosine = 0.5 * (1 + np.cos(np.pi * 2 * 0.5 * 3 / 30))
    scale = 0.1 * cosine * np.sqrt(1.0 / 4**0.55)
    assert abs(diffs.mean()) < 4 * scale / np.sqrt(200)
    assert 0.8 * scale < diffs.std() < 1.2 * scale


def _image_ops(ti):
    cases = {
        "u8_to_f32": tf.image.convert_image_dtype(ti["u8"], tf.float32),
        "f32_to_u8": tf.image.convert_image_dtype(ti["f32"], tf.uint8),
        "f32_out_to_u8_saturate": tf.image.convert_image_dtype(ti["f32_out"], tf.uint8, saturate=True),
        "u8_to_i32": tf.image.convert_image_dtype(ti["u8"], tf.int32),
        "i16_to_u8": tf.image.convert_image_dtype(ti["i16"], tf.uint8),
        "f32_to_f64": tf.image.convert_image_dtype(ti["f32"], tf.float64),
        "gray_u8": tf.image.rgb_to_grayscale(ti["u8"]),
        "gray_f32": tf.image.rgb_to_grayscale(ti["f32"]),
        "to_rgb": tf.image.grayscale_to_rgb(ti["gray"]),
    }
    cases.update({f"rot90_k{k}_batch": tf.image.rot90(ti["u8"], k) for k in range(-1, 5)})
    cases.update({f"rot90_k{k}": tf.image.rot90(ti["f32"], k) for k in range(4)})
    return cases


@pytest.mark.parametrize("backend", BACKENDS)
def test_image_ops_match_tf1(backend):
    dtypes = {"u8": np.uint8, "f32": np.float32, "f32_out": np.float32, "i16": np.int16, "gray": np.float32}
    g = tf.Graph()
    with g.as_default():
        ti = {k: tf.constant(np.asarray(v, dtypes[k])) for k, v in TF["images"]["inputs"].items()}
        cases = _image_ops(ti)
        assert set(cases) == set(TF["images"]["outputs"])
        with tf.Session(backend=backend) as sess:
            got = sess.run(cases)
    for key, want in TF["images"]["outputs"].items():
        assert got[key].dtype.name == want["dtype"], key
        if want["dtype"].startswith("float"):
            np.testing.assert_allclose(got[key], want["value"], rtol=1e-6, atol=1e-7, err_msg=key)
        else:
            np.testing.assert_array_equal(got[key], want["value"], err_msg=key)


def test_image_op_errors():
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(tf.errors.ShapeError, match="rot90"):
            tf.image.rot90(tf.zeros([4, 4]))
        with pytest.raises(tf.errors.DTypeError, match="Python int"):
            tf.image.rot90(tf.zeros([4, 4, 1]), tf.constant(1))
        with pytest.raises(tf.errors.ShapeError, match="last dimension of 1"):
            tf.image.grayscale_to_rgb(tf.zeros([4, 4, 3]))
        with pytest.raises(tf.errors.DTypeError, match="convert_image_dtype"):
            tf.image.convert_image_dtype(tf.zeros([2, 2, 3]), tf.bool)
