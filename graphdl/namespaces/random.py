"""`tf.random` (TF 1.13+): aliases of graphdl's random ops (`normal` is `random_normal`, ...),
resolved when accessed. A TF name graphdl does not (yet) provide raises an AttributeError naming
tf.random.
"""

from __future__ import annotations

from typing import Any

from graphdl.namespaces import lazy_namespace

ALIASES: dict[str, str] = {
    "normal": "random_normal",
    "uniform": "random_uniform",
    "truncated_normal": "truncated_normal",
    "shuffle": "random_shuffle",
    "gamma": "random_gamma",
    "poisson": "random_poisson",
    "multinomial": "multinomial",
    "crop": "random_crop",
    "set_random_seed": "set_random_seed",
    "set_seed": "set_random_seed",  # TF2's name for the graph-level seed
    "get_seed": "get_seed",
}


def categorical(
    logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None, name: str | None = None
) -> Any:
    """`tf.random.categorical`: `tf.multinomial` with TF 1.13's argument order (dtype before seed)."""
    import graphdl

    return graphdl.multinomial(
        logits, num_samples, seed=seed, name=name, output_dtype=graphdl.int64 if dtype is None else dtype
    )


__getattr__, __dir__ = lazy_namespace("random", ALIASES, {"categorical": categorical})
