"""`runtime.compare`: run one graph on the XLA backend and on the NumPy interpreter and diff them.

    report = compare([loss, logits], {x: xs, y: ys}, init=gd.global_variables_initializer())
    print(report)            # a table: errors per fetch, pass/fail, both timings, speedup
    report.ok                # every fetch within its dtype's tolerance

Both sessions start from the same variable values: `init` runs on both (so their run counters stay
in step for random ops), then the reference session's values are loaded into the other one.
With `per_node=True` every intermediate tensor of the unoptimized plan is fetched on both backends
and the first node, in topological order, whose outputs disagree is named with its source line.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import compiler
from graphdl.graph import Graph, Node, get_default_graph
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor
from runtime.fetches import flatten_fetches
from runtime.session import Session

# dtype kind/name -> (rtol, atol): a value passes when |test - ref| <= atol + rtol * |ref|
TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-2, 1e-3),
    "bfloat16": (2e-2, 1e-2),
    "float32": (1e-4, 1e-5),
    "float64": (1e-9, 1e-12),
    "complex64": (1e-4, 1e-5),
    "complex128": (1e-9, 1e-12),
}
EXACT = (0.0, 0.0)


def tolerance(dtype: Any) -> tuple[float, float]:
    """(rtol, atol) for a dtype: floats by width, integers and booleans exact."""
    return TOLERANCES.get(np.dtype(dtype).name, EXACT)


@dataclass
class Diff:
    """How one tensor differs between the backends."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    rtol: float
    atol: float
    ok: bool
    note: str = ""


def diff(name: str, ref: Any, test: Any, rtol: float | None = None, atol: float | None = None) -> Diff:
    """Compare `test` against the reference `ref` (NaNs must match; shapes and dtypes must agree)."""
    a, b = np.asarray(ref), np.asarray(test)
    dflt = tolerance(a.dtype)
    rt, at = (dflt[0] if rtol is None else rtol), (dflt[1] if atol is None else atol)
    if a.shape != b.shape:
        return Diff(
            name, a.dtype.name, a.shape, np.inf, np.inf, rt, at, False, f"shape {b.shape} vs {a.shape}"
        )
    note = "" if a.dtype == b.dtype else f"dtype {b.dtype.name} vs {a.dtype.name}"
    if a.size == 0:
        return Diff(name, a.dtype.name, a.shape, 0.0, 0.0, rt, at, not note, note)
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        af, bf = (
            a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
            b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
        )
        nan_a, nan_b = np.isnan(af), np.isnan(bf)
        same_inf = (af == bf) & np.isinf(af)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.where(nan_a | nan_b | same_inf, 0.0, np.abs(bf - af))
        err = np.where(nan_a != nan_b, np.inf, err)
        scale = np.abs(np.where(np.isfinite(af), af, 0.0))
        bad = err > at + rt * scale
    else:
        err = np.abs(a.astype(np.float64) - b.astype(np.float64))
        scale = np.abs(a.astype(np.float64))
        bad = a != b
    max_abs = float(np.max(err))
    max_rel = float(np.max(err / np.maximum(scale, at if at > 0 else np.finfo(np.float64).tiny)))
    ok = not bool(np.any(bad)) and not note
    if not ok and not note:
        idx = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), a.shape)
        note = f"worst at {tuple(int(i) for i in idx)}: {_fmt_v(b[idx])} vs {_fmt_v(a[idx])}"
    return Diff(name, a.dtype.name, a.shape, max_abs, max_rel, rt, at, ok, note)


@dataclass
class Divergence:
    """The first node (topological order) whose outputs differ between the backends."""

    node: str
    op_type: str
    where: str
    diff: Diff
    checked: int
    disagreeing: int

    def __str__(self) -> str:
        return (
            f"first divergence at {self.where} [{self.op_type}]: output {self.diff.name} "
            f"max abs err {self.diff.max_abs:.3g}, max rel err {self.diff.max_rel:.3g} "
            f"(tolerance rtol={self.diff.rtol:g}, atol={self.diff.atol:g}); {self.diff.note}; "
            f"{self.disagreeing} of {self.checked} intermediate tensors disagree"
        )


