"""Generated docs stay true: the op reference matches the op table."""

from __future__ import annotations

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_op_reference_is_current():
    spec = importlib.util.spec_from_file_location(
        "make_op_reference", os.path.join(ROOT, "docs", "make_op_reference.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(ROOT, "docs", "ops.md"), encoding="utf-8") as f:
        assert f.read() == module.render(), "docs/ops.md is stale: run python docs/make_op_reference.py"
