"""TF1's `tf.data.experimental` (and `tf.contrib.data`) transformations, for `Dataset.apply`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphdl.data.dataset import Dataset

__all__ = [
    "batch_and_drop_remainder",
    "map_and_batch",
    "padded_batch_and_drop_remainder",
    "shuffle_and_repeat",
    "unbatch",
]

Transformation = Callable[[Dataset], Dataset]


def batch_and_drop_remainder(batch_size: int) -> Transformation:
    """tf.contrib.data: `batch(batch_size, drop_remainder=True)`, so every batch has a static size."""
    return lambda ds: ds.batch(batch_size, drop_remainder=True)


def padded_batch_and_drop_remainder(
    batch_size: int, padded_shapes: Any, padding_values: Any = None
) -> Transformation:
    """tf.contrib.data: `padded_batch(..., drop_remainder=True)`."""
    return lambda ds: ds.padded_batch(batch_size, padded_shapes, padding_values, drop_remainder=True)


def shuffle_and_repeat(buffer_size: int, count: int | None = None, seed: int | None = None) -> Transformation:
    """`shuffle(buffer_size, seed).repeat(count)`, reshuffled each epoch."""
    return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)


def map_and_batch(
    map_func: Callable[..., Any],
    batch_size: int,
    num_parallel_batches: Any = None,
    drop_remainder: bool = False,
    num_parallel_calls: Any = None,
) -> Transformation:
    """`map(map_func).batch(batch_size, drop_remainder)`."""
    return lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)


def unbatch() -> Transformation:
    """Each batch split back into its elements."""
    return lambda ds: ds.unbatch()