@dataclass
class CompareReport:
    """Per-fetch diffs, timings of both backends (median seconds per run) and the per-node result."""

    fetches: list[Diff]
    reference: str
    test: str
    reference_s: float
    test_s: float
    repeats: int
    device: str = ""
    per_node: bool = False
    divergence: Divergence | None = None
    checked_nodes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """All fetches agree (and, in per-node mode, every intermediate tensor does)."""
        return all(d.ok for d in self.fetches) and self.divergence is None

    @property
    def speedup(self) -> float:
        """Reference time over test time (how many times faster the test backend runs)."""
        return self.reference_s / self.test_s if self.test_s > 0 else float("inf")

    def table(self) -> str:
        """The report as a fixed-width text table."""
        head = ("fetch", "dtype", "shape", "max abs err", "max rel err", "rtol", "atol", "result")
        rows = [
            (
                d.name,
                d.dtype,
                str(tuple(d.shape)),
                f"{d.max_abs:.3g}",
                f"{d.max_rel:.3g}",
                f"{d.rtol:g}",
                f"{d.atol:g}",
                ("ok" if d.ok else "FAIL") + (f"  {d.note}" if d.note and not d.ok else ""),
            )
            for d in self.fetches
        ]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
        lines = []
        for r in [head, *rows]:
            cells = [
                f"{c:<{w}}" if i < 3 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(r, widths, strict=False))
            ]
            lines.append("  ".join([*cells, r[-1]]).rstrip())
        lines.insert(1, "-" * len(lines[0]))
        dev = f" on {self.device}" if self.device else ""
        lines.append(
            f"time per run (median of {self.repeats}): {self.reference} {_fmt_s(self.reference_s)}, "
            f"{self.test}{dev} {_fmt_s(self.test_s)}; speedup {self.speedup:.2f}x"
        )
        if self.per_node:
            if self.divergence is None:
                lines.append(f"per node: all {self.checked_nodes} intermediate tensors agree")
            else:
                lines.append(f"per node: {self.divergence}")
        lines += self.notes
        n_bad = sum(not d.ok for d in self.fetches)
        lines.append("PASS" if self.ok else f"FAIL ({n_bad} of {len(self.fetches)} fetches disagree)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _fmt_v(v: Any) -> str:
    return f"{v.item():.8g}" if np.asarray(v).dtype.kind == "f" else str(np.asarray(v).item())


def _fmt_s(s: float) -> str:
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3f} ms"
    return f"{s * 1e6:.1f} µs"


def _graph_of(flat: Sequence[Any], graph: Graph | None) -> Graph:
    if graph is not None:
        return graph
    for f in flat:
        g = getattr(f, "graph", None)
        if isinstance(g, Graph):
            return g
    return get_default_graph()


def _variables(graph: Graph) -> dict[str, Tensor]:
    return {n.name: n.outputs[0] for n in graph.get_operations() if n.kind == "variable"}


def _sync(ref: Session, test: Session, graph: Graph) -> None:
    """Load every variable value the reference session holds into the test session."""
    tensors = _variables(graph)
    for name, value in ref.variable_values().items():
        if name in tensors:
            test.load_variable(tensors[name], value)


def _timed(session: Session, fetches: Any, feed_dict: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        session.run(fetches, feed_dict)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) if times else 0.0


def _label(el: Tensor | Node) -> str:
    return el.name


