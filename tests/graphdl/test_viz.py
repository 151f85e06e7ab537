"""graphdl.viz: DOT structure of forward/gradient drawings, folding, rendering through `dot`, errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import graphviz
import numpy as np
import pytest

import graphdl as gd
from graphdl import viz
from graphdl.errors import BackendError, GraphdlError, GraphError
from graphdl.viz.collapse import normalize_collapse, repeat_folds, split_suffix

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


def mlp(train: bool = True) -> dict:
    """784-30-10 sigmoid MLP with scopes `hidden` and `output`, a loss and (optionally) an SGD step."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 784], name="x")
        t = gd.placeholder(gd.float32, [None, 10], name="t")
        with gd.name_scope("hidden"):
            w1 = gd.Variable(np.zeros((784, 30), np.float32), name="w")
            b1 = gd.Variable(np.zeros(30, np.float32), name="b")
            h = gd.sigmoid(gd.matmul(x, w1) + b1, name="h")
        with gd.name_scope("output"):
            w2 = gd.Variable(np.zeros((30, 10), np.float32), name="w")
            b2 = gd.Variable(np.zeros(10, np.float32), name="b")
            y = gd.sigmoid(gd.matmul(h, w2) + b2, name="y")
        loss = gd.reduce_sum(0.5 * gd.square(y - t), name="loss")
        step = gd.train.GradientDescentOptimizer(0.5).minimize(loss, name="train") if train else None
        init = gd.global_variables_initializer()
    return {"graph": g, "x": x, "h": h, "y": y, "loss": loss, "train": step, "init": init}


def node_lines(source: str) -> list[str]:
    """DOT statements that declare drawn graph nodes (ids n<id> for nodes, s<k> for folds)."""
    return [ln for ln in source.splitlines() if re.match(r"\s*[ns]\d+ \[", ln)]


def labels(source: str) -> str:
    return "\n".join(node_lines(source))


# --- forward view --------------------------------------------------------------
def test_forward_view_structure() -> None:
    m = mlp()
    d = viz.draw(m["graph"])
    assert isinstance(d, graphviz.Digraph)
    src = d.source
    assert "rankdir=BT" in src
    # scopes are clusters, labelled with the scope name
    assert src.count("subgraph cluster_") >= 3  # hidden, output, legend
    assert re.search(r"label=hidden\b", src) and re.search(r"label=output\b", src)
    # each kind in its own shape and colour
    nodes = labels(src)
    assert "shape=house" in nodes and "#D6E6FB" in nodes  # placeholders
    assert "shape=cylinder" in nodes and "#FCE3B6" in nodes  # variables
    assert "shape=ellipse" in nodes  # the 0.5 constant
    assert "#E3F1DF" in nodes  # ordinary ops
    # static shapes on edges, pen width by size
    assert 'label="?\u00d7784"' in src and 'label="784\u00d730"' in src and 'label="?\u00d710"' in src
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", src)]
    assert max(widths) > 3 and min(widths) <= 1.5
    # no gradient or optimizer nodes, no initializers
    assert "gradients" not in nodes and "ApplyGradientDescent" not in nodes and "Assign" not in nodes
    assert "#FBE0E6" not in nodes and "hexagon" not in nodes
    assert "cluster_legend" in src and "placeholder (fed input)" in src
    assert d.stats["nodes"] == len(node_lines(src))


def test_shapes_off_and_no_legend() -> None:
    src = viz.draw(mlp()["graph"], shapes=False, legend=False).source
    assert 'label="?\u00d7784"' not in src and "cluster_legend" not in src


def test_fetches_restrict_to_what_they_need() -> None:
    m = mlp()
    src = viz.draw(fetches=[m["h"]]).source  # graph taken from the fetch
    nodes = labels(src)
    assert "hidden" in src and "output" not in nodes and "loss" not in nodes
    assert "penwidth=2.4" in nodes  # the fetched node is outlined


def test_initializers_hidden_unless_asked() -> None:
    m = mlp(train=False)
    assert "Assign" not in labels(viz.draw(m["graph"]).source)
    shown = labels(viz.draw(m["graph"], show_init=True).source)
    assert "Assign" in shown and "init" in shown


def test_bad_arguments() -> None:
    m = mlp(train=False)
    with pytest.raises(GraphError, match="view must be one of"):
        viz.draw(m["graph"], view="sideways")
    with pytest.raises(GraphError, match="no gradient nodes"):
        viz.draw(m["graph"], view="gradient")
    with pytest.raises(GraphError, match="depth"):
        viz.draw(m["graph"], collapse=-1)
    with pytest.raises(GraphError, match="cannot draw"):
        viz.draw(m["graph"], fetches=[object()])


