"""`tf.random` (TF 1.13+): aliases of graphdl's random ops (`normal` is `random_normal`, ...),
resolved when accessed. A TF name graphdl does not (yet) provide raises an AttributeError naming
tf.random.
"""

from __future__ import annotations

from graphdl.namespaces import lazy_namespace

ALIASES: dict[str, str] = {
    "normal": "random_normal",
    "uniform": "random_uniform",
    "truncated_normal": "truncated_normal",
    "shuffle": "random_shuffle",
    "gamma": "random_gamma",
    "poisson": "random_poisson",
    "multinomial": "multinomial",
    "categorical": "categorical",
    "set_random_seed": "set_random_seed",
    "set_seed": "set_random_seed",  # TF2's name for the graph-level seed
    "get_seed": "get_seed",
}

__getattr__, __dir__ = lazy_namespace("random", ALIASES)
