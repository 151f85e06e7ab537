"""Test setup: a fresh default graph per test, and the MNIST folder from GRAPHDL_DATA_DIR."""

from __future__ import annotations

import os

import pytest

import graphdl as gd

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("GRAPHDL_DATA_DIR", os.path.join(HERE, "..", "..", "shared", "data"))
# Absolute, so the example programs the tests start in other folders find the data too (the README's
# test command passes GRAPHDL_DATA_DIR=../shared/data, relative to where pytest starts).
os.environ["GRAPHDL_DATA_DIR"] = os.path.abspath(os.environ["GRAPHDL_DATA_DIR"])


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    gd.reset_default_graph()
    yield
    gd.reset_default_graph()
