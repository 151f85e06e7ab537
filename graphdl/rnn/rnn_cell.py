"""TF1's `tf.nn.rnn_cell` namespace: the cell classes and LSTMStateTuple."""

from __future__ import annotations

from graphdl.rnn.cells import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    RNNCell,
)
from graphdl.rnn.wrappers import *  # noqa: F403
from graphdl.rnn.wrappers import __all__ as _wrapper_names

__all__ = [
    "RNNCell",
    "BasicRNNCell",
    "BasicLSTMCell",
    "LSTMCell",
    "GRUCell",
    "MultiRNNCell",
    "LSTMStateTuple",
]
__all__ += _wrapper_names
