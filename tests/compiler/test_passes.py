"""Optimization passes over a Plan: dead-code elimination, CSE, constant folding, the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

import compiler
import graphdl as gd
from compiler.passes import DEFAULT_PASSES, cse, dce, fold_constants, simplify
from compiler.passes import fold as fold_module
from tests.compiler.passes_util import BACKENDS, assert_same_results, op_types, plan_with

# --- dead-code elimination ------------------------------------------------------------------------


def test_dce_drops_what_a_rewrite_left_unused():
    x = gd.placeholder(gd.float32, [2, 3], name="x")
    y = gd.multiply(x, 1.0, name="y")
    z = gd.add(y, 2.0, name="z")
    feeds = {x: np.ones((2, 3), np.float32)}
    p = plan_with([z], feeds, [simplify])
    assert op_types(p) == {"Const": 2, "Add": 1}  # the 1.0 is dead now
    p2 = plan_with([z], feeds, [simplify, dce])
    assert op_types(p2) == {"Const": 1, "Add": 1}
    assert p2.steps[-1].name == "z" and p2.steps[-1].inputs[0] == p2.feed_slots["x:0"]
    assert_same_results([z], feeds)


def test_dce_returns_the_same_plan_when_nothing_is_dead():
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.exp(x)
    p = plan_with([y], {x: np.ones(2, np.float32)}, [])
    assert dce(p) is p


def test_dce_keeps_writes_groups_and_control_inputs():
    w = gd.Variable(np.ones(3, np.float32), name="w")
    x = gd.placeholder(gd.float32, [3], name="x")
    side = gd.multiply(x, 3.0, name="side")
    with gd.control_dependencies([side]):
        upd = gd.assign_add(w, gd.multiply(x, 1.0), name="upd")
    train = gd.group(upd, name="train")
    feeds = {x: np.full(3, 2.0, np.float32)}
    p = plan_with([train], feeds, DEFAULT_PASSES)
    names = {s.name for s in p.steps}
    assert {"upd", "train", "side"} <= names
    assert p.var_writes == ["w"]
    for backend in BACKENDS:
        with gd.Session(backend=backend) as sess:
            sess.run(w.initializer)
            assert sess.run(train, feeds) is None
            np.testing.assert_allclose(sess.run(w), [3, 3, 3])


def test_dce_drops_unused_variable_reads_and_random_ops():
    w = gd.Variable(np.ones(3, np.float32), name="w")
    x = gd.placeholder(gd.float32, [3], name="x")
    noise = gd.random_uniform([3], seed=3, name="noise")
    y = gd.add(x, gd.multiply(w, noise), name="y")
    p = plan_with([y], {x: np.ones(3, np.float32)}, [])
    assert dce(p) is p
    # as if a rewrite had shown y == x: nothing but the feed is needed any more
    p.fetch_slots = [p.feed_slots["x:0"]]
    alive = dce(p)
    assert alive.steps == []
    from compiler.plan import refresh_bookkeeping

    refresh_bookkeeping(alive)
    assert alive.var_reads == [] and not alive.uses_rng
    assert len(p.steps) > 0  # the input plan is left as it was


# --- common-subexpression elimination --------------------------------------------------------------


def test_cse_merges_identical_pure_steps():
    x = gd.placeholder(gd.float32, [2, 3], name="x")
    a = gd.exp(x, name="a")
    b = gd.exp(x, name="b")
    s1 = gd.reduce_sum(gd.add(a, b), axis=0, name="s1")
    s2 = gd.reduce_sum(gd.add(a, b), axis=1, name="s2")  # other attrs: kept apart
    feeds = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    before = plan_with([s1, s2], feeds, [])
    after = plan_with([s1, s2], feeds, [cse])
    assert op_types(before) == {"Exp": 2, "Add": 2, "Sum": 2}
    assert op_types(after)["Exp"] == 1 and op_types(after)["Add"] == 1 and op_types(after)["Sum"] == 2
    add = next(s for s in after.steps if s.op_def.name == "Add")
    assert add.inputs[0] == add.inputs[1]
    assert_same_results([s1, s2], feeds)


def test_cse_compares_constants_by_value_and_dtype():
    x = gd.placeholder(gd.float32, [3], name="x")
    c1 = gd.constant(np.array([1.0, 2.0, 3.0], np.float32), name="c1")
    c2 = gd.constant(np.array([1.0, 2.0, 3.0], np.float32), name="c2")
    c3 = gd.constant(np.array([1.0, 2.0, 4.0], np.float32), name="c3")
    y = gd.add(gd.add(x, c1), gd.add(x, c2), name="y")
    z = gd.add(x, c3, name="z")
    i1 = gd.constant(np.array([1, 2, 3], np.int32))
    i2 = gd.constant(np.array([1, 2, 3], np.int64))
    n = gd.add(gd.cast(i1, gd.int64), i2, name="n")
    feeds = {x: np.ones(3, np.float32)}
    p = plan_with([y, z, n], feeds, [cse, dce])
    consts = [s for s in p.steps if s.op_def.name == "Const"]
    assert len(consts) == 4  # c1 == c2 merged; c3 and the int32/int64 arrays stay
    assert op_types(p)["Add"] == 4  # x + c1 and x + c2 became one
    assert_same_results([y, z, n], feeds)


def test_cse_never_merges_random_or_stateful_steps():
    a = gd.random_uniform([4], seed=7, name="r1")
    b = gd.random_uniform([4], seed=7, name="r2")
    y = gd.subtract(a, b, name="y")
    p = plan_with([y], None, [cse])
    assert sum(1 for s in p.steps if s.op_def.kind == "random") == 2


# --- constant folding -----------------------------------------------------------------------------


def test_fold_replaces_constant_subgraphs_by_consts():
    x = gd.placeholder(gd.float32, [3], name="x")
    k = gd.exp(gd.multiply(gd.constant(2.0), gd.constant([1.0, 2.0, 3.0])), name="k")
    y = gd.add(x, k, name="y")
    feeds = {x: np.ones(3, np.float32)}
    p = plan_with([y], feeds, [fold_constants, dce])
    assert op_types(p) == {"Const": 1, "Add": 1}
    folded = p.steps[0]
    assert folded.name == "k"  # the origin node keeps names and source lines
    assert "test_passes.py" in folded.describe()
    np.testing.assert_allclose(folded.attrs["value"], np.exp([2.0, 4.0, 6.0]), rtol=1e-6)
    assert folded.attrs["value"].dtype == np.float32 and not folded.attrs["value"].flags.writeable
    assert_same_results([y, k], feeds)


def test_fold_keeps_integer_dtypes_and_fetched_constants_writeable():
    k = gd.multiply(gd.constant(np.array([2, 3], np.int32)), 4, name="k")
    p = plan_with([k], None, DEFAULT_PASSES)
    assert op_types(p) == {"Const": 1} and p.steps[0].attrs["value"].dtype == np.int32
    for backend in BACKENDS:
        with gd.Session(backend=backend) as sess:
            out = sess.run(k)
            assert out.dtype == np.int32
            out[0] = 99  # a copy, never the plan's constant
            np.testing.assert_array_equal(sess.run(k), [8, 12])


def test_fold_skips_variables_placeholders_random_and_huge_results(monkeypatch):
    w = gd.Variable(np.ones(3, np.float32), name="w")
    x = gd.placeholder_with_default(np.ones(3, np.float32), [3], name="x")
    r = gd.random_uniform([3], seed=1, name="r")
    big = gd.add(gd.constant(np.ones(10, np.float32)), 1.0, name="big")
    ys = [gd.exp(w, name="a"), gd.exp(x, name="b"), gd.exp(r, name="c"), big]
    monkeypatch.setattr(fold_module, "MAX_FOLDED_ELEMENTS", 5)
    p = plan_with(ys, None, [fold_constants])
    names = {s.name: s.op_def.name for s in p.steps}
    assert [names[n] for n in ("a", "b", "c", "big")] == ["Exp", "Exp", "Exp", "Add"]
    monkeypatch.setattr(fold_module, "MAX_FOLDED_ELEMENTS", 1_000_000)
    p = plan_with(ys, None, [fold_constants])
    assert {s.name: s.op_def.name for s in p.steps}["big"] == "Const"


def test_fold_leaves_failing_ops_to_run_time():
    a = gd.constant(np.array([1, 2], np.int32))
    b = gd.constant(np.array([1, 2, 3], np.int32))
    # shapes would not broadcast at run time if inference were bypassed: use a valid but failing pow
    y = gd.pow(a, gd.constant(np.array([-1, 1], np.int32)), name="y")
    p = plan_with([y, b], None, [fold_constants])
    assert op_types(p)["Pow"] == 1  # NumPy refuses negative integer powers: not folded
    with gd.Session(backend="interpreter") as sess, pytest.raises(gd.errors.GraphdlError, match="'y'"):
        sess.run(y)


# --- the pipeline ------------------------------------------------------------------------------------


def test_default_pipeline_runs_in_compiler_plan_and_logs_each_pass():
    assert [p.__name__ for p in DEFAULT_PASSES] == ["fold_constants", "simplify", "cse", "dce"]
    x = gd.placeholder(gd.float32, [2, 3], name="x")
    a = gd.add(gd.multiply(x, 1.0), gd.constant(2.0) * gd.constant(3.0))
    b = gd.add(gd.multiply(x, 1.0), gd.constant(2.0) * gd.constant(3.0))
    y = gd.negative(gd.negative(a + b), name="y")
    feeds = {x: np.ones((2, 3), np.float32)}
    g = gd.get_default_graph()
    spec = {x: gd.registry.TensorSpec(x.shape, x.dtype)}
    p = compiler.plan(g, [y], spec)
    assert [name for name, _, _ in p.log] == ["plan", "fold_constants", "simplify", "cse", "dce"]
    for (_, _, after), (_, before, _) in zip(p.log[1:], p.log[2:], strict=False):
        assert after == before
    assert op_types(p) == {"Const": 1, "Add": 2}
    assert p.log[-1][2] == len(p.steps)
    unopt = compiler.plan(g, [y], spec, optimize=False)
    assert len(unopt.steps) == p.log[0][2] and len(unopt.log) == 1
    assert_same_results([y], feeds)


def test_passes_never_touch_the_graph():
    x = gd.placeholder(gd.float32, [3], name="x")
    y = gd.negative(gd.negative(gd.add(gd.multiply(x, 1.0), gd.constant(2.0) * 3.0)), name="y")
    g = gd.get_default_graph()
    before = [(n.name, n.type, tuple(t.name for t in n.inputs), dict(n.attrs)) for n in g.get_operations()]
    compiler.plan(g, [y], {x: gd.registry.TensorSpec(x.shape, x.dtype)})
    after = [(n.name, n.type, tuple(t.name for t in n.inputs), dict(n.attrs)) for n in g.get_operations()]
    assert [b[:3] for b in before] == [a[:3] for a in after]


def test_optimized_training_step_matches_unoptimized_on_both_backends():
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    t = gd.placeholder(gd.float32, [None, 2], name="t")
    rng = np.random.default_rng(0)
    w = gd.Variable(rng.standard_normal((3, 2)).astype(np.float32), name="w")
    b = gd.Variable(np.zeros(2, np.float32), name="b")
    y = gd.sigmoid(gd.add(gd.matmul(x, w), b))
    loss = gd.reduce_mean(gd.square(gd.subtract(y, t)) * 1.0)
    gw, gb = gd.gradients(loss, [w, b])
    lr = gd.constant(0.5) * gd.constant(1.0)
    train = gd.group(gd.assign_sub(w, lr * gw), gd.assign_sub(b, lr * gb))
    feeds = {
        x: rng.standard_normal((8, 3)).astype(np.float32),
        t: rng.uniform(size=(8, 2)).astype(np.float32),
    }
    finals = []
    for backend in BACKENDS:
        for optimize in (False, True):
            with gd.Session(backend=backend, optimize=optimize) as sess:
                sess.run(gd.global_variables_initializer())
                losses = [sess.run([loss, train], feeds)[0] for _ in range(5)]
                finals.append((losses, sess.run(w)))
    for losses, wv in finals[1:]:
        np.testing.assert_allclose(losses, finals[0][0], rtol=1e-5)
        np.testing.assert_allclose(wv, finals[0][1], rtol=1e-5, atol=1e-6)


def test_fold_ops_that_read_only_a_static_shape():
    from compiler.passes.fold import MAX_SHAPE_FOLDED_ELEMENTS

    x = gd.placeholder(gd.float32, [None, 3], name="x")
    ones = gd.ones_like(x)
    n = gd.reduce_sum(gd.zeros_like(x))
    feeds = {x: np.zeros((4, 3), np.float32)}
    folded = op_types(plan_with([ones, n], feeds, [fold_constants]))
    assert folded["OnesLike"] == 0 and folded["ZerosLike"] == 0 and folded["Sum"] == 0
    # without a fed (static) shape nothing is known at plan time
    unfolded = op_types(plan_with([ones, n], None, [fold_constants]))
    assert unfolded["OnesLike"] == 1 and unfolded["ZerosLike"] == 1
    # a large broadcast stays a run-time op rather than a big literal
    big = gd.placeholder(gd.float32, [None, MAX_SHAPE_FOLDED_ELEMENTS], name="big")
    z = gd.zeros_like(big)
    kept = op_types(
        plan_with([z], {big: np.zeros((2, MAX_SHAPE_FOLDED_ELEMENTS), np.float32)}, [fold_constants])
    )
    assert kept["ZerosLike"] == 1
    with gd.Session(backend="interpreter") as sess:
        out = sess.run([ones, n], feeds)
    np.testing.assert_array_equal(out[0], np.ones((4, 3), np.float32))
    assert out[1] == 0
