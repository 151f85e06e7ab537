"""Planning (pruning, shape specialisation from feeds) and whole-graph validation."""

from __future__ import annotations

import numpy as np
import pytest

import compiler
import graphdl as gd
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape


def test_plan_prunes_to_fetches_and_cuts_at_feeds():
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    w = gd.Variable(np.ones((3, 2), np.float32), name="w")
    h = gd.matmul(x, w, name="h")
    y = gd.add(h, 1.0, name="y")
    gd.add(y, 2.0, name="unused")
    g = gd.get_default_graph()
    p = compiler.plan(g, [y], {x: TensorSpec(TensorShape([5, 3]), gd.float32)}, optimize=False)
    names = [s.name for s in p.steps]
    assert "unused" not in names and "x" not in names
    assert p.var_reads == ["w"] and p.var_writes == []
    # shapes specialised from the fed batch size
    assert p.slot_specs[p.fetch_slots[0]].shape.as_list() == [5, 2]
    # feeding h cuts x and w out
    p2 = compiler.plan(g, [y], {h: TensorSpec(TensorShape([4, 2]), gd.float32)}, optimize=False)
    names2 = [s.name for s in p2.steps]
    assert "y" in names2 and not {"h", "w", "x"} & set(names2)
    assert p2.var_reads == []


def test_plan_records_variable_writes_without_reading_them():
    w = gd.Variable(np.zeros(2, np.float32), name="w")
    p = compiler.plan(gd.get_default_graph(), [w.initializer], optimize=False)
    assert p.var_writes == ["w"] and p.var_reads == []


def test_plan_shape_error_with_fed_shapes():
    x = gd.placeholder(gd.float32, [None, None], name="x")
    w = gd.constant(np.ones((3, 2), np.float32))
    y = gd.matmul(x, w, name="mm")
    with pytest.raises(gd.ShapeError, match=r"matmul 'mm'.*fed shapes.*inner dimensions"):
        compiler.plan(gd.get_default_graph(), [y], {x: TensorSpec(TensorShape([2, 4]), gd.float32)})


def test_validate_accepts_good_graph_and_rejects_unknown_ops():
    x = gd.placeholder(gd.float32, [2, 2], name="x")
    y = gd.matmul(x, x)
    g = gd.get_default_graph()
    compiler.validate(g)
    y.op.type = "NoSuchOp"
    with pytest.raises(gd.GraphError, match="unknown op type 'NoSuchOp'"):
        compiler.validate(g)


def test_validate_detects_cycles_and_dangling_inputs():
    x = gd.placeholder(gd.float32, [2, 2], name="x")
    a = gd.matmul(x, x, name="a")
    b = gd.matmul(a, a, name="b")
    g = gd.get_default_graph()
    a.op.inputs = (b, b)  # simulate a corrupt loaded graph
    with pytest.raises(gd.GraphError, match="cycle"):
        compiler.validate(g)
    other = gd.Graph()
    with other.as_default():
        z = gd.placeholder(gd.float32, [2, 2], name="z")
    a.op.inputs = (z, z)
    with pytest.raises(gd.GraphError, match="not in the graph"):
        compiler.validate(g)


def test_validate_detects_dtype_disagreement():
    x = gd.placeholder(gd.float32, [2, 2], name="x")
    y = gd.matmul(x, x, name="mm")
    y.dtype = gd.float64
    with pytest.raises(gd.GraphError, match="recorded as float64"):
        compiler.validate(gd.get_default_graph())
