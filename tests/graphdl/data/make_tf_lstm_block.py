"""Regenerates tf_lstm_block.json with TensorFlow (not a test; graphdl's tests only read the JSON).

Run with TensorFlow installed in a separate environment (2.21.0 made the committed file):
    python tests/graphdl/data/make_tf_lstm_block.py  (writes tf_lstm_block.json beside itself)
TF 2.21 has no tf.contrib, so this runs the fused kernel behind TF1's `tf.contrib.rnn.LSTMBlockCell`
(`tf.raw_ops.LSTMBlockCell`) on fixed weights for three steps, with and without peepholes and a
cell clip, and stores the weights, the inputs and every step's (c, h).
"""

# ruff: noqa
import json, os
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(11)
B, D, N, T = 3, 4, 5, 3
cases = []
for peep, clip in ((False, -1.0), (True, 0.6)):
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    w = (rng.standard_normal((D + N, 4 * N)) * 0.5).astype(np.float32)
    b = (rng.standard_normal(4 * N) * 0.1).astype(np.float32)
    wci, wcf, wco = [(rng.standard_normal(N) * 0.3).astype(np.float32) for _ in range(3)]
    c = np.zeros((B, N), np.float32)
    h = np.zeros((B, N), np.float32)
    steps = []
    for t in range(T):
        out = tf.raw_ops.LSTMBlockCell(
            x=x[t],
            cs_prev=c,
            h_prev=h,
            w=w,
            wci=wci,
            wcf=wcf,
            wco=wco,
            b=b,
            forget_bias=1.0,
            cell_clip=clip,
            use_peephole=peep,
        )
        c, h = out.cs.numpy(), out.h.numpy()
        steps.append({"c": c.tolist(), "h": h.tolist()})
    cases.append(
        {
            "use_peephole": peep,
            "cell_clip": None if clip < 0 else clip,
            "x": x.tolist(),
            "kernel": w.tolist(),
            "bias": b.tolist(),
            "w_i_diag": wci.tolist(),
            "w_f_diag": wcf.tolist(),
            "w_o_diag": wco.tolist(),
            "steps": steps,
        }
    )
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_lstm_block.json"), "w") as f:
    json.dump({"tf_version": tf.__version__, "cases": cases}, f)
