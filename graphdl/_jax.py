"""The one place graphdl imports JAX; enables 64-bit types so float64 graphs stay float64."""

from __future__ import annotations

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

__all__ = ["jax", "jnp"]
