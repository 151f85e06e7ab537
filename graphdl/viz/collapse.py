"""Folding name scopes into single nodes: chosen scopes, scopes below a depth, and the repeated
sibling scopes of an unrolled RNN (`rnn/basic_lstm_cell`, `rnn/basic_lstm_cell_1`, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graphdl.errors import GraphError

Path = tuple[str, ...]
_SUFFIX = re.compile(r"^(?P<base>.+?)(?:_(?P<index>\d+))?$")


def scope_path(scope: str) -> Path:
    """`'rnn/basic_lstm_cell_3'` -> `('rnn', 'basic_lstm_cell_3')`."""
    return tuple(p for p in scope.split("/") if p) if scope else ()


def split_suffix(name: str) -> tuple[str, int]:
    """`'basic_lstm_cell_3'` -> ('basic_lstm_cell', 3); `'step_0'` -> ('step', 0); no suffix -> index 0."""
    m = _SUFFIX.match(name)
    if m is None:  # pragma: no cover - the pattern matches every non-empty name
        return name, 0
    idx = m.group("index")
    return m.group("base"), int(idx) if idx is not None else 0


@dataclass(frozen=True)
class RepeatFold:
    """A run of repeated sibling scopes drawn as one node: `parent/base_first .. base_last`."""

    parent: Path
    base: str
    members: tuple[str, ...]
    first: int
    last: int

    @property
    def label(self) -> str:
        return f"{self.base} \u00d7{len(self.members)}"

    @property
    def key(self) -> Path:
        return (*self.parent, f"{self.base}[{self.first}..{self.last}]")


def repeat_folds(paths: Iterable[Path], min_repeats: int, keep_ends: int = 1) -> dict[Path, RepeatFold]:
    """Scope path -> the fold it belongs to, for families of >= `min_repeats` sibling scopes that differ
    only by a numeric suffix. The first and last `keep_ends` members of a family stay expanded."""
    if not min_repeats or min_repeats < 2:
        return {}
    children: dict[Path, set[str]] = {}
    for p in paths:
        for k in range(len(p)):
            children.setdefault(p[:k], set()).add(p[k])
    out: dict[Path, RepeatFold] = {}
    for parent, names in children.items():
        families: dict[str, list[tuple[int, str]]] = {}
        for name in names:
            base, idx = split_suffix(name)
            families.setdefault(base, []).append((idx, name))
        for base, members in families.items():
            if len(members) < max(min_repeats, 2 * keep_ends + 1):
                continue
            members.sort()
            middle = members[keep_ends : len(members) - keep_ends]
            fold = RepeatFold(parent, base, tuple(n for _, n in middle), middle[0][0], middle[-1][0])
            for _, name in middle:
                out[(*parent, name)] = fold
    return out


def normalize_collapse(collapse: int | str | Sequence[str] | None) -> int | set[Path] | None:
    """`collapse=` as a depth, a set of scope paths, or None."""
    if collapse is None or collapse is False:
        return None
    if isinstance(collapse, bool):
        raise GraphError("graphdl.viz: collapse= takes scope names or a depth (int), not True")
    if isinstance(collapse, int):
        if collapse < 0:
            raise GraphError(f"graphdl.viz: collapse depth must be >= 0, got {collapse}")
        return collapse
    if isinstance(collapse, str):
        collapse = [c for c in collapse.split(",") if c.strip()]
    paths = {scope_path(str(c).strip().strip("/")) for c in collapse}
    paths.discard(())
    return paths


def fold_key(path: Path, collapse: int | set[Path] | None, repeats: dict[Path, RepeatFold]) -> Path | None:
    """The outermost fold a node with scope `path` belongs to (None: drawn on its own)."""
    for k in range(1, len(path) + 1):
        prefix = path[:k]
        fold = repeats.get(prefix)  # a run of repeated steps folds coarser than one scope
        if fold is not None:
            return fold.key
        if isinstance(collapse, int) and not isinstance(collapse, bool):
            if k == collapse + 1:
                return prefix
        elif isinstance(collapse, set) and prefix in collapse:
            return prefix
    return None
