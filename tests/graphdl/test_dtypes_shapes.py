"""dtypes and TensorShape."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as gd
from graphdl.shapes import TensorShape, broadcast_shapes


def test_as_dtype():
    assert gd.as_dtype("float32") is gd.float32
    assert gd.as_dtype(np.int64) is gd.int64
    assert gd.as_dtype(np.dtype("uint8")) is gd.uint8
    assert gd.as_dtype(bool) is gd.bool
    assert gd.float32 == np.float32
    assert gd.float64.is_floating and gd.int8.is_integer and gd.bool.is_bool
    with pytest.raises(gd.DTypeError):
        gd.as_dtype("complex999")
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]:
        assert gd.as_dtype(name).name == name


def test_tensor_shape_basics():
    s = TensorShape([None, 784])
    assert s.ndims == 2 and s.as_list() == [None, 784] and str(s) == "(?, 784)"
    assert s.num_elements() is None and not s.is_fully_defined()
    assert TensorShape([2, 3]).num_elements() == 6
    assert TensorShape(None).ndims is None
    assert s.is_compatible_with([5, 784]) and not s.is_compatible_with([5, 10])
    assert not s.is_compatible_with([5])
    assert s.merge_with([7, None]).as_list() == [7, 784]
    with pytest.raises(gd.ShapeError):
        s.merge_with([7, 3])
    with pytest.raises(gd.ShapeError):
        TensorShape(None).as_list()
    assert TensorShape(None).is_compatible_with([1, 2, 3])


def test_broadcast_shapes():
    assert broadcast_shapes(TensorShape([2, 1, 3]), TensorShape([4, 1])).as_list() == [2, 4, 3]
    assert broadcast_shapes(TensorShape([None, 3]), TensorShape([3])).as_list() == [None, 3]
    assert broadcast_shapes(TensorShape([None, 1]), TensorShape([1, 5])).as_list() == [None, 5]
    with pytest.raises(gd.ShapeError):
        broadcast_shapes(TensorShape([2, 3]), TensorShape([4]))
    assert broadcast_shapes(TensorShape([2]), TensorShape(None)).ndims is None
