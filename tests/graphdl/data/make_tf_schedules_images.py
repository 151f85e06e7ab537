"""Regenerates tf_schedules_images.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_schedules_images.py  (writes tf_schedules_images.json beside itself)
tf.compat.v1's cosine_decay_restarts, linear_cosine_decay and noisy_linear_cosine_decay (variance 0) at
several steps, and tf.image's convert_image_dtype, rgb_to_grayscale, grayscale_to_rgb and rot90 on
fixed images.
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
STEPS = [0, 3, 9, 10, 11, 25, 29, 30, 31, 69, 70, 200]
SCHEDULES = {
    "restarts": ("cosine_decay_restarts", dict(learning_rate=0.1, first_decay_steps=10)),
    "restarts_t1_m05": (
        "cosine_decay_restarts",
        dict(learning_rate=0.1, first_decay_steps=10, t_mul=1.0, m_mul=0.5, alpha=0.1),
    ),
    "restarts_t3": (
        "cosine_decay_restarts",
        dict(learning_rate=0.5, first_decay_steps=4, t_mul=3.0, m_mul=0.9),
    ),
    "linear_cosine": ("linear_cosine_decay", dict(learning_rate=0.1, decay_steps=30)),
    "linear_cosine_periods": (
        "linear_cosine_decay",
        dict(learning_rate=0.2, decay_steps=40, num_periods=2.0, alpha=0.1, beta=0.01),
    ),
    "noisy_zero_variance": (
        "noisy_linear_cosine_decay",
        dict(learning_rate=0.1, decay_steps=30, initial_variance=0.0),
    ),
}
out = {"steps": STEPS, "schedules": {}, "images": {}}
g = tf1.Graph()
with g.as_default():
    step = tf1.placeholder(tf.int64, [])
    tensors = {k: getattr(tf1.train, fn)(global_step=step, **kw) for k, (fn, kw) in SCHEDULES.items()}
    with tf1.Session() as sess:
        for k, t in tensors.items():
            out["schedules"][k] = {
                "fn": SCHEDULES[k][0],
                "kwargs": SCHEDULES[k][1],
                "values": [float(sess.run(t, {step: s})) for s in STEPS],
            }

rng = np.random.default_rng(5)
u8 = rng.integers(0, 256, (2, 3, 4, 3)).astype(np.uint8)
f32 = rng.random((3, 4, 3)).astype(np.float32)
f32_out = (rng.random((3, 4, 3)) * 1.4 - 0.2).astype(np.float32)  # outside [0, 1]: saturate matters
i16 = rng.integers(0, 2**15, (4, 3)).astype(np.int16)
gray = rng.random((2, 3, 1)).astype(np.float32)
out["images"]["inputs"] = {
    "u8": u8.tolist(),
    "f32": f32.tolist(),
    "f32_out": f32_out.tolist(),
    "i16": i16.tolist(),
    "gray": gray.tolist(),
}
g = tf1.Graph()
with g.as_default():
    ti = {
        k: tf.constant(v)
        for k, v in {"u8": u8, "f32": f32, "f32_out": f32_out, "i16": i16, "gray": gray}.items()
    }
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
        **{f"rot90_k{k}_batch": tf.image.rot90(ti["u8"], k) for k in range(-1, 5)},
        **{f"rot90_k{k}": tf.image.rot90(ti["f32"], k) for k in range(4)},
    }
    with tf1.Session() as sess:
        values = sess.run(cases)
    out["images"]["outputs"] = {k: {"dtype": v.dtype.name, "value": v.tolist()} for k, v in values.items()}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_schedules_images.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, **out}, f)
