"""A tiny MLP for `graphdl compare` (the script convention of docs/compare.md)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

import graphdl as gd
from graphdl.convert import make_tensor
from graphdl.errors import GraphError
from graphdl.registry import get_op_def, register


def _skew(x: gd.Tensor) -> gd.Tensor:
    """x on the interpreter, x + 1e-3 on XLA (a test-only op, registered once)."""
    try:
        get_op_def("CompareTestSkew")
    except GraphError:
        register(
            "CompareTestSkew",
            api_name="compare_test_skew",
            infer=lambda inputs, attrs: [inputs[0]],
            evaluate=lambda inputs, attrs, ctx: inputs[0],
            lower=lambda inputs, attrs, ctx: inputs[0] + 1e-3,
            differentiable=False,
        )
    return make_tensor("CompareTestSkew", [x], {}, "skew")


def build() -> dict[str, Any]:
    """A 3-4-2 tanh/sigmoid MLP, its loss and one update; $COMPARE_BREAK adds a wrong fetch."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 3], name="x")
        rng = np.random.default_rng(0)
        w1 = gd.Variable(rng.standard_normal((3, 4)).astype(np.float32), name="w1")
        w2 = gd.Variable(rng.standard_normal((4, 2)).astype(np.float32), name="w2")
        h = gd.tanh(gd.matmul(x, w1), name="hidden")
        y = gd.sigmoid(gd.matmul(h, w2), name="out")
        loss = gd.reduce_mean(gd.square(y), name="loss")
        step = gd.assign_sub(w2, 0.1 * w2, name="decay")
        fetches = [loss, y, step]
        if os.environ.get("COMPARE_BREAK"):  # an op whose lowering is off by 1e-3: compare must fail
            fetches.append(gd.reduce_sum(_skew(h), name="skewed_sum"))
        init = gd.global_variables_initializer()
    feeds = {x: np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)}
    return {"graph": g, "fetches": fetches, "feed_dict": feeds, "init": init, "name": "tiny MLP"}
