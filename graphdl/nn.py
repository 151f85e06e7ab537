"""graphdl.nn: TF1's `tf.nn` namespace.

It re-exports the activations and softmax of `graphdl.ops.activations`, the cross-entropies of
`graphdl.ops.xent`, the ops of `graphdl.ops.nn` (l2_loss, bias_add, in_top_k, moments, ...), the
activations that live in math (`sigmoid`, `tanh`), and every name in the `__all__` of the other
families that belong to `tf.nn` (`graphdl.ops.conv`, `graphdl.ops.nn_extra`); `rnn_cell`,
`dynamic_rnn` and `static_rnn` come from `graphdl.rnn` when it is present. To add a `tf.nn` op, put
it in one of those modules' `__all__`.
"""

from __future__ import annotations

import importlib
from typing import Any

from graphdl.ops.activations import *  # noqa: F403
from graphdl.ops.activations_extra import *  # noqa: F403
from graphdl.ops.candidate_sampling import *  # noqa: F403
from graphdl.ops.conv import *  # noqa: F403
from graphdl.ops.conv3d import *  # noqa: F403
from graphdl.ops.conv_extra import *  # noqa: F403
from graphdl.ops.conv_generic import *  # noqa: F403
from graphdl.ops.math import sigmoid, tanh
from graphdl.ops.nn import *  # noqa: F403
from graphdl.ops.nn_extra import *  # noqa: F403
from graphdl.ops.normalization import *  # noqa: F403
from graphdl.ops.sampled_losses import *  # noqa: F403
from graphdl.ops.topk import *  # noqa: F403
from graphdl.ops.xent import *  # noqa: F403

_RNN_NAMES = (
    "rnn_cell", "dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn", "raw_rnn",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    # The RNN helpers live in graphdl.rnn (which imports graphdl.nn): import it only when asked for.
    if name in _RNN_NAMES:
        try:
            rnn = importlib.import_module("graphdl.rnn")
        except ImportError:
            raise AttributeError(f"graphdl.nn.{name} needs graphdl.rnn, which is not available") from None
        return getattr(rnn, name)
    raise AttributeError(f"module 'graphdl.nn' has no attribute {name!r}")


__all__ = ["sigmoid", "tanh"]  # extended below with the families' names
for _mod in (
    "graphdl.ops.activations",
    "graphdl.ops.xent",
    "graphdl.ops.nn",
    "graphdl.ops.conv",
    "graphdl.ops.conv_extra",
    "graphdl.ops.nn_extra",
    "graphdl.ops.topk",
):
    __all__ += list(importlib.import_module(_mod).__all__)
