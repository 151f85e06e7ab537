"""TF1's `tf.contrib.rnn`: the RNN cells and `static_rnn` under their contrib names."""

from typing import Any

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


class LSTMBlockCell(LSTMCell):
    """TF1's `tf.contrib.rnn.LSTMBlockCell(num_units, forget_bias=1.0, cell_clip=None, use_peephole=False)`.

    TF1 runs it as one fused kernel; its gates, variables (`lstm_cell/kernel`, `lstm_cell/bias`, the
    peepholes `w_i_diag`, `w_f_diag`, `w_o_diag`) and results are LSTMCell's, which computes it here.
    """

    def __init__(
        self,
        num_units: int,
        forget_bias: float = 1.0,
        cell_clip: float | None = None,
        use_peephole: bool = False,
        dtype: Any = None,
        reuse: Any = None,
        name: str = "lstm_cell",
    ) -> None:
        clip = None if cell_clip is None or cell_clip < 0 else cell_clip  # TF1: a negative clip is none
        super().__init__(
            num_units,
            use_peepholes=use_peephole,
            cell_clip=clip,
            forget_bias=forget_bias,
            reuse=reuse,
            name=name,
            dtype=dtype,
        )


__all__ = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "EmbeddingWrapper",
    "GRUCell",
    "LSTMBlockCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "OutputProjectionWrapper",
    "RNNCell",
    "static_bidirectional_rnn",
    "static_rnn",
]
__all__ += _wrapper_names
