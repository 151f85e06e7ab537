"""Graph IR: naming, scopes, collections, lookup, default-graph stack, networkx view, errors."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd


def test_unique_names_and_scopes():
    a = gd.placeholder(gd.float32, [2], name="x")
    b = gd.placeholder(gd.float32, [2], name="x")
    c = gd.placeholder(gd.float32, [2], name="x")
    assert [a.name, b.name, c.name] == ["x:0", "x_1:0", "x_2:0"]
    with gd.name_scope("dense"):
        m = gd.matmul(gd.constant(np.ones((1, 2), np.float32)), gd.constant(np.ones((2, 3), np.float32)))
    with gd.name_scope("dense") as scope:
        m2 = gd.add(m, 1.0)
    assert m.op.name == "dense/MatMul"
    assert scope == "dense_1/"
    assert m2.op.name == "dense_1/Add"
    assert m.op.scope == "dense"
    with gd.name_scope("outer"), gd.name_scope("inner"):
        t = gd.constant(1.0, name="k")
    assert t.name == "outer/inner/k:0"


def test_source_line_recorded():
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    line = test_source_line_recorded.__code__.co_firstlineno + 1
    assert x.op.source[0].endswith("test_graph.py")
    assert x.op.source[1] == line


def test_collections_and_variables():
    w = gd.Variable(np.zeros((2, 2), np.float32), name="w")
    s = gd.Variable(0, name="step", trainable=False)
    assert gd.global_variables() == [w, s]
    assert gd.trainable_variables() == [w]
    g = gd.get_default_graph()
    assert g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES) == [w]
    assert w.name == "w:0" and w.op.type == "VariableV2" and w.initializer.name == "w/Assign"
    assert s.dtype == gd.int32


def test_lookup_by_name():
    x = gd.placeholder(gd.float32, [3], name="x")
    g = gd.get_default_graph()
    assert g.get_tensor_by_name("x:0") is x
    assert g.get_operation_by_name("x") is x.op
    with pytest.raises(gd.GraphError, match="no operation named 'y'"):
        g.get_operation_by_name("y")
    with pytest.raises(gd.GraphError, match="names an operation"):
        g.get_tensor_by_name("x")
    with pytest.raises(gd.GraphError, match="has 1 outputs"):
        g.get_tensor_by_name("x:3")


def test_default_graph_stack():
    outer = gd.get_default_graph()
    g = gd.Graph()
    with g.as_default():
        assert gd.get_default_graph() is g
        t = gd.constant(1.0)
        with pytest.raises(gd.GraphError):
            gd.reset_default_graph()
    assert t.graph is g
    assert gd.get_default_graph() is outer
    gd.reset_default_graph()
    assert gd.get_default_graph() is not outer


def test_networkx_view():
    x = gd.placeholder(gd.float32, [2, 2], name="x")
    y = gd.matmul(x, x, name="mm")
    with gd.control_dependencies([y]):
        z = gd.constant(1.0, name="z")
    nxg = gd.get_default_graph().to_networkx()
    assert set(nxg.nodes) == {"x", "mm", "z"}
    kinds = sorted(d["kind"] for _, _, d in nxg.edges(data=True))
    assert kinds == ["control", "data", "data"]
    assert z.op.control_inputs == (y.op,)


def test_mixing_graphs_is_an_error():
    g1, g2 = gd.Graph(), gd.Graph()
    with g1.as_default():
        a = gd.placeholder(gd.float32, [2, 2])
    with g2.as_default():
        b = gd.placeholder(gd.float32, [2, 2])
    with pytest.raises(gd.GraphError, match="different graphs"):
        gd.matmul(a, b)


def test_shape_error_names_op_shapes_and_line():
    x = gd.placeholder(gd.float32, [None, 784], name="x")
    w = gd.constant(np.zeros((300, 10), np.float32))
    with gd.name_scope("dense"), pytest.raises(gd.ShapeError) as err:
        gd.matmul(x, w)
    msg = str(err.value)
    assert "matmul 'dense/MatMul'" in msg
    assert "[?,784] x [300,10]" in msg
    assert "test_graph.py:" in msg
    assert isinstance(err.value, ValueError)


def test_dtype_error_names_op():
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.placeholder(gd.int32, [2], name="y")
    with pytest.raises(gd.DTypeError) as err:
        gd.add(x, y)
    assert "add" in str(err.value) and "test_graph.py:" in str(err.value)
    assert isinstance(err.value, TypeError)


def test_tensor_is_not_a_bool():
    x = gd.placeholder(gd.float32, [2])
    with pytest.raises(TypeError, match="Python bool"):
        bool(x)
