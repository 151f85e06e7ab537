"""The op families; importing this package registers every op in `graphdl.registry`."""

from graphdl.ops import (
    array,
    conv,
    creation,
    grad_util,
    indexing,
    joining,
    linalg,
    logic,
    math,
    nn,
    nn_extra,
    padding,
    pool,
    random,
    reduce,
    selection,
    shape_args,
    state,
    train_ops,
    unary,
)
