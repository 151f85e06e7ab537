"""tf.math, tf.random and tf.linalg: lazy aliases of graphdl's functions."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd
from graphdl.namespaces import linalg as linalg_ns
from graphdl.namespaces import math as math_ns

BACKENDS = ["interpreter", "xla"]


@pytest.mark.parametrize(
    ("tf_name", "target"),
    [
        ("add", "add"),
        ("subtract", "subtract"),
        ("multiply", "multiply"),
        ("divide", "divide"),
        ("log", "log"),
        ("exp", "exp"),
        ("sqrt", "sqrt"),
        ("square", "square"),
        ("abs", "abs"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
        ("reduce_sum", "reduce_sum"),
        ("reduce_mean", "reduce_mean"),
        ("reduce_max", "reduce_max"),
        ("argmax", "argmax"),
        ("equal", "equal"),
        ("greater", "greater"),
        ("floor", "floor"),
        ("cumsum", "cumsum"),
        ("top_k", "nn.top_k"),
        ("in_top_k", "nn.in_top_k"),
        ("softmax", "nn.softmax"),
    ],
)
def test_math_aliases_are_the_graphdl_functions(tf_name: str, target: str) -> None:
    obj: object = gd
    for part in target.split("."):
        obj = getattr(obj, part)
    assert getattr(gd.math, tf_name) is obj


def test_random_and_linalg_aliases() -> None:
    assert gd.random.normal is gd.random_normal
    assert gd.random.uniform is gd.random_uniform
    assert gd.random.truncated_normal is gd.truncated_normal
    assert gd.random.set_seed is gd.set_random_seed
    assert gd.random.set_random_seed is gd.set_random_seed
    assert gd.linalg.matmul is gd.matmul
    assert gd.linalg.eye is gd.eye
    assert gd.linalg.tensordot is gd.tensordot
    assert gd.linalg.transpose is gd.linalg.matrix_transpose


@pytest.mark.parametrize("ns", ["math", "random", "linalg"])
def test_dir_and_all_list_what_resolves(ns: str) -> None:
    module = getattr(gd, ns)
    names = dir(module)
    assert names == module.__all__ and len(names) > 3
    for name in names:
        assert callable(getattr(module, name))


def test_missing_names_raise_a_clear_attribute_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AttributeError, match=r"tf\.math\) has no attribute 'no_such_op'"):
        gd.math.no_such_op  # noqa: B018
    with pytest.raises(AttributeError, match=r"tf\.linalg\) has no attribute 'placeholder'"):
        gd.linalg.placeholder  # noqa: B018
    # a TF name mapped to a function this graphdl lacks
    monkeypatch.setitem(math_ns.ALIASES, "fancy_op", "fancy_op_graphdl_lacks")
    with pytest.raises(AttributeError, match=r"'fancy_op'.*graphdl\.fancy_op_graphdl_lacks"):
        gd.math.fancy_op  # noqa: B018
    assert not hasattr(gd.math, "fancy_op")
    assert "fancy_op" not in dir(gd.math)


def test_names_resolve_when_accessed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fancy_op(x: object) -> object:
        return x

    monkeypatch.setitem(math_ns.ALIASES, "fancy_op", "fancy_op")
    monkeypatch.setattr(gd, "fancy_op", fancy_op, raising=False)
    assert gd.math.fancy_op is fancy_op
    assert "fancy_op" in dir(gd.math)


def test_star_import_takes_the_available_names() -> None:
    scope: dict[str, object] = {}
    exec("from graphdl.namespaces.math import *", scope)
    assert scope["reduce_sum"] is gd.reduce_sum and scope["top_k"] is gd.nn.top_k


def test_namespaces_build_runnable_graphs() -> None:
    gd.random.set_seed(3)
    x = gd.random.uniform([2, 3, 4], seed=1)
    y = gd.math.reduce_sum(gd.math.multiply(x, 2.0), axis=-1)
    t = gd.linalg.transpose(x)
    assert t.shape.as_list() == [2, 4, 3] and t.op.name == "matrix_transpose/transpose"
    mm = gd.linalg.matmul(t, gd.linalg.eye(3, batch_shape=[2]))
    outs = []
    for backend in BACKENDS:
        with gd.Session(backend=backend) as s:
            outs.append(s.run([x, y, t, mm]))
    for xv, yv, tv, mv in outs:
        np.testing.assert_allclose(yv, 2 * xv.sum(-1), rtol=1e-6)
        np.testing.assert_array_equal(tv, np.swapaxes(xv, -1, -2))
        np.testing.assert_allclose(mv, tv, rtol=1e-6)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6)  # one random stream on both backends


def test_linalg_transpose_needs_a_matrix() -> None:
    with pytest.raises(gd.ShapeError, match="rank >= 2"):
        linalg_ns.matrix_transpose(gd.constant([1.0, 2.0]))
