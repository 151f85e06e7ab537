"""TF 1.13+ namespaces (`tf.math`, `tf.random`, `tf.linalg`) as lazy aliases of graphdl functions.

Each namespace module keeps a mapping from the TF name to a graphdl attribute path ("floor",
"nn.top_k") and resolves it on `graphdl` when it is accessed, so ops added to graphdl later appear in
the namespaces without editing them. A name graphdl lacks raises an AttributeError naming the namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_namespace"]


def _resolve(path: str) -> Any:
    """graphdl.<path> for a dotted path, or raise AttributeError."""
    import graphdl

    obj: Any = graphdl
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _available(aliases: Mapping[str, str], local: Mapping[str, Any]) -> list[str]:
    names = set(local)
    for tf_name, path in aliases.items():
        try:
            _resolve(path)
        except AttributeError:
            continue
        names.add(tf_name)
    return sorted(names)


def lazy_namespace(
    namespace: str, aliases: Mapping[str, str], local: Mapping[str, Any] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level `__getattr__` and `__dir__` of the namespace `graphdl.<namespace>`.

    `aliases` maps TF names to graphdl attribute paths; `local` holds the namespace's own functions.
    `__all__` is computed at access time: the names graphdl has now."""
    local = dict(local or {})

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            return _available(aliases, local)
        if name in local:
            return local[name]
        path = aliases.get(name)
        if path is None:
            raise AttributeError(f"graphdl.{namespace} (tf.{namespace}) has no attribute {name!r}")
        try:
            return _resolve(path)
        except AttributeError:
            raise AttributeError(
                f"graphdl.{namespace} (tf.{namespace}) has no attribute {name!r}: it would be "
                f"graphdl.{path}, which this version of graphdl does not provide"
            ) from None

    def __dir__() -> list[str]:
        return _available(aliases, local)

    return __getattr__, __dir__
