"""The op families; importing this package registers every op in `graphdl.registry`."""

from graphdl.ops import (  # noqa: F401
    array,
    conv,
    grad_util,
    linalg,
    logic,
    math,
    nn,
    nn_extra,
    random,
    reduce,
    state,
    train_ops,
    unary,
)