def compare(
    fetches: Any,
    feed_dict: Mapping[Any, Any] | None = None,
    graph: Graph | None = None,
    init: Any = None,
    *,
    per_node: bool = False,
    repeats: int = 5,
    rtol: float | None = None,
    atol: float | None = None,
    optimize: bool = True,
    reference: str = "interpreter",
    test: str = "xla",
    device: str | None = None,
) -> CompareReport:
    """Run `fetches` on the `test` backend (XLA) and the `reference` (interpreter); report the diffs.

    init: ops (e.g. the variable initializer) run first on both; the reference's variable values are
    then copied into the test session. repeats: timed runs per backend after a warm-up run.
    rtol/atol override the per-dtype `TOLERANCES`. per_node: also find the first disagreeing node.
    Fetched ops (e.g. a train op) run but have no values to compare; each run updates variables.
    """
    graph = _graph_of(_probe(fetches), graph)
    flat, _ = flatten_fetches(graph, fetches)
    ref = Session(graph=graph, backend=reference, optimize=optimize)
    tst = Session(graph=graph, backend=test, device=device, optimize=optimize)
    try:
        _initialize(ref, tst, graph, init)
        start = ref.variable_values()
        ref_vals = ref.run(flat, feed_dict)
        tst_vals = tst.run(flat, feed_dict)
        diffs = [
            diff(_label(el), r, t, rtol, atol)
            for el, r, t in zip(flat, ref_vals, tst_vals, strict=True)
            if isinstance(el, Tensor)
        ]
        ref_s = _timed(ref, flat, feed_dict, repeats)
        tst.run(flat, feed_dict)  # warm: the first run above compiled
        tst_s = _timed(tst, flat, feed_dict, repeats)
        report = CompareReport(
            diffs, ref.backend_name, tst.backend_name, ref_s, tst_s, repeats, _device_name(tst)
        )
        if not any(isinstance(el, Tensor) for el in flat):
            report.notes.append("nothing to compare: every fetch is an op")
        if per_node:
            report.per_node = True
            step = ref._step - 1 - repeats  # the run counter of the compared run (random streams)
            report.divergence, report.checked_nodes = _first_divergence(
                graph, flat, feed_dict, reference, test, device, start, step, rtol, atol
            )
        return report
    finally:
        ref.close()
        tst.close()


def _probe(fetches: Any) -> list[Any]:
    probe = fetches
    while isinstance(probe, list | tuple | Mapping) and probe:
        probe = next(iter(probe.values())) if isinstance(probe, Mapping) else probe[0]
    return [probe]


def _device_name(session: Session) -> str:
    dev = getattr(session.backend, "device", None)
    return "" if dev is None else f"{getattr(dev, 'platform', dev)}"


def _initialize(ref: Session, tst: Session, graph: Graph, init: Any) -> None:
    if init is None:
        return
    ref.run(init)
    tst.run(init)
    _sync(ref, tst, graph)


def _first_divergence(
    graph: Graph,
    flat: list[Tensor | Node],
    feed_dict: Mapping[Any, Any] | None,
    reference: str,
    test: str,
    device: str | None,
    variables: Mapping[str, np.ndarray],
    step: int,
    rtol: float | None,
    atol: float | None,
) -> tuple[Divergence | None, int]:
    """Fetch every intermediate tensor of the unoptimized plan on both backends; find the first diff."""
    ref = Session(graph=graph, backend=reference, optimize=False)
    tst = Session(graph=graph, backend=test, device=device, optimize=False)
    try:
        feeds = _feed_tensors(graph, feed_dict)
        specs = {t: TensorSpec(TensorShape(np.shape(v)), t.dtype) for t, v in feeds.items()}
        plan = compiler.plan(graph, flat, specs, optimize=False)
        fed = set(feeds)
        tensors = [t for st in plan.steps for t in st.node.outputs if t not in fed]
        tensors_by_name = _variables(graph)
        for s in (ref, tst):
            for name, value in variables.items():
                s.load_variable(tensors_by_name[name], value)
            s._step = step  # the same random streams as the compared run
        ref_vals = ref.run(tensors, feed_dict)
        tst_vals = tst.run(tensors, feed_dict)
        value_of = {t: (r, v) for t, r, v in zip(tensors, ref_vals, tst_vals, strict=True)}
        first: Divergence | None = None
        bad = 0
        for st in plan.steps:
            for t in st.node.outputs:
                if t not in value_of:
                    continue
                d = diff(t.name, *value_of[t], rtol, atol)
                if d.ok:
                    continue
                bad += 1
                if first is None:
                    first = Divergence(st.node.name, st.node.type, st.describe(), d, len(tensors), 0)
        if first is not None:
            first.disagreeing = bad
        return first, len(tensors)
    finally:
        ref.close()
        tst.close()


def _feed_tensors(graph: Graph, feed_dict: Mapping[Any, Any] | None) -> dict[Tensor, Any]:
    out: dict[Tensor, Any] = {}
    for k, v in (feed_dict or {}).items():
        t = k if isinstance(k, Tensor) else graph.as_graph_element(k)
        if isinstance(t, Tensor):
            out[t] = v
    return out
