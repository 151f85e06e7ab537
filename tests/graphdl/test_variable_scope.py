"""TF1 variable scopes and get_variable; initializers (fans, limits, shapes, dtypes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphdl as gd
from graphdl.initializers import compute_fans


def init_values(*variables: gd.Variable) -> list[np.ndarray]:
    with gd.Session() as s:
        s.run(gd.variables_initializer(list(variables)))
        return s.run(list(variables))


# --- get_variable and variable_scope -------------------------------------------------------------


def test_names_and_name_scopes() -> None:
    with gd.variable_scope("dense") as scope:
        w = gd.get_variable("kernel", [3, 4])
        b = gd.get_variable("bias", [4], initializer=gd.zeros_initializer())
        y = gd.matmul(gd.placeholder(gd.float32, [None, 3]), w)
    assert scope.name == "dense" and scope.original_name_scope == "dense/"
    assert w.name == "dense/kernel:0" and w.op.name == "dense/kernel" and b.name == "dense/bias:0"
    assert y.op.name == "dense/MatMul"
    assert w.initial_value.op.name.startswith("dense/kernel/Initializer/")
    assert gd.global_variables() == [w, b] and gd.trainable_variables() == [w, b]
    assert w.shape.as_list() == [3, 4] and w.dtype == gd.float32


def test_duplicate_refused_with_tf1_message() -> None:
    with gd.variable_scope("dense"):
        gd.get_variable("kernel", [3, 4])
    with pytest.raises(gd.GraphError) as info, gd.variable_scope("dense"):
        gd.get_variable("kernel", [3, 4])
    msg = str(info.value)
    assert (
        "Variable dense/kernel already exists, disallowed. Did you mean to set reuse=True or "
        "reuse=tf.AUTO_REUSE in VarScope?" in msg
    )
    assert "test_variable_scope.py" in msg  # where it was first defined


def test_reuse_true() -> None:
    with gd.variable_scope("dense"):
        w = gd.get_variable("kernel", [3, 4])
    with gd.variable_scope("dense", reuse=True) as scope:
        assert gd.get_variable("kernel", [3, 4]) is w
        assert gd.get_variable("kernel") is w  # the shape may be left out when reusing
        op = gd.identity(w) if hasattr(gd, "identity") else gd.add(w, 0.0)
        assert scope.reuse is True
    assert op.op.name.startswith("dense_1/")  # ops get a fresh name scope
    with (
        pytest.raises(gd.GraphError, match=r"Variable dense/bias does not exist"),
        gd.variable_scope("dense", reuse=True),
    ):
        gd.get_variable("bias", [4])


def test_reuse_mismatches() -> None:
    with gd.variable_scope("s"):
        gd.get_variable("v", [2, 3])
    with gd.variable_scope("s", reuse=True):
        with pytest.raises(
            gd.ShapeError, match=r"Trying to share variable s/v, but specified shape \(3, 3\)"
        ):
            gd.get_variable("v", [3, 3])
        with pytest.raises(gd.DTypeError, match="specified dtype float64 and found dtype float32"):
            gd.get_variable("v", [2, 3], dtype=gd.float64)


def test_auto_reuse() -> None:
    def layer() -> gd.Variable:
        with gd.variable_scope("shared", reuse=gd.AUTO_REUSE):
            return gd.get_variable("w", [2])

    a, b = layer(), layer()
    assert a is b and len(gd.global_variables()) == 1


def test_nested_scopes_inherit_reuse() -> None:
    with gd.variable_scope("outer"):
        with gd.variable_scope("inner"):
            v = gd.get_variable("v", [1])
        assert v.name == "outer/inner/v:0"
    with gd.variable_scope("outer", reuse=True), gd.variable_scope("inner") as inner:
        assert inner.reuse is True and inner.name == "outer/inner"
        assert gd.get_variable("v", [1]) is v
        with gd.variable_scope("deeper", reuse=False) as deeper:
            assert deeper.reuse is True  # reuse cannot be switched off inside a reusing scope


def test_reuse_variables_and_scope_objects() -> None:
    with gd.variable_scope("model") as scope:
        w = gd.get_variable("w", [2])
        scope.reuse_variables()
        assert gd.get_variable_scope().reuse is True
        assert gd.get_variable("w", [2]) is w
    with gd.variable_scope(scope, reuse=True) as again:
        assert again.name == "model"
        assert gd.get_variable("w") is w
        with gd.variable_scope("sub") as sub:
            assert sub.name == "model/sub"
    with gd.variable_scope("other"), gd.variable_scope(scope, reuse=True) as s3:
        assert s3.name == "model"  # a scope object keeps its own name wherever it is entered
        assert gd.get_variable("w") is w


def test_get_variable_scope_root_and_default_name() -> None:
    root = gd.get_variable_scope()
    assert root.name == "" and root.reuse is False
    with gd.variable_scope(None, default_name="layer") as a:
        va = gd.get_variable("w", [1])
    with gd.variable_scope(None, default_name="layer") as b:
        vb = gd.get_variable("w", [1])
    assert (a.name, b.name) == ("layer", "layer_1")
    assert (va.name, vb.name) == ("layer/w:0", "layer_1/w:0")
    with (
        pytest.raises(gd.GraphError, match="reuse=True cannot be used without a name_or_scope"),
        gd.variable_scope(None, default_name="x", reuse=True),
    ):
        pass


def test_scope_defaults_initializer_dtype() -> None:
    with gd.variable_scope("s", initializer=gd.constant_initializer(3.0), dtype=gd.float64):
        v = gd.get_variable("v", [2])
        u = gd.get_variable("u", [2], initializer=gd.ones_initializer())
    assert v.dtype == gd.float64
    vv, uv = init_values(v, u)
    assert vv.tolist() == [3.0, 3.0] and vv.dtype == np.float64 and uv.tolist() == [1.0, 1.0]


def test_initializer_values_and_dtypes() -> None:
    a = gd.get_variable("a", initializer=np.arange(6, dtype=np.float32).reshape(2, 3))
    b = gd.get_variable("b", initializer=gd.constant([1, 2], dtype=gd.int64))
    c = gd.get_variable("c", [3], dtype=gd.int32)  # integers default to zeros
    d = gd.get_variable("d", [2], trainable=False)
    assert a.shape.as_list() == [2, 3] and b.dtype == gd.int64 and c.dtype == gd.int32
    assert d not in gd.trainable_variables() and d in gd.global_variables()
    av, bv, cv, _ = init_values(a, b, c, d)
    assert av.tolist() == [[0, 1, 2], [3, 4, 5]] and bv.tolist() == [1, 2] and cv.tolist() == [0, 0, 0]
    with pytest.raises(gd.ShapeError, match="do not specify shape"):
        gd.get_variable("e", [2], initializer=np.zeros(2, np.float32))
    with pytest.raises(gd.ShapeError, match="must be fully defined"):
        gd.get_variable("f", [None, 2])
    with pytest.raises(gd.DTypeError, match="don't match"):
        gd.get_variable("g", dtype=gd.float64, initializer=np.zeros(2, np.float32))
    h = gd.get_variable("h", dtype=gd.float64, initializer=[1.0, 2.0])  # Python values adopt the dtype
    assert h.dtype == gd.float64


def test_local_variable_and_collections() -> None:
    v = gd.get_local_variable("counter", [], dtype=gd.int32)
    assert v in gd.local_variables() and v not in gd.global_variables() and v not in gd.trainable_variables()


def test_default_glorot_uniform() -> None:
    v = gd.get_variable("w", [30, 50])
    (value,) = init_values(v)
    limit = math.sqrt(6 / (30 + 50))
    assert np.abs(value).max() <= limit and np.abs(value).max() > 0.9 * limit


def test_graphs_keep_their_own_scopes_and_variables() -> None:
    g1, g2 = gd.Graph(), gd.Graph()
    with g1.as_default(), gd.variable_scope("a"):
        v1 = gd.get_variable("v", [1])
    with g2.as_default():
        assert gd.get_variable_scope().name == ""
        v2 = gd.get_variable("a/v", [1])  # no clash with g1
    assert v1.graph is g1 and v2.graph is g2


def test_both_backends_initialize_identically() -> None:
    gd.set_random_seed(5)
    with gd.variable_scope("net"):
        w = gd.get_variable("w", [20, 10])
        k = gd.get_variable("k", [3, 3, 4, 8], initializer=gd.glorot_normal_initializer())
    values = []
    for backend in ("interpreter", "xla"):
        with gd.Session(backend=backend) as s:
            s.run(gd.global_variables_initializer())
            values.append(s.run([w, k]))
    assert all(np.array_equal(a, b) for a, b in zip(*values, strict=True))


# --- initializers --------------------------------------------------------------------------------------


def test_compute_fans() -> None:
    assert compute_fans([]) == (1, 1)
    assert compute_fans([7]) == (7, 7)
    assert compute_fans([3, 5]) == (3, 5)
    assert compute_fans([3, 3, 16, 32]) == (3 * 3 * 16, 3 * 3 * 32)  # HWIO conv kernel
    assert compute_fans([5, 4, 6]) == (20, 30)


@pytest.mark.parametrize(
    ("init", "shape", "check"),
    [
        (gd.glorot_uniform_initializer(seed=1), [200, 300], lambda v: np.abs(v).max() <= math.sqrt(6 / 500)),
        (gd.glorot_uniform_initializer(seed=1), [5, 5, 32, 64], lambda v: np.abs(v).max() <= math.sqrt(6 / 2400)),
        (gd.glorot_normal_initializer(seed=1), [300, 200],
         lambda v: abs(v.std() - math.sqrt(2 / 500)) < 0.03 * math.sqrt(2 / 500)
         and np.abs(v).max() <= 2 * math.sqrt(2 / 500) / 0.87962566103423978 * 1.0001),
        (gd.variance_scaling_initializer(2.0, "fan_in", "untruncated_normal", seed=1), [400, 100],
         lambda v: abs(v.std() - math.sqrt(2 / 400)) < 0.03 * math.sqrt(2 / 400)),
        (gd.variance_scaling_initializer(1.0, "fan_out", "uniform", seed=1), [100, 400],
         lambda v: np.abs(v).max() <= math.sqrt(3 / 400) and abs(v.std() - math.sqrt(1 / 400)) < 2e-3),
        (gd.random_uniform_initializer(-0.5, 0.25, seed=1), [1000],
         lambda v: v.min() >= -0.5 and v.max() < 0.25),
        (gd.random_normal_initializer(1.0, 0.1, seed=1), [10000], lambda v: abs(v.mean() - 1) < 0.01),
        (gd.truncated_normal_initializer(0.0, 0.1, seed=1), [10000], lambda v: np.abs(v).max() <= 0.2),
        (gd.zeros_initializer(), [2, 3], lambda v: not v.any()),
        (gd.ones_initializer(), [40, 30], lambda v: v.all()),
        (gd.constant_initializer([1.0, 2.0]), [2, 2], lambda v: v.tolist() == [[1, 2], [2, 2]]),
    ],
)  # fmt: skip
def test_initializers(init: object, shape: list[int], check: object) -> None:
    t = init(shape)  # type: ignore[operator]
    assert t.shape.as_list() == shape and t.dtype == gd.float32
    with gd.Session() as s:
        v = s.run(t)
    assert v.shape == tuple(shape) and v.dtype == np.float32
    assert check(v)  # type: ignore[operator]


def test_initializer_dtypes() -> None:
    assert gd.zeros_initializer(dtype=gd.int32)([2]).dtype == gd.int32
    assert gd.glorot_uniform_initializer()([2, 2], dtype=gd.float64).dtype == gd.float64
    assert gd.constant_initializer(7)([2], dtype=gd.int64).dtype == gd.int64
    with pytest.raises(gd.DTypeError, match="floating"):
        gd.glorot_uniform_initializer()([2, 2], dtype=gd.int32)
    with pytest.raises(ValueError, match="invalid mode"):
        gd.variance_scaling_initializer(mode="fan_both")
    assert gd.initializers.he_normal().get_config()["scale"] == 2.0