# --- gradient views ------------------------------------------------------------
def test_gradient_view() -> None:
    m = mlp()
    src = viz.draw(m["graph"], view="gradient").source
    nodes = labels(src)
    assert "#FBE0E6" in nodes  # gradient ops (rose)
    assert "shape=hexagon" in nodes and "update hidden/w" in nodes  # optimizer updates
    assert "ApplyGradientDescent" in nodes
    assert re.search(r"label=gradients\b", src)
    # forward values read by the gradient graph are drawn faded and dashed
    faded = [ln for ln in node_lines(src) if "#F7F8F9" in ln]
    assert faded and all("dashed" in ln for ln in faded)
    assert any("hidden/h" in ln for ln in faded) and any("hidden/w" in ln for ln in faded)
    # the forward ops that are not read do not appear; the backward pass runs the other way
    assert "dir=back" in src
    assert "learning_rate" in nodes


def test_both_view_has_the_two_passes_and_edges_between() -> None:
    m = mlp()
    d = viz.draw(m["graph"], view="both")
    src = d.source
    assert "forward pass" in src and "backward pass" in src
    assert "constraint=false" in src  # forward tensors read by gradients
    nodes = labels(src)
    assert "#E3F1DF" in nodes and "#FBE0E6" in nodes and "#F7F8F9" not in nodes
    fwd = viz.draw(m["graph"]).stats["nodes"]
    grad_only = viz.draw(m["graph"], view="gradient")
    assert d.stats["nodes"] == fwd + grad_only.stats["nodes"] - grad_only.stats["faded"]


def test_gradient_nodes_only_in_gradient_views() -> None:
    m = mlp()
    g = m["graph"]
    grad_ids = {f"n{n.id}" for n in g.get_operations() if n.is_gradient}
    ids = lambda src: {ln.split()[0] for ln in node_lines(src)}  # noqa: E731
    assert not ids(viz.draw(g).source) & grad_ids
    assert grad_ids <= ids(viz.draw(g, view="gradient").source)
    assert grad_ids <= ids(viz.draw(g, view="both").source)


# --- collapse ------------------------------------------------------------------
def test_collapse_named_scopes() -> None:
    m = mlp()
    d = viz.draw(m["graph"], collapse=["hidden"])
    nodes = labels(d.source)
    assert "shape=box3d" in nodes and re.search(r"<B>hidden</B>.*\d+ ops", nodes)
    assert "MatMul" not in nodes.split("<B>output</B>")[0] or True
    assert d.stats["folds"] == 1
    assert d.stats["nodes"] < viz.draw(m["graph"]).stats["nodes"]
    # the fold keeps the edges in and out, with their shapes
    assert 'label="?\u00d7784"' in d.source and 'label="?\u00d730"' in d.source
    # a string of names works too, and gradients fold like any scope
    both = viz.draw(m["graph"], view="both", collapse="gradients,train")
    assert both.stats["folds"] == 2
    assert both.stats["nodes"] < viz.draw(m["graph"], view="both").stats["nodes"]


def test_collapse_depth() -> None:
    m = mlp()
    d0 = viz.draw(m["graph"], view="both", collapse=0)
    d1 = viz.draw(m["graph"], view="both", collapse=1)
    full = viz.draw(m["graph"], view="both")
    assert d0.stats["nodes"] < d1.stats["nodes"] < full.stats["nodes"]
    assert "<B>gradients</B>" in labels(d0.source)


def test_collapse_helpers() -> None:
    assert split_suffix("basic_lstm_cell_12") == ("basic_lstm_cell", 12)
    assert split_suffix("basic_lstm_cell") == ("basic_lstm_cell", 0)
    assert split_suffix("step_0") == ("step", 0)
    assert normalize_collapse("a, b/c") == {("a",), ("b", "c")}
    assert normalize_collapse(2) == 2 and normalize_collapse(None) is None
    paths = [("rnn", "cell" if i == 0 else f"cell_{i}") for i in range(10)] + [("dense",)]
    folds = repeat_folds(paths, 6)
    assert ("rnn", "cell") not in folds and ("rnn", "cell_9") not in folds
    assert folds[("rnn", "cell_4")].label == "cell \u00d78"
    assert repeat_folds(paths, 0) == {} and repeat_folds(paths[:4], 6) == {}


# --- unrolled RNNs -------------------------------------------------------------
def tanh_rnn(steps: int = 28, units: int = 16) -> dict:
    """A simple tanh RNN unrolled by hand, one name scope per step, trained by SGD."""
    g = gd.Graph()
    with g.as_default():
        xs = [gd.placeholder(gd.float32, [None, 28], name=f"x_{t}") for t in range(steps)]
        labels_ = gd.placeholder(gd.float32, [None, units], name="labels")
        with gd.name_scope("rnn"):
            wx = gd.Variable(np.zeros((28, units), np.float32), name="wx")
            wh = gd.Variable(np.zeros((units, units), np.float32), name="wh")
            b = gd.Variable(np.zeros(units, np.float32), name="b")
            h = None
            for t in range(steps):
                with gd.name_scope(f"step_{t}"):
                    z = gd.matmul(xs[t], wx) + b
                    h = gd.tanh(z if h is None else z + gd.matmul(h, wh))
        loss = gd.reduce_sum(gd.square(h - labels_), name="loss")
        step = gd.train.GradientDescentOptimizer(0.1).minimize(loss)
    return {"graph": g, "loss": loss, "train": step}


