"""Recurrent networks in TF1's style: `rnn_cell` (the cells) and `static_rnn` (tf.contrib.rnn layout).

`graphdl.nn.rnn_cell` and `graphdl.nn.static_rnn` come from here.
"""

from __future__ import annotations

from graphdl.rnn import rnn_cell
from graphdl.rnn.cells import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    RNNCell,
)
from graphdl.rnn.dynamic import *  # noqa: F403
from graphdl.rnn.dynamic import __all__ as _dynamic_names
from graphdl.rnn.static import static_rnn
from graphdl.rnn.wrappers import *  # noqa: F403
from graphdl.rnn.wrappers import __all__ as _wrapper_names

__all__ = [
    "rnn_cell", "static_rnn", "RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
    "LSTMStateTuple",
]  # fmt: skip
__all__ += _dynamic_names
__all__ += _wrapper_names
