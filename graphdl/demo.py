"""`graphdl demo`: train the XOR MLP and the worked backprop example, draw them, compare backends.

    graphdl demo --out demo-output

1. XOR: a 2-8-1 MLP (tanh, then sigmoid) learns XOR by gradient descent.
2. Backprop worked by hand (Matt Mazur's example): a 2-2-2 sigmoid net, inputs 0.05/0.10, targets
   0.01/0.99, half squared error, one step of gradient descent with learning rate 0.5; the total
   error must be 0.298371109 and w5 after the step 0.35891648.
3. Forward and gradient graphs of both nets drawn as SVG into the output folder.
4. Each graph run compiled (XLA) and interpreted (NumPy), with the differences reported.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_TARGETS = np.array([[0], [1], [1], [0]], np.float32)
MAZUR_ERROR = 0.298371109
MAZUR_W5 = 0.35891648


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `demo` subcommand's options."""
    parser.add_argument(
        "--out", default="graphdl-demo", help="folder for the drawings (default: graphdl-demo)"
    )
    parser.add_argument(
        "--backend",
        choices=["xla", "interpreter"],
        default=None,
        help="backend for training (default: xla when available)",
    )
    parser.add_argument("--steps", type=int, default=2000, help="XOR training steps (default 2000)")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the compiled-vs-interpreted comparison"
    )


def default_backend() -> str:
    """'xla' when JAX and the XLA backend import, else 'interpreter'."""
    try:
        import runtime.xla  # noqa: F401
    except ImportError:
        return "interpreter"
    return "xla"


def build_xor(hidden: int = 8, seed: int = 0) -> dict[str, Any]:
    """The XOR MLP: graph, loss, output, train op, initializer and feeds."""
    import graphdl as gd

    rng = np.random.default_rng(seed)
    graph = gd.Graph()
    with graph.as_default():
        x = gd.placeholder(gd.float32, [None, 2], name="x")
        t = gd.placeholder(gd.float32, [None, 1], name="t")
        with gd.name_scope("hidden"):
            w1 = gd.Variable(rng.normal(0.0, 1.0, (2, hidden)).astype(np.float32), name="w")
            b1 = gd.Variable(np.zeros(hidden, np.float32), name="b")
            h = gd.tanh(gd.matmul(x, w1) + b1, name="h")
        with gd.name_scope("output"):
            w2 = gd.Variable(rng.normal(0.0, 1.0, (hidden, 1)).astype(np.float32), name="w")
            b2 = gd.Variable(np.zeros(1, np.float32), name="b")
            out = gd.sigmoid(gd.matmul(h, w2) + b2, name="y")
        loss = gd.reduce_mean(gd.square(out - t), name="loss")
        opt = gd.train.GradientDescentOptimizer(1.0)
        pairs = opt.compute_gradients(loss, var_list=[w1, b1, w2, b2])
        grads = [g for g, _ in pairs]
        train = opt.apply_gradients(pairs, name="train")
        init = gd.global_variables_initializer()
    return {
        "name": "XOR MLP", "graph": graph, "loss": loss, "out": out, "grads": grads, "train": train,
        "init": init, "feed_dict": {x: XOR_INPUTS, t: XOR_TARGETS},
    }  # fmt: skip


def build_backprop() -> dict[str, Any]:
    """The worked backprop example (2-2-2 sigmoid net, float64), with one SGD step on the weights."""
    import graphdl as gd

    graph = gd.Graph()
    with graph.as_default():
        x = gd.constant(np.array([[0.05, 0.10]]), name="inputs")
        target = gd.constant(np.array([[0.01, 0.99]]), name="targets")
        with gd.name_scope("hidden"):
            # column j holds the weights into unit j: net_h1 = w1*i1 + w2*i2 + b1
            w14 = gd.Variable(np.array([[0.15, 0.25], [0.20, 0.30]]), name="w1_w4")
            b1 = gd.Variable(np.float64(0.35), name="b1")
            out_h = gd.sigmoid(gd.matmul(x, w14) + b1, name="out_h")
        with gd.name_scope("output"):
            w58 = gd.Variable(np.array([[0.40, 0.50], [0.45, 0.55]]), name="w5_w8")
            b2 = gd.Variable(np.float64(0.60), name="b2")
            out_o = gd.sigmoid(gd.matmul(out_h, w58) + b2, name="out_o")
        error = gd.reduce_sum(0.5 * gd.square(target - out_o), name="E_total")
        opt = gd.train.GradientDescentOptimizer(0.5)
        pairs = opt.compute_gradients(error, var_list=[w14, w58])  # biases stay fixed, as by hand
        grads = [g for g, _ in pairs]
        train = opt.apply_gradients(pairs, name="train")
        init = gd.global_variables_initializer()
    return {
        "name": "backprop worked example", "graph": graph, "loss": error, "out": out_o, "grads": grads,
        "train": train, "init": init, "feed_dict": {}, "w58": w58,
    }  # fmt: skip


