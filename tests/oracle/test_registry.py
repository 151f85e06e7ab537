"""One parametrised test over the whole op table, driven by each op's sample inputs."""

from __future__ import annotations

import numpy as np
import pytest

from graphdl.registry import all_op_defs
from tests.oracle.harness import check_gradient, check_infer_evaluate_lower

NO_SAMPLES_KINDS = {"placeholder", "variable", "constant", "update", "control", "summary"}
# ops on host strings: XLA never runs them, so the both-backends harness cannot; their values are
# checked against TF in tests/graphdl/test_tfrecord.py
HOST_STRING_OPS = {"DecodeRawValue", "ParseExample"}

OPS = all_op_defs()
CASES = [
    pytest.param(op, k, id=f"{op.name}-{k}")
    for op in OPS
    if op.samples is not None
    for k in range(len(op.samples(np.random.default_rng(0))))
]


def test_every_computing_op_has_samples() -> None:
    missing = [
        op.name
        for op in OPS
        if op.samples is None and op.kind not in NO_SAMPLES_KINDS and op.name not in HOST_STRING_OPS
    ]
    assert not missing, f"ops without samples (add them in the op's entry): {missing}"


@pytest.mark.parametrize(("op", "k"), CASES)
def test_infer_evaluate_lower(op, k) -> None:
    sample = op.samples(np.random.default_rng(0))[k]
    check_infer_evaluate_lower(op, sample)


@pytest.mark.parametrize(("op", "k"), [c for c in CASES if c.values[0].differentiable])
def test_gradient(op, k) -> None:
    sample = op.samples(np.random.default_rng(0))[k]
    check_gradient(op, sample)
