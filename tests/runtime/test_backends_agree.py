"""Whole training runs end in the same weights on the interpreter and on XLA."""

from __future__ import annotations

import numpy as np

import graphdl as gd


def _train(backend: str, steps: int = 30) -> dict[str, np.ndarray]:
    g = gd.Graph()
    with g.as_default():
        gd.set_random_seed(7)
        x = gd.placeholder(gd.float32, [None, 12], name="x")
        y = gd.placeholder(gd.int64, [None], name="y")
        h = gd.layers.dense(x, 16, activation=gd.nn.relu, name="hidden")
        h = gd.nn.dropout(h, rate=0.3, seed=3)
        logits = gd.layers.dense(h, 4, name="logits")
        loss = gd.reduce_mean(gd.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = gd.train.AdamOptimizer(0.01).minimize(loss, global_step=gd.train.get_or_create_global_step())
        init = gd.global_variables_initializer()
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((steps, 8, 12)).astype(np.float32)
    ys = rng.integers(0, 4, (steps, 8))
    losses = []
    with gd.Session(graph=g, backend=backend) as sess:
        sess.run(init)
        for i in range(steps):
            _, lv = sess.run([train, loss], {x: xs[i], y: ys[i]})
            losses.append(lv)
        values = sess.variable_values()
    values["__losses__"] = np.array(losses)
    return values


def test_adam_mlp_with_seeded_dropout_same_weights_on_both_backends():
    a = _train("interpreter")
    b = _train("xla")
    assert a.keys() == b.keys()
    assert int(a["global_step"]) == 30 == int(b["global_step"])
    # the loss went down, so the run trained something
    assert a["__losses__"][-5:].mean() < a["__losses__"][:5].mean()
    for name in a:
        # float32 with XLA fusing multiply-adds: a few ulps apart after 30 steps (measured ~1e-7)
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)
