"""Generate the drawings in docs/drawings/ (SVG and PNG) shown by docs/drawings.md.

    python docs/make_drawings.py [--out docs/drawings] [--only mlp,lstm]

Each model is built here from graphdl's public API. A model whose ops are missing from this build
is reported as SKIPPED with the reason, and the script exits with status 1, so nothing is left
out silently. Needs Graphviz's `dot` for SVG/PNG (DOT text is written without it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import graphdl as gd
from graphdl import viz

HERE = os.path.dirname(os.path.abspath(__file__))


def perceptron() -> dict[str, Any]:
    """A single perceptron (sigmoid unit) learning AND, trained by gradient descent."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 2], name="x")
        t = gd.placeholder(gd.float32, [None, 1], name="t")
        with gd.name_scope("perceptron"):
            w = gd.Variable(np.zeros((2, 1), np.float32), name="w")
            b = gd.Variable(np.zeros(1, np.float32), name="b")
            y = gd.sigmoid(gd.matmul(x, w) + b, name="y")
        loss = gd.reduce_mean(gd.square(y - t), name="loss")
        train = gd.train.GradientDescentOptimizer(1.0).minimize(loss, name="train")
    return {"graph": g, "fetches": [loss, train]}


def mlp() -> dict[str, Any]:
    """The MNIST MLP 784-30-10 with sigmoid units and softmax cross-entropy, SGD."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 784], name="images")
        labels = gd.placeholder(gd.float32, [None, 10], name="labels")
        with gd.name_scope("hidden"):
            w1 = gd.Variable(np.zeros((784, 30), np.float32), name="w")
            b1 = gd.Variable(np.zeros(30, np.float32), name="b")
            h = gd.sigmoid(gd.matmul(x, w1) + b1, name="h")
        with gd.name_scope("output"):
            w2 = gd.Variable(np.zeros((30, 10), np.float32), name="w")
            b2 = gd.Variable(np.zeros(10, np.float32), name="b")
            logits = gd.add(gd.matmul(h, w2), b2, name="logits")
        xent = gd.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        loss = gd.reduce_mean(xent, name="loss")
        train = gd.train.GradientDescentOptimizer(0.5).minimize(loss, name="train")
    return {"graph": g, "fetches": [loss, train]}


def cnn() -> dict[str, Any]:
    """The small MNIST CNN: conv32-pool-conv64-pool-conv64-dense64-dense10, Adam."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 28, 28, 1], name="images")
        labels = gd.placeholder(gd.float32, [None, 10], name="labels")
        h = gd.layers.conv2d(x, 32, 3, activation=gd.nn.relu)
        h = gd.layers.max_pooling2d(h, 2, 2)
        h = gd.layers.conv2d(h, 64, 3, activation=gd.nn.relu)
        h = gd.layers.max_pooling2d(h, 2, 2)
        h = gd.layers.conv2d(h, 64, 3, activation=gd.nn.relu)
        h = gd.layers.flatten(h)
        h = gd.layers.dense(h, 64, activation=gd.nn.relu)
        logits = gd.layers.dense(h, 10)
        loss = gd.reduce_mean(
            gd.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="loss"
        )
        train = gd.train.AdamOptimizer(1e-3).minimize(loss, name="train")
    return {"graph": g, "fetches": [loss, train]}


def lstm() -> dict[str, Any]:
    """MNIST rows as a sequence: a 28-step BasicLSTMCell(128) unrolled by static_rnn, then dense10."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 28, 28], name="images")
        labels = gd.placeholder(gd.float32, [None, 10], name="labels")
        rows = gd.unstack(x, 28, 1)
        cell = gd.nn.rnn_cell.BasicLSTMCell(128)
        outputs, _ = gd.nn.static_rnn(cell, rows, dtype=gd.float32)
        logits = gd.layers.dense(outputs[-1], 10)
        loss = gd.reduce_mean(
            gd.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="loss"
        )
        train = gd.train.AdamOptimizer(1e-3).minimize(loss, name="train")
    return {"graph": g, "fetches": [loss, train]}


# name -> (builder, title, [(view, collapse), ...])
MODELS: dict[str, tuple[Callable[[], dict[str, Any]], str, list[tuple[str, Any]]]] = {
    "perceptron": (perceptron, "perceptron", [("forward", None), ("gradient", None)]),
    "mlp": (mlp, "MNIST MLP 784-30-10", [("forward", None), ("gradient", None), ("both", None)]),
    "cnn": (cnn, "MNIST CNN", [("forward", None), ("gradient", 1), ("both", ["gradients", "train"])]),
    "lstm": (lstm, "MNIST LSTM, 28 steps", [("forward", None), ("gradient", None), ("both", 1)]),
}


def main(argv: list[str] | None = None) -> int:
    """Draw every model; print what was written and what was skipped (and why)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(HERE, "drawings"))
    parser.add_argument("--only", default=None, help="comma-separated model names")
    parser.add_argument("--formats", default="svg")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    names = args.only.split(",") if args.only else list(MODELS)
    formats = args.formats.split(",") if viz.dot_available() else ["dot"]
    if not viz.dot_available():
        print(f"Graphviz `dot` not found: writing DOT text only; {viz.INSTALL_HINT}")
    skipped: list[str] = []
    for name in names:
        builder, title, views = MODELS[name]
        start = time.perf_counter()
        try:
            spec = builder()
        except Exception as exc:  # report every reason a model could not be built
            reason = f"{type(exc).__name__}: {exc}"
            print(f"SKIPPED {name}: cannot build it with this graphdl: {reason}")
            traceback.print_exc(limit=2, file=sys.stdout)
            skipped.append(name)
            continue
        for view, collapse in views:
            stem = f"{name}_{view}"
            try:
                d = viz.draw(
                    spec["graph"],
                    fetches=spec["fetches"],
                    view=view,
                    collapse=collapse,
                    title=f"{title}: {view if view != 'both' else 'forward and gradient'} graph"
                    + (f" (collapse={collapse})" if collapse is not None else ""),
                )
                paths = [viz.render(os.path.join(args.out, f"{stem}.{fmt}"), drawing=d) for fmt in formats]
            except Exception as exc:
                print(f"SKIPPED {stem}: {type(exc).__name__}: {exc}")
                skipped.append(stem)
                continue
            st = d.stats
            print(
                f"wrote {', '.join(os.path.relpath(p) for p in paths)}: {st['nodes']} nodes drawn for "
                f"{st['graph_nodes']} graph nodes ({st['folds']} folds)"
            )
        print(f"  {name}: {time.perf_counter() - start:.1f} s")
    if skipped:
        print(f"\n{len(skipped)} drawing(s) SKIPPED: {', '.join(skipped)}; rerun when their ops are in")
        return 1
    print("\nall drawings written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
