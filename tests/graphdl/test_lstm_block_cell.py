"""tf.contrib.rnn.LSTMBlockCell against TF's fused LSTMBlockCell kernel (tf_lstm_block.json)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import graphdl as tf

with open(os.path.join(os.path.dirname(__file__), "data", "tf_lstm_block.json")) as _f:
    CASES = json.load(_f)["cases"]


@pytest.mark.parametrize("backend", ["xla", "interpreter"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"peephole={c['use_peephole']}")
def test_lstm_block_cell_matches_tf_kernel(case, backend):
    x = np.asarray(case["x"], np.float32)
    steps, batch, depth = x.shape
    n = len(case["bias"]) // 4
    g = tf.Graph()
    with g.as_default():
        cell = tf.contrib.rnn.LSTMBlockCell(n, cell_clip=case["cell_clip"], use_peephole=case["use_peephole"])
        inputs = [tf.placeholder(tf.float32, [batch, depth]) for _ in range(steps)]
        outputs, state = tf.nn.static_rnn(cell, inputs, dtype=tf.float32)
        names = {v.op.name: v for v in tf.global_variables()}
        expected = {"rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"}
        if case["use_peephole"]:
            expected |= {f"rnn/lstm_cell/{k}" for k in ("w_i_diag", "w_f_diag", "w_o_diag")}
        assert set(names) == expected
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            for name, var in names.items():
                var.load(np.asarray(case[name.rsplit("/", 1)[1]], np.float32), sess)
            hs, (c, h) = sess.run([outputs, state], dict(zip(inputs, x, strict=True)))
    for t, want in enumerate(case["steps"]):
        np.testing.assert_allclose(hs[t], want["h"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, case["steps"][-1]["c"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, case["steps"][-1]["h"], rtol=1e-5, atol=1e-6)
    if case["cell_clip"] is not None:
        assert np.isclose(np.abs(c).max(), case["cell_clip"])  # the clip is active in this case
