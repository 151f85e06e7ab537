"""The op families; importing this package registers every op in `graphdl.registry`."""

from graphdl.ops import (  # noqa: F401
    array,
    conv,
    math,
    nn,
    nn_extra,
    random,
    reduce,
    state,
    train_ops,
)
