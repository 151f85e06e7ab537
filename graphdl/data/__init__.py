"""graphdl.data: TF1's `tf.data` (also `tf.contrib.data`): Dataset and Iterator, run on the host."""

from typing import Any

from graphdl.data import experimental
from graphdl.data.dataset import Dataset
from graphdl.data.experimental import (
    batch_and_drop_remainder,
    map_and_batch,
    padded_batch_and_drop_remainder,
    shuffle_and_repeat,
    unbatch,
)
from graphdl.data.iterator import Iterator
from graphdl.data.sources import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset

__all__ = [
    "Dataset",
    "FixedLengthRecordDataset",
    "Iterator",
    "TFRecordDataset",
    "TextLineDataset",
    "batch_and_drop_remainder",
    "experimental",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
    "map_and_batch",
    "padded_batch_and_drop_remainder",
    "shuffle_and_repeat",
    "unbatch",
]


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """TF1 (1.13+): `dataset.make_one_shot_iterator()`."""
    return dataset.make_one_shot_iterator()  # type: ignore[no-any-return]


def make_initializable_iterator(dataset: Dataset, shared_name: str | None = None) -> Iterator:
    """TF1 (1.13+): `dataset.make_initializable_iterator()`."""
    return dataset.make_initializable_iterator(shared_name)  # type: ignore[no-any-return]


def get_output_types(dataset_or_iterator: Any) -> Any:
    """TF1 (1.13+): the element types of a dataset or iterator."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator: Any) -> Any:
    """TF1 (1.13+): the element shapes of a dataset or iterator."""
    return dataset_or_iterator.output_shapes