def train_xor(net: dict[str, Any], backend: str, steps: int) -> dict[str, Any]:
    """Train the XOR net; returns first/last loss, outputs and accuracy."""
    import graphdl as gd

    with gd.Session(graph=net["graph"], backend=backend) as sess:
        sess.run(net["init"])
        first = float(sess.run(net["loss"], net["feed_dict"]))
        for _ in range(steps):
            sess.run(net["train"], net["feed_dict"])
        last, out = sess.run([net["loss"], net["out"]], net["feed_dict"])
    predicted = (np.asarray(out)[:, 0] > 0.5).astype(int)
    accuracy = float(np.mean(predicted == XOR_TARGETS[:, 0]))
    return {"first_loss": first, "loss": float(last), "out": np.asarray(out)[:, 0], "accuracy": accuracy}


def train_backprop(net: dict[str, Any], backend: str) -> dict[str, Any]:
    """Run the forward pass and one step; returns E_total and w5 after the step."""
    import graphdl as gd

    with gd.Session(graph=net["graph"], backend=backend) as sess:
        sess.run(net["init"])
        error = float(sess.run(net["loss"]))
        sess.run(net["train"])
        w58 = np.asarray(sess.run(net["w58"]))
    return {"E_total": error, "w5": float(w58[0, 0])}


def draw_net(net: dict[str, Any], out_dir: str, stem: str) -> list[str]:
    """Write `<stem>_forward.svg` and `<stem>_gradient.svg` (DOT files when `dot` is missing)."""
    from graphdl import viz

    fetches = [net["loss"], net["train"], *net["grads"]]
    written = []
    for view in ("forward", "gradient"):
        d = viz.draw(net["graph"], fetches=fetches, view=view, title=f"{net['name']}: {view} graph")
        ext = "svg" if viz.dot_available() else "dot"
        written.append(viz.render(os.path.join(out_dir, f"{stem}_{view}.{ext}"), drawing=d))
    return written


def compare_net(net: dict[str, Any]) -> Any:
    """runtime.compare on the loss, output and gradients (None when runtime.compare is missing)."""
    try:
        from runtime.compare import compare
    except ImportError:
        return None
    with net["graph"].as_default():
        return compare(
            [net["loss"], net["out"], *net["grads"]],
            net["feed_dict"],
            graph=net["graph"],
            init=net["init"],
            repeats=3,
        )


def main(args: argparse.Namespace) -> int:
    """Run the demo; 0 when XOR is learned, the worked example matches and the backends agree."""
    start = time.perf_counter()
    backend = args.backend or default_backend()
    out_dir = args.out
    os.makedirs(out_dir, exist_ok=True)
    ok = True

    print(f"graphdl demo (training on the {backend} backend)")
    xor = build_xor()
    res = train_xor(xor, backend, max(0, args.steps))
    xor_ok = res["accuracy"] == 1.0
    ok &= xor_ok
    outs = " ".join(f"{v:.3f}" for v in res["out"])
    print(f"\n1. XOR MLP 2-8-1, {args.steps} steps of gradient descent")
    print(f"   loss {res['first_loss']:.4f} -> {res['loss']:.5f}; outputs for 00 01 10 11: {outs}")
    print(f"   accuracy {res['accuracy']:.0%} {'ok' if xor_ok else 'NOT LEARNED'}")

    bp = build_backprop()
    r = train_backprop(bp, backend)
    bp_ok = abs(r["E_total"] - MAZUR_ERROR) < 1e-8 and abs(r["w5"] - MAZUR_W5) < 1e-8
    ok &= bp_ok
    print("\n2. Backpropagation worked by hand (2-2-2 sigmoid net, learning rate 0.5)")
    print(f"   E_total = {r['E_total']:.9f}   (by hand: {MAZUR_ERROR})")
    print(f"   w5 after one step = {r['w5']:.8f}   (by hand: {MAZUR_W5}) {'ok' if bp_ok else 'MISMATCH'}")

    print(f"\n3. Drawings in {os.path.abspath(out_dir)}")
    from graphdl import viz

    if not viz.dot_available():
        print(f"   Graphviz's `dot` is missing, so DOT files were written instead of SVG; {viz.INSTALL_HINT}")
    for net, stem in ((xor, "xor"), (bp, "backprop")):
        for path in draw_net(net, out_dir, stem):
            print(f"   {path}")

    if not args.no_compare:
        print("\n4. Compiled (XLA) vs interpreted (NumPy): loss, output and gradients")
        for net in (xor, bp):
            try:
                report = compare_net(net)
            except Exception as exc:  # report it and go on: the demo should show everything it can
                print(f"   {net['name']}: comparison failed: {type(exc).__name__}: {exc}")
                ok = False
                continue
            if report is None:
                print("   runtime.compare is not available in this build")
                break
            ok &= bool(report.ok)
            print(f"   {net['name']}: {'agree' if report.ok else 'DISAGREE'}")
            print("\n".join("     " + line for line in str(report).splitlines()))
    print(
        f"\ndone in {time.perf_counter() - start:.1f} s: {'all checks passed' if ok else 'some checks FAILED'}"
    )
    sys.stdout.flush()
    return 0 if ok else 1
