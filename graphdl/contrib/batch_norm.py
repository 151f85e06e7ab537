"""TF1's `tf.contrib.layers.batch_norm`, on `tf.layers.BatchNormalization` (the way TF 1.15's contrib
builds it): contrib's defaults (decay 0.999, no gamma unless scale=True, epsilon 0.001, training on),
its variable scope `BatchNorm` (`BatchNorm/beta`, `BatchNorm/moving_mean`, ...), and its
`updates_collections`: the moving-average updates go to UPDATE_OPS by default, to another collection
when named, or with None run with the output itself (TF1's forced updates)."""

from __future__ import annotations

from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.layers.normalization import BatchNormalization
from graphdl.tensor import Tensor

__all__ = ["batch_norm"]

_DEFAULT = object()  # updates_collections left at its default, UPDATE_OPS


class _ContribBatchNorm(BatchNormalization):
    _base_name = "BatchNorm"


def batch_norm(inputs: Any, decay: float = 0.999, center: bool = True, scale: bool = False, epsilon: float = 0.001,
               activation_fn: Any = None, param_initializers: Any = None, param_regularizers: Any = None,
               updates_collections: Any = _DEFAULT, is_training: Any = True, reuse: Any = None,
               variables_collections: Any = None, outputs_collections: Any = None, trainable: bool = True,
               batch_weights: Any = None, fused: Any = None, data_format: str = "NHWC",
               zero_debias_moving_mean: bool = False, scope: str | None = None, renorm: bool = False,
               renorm_clipping: Any = None, renorm_decay: float = 0.99, adjustment: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.contrib.layers.batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001,
    updates_collections=tf.GraphKeys.UPDATE_OPS, is_training=True, scope=None, ...)`."""
    from graphdl.ops.array import identity

    graph = get_default_graph()
    unsupported = {
        "batch_weights": batch_weights is not None,
        "zero_debias_moving_mean": zero_debias_moving_mean,
        "renorm": renorm,
        "adjustment": adjustment is not None,
        "data_format='NCHW'": data_format != "NHWC",
    }
    for arg, given in unsupported.items():
        if given:
            raise graph.located_error(
                GraphError, "batch_norm", f"{arg} is not supported by graphdl's batch_norm"
            )
    inits, regs = param_initializers or {}, param_regularizers or {}
    layer = _ContribBatchNorm(
        axis=-1, momentum=decay, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=inits.get("beta"), gamma_initializer=inits.get("gamma"),
        moving_mean_initializer=inits.get("moving_mean"), moving_variance_initializer=inits.get("moving_variance"),
        beta_regularizer=regs.get("beta"), gamma_regularizer=regs.get("gamma"),
        trainable=trainable, name=scope, _reuse=reuse,
    )  # fmt: skip
    updates_before = len(graph.get_collection(GraphKeys.UPDATE_OPS))
    out = layer(inputs, training=is_training)
    if updates_collections is not _DEFAULT and updates_collections != GraphKeys.UPDATE_OPS:
        collected = graph.get_collection_ref(GraphKeys.UPDATE_OPS)
        mine = collected[updates_before:]
        del collected[updates_before:]
        if updates_collections is None and mine:
            with graph.control_dependencies(mine):
                out = identity(out)
        else:
            for key in (
                [updates_collections] if isinstance(updates_collections, str) else updates_collections or ()
            ):
                for op in mine:
                    graph.add_to_collection(key, op)
    for name in ("beta", "gamma", "moving_mean", "moving_variance"):
        var = getattr(layer, name)
        if var is None:
            continue
        graph.add_to_collection(GraphKeys.MODEL_VARIABLES, var)
        if variables_collections is not None:
            extra = (
                variables_collections.get(name, [])
                if isinstance(variables_collections, dict)
                else variables_collections
            )
            for key in extra:
                graph.add_to_collection(key, var)
    if activation_fn is not None:
        out = activation_fn(out)
    for key in outputs_collections or ():
        graph.add_to_collection(key, out)
    return out
