"""Session.run's fast path (runtime/runners.py): the hot program per fetch structure, switched by the
feeds' class, dtype and shape; fetch conversion by kinds from the plan; errors on the hot path."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import FeedError, GraphError, UninitializedVariableError
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape
from runtime import runners
from runtime.session import Session

BACKENDS = ["xla", "interpreter"]


@pytest.fixture
def graph():
    g = gd.Graph()
    with g.as_default():
        yield g


@pytest.mark.parametrize("backend", BACKENDS)
def test_hot_program_follows_feed_shape_dtype_and_class(graph, backend):
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    s = gd.reduce_sum(x, axis=1)
    sess = Session(backend=backend)
    for n in (4, 8, 4, 8):  # alternating batch sizes: each run takes its own shape's program
        xv = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        np.testing.assert_array_equal(sess.run(s, {x: xv}), xv.sum(1))
    same_shape = np.ones((4, 3), np.float32)
    as_int = np.full((4, 3), 2, np.int8)  # same shape, another dtype: converted, not passed through
    as_list = [[3.0, 3.0, 3.0]] * 4  # not an array: converted
    for value, want in ((same_shape, 3.0), (as_int, 6.0), (as_list, 9.0), (same_shape, 3.0)):
        got = sess.run(s, {x: value})
        assert got.dtype == np.float32 and got.tolist() == [want] * 4
    with pytest.raises(FeedError, match="shape"):
        sess.run(s, {x: np.ones((4, 2), np.float32)})
    np.testing.assert_array_equal(sess.run(s, {x: same_shape}), [3.0] * 4)  # the hot program is intact


@pytest.mark.parametrize("backend", BACKENDS)
def test_feeds_in_any_order_and_fetch_kinds(graph, backend):
    b = gd.placeholder(gd.float32, [2], name="b")  # fed first, sorted last among the program's feeds
    a = gd.placeholder(gd.float32, [2], name="a")
    v = gd.Variable(np.float32(0), name="v")
    total = gd.reduce_sum(a - b)
    diff = a - b
    inc = gd.assign_add(v, total)
    sess = Session(backend=backend)
    sess.run(v.initializer)
    av, bv = np.float32([5, 7]), np.float32([1, 2])
    for k in range(1, 4):
        op, t, d = sess.run([inc.op, total, diff], {b: bv, a: av})
        assert op is None
        assert isinstance(t, np.float32) and t == 9.0  # a 0-d fetch is a NumPy scalar, as in TF1
        assert isinstance(d, np.ndarray) and d.flags.writeable and d.tolist() == [4.0, 5.0]
        d[0] = 0.0  # the fetched array is the caller's own
        assert float(sess.run(v)) == 9.0 * k
    got = sess.run({"t": total, "d": (diff,)}, {b: bv, a: av})  # a structure rebuilt around the values
    assert got["t"] == 9.0 and got["d"][0].tolist() == [4.0, 5.0]
    assert sess.run(inc.op, {a: av, b: bv}) is None  # only ops: returns when the update is done
    assert float(sess.run(v)) == 36.0
    assert sess.run([], {a: av}) == [] and sess.run(()) == ()  # nothing fetched: the empty structure


def test_fetch_kinds_from_the_plan():
    specs = {
        0: TensorSpec(TensorShape([]), gd.float32),
        1: TensorSpec(TensorShape([2, None]), gd.float32),
        2: TensorSpec(TensorShape(None), gd.float32),
    }
    plan = SimpleNamespace(fetch_slots=[None, 0, 1, 2, 3], slot_specs=specs)
    assert runners.fetch_kinds(plan) == [runners.OP, runners.SCALAR, runners.ARRAY, runners.ANY, runners.ANY]


@pytest.mark.parametrize("backend", BACKENDS)
def test_hot_path_errors_change_nothing(graph, backend):
    x = gd.placeholder(gd.float32, [2], name="x")
    a = gd.Variable(np.float32(1), name="a")
    b = gd.Variable(np.float32(2), name="b")
    upd = gd.assign_add(a, gd.reduce_sum(x) * b)
    sess = Session(backend=backend)
    sess.run(a.initializer)
    with pytest.raises(UninitializedVariableError, match="'b' \\(created at"):
        sess.run(upd, {x: np.float32([1, 1])})
    assert float(sess.run(a)) == 1.0
    sess.run(b.initializer)
    xv = np.float32([1, 1])
    assert float(sess.run(upd, {x: xv})) == 5.0
    sess.close()
    with pytest.raises(GraphError, match="closed"):
        sess.run(upd, {x: xv})
