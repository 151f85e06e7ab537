"""Nested structures of tuples, lists, namedtuples and dicts, as TF1's `nest` treats them.

`flatten` lists the leaves (dict values in sorted key order), `pack` puts new leaves into the same
structure, `same_structure` compares two structures (leaves are anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["flatten", "pack", "same_structure"]


def flatten(structure: Any) -> list[Any]:
    """The leaves of `structure`, depth first (dict values in sorted key order)."""
    if isinstance(structure, Mapping):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, tuple | list):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack(structure: Any, leaves: list[Any]) -> Any:
    """`structure` with its leaves replaced by `leaves`, in `flatten` order (dicts come back as dicts)."""
    it = iter(leaves)

    def build(s: Any) -> Any:
        if isinstance(s, Mapping):
            return {k: build(s[k]) for k in sorted(s)}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*(build(v) for v in s))
        if isinstance(s, tuple | list):
            return type(s)(build(v) for v in s)
        return next(it)

    return build(structure)


def same_structure(a: Any, b: Any) -> bool:
    """Whether `a` and `b` nest the same way (the same dict keys, the same sequence lengths)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and sorted(a) == sorted(b)
            and all(same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(same_structure(x, y) for x, y in zip(a, b, strict=True))
        )
    return True
