"""compiler.lower: a Plan as one pure JAX function, generic over the op table."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import compiler
import graphdl as gd
from compiler.lower import lower
from graphdl._jax import jax, jnp
from graphdl.errors import ExecutionError, UninitializedVariableError
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape
from runtime.interpreter import run_plan


def _spec(t, shape):
    return {t: TensorSpec(TensorShape(shape), t.dtype)}


@pytest.fixture
def graph():
    g = gd.Graph()
    with g.as_default():
        yield g


def test_lowered_function_matches_interpreter(graph):
    x = gd.placeholder(gd.float32, [None, 2], name="x")
    w = gd.Variable(np.float32([[1, 2], [3, 4]]), name="w")
    y = gd.add(gd.matmul(x, w), gd.constant(np.float32(1)))
    upd = gd.assign_add(w, gd.constant(np.ones((2, 2), np.float32)))
    plan = compiler.plan(graph, [y, upd, upd.op], _spec(x, [3, 2]), optimize=False)
    xv = np.arange(6, dtype=np.float32).reshape(3, 2)
    variables = {"w": np.float32([[1, 2], [3, 4]])}
    fn = lower(plan, "cpu")
    fetched, writes = fn({k: jnp.asarray(v) for k, v in variables.items()}, {"x:0": xv}, 0)
    ref_fetched, ref_writes = run_plan(plan, variables, {"x:0": xv}, 0)
    assert fetched[2] is None and ref_fetched[2] is None
    for a, b in zip(fetched[:2], ref_fetched[:2], strict=True):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-6)
    assert set(writes) == set(ref_writes) == {"w"}
    np.testing.assert_array_equal(np.asarray(writes["w"]), ref_writes["w"])
    np.testing.assert_array_equal(variables["w"], [[1, 2], [3, 4]])  # writes are returned, not applied


def test_lowered_function_is_pure_and_jittable(graph):
    x = gd.placeholder(gd.float64, [3], name="x")
    y = gd.add(x, x)
    plan = compiler.plan(graph, [y], _spec(x, [3]), optimize=False)
    fn = jax.jit(lower(plan, "cpu"))
    out, writes = fn({}, {"x:0": jnp.arange(3.0)}, jnp.int64(5))
    assert writes == {}
    assert out[0].dtype == jnp.float64
    np.testing.assert_array_equal(np.asarray(out[0]), [0, 2, 4])


def test_unknown_platform_refused(graph):
    x = gd.placeholder(gd.float32, [1])
    plan = compiler.plan(graph, [gd.add(x, x)], _spec(x, [1]), optimize=False)
    with pytest.raises(ValueError, match="platform"):
        lower(plan, "fpga")


def _replace_rule(plan, op_type, **rules):
    """A copy of the plan whose steps of `op_type` use an unregistered OpDef with these rules."""
    steps = []
    for st in plan.steps:
        if st.op_def.name == op_type:
            od = dataclasses.replace(st.op_def, **rules)
            st = dataclasses.replace(st, op_def=od)
        steps.append(st)
    return dataclasses.replace(plan, steps=steps)


def test_rule_failure_names_the_op_and_line(graph):
    x = gd.placeholder(gd.float32, [2])
    y = gd.add(x, x, name="boom")
    plan = compiler.plan(graph, [y], _spec(x, [2]), optimize=False)

    def bad(inputs, attrs, ctx):
        raise RuntimeError("no kernel")

    fn = lower(_replace_rule(plan, "Add", lower=bad), "cpu")
    with pytest.raises(ExecutionError, match=r"add 'boom' \(test_lower.py:\d+\).*no kernel"):
        fn({}, {x.name: np.float32([1, 2])}, 0)
    fn = lower(_replace_rule(plan, "Add", lower=lambda i, a, c: jnp.zeros((3,), jnp.float32)), "cpu")
    with pytest.raises(ExecutionError, match="shape"):
        fn({}, {x.name: np.float32([1, 2])}, 0)


def test_results_cast_to_inferred_dtype(graph):
    x = gd.placeholder(gd.float32, [2])
    y = gd.add(x, x)
    plan = compiler.plan(graph, [y], _spec(x, [2]), optimize=False)
    fn = lower(_replace_rule(plan, "Add", lower=lambda i, a, c: jnp.asarray([1.0, 2.0], jnp.float64)), "cpu")
    out, _ = fn({}, {x.name: np.float32([1, 2])}, 0)
    assert out[0].dtype == jnp.float32


def test_context_gives_platform_and_traced_step(graph):
    x = gd.placeholder(gd.float64, [])
    y = gd.add(x, x)
    plan = compiler.plan(graph, [y], _spec(x, []), optimize=False)
    seen = []

    def rule(inputs, attrs, ctx):
        seen.append((ctx.platform, ctx.node.name))
        return inputs[0] + ctx.step.astype(jnp.float64)

    traces = []
    fn = lower(_replace_rule(plan, "Add", lower=rule), "cpu")

    def counted(*a):
        traces.append(1)
        return fn(*a)

    jitted = jax.jit(counted)
    for step in range(3):
        out, _ = jitted({}, {x.name: np.float64(1.0)}, np.int64(step))
        assert float(out[0]) == 1.0 + step
    assert len(traces) == 1
    assert seen[0] == ("cpu", y.op.name)


def test_reading_an_absent_variable_names_it(graph):
    w = gd.Variable(np.float32(1), name="w")
    y = gd.add(w._as_tensor() if hasattr(w, "_as_tensor") else w, gd.constant(np.float32(1)))
    plan = compiler.plan(graph, [y], {}, optimize=False)
    with pytest.raises(UninitializedVariableError, match="'w'"):
        lower(plan, "cpu")({}, {}, 0)


def test_lower_is_generic():
    import inspect

    import compiler.lower as mod

    src = inspect.getsource(mod)
    for op in ("MatMul", "Assign", "VariableV2", "Placeholder", '"Add"'):
        assert op not in src
