"""graphdl.data: TF1's `tf.data` (also `tf.contrib.data`): Dataset and Iterator, run on the host."""

from graphdl.data.dataset import Dataset
from graphdl.data.iterator import Iterator

__all__ = ["Dataset", "Iterator"]
