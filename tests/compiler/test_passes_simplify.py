"""The algebraic simplifier: identities removed only where shapes and dtypes provably agree."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd
from compiler.passes import dce, simplify
from compiler.passes.simplify import RULES, noop_broadcast
from graphdl.shapes import TensorShape
from tests.compiler.passes_util import assert_same_results, op_types, plan_with

X = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5


def _x(shape=(2, 3), dtype=gd.float32):
    return gd.placeholder(dtype, list(shape), name="x")


@pytest.mark.parametrize(
    "build",
    [
        lambda x: gd.multiply(x, 1.0),
        lambda x: gd.multiply(1.0, x),
        lambda x: gd.add(x, 0.0),
        lambda x: gd.add(0.0, x),
        lambda x: gd.subtract(x, 0.0),
        lambda x: gd.realdiv(x, 1.0),
        lambda x: gd.pow(x, 1.0),
        lambda x: gd.multiply(x, np.ones(3, np.float32)),  # broadcasts within x's shape
        lambda x: gd.negative(gd.negative(x)),
        lambda x: gd.add_n([gd.multiply(x, 1.0)]),
    ],
    ids=["x*1", "1*x", "x+0", "0+x", "x-0", "x/1", "x**1", "x*ones(3)", "--x", "add_n"],
)
def test_identities_reduce_to_the_input(build):
    x = _x()
    y = build(x)
    feeds = {x: X}
    p = plan_with([y], feeds, [simplify, dce])
    assert p.steps == []
    assert p.fetch_slots == [p.feed_slots["x:0"]]  # the fetch now reads the feed itself
    assert_same_results([y], feeds)


@pytest.mark.parametrize(
    "build",
    [
        lambda x: gd.multiply(x, np.ones((4, 2, 3), np.float32)),  # broadcasting grows the result
        lambda x: gd.add(x, np.zeros((2, 1, 1), np.float32)),
        lambda x: gd.multiply(x, 2.0),
        lambda x: gd.multiply(x, np.array([1.0, 2.0, 1.0], np.float32)),
        lambda x: gd.subtract(0.0, x),
        lambda x: gd.realdiv(1.0, x),
        lambda x: gd.negative(x),
    ],
    ids=["x*ones(4,2,3)", "x+zeros(2,1,1)", "x*2", "x*[1,2,1]", "0-x", "1/x", "-x"],
)
def test_lookalikes_are_kept(build):
    x = _x()
    y = build(x)
    feeds = {x: X + 3.0}
    p = plan_with([y], feeds, [simplify, dce])
    assert len(p.steps) >= 1 and p.fetch_slots != [p.feed_slots["x:0"]]
    assert_same_results([y], feeds)


def test_unknown_dims_only_allow_scalar_units():
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    y = gd.multiply(x, np.ones((1, 3), np.float32))  # fine whatever the batch is
    z = gd.multiply(x, 1.0)
    assert noop_broadcast((1, 3), TensorShape([None, 3]))
    assert not noop_broadcast((2, 3), TensorShape([None, 3]))
    assert not noop_broadcast((3,), TensorShape(None))
    w = gd.multiply(x, np.ones((2, 3), np.float32))  # would fix the batch at 2: kept
    p = plan_with([y, z, w], None, [simplify, dce])  # planned without feeds: the batch stays unknown
    assert op_types(p) == {"Placeholder": 1, "Mul": 1, "Const": 1}
    assert p.fetch_slots[0] == p.fetch_slots[1] == p.steps[0].outputs[0]


def test_integer_and_boolean_identities():
    n = gd.placeholder(gd.int32, [3], name="n")
    b = gd.placeholder(gd.bool, [3], name="b")
    y = gd.add(gd.multiply(n, 1), 0, name="y")
    c = gd.logical_not(gd.logical_not(b), name="c")
    feeds = {n: np.array([1, -2, 3], np.int32), b: np.array([True, False, True])}
    p = plan_with([y, c], feeds, [simplify, dce])
    assert p.steps == []
    assert_same_results([y, c], feeds)


def test_reductions_over_size_one_axes_are_identities():
    x = gd.placeholder(gd.float32, [2, 1], name="x")
    s = gd.reduce_sum(x, axis=1, keepdims=True, name="s")
    m = gd.reduce_mean(x, axis=1, name="m")  # drops the axis: the shape changes, so it stays
    feeds = {x: np.array([[1.5], [-2.0]], np.float32)}
    p = plan_with([s, m], feeds, [simplify, dce])
    assert op_types(p) == {"Mean": 1}
    assert_same_results([s, m], feeds)


def test_rewrites_chain_through_removed_steps():
    x = _x()
    y = gd.negative(gd.negative(gd.multiply(gd.add(x, 0.0), 1.0)))
    z = gd.exp(gd.realdiv(y, 1.0), name="z")
    feeds = {x: X}
    p = plan_with([z], feeds, [simplify, dce])
    assert op_types(p) == {"Exp": 1} and p.steps[0].inputs == (p.feed_slots["x:0"],)
    assert_same_results([z], feeds)


def test_steps_with_control_inputs_are_left_alone():
    x = _x()
    other = gd.exp(x, name="other")
    with gd.control_dependencies([other]):
        y = gd.multiply(x, 1.0, name="y")
    p = plan_with([y], {x: X}, [simplify, dce])
    assert {s.name for s in p.steps} >= {"y", "other"}


def test_transpose_of_transpose_composes_permutations():
    x = gd.placeholder(gd.float32, [2, 3, 4], name="x")
    a = gd.transpose(gd.transpose(x, [1, 2, 0]), [2, 0, 1], name="a")  # identity
    b = gd.transpose(gd.transpose(x, [1, 0, 2]), [0, 2, 1], name="b")  # one transpose
    feeds = {x: np.arange(24, dtype=np.float32).reshape(2, 3, 4)}
    pa = plan_with([a], feeds, [simplify, dce])
    assert pa.steps == []
    pb = plan_with([b], feeds, [simplify, dce])
    assert op_types(pb) == {"Transpose": 1} and pb.steps[0].name == "b"
    assert_same_results([a, b], feeds)


def test_reshape_of_reshape_collapses():
    x = gd.placeholder(gd.float32, [2, 6], name="x")
    a = gd.reshape(gd.reshape(x, [3, 4]), [4, 3], name="a")
    b = gd.reshape(gd.reshape(x, [12]), [2, 6], name="b")
    feeds = {x: np.arange(12, dtype=np.float32).reshape(2, 6)}
    pa = plan_with([a], feeds, [simplify, dce])
    assert op_types(pa)["Reshape"] == 1
    pb = plan_with([b], feeds, [simplify, dce])
    assert op_types(pb)["Reshape"] == 0
    assert_same_results([a, b], feeds)


def test_log_of_softmax_becomes_log_softmax():
    x = gd.placeholder(gd.float32, [2, 3], name="x")
    from graphdl.ops import activations

    y = gd.log(activations.softmax(x), name="y")
    feeds = {x: np.array([[0.0, 1.0, 2.0], [200.0, 0.0, -200.0]], np.float32)}
    p = plan_with([y], feeds, [simplify, dce])
    assert op_types(p) == {"LogSoftmax": 1} and p.steps[0].name == "y"
    with gd.Session(backend="interpreter") as sess:
        out = sess.run(y, feeds)
    assert np.all(np.isfinite(out))  # the unoptimized log(softmax) underflows to -inf here


def test_rule_table_is_one_table_of_callables():
    assert "Mul" in RULES and all(callable(r) for rules in RULES.values() for r in rules)
