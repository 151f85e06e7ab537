"""tf.Print: the value passes through unchanged, TF1's `message[values]` format goes to stderr on
both backends (from compiled code on XLA), summarize / first_n, survives graphdl's passes, and
its gradient is the identity."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd
from graphdl.ops.debug import summarize


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_prints_each_run_and_passes_value(backend, capfd):
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float32, [2, 3])
        p = gd.Print(x, [x, gd.constant([1, 2, 3, 4, 5])], message="vals: ")
        y = p * 2.0
        xv = np.arange(6, dtype=np.float32).reshape(2, 3)
        with gd.Session(backend=backend) as sess:
            for _ in range(2):
                np.testing.assert_array_equal(sess.run(y, {x: xv}), xv * 2)
    err = capfd.readouterr().err
    assert err.count("vals: [[0 1 2]...][1 2 3...]\n") == 2


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_summarize_first_n_and_unfetched_value(backend, capfd):
    with gd.Graph().as_default():
        x = gd.constant(np.array([0.5, 1.25, -3.0, 1e-7], np.float32))
        p = gd.Print(x, [x], message="a", summarize=10, first_n=2)
        q = gd.Print(gd.constant(1), [gd.constant(True), gd.constant(2.5, gd.float64)], summarize=-1)
        s = gd.reduce_sum(p) + gd.cast(q, gd.float32)  # constant inputs: must not be folded away
        with gd.Session(backend=backend) as sess:
            for _ in range(3):
                assert sess.run(s) == pytest.approx(0.5 + 1.25 - 3.0 + 1e-7 + 1)
    err = capfd.readouterr().err
    assert err.count("a[0.5 1.25 -3 1e-07]\n") == 2  # first_n=2 of 3 runs
    assert err.count("[1][2.5]\n") == 3


def test_summarize_format():
    # Print wraps each tensor's summary in [ ]: a 2x3 tensor prints as [[0 1 2][3...]...] with summarize=4
    assert summarize(np.arange(6).reshape(2, 3), 4) == "[0 1 2][3...]..."
    assert summarize(np.arange(6).reshape(2, 3), 6) == "[0 1 2][3 4 5]"
    assert summarize(np.arange(3), 3) == "0 1 2"
    assert summarize(np.float32(0.1), 3) == "0.1"
    assert (
        summarize(np.array([1 / 3], np.float64), 3) == "0.33333333333333331"
    )  # %.17g when %.15g does not round-trip
    assert summarize(np.array([0.25, 1.0]), -1) == "0.25 1"
    assert summarize(np.array([16777217.0], np.float32), 3) == "16777216"
    assert summarize(np.zeros((0, 2)), 3) == ""


def test_gradient_identity_and_op_kept():
    with gd.Graph().as_default():
        x = gd.placeholder(gd.float64, [3])
        y = gd.Print(x, [x], message="g", first_n=0)
        (g,) = gd.gradients(gd.reduce_sum(y * y), [x])
        assert y.op.type == "Print" and y.op.op_def.stateful
        for backend in ("interpreter", "xla"):
            with gd.Session(backend=backend) as sess:
                np.testing.assert_allclose(sess.run(g, {x: np.array([1.0, 2.0, 3.0])}), [2.0, 4.0, 6.0])