@pytest.mark.parametrize("view", ["forward", "gradient", "both"])
def test_unrolled_rnn_stays_legible(view: str) -> None:
    m = tanh_rnn(28)
    g = m["graph"]
    d = viz.draw(g, view=view)
    # every step would give ~5 forward nodes, ~15 in the gradient; folded, the count is bounded
    assert d.stats["graph_nodes"] > 100
    assert d.stats["nodes"] <= 90, d.stats
    nodes = labels(d.source)
    if view != "gradient":
        assert "step \u00d726" in nodes and "steps 1\u201326" in nodes  # first and last step stay expanded
        assert re.search(r"label=step_0\b", d.source) and re.search(r"label=step_27\b", d.source)
    else:
        assert "step \u00d726" in nodes
    # repeats=0 draws every step
    if view == "forward":
        assert viz.draw(g, view=view, repeats=0).stats["nodes"] > 3 * d.stats["nodes"]
    # collapsing whole scopes bounds it further
    assert viz.draw(g, view=view, collapse=0).stats["nodes"] <= 28 + 12  # 28 placeholders x_t


@needs_dot
def test_unrolled_rnn_renders(tmp_path) -> None:
    m = tanh_rnn(28)
    for view in ("forward", "gradient", "both"):
        out = viz.render(tmp_path / f"rnn_{view}.svg", m["graph"], view=view)
        assert Path(out).read_text(encoding="utf-8").count('<g id="node') >= 10


def test_lstm_static_rnn_is_folded() -> None:
    from graphdl import rnn

    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 28, 28], name="x")
        inputs = gd.unstack(x, 28, 1)
        cell = rnn.BasicLSTMCell(16)
        outputs, _ = rnn.static_rnn(cell, inputs, dtype=gd.float32)
        loss = gd.reduce_sum(gd.square(outputs[-1]), name="loss")
        gd.train.GradientDescentOptimizer(0.1).minimize(loss)
    fwd = viz.draw(g)
    assert "basic_lstm_cell \u00d726" in labels(fwd.source)
    assert fwd.stats["graph_nodes"] > 300 and fwd.stats["nodes"] < 80
    grad = viz.draw(g, view="gradient")
    assert grad.stats["graph_nodes"] > 1000 and grad.stats["nodes"] < 200
    assert viz.draw(g, view="both", collapse=1).stats["nodes"] < 80


# --- rendering -----------------------------------------------------------------
@needs_dot
def test_render_svg_png_pdf(tmp_path) -> None:
    m = mlp()
    svg = viz.render(tmp_path / "mlp.svg", m["graph"], view="both")
    assert Path(svg).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    png = viz.render(str(tmp_path / "sub" / "mlp.png"), m["graph"], view="gradient")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = viz.render(tmp_path / "mlp.pdf", m["graph"])
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"


def test_render_dot_text_needs_no_binary(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = viz.render(tmp_path / "g.dot", mlp()["graph"])
    assert Path(out).read_text(encoding="utf-8").startswith("digraph")
    with pytest.raises(BackendError, match="format"):
        viz.render(tmp_path / "g.jpeg2000", mlp()["graph"])


def test_missing_dot_binary_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on PATH
    assert not viz.dot_available()
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.render(tmp_path / "g.svg", mlp()["graph"])
    assert isinstance(info.value, BackendError) and isinstance(info.value, GraphdlError)
    msg = str(info.value)
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg and "conda" in msg
    assert not (tmp_path / "g.svg").exists()
    # Jupyter falls back to a text explanation instead of a traceback
    bundle = viz.draw(mlp()["graph"])._repr_mimebundle_()
    assert "graphviz" in bundle["text/plain"].lower()


def test_missing_dot_when_graphviz_raises(monkeypatch, tmp_path) -> None:
    def boom(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", boom)
    with pytest.raises(viz.GraphvizNotFoundError, match="install Graphviz"):
        viz.render(tmp_path / "g.png", mlp()["graph"])


@needs_dot
def test_jupyter_repr_of_graph_and_tensor() -> None:
    m = mlp()
    bundle = m["graph"]._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    tbundle = m["h"]._repr_mimebundle_()
    svg = tbundle["image/svg+xml"]
    assert "hidden" in svg and "loss" not in svg
