"""Helpers for the pass tests: plan with chosen passes, count op types, run with and without passes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import graphdl as gd
from compiler.ir import Plan
from compiler.plan import Pass, build_plan
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape

BACKENDS = ["interpreter", "xla"]


def plan_with(fetches: Sequence[Any], feeds: Mapping[Any, Any] | None, passes: Sequence[Pass]) -> Plan:
    """The plan of `fetches` for the shapes of `feeds`, after `passes`."""
    specs = {t: TensorSpec(TensorShape(np.shape(v)), t.dtype) for t, v in (feeds or {}).items()}
    return build_plan(gd.get_default_graph(), list(fetches), specs, passes)


def op_types(plan: Plan) -> Counter[str]:
    """How many steps of each op type the plan has."""
    return Counter(s.op_def.name for s in plan.steps)


def assert_same_results(fetches: Any, feeds: Mapping[Any, Any] | None = None, init: Any = None) -> None:
    """Optimized and unoptimized runs agree, on both backends (and the backends agree)."""
    results = []
    for backend in BACKENDS:
        for optimize in (False, True):
            with gd.Session(backend=backend, optimize=optimize) as sess:
                if init is not None:
                    sess.run(init)
                results.append(sess.run(fetches, feeds))
    ref = results[0]
    for other in results[1:]:
        for a, b in zip(ref, other, strict=True):
            if a is None:
                assert b is None
                continue
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
