"""TF1's `tf.contrib.rnn`: the RNN cells and `static_rnn` under their contrib names."""

from graphdl.rnn import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    RNNCell,
    static_bidirectional_rnn,
    static_rnn,
)
from graphdl.rnn.projection_wrappers import EmbeddingWrapper, OutputProjectionWrapper
from graphdl.rnn.wrappers import *  # noqa: F403
from graphdl.rnn.wrappers import __all__ as _wrapper_names

__all__ = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "EmbeddingWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "OutputProjectionWrapper",
    "RNNCell",
    "static_bidirectional_rnn",
    "static_rnn",
]
__all__ += _wrapper_names
