"""`compiler.explain`: step counts and op-type changes per pass, printable as a table."""

from __future__ import annotations

import numpy as np

import compiler
import graphdl as gd
from compiler.passes import DEFAULT_PASSES, dce


def _graph():
    x = gd.placeholder(gd.float32, [2, 3], name="x")
    a = gd.add(gd.multiply(x, 1.0), gd.constant(2.0) * gd.constant(3.0))
    b = gd.add(gd.multiply(x, 1.0), gd.constant(2.0) * gd.constant(3.0))
    gd.exp(x, name="unused")
    return x, gd.negative(gd.negative(a + b), name="y")


def test_explain_lists_counts_per_pass():
    x, y = _graph()
    g = gd.get_default_graph()
    report = compiler.explain(g, y, {x: np.ones((2, 3), np.float32)})
    assert [r.name for r in report.passes] == [p.__name__ for p in DEFAULT_PASSES]
    assert report.graph_nodes == len(g.get_operations())
    assert report.planned == report.passes[0].before < report.graph_nodes  # 'unused' is pruned
    for prev, nxt in zip(report.passes, report.passes[1:], strict=False):
        assert prev.after == nxt.before
    assert report.final == report.passes[-1].after == len(report.plan.steps) == 3
    fold = report.passes[0]
    assert fold.removed == {"Mul": 2} and fold.added == {"Const": 2} and fold.delta == 0
    assert report.passes[1].removed["Neg"] == 1
    text = str(report)
    for word in ("stage", "before", "after", "fold_constants", "simplify", "cse", "dce", "-2 Mul"):
        assert word in text
    assert text.splitlines()[-1].endswith("3 after passes")


def test_explain_without_feeds_takes_the_default_graph_and_custom_passes():
    _, y = _graph()
    report = compiler.explain(None, [y], passes=[dce])
    assert [r.name for r in report.passes] == ["dce"]
    assert "(no change)" in str(report)
