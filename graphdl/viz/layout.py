"""Grouping the drawn graph nodes into items (single nodes or folds) nested in scope clusters."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphdl.graph import Node
from graphdl.viz import style as st
from graphdl.viz.collapse import Path, fold_key, repeat_folds, scope_path, split_suffix

FORWARD, BACKWARD = "forward pass", "backward pass"


@dataclass
class Item:
    """One drawn node: a graph node, or a fold of several."""

    id: str
    members: list[Node]
    cluster: Path
    kind: str  # a style key
    fold: Path | None = None
    faded: bool = False
    backward: bool = False
    lifted: list[str] = field(default_factory=list)  # one-node scopes this item was lifted out of


@dataclass
class Cluster:
    path: Path
    items: list[Item] = field(default_factory=list)
    children: dict[str, Cluster] = field(default_factory=dict)

    def size(self) -> int:
        return len(self.items) + sum(c.size() for c in self.children.values())

    def all_items(self) -> list[Item]:
        out = list(self.items)
        for c in self.children.values():
            out.extend(c.all_items())
        return out


class Layout:
    """The items of a drawing: `group()` folds the graph nodes into items, `clusters()` nests them."""

    def __init__(
        self,
        drawn: list[Node],
        faded: list[Node],
        back: set[Node],
        view: str,
        collapse: int | set[Path] | None,
        repeats: int,
    ) -> None:
        self.drawn, self.faded, self.back = drawn, faded, back
        self.view, self.collapse = view, collapse
        all_paths = {scope_path(n.scope) for n in drawn + faded}
        self.min_repeats = repeats
        self.repeats = repeat_folds(all_paths, repeats)
        self.fold_labels: dict[Path, tuple[str, str]] = {
            f.key: (f"{f.label}", f"steps {f.first}\u2013{f.last}") for f in self.repeats.values()
        }
        self.item_of: dict[Node, Item] = {}
        self.items: list[Item] = []

    def _pass_prefix(self, node: Node) -> Path:
        if self.view != "both":
            return ()
        return (BACKWARD,) if node in self.back else (FORWARD,)

    def group(self) -> None:
        folds: dict[tuple[bool, Path, Path], Item] = {}
        pending: list[tuple[Node, bool, Path, Path | None]] = []
        for faded, group in ((False, self.drawn), (True, self.faded)):
            for n in group:
                path = scope_path(n.scope)
                key = fold_key(path, self.collapse, self.repeats)
                pending.append((n, faded, self._pass_prefix(n), key))
        pending = self._fold_repeated_ops(pending)
        counts: dict[tuple[bool, Path, Path], int] = {}
        for _, faded, prefix, key in pending:
            if key is not None:
                counts[(faded, prefix, key)] = counts.get((faded, prefix, key), 0) + 1
        for n, faded, prefix, key in pending:
            if key is not None and counts[(faded, prefix, key)] > 1:
                fk = (faded, prefix, key)
                item = folds.get(fk)
                if item is None:
                    cluster = () if faded else prefix + key[:-1]
                    item = Item(f"s{len(folds)}", [], cluster, "op", fold=key, faded=faded)
                    folds[fk] = item
                    self.items.append(item)
                item.members.append(n)
            else:
                cluster = () if faded else prefix + scope_path(n.scope)
                kind = "faded" if faded else st.style_kind(n)
                item = Item(f"n{n.id}", [n], cluster, kind, faded=faded)
                self.items.append(item)
            item.backward = item.backward or n in self.back
            self.item_of[n] = item
        for item in folds.values():
            item.kind = "faded" if item.faded else fold_kind(item.members)

    def _fold_repeated_ops(
        self, pending: list[tuple[Node, bool, Path, Path | None]]
    ) -> list[tuple[Node, bool, Path, Path | None]]:
        """Fold runs of sibling ops of one type named `AddN`, `AddN_1`, ... (e.g. gradient sums over
        the steps of an unrolled RNN), keeping the first and the last expanded."""
        if not self.min_repeats or self.min_repeats < 3:
            return pending
        families: dict[tuple[bool, Path, Path, str, str], list[tuple[int, int]]] = {}
        for i, (n, faded, prefix, key) in enumerate(pending):
            if key is None and n.kind != "variable":
                base, idx = split_suffix(n.name.rsplit("/", 1)[-1])
                families.setdefault((faded, prefix, scope_path(n.scope), n.type, base), []).append((idx, i))
        out = list(pending)
        for (_, _, path, _, base), members in families.items():
            if len(members) < max(self.min_repeats, 3):
                continue
            members.sort()
            middle = members[1:-1]
            fkey = (*path, f"{base}[{middle[0][0]}..{middle[-1][0]}]")
            self.fold_labels[fkey] = (
                f"{base} \u00d7{len(middle)}",
                f"{base}_{middle[0][0]} \u2026 {base}_{middle[-1][0]}",
            )
            for _, i in middle:
                n, faded, prefix, _ = out[i]
                out[i] = (n, faded, prefix, fkey)
        return out

    def clusters(self) -> Cluster:
        root = Cluster(())
        for item in self.items:
            c = root
            for k, part in enumerate(item.cluster):
                c = c.children.setdefault(part, Cluster(item.cluster[: k + 1]))
            c.items.append(item)
        _flatten(root, is_root=True)
        return root


def fold_kind(members: list[Node]) -> str:
    """The style of a fold: gradient if it holds gradient ops, else its most common kind."""
    kinds = [st.style_kind(m) for m in members]
    if "gradient" in kinds:
        return "gradient"
    if "update" in kinds:
        return "update"
    if "op" in kinds:
        return "op"
    return max(set(kinds), key=kinds.count)


def _flatten(cluster: Cluster, is_root: bool = False) -> None:
    """Lift the lone item of a one-node cluster into its parent (a frame around one node is noise)."""
    for name in list(cluster.children):
        child = cluster.children[name]
        _flatten(child)
        if child.path in ((FORWARD,), (BACKWARD,)):
            continue
        if not child.children and len(child.items) == 1:
            child.items[0].lifted.insert(0, name)
            cluster.items.extend(child.items)
            del cluster.children[name]
        elif not child.children and not child.items:
            del cluster.children[name]


def is_gradient_cluster(cluster: Cluster) -> bool:
    items = cluster.all_items()
    return bool(items) and all(i.kind == "gradient" or i.backward for i in items)
