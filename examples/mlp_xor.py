"""A two-layer perceptron learns XOR, which a single layer cannot (see perceptron_gates.py).

2 inputs -> 8 tanh hidden units -> 1 sigmoid output, trained by gradient descent on the squared
error over XOR's truth table. The hidden layer maps the four points to a space where one line
separates them. Two hidden units are enough in principle, but gradient descent then gets stuck
in a local minimum more often; eight make it reliable.

Run: python examples/mlp_xor.py [--backend interpreter|xla] [--steps N]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import graphdl as tf

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
TARGETS = np.array([[0], [1], [1], [0]], np.float32)


def default_backend() -> str:
    """'xla' when the XLA backend is available, else the NumPy interpreter."""
    try:
        import runtime.xla  # noqa: F401
    except ImportError:
        return "interpreter"
    return "xla"


def build_graph(hidden: int, rng: np.random.Generator) -> tuple[Any, ...]:
    """The 2-hidden-1 MLP: (graph, x, t, out, loss, train, init)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        t = tf.placeholder(tf.float32, [None, 1], name="t")
        with tf.name_scope("hidden"):
            w1 = tf.Variable(rng.normal(0.0, 1.0, (2, hidden)).astype(np.float32), name="w")
            b1 = tf.Variable(np.zeros(hidden, np.float32), name="b")
            h = tf.tanh(tf.matmul(x, w1) + b1)
        with tf.name_scope("output"):
            w2 = tf.Variable(rng.normal(0.0, 1.0, (hidden, 1)).astype(np.float32), name="w")
            b2 = tf.Variable(np.zeros(1, np.float32), name="b")
            out = tf.sigmoid(tf.matmul(h, w2) + b2)
        loss = tf.reduce_mean(tf.square(out - t), name="loss")
        train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
        init = tf.global_variables_initializer()

    return graph, x, t, out, loss, train, init


def build() -> dict[str, Any]:
    """The script convention of `graphdl render` / `graphdl compare`."""
    graph, x, t, out, loss, train, init = build_graph(8, np.random.default_rng(0))
    return {"graph": graph, "fetches": [out, loss, train], "feed_dict": {x: INPUTS, t: TARGETS}, "init": init}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train the MLP, print the loss as it falls and the learned truth table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["interpreter", "xla"], default=default_backend())
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--hidden", type=int, default=8)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)

    graph, x, t, out, loss, train, init = build_graph(args.hidden, rng)
    feed = {x: INPUTS, t: TARGETS}
    losses = []
    print(f"backend: {args.backend}; 2-{args.hidden}-1 MLP, {args.steps} steps of gradient descent")
    with tf.Session(graph=graph, backend=args.backend) as sess:
        sess.run(init)
        for step in range(args.steps + 1):
            if step % (args.steps // 5) == 0:
                lv = float(sess.run(loss, feed))
                losses.append(lv)
                print(f"  step {step:5d}  loss {lv:.5f}")
            if step < args.steps:
                sess.run(train, feed)
        o = sess.run(out, feed)[:, 0]
    predicted = (o > 0.5).astype(int)
    accuracy = float(np.mean(predicted == TARGETS[:, 0]))
    print("  x1 x2 | target | output  predicted")
    for row, tgt, ov, p in zip(INPUTS.astype(int), TARGETS[:, 0].astype(int), o, predicted, strict=True):
        print(f"  {row[0]:2d} {row[1]:2d} | {tgt:6d} | {ov:.3f}   {p}")
    print(f"XOR accuracy: {accuracy:.0%}")
    return {"losses": losses, "out": o, "predicted": predicted, "accuracy": accuracy}


if __name__ == "__main__":
    main()
