"""tf.contrib.layers.batch_norm: contrib's defaults, names and update collections; its numbers against
TF 2.21 running TF 1.15's contrib computation (tf_contrib_batch_norm.json), on both backends."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_contrib_batch_norm.json")) as _f:
    TF = json.load(_f)


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
@pytest.mark.parametrize("forced", [False, True], ids=["update_ops", "updates_collections_none"])
@pytest.mark.parametrize("case", TF["cases"], ids=lambda c: f"decay{c['decay']}")
def test_batch_norm_matches_tf1_contrib(case, forced, backend):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        training = tf.placeholder(tf.bool, [])
        kwargs = {} if case["decay"] == 0.999 else {"decay": case["decay"]}  # 0.999 is contrib's default
        gamma_init = {"gamma": tf.constant_initializer(np.linspace(0.5, 2.0, 4))}
        y = tf.contrib.layers.batch_norm(
            x, scale=case["scale"], is_training=training, param_initializers=gamma_init,
            updates_collections=None if forced else tf.GraphKeys.UPDATE_OPS, **kwargs,
        )  # fmt: skip
        assert [v.name for v in tf.global_variables()] == case["variables"]
        assert {v.name for v in tf.model_variables()} == set(case["variables"])
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        assert len(updates) == (0 if forced else 2)
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            outs = [sess.run([y, updates], {x: b, training: True})[0] for b in TF["batches"]]
            mm, mv = sess.run(tf.global_variables()[-2:])
            infer = sess.run(y, {x: TF["test"], training: False})
    np.testing.assert_allclose(np.stack(outs), case["train_outputs"], rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(mm, case["moving_mean"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(mv, case["moving_variance"], rtol=1e-5)
    np.testing.assert_allclose(infer, case["inference"], rtol=2e-5, atol=2e-6)


def test_batch_norm_scopes_collections_and_refusals():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        tf.contrib.layers.batch_norm(x)
        y = tf.contrib.layers.batch_norm(
            x, scope="bn", updates_collections="my_updates", variables_collections={"beta": ["betas"]},
            outputs_collections=["outs"], activation_fn=tf.nn.relu,
        )  # fmt: skip
        assert [v.op.name for v in tf.global_variables()][:4] == [
            "BatchNorm/beta", "BatchNorm/moving_mean", "BatchNorm/moving_variance", "bn/beta",
        ]  # fmt: skip
        assert (
            len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2 and len(tf.get_collection("my_updates")) == 2
        )
        assert [v.op.name for v in tf.get_collection("betas")] == ["bn/beta"]
        assert tf.get_collection("outs") == [y] and y.op.type == "Relu"
        with pytest.raises(tf.errors.GraphError, match="zero_debias_moving_mean is not supported"):
            tf.contrib.layers.batch_norm(x, zero_debias_moving_mean=True)
