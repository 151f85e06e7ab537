"""Backpropagation, worked by hand in the course and here by graphdl's symbolic gradients.

Matt Mazur's "A Step by Step Backpropagation Example": a 2-2-2 network of sigmoid units, inputs
0.05 and 0.10, targets 0.01 and 0.99, weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50,
0.55, one bias per layer (b1 = 0.35, b2 = 0.60), error E = sum 1/2 (target - out)^2, one step of
gradient descent with learning rate 0.5. As in the published example, the biases are not updated;
their gradients are printed too, with the values they would take if they were trained.

Run: python examples/backprop_worked_example.py [--backend interpreter|xla]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import graphdl as tf


def default_backend() -> str:
    """'xla' when the XLA backend is available, else the NumPy interpreter."""
    try:
        import runtime.xla  # noqa: F401
    except ImportError:
        return "interpreter"
    return "xla"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Build the network, print the forward pass, the error and the weights after one step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["interpreter", "xla"], default=default_backend())
    args = parser.parse_args(argv)

    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(np.array([[0.05, 0.10]]), name="inputs")
        target = tf.constant(np.array([[0.01, 0.99]]), name="targets")
        # Column j of a weight matrix holds the weights into unit j: net_h1 = w1*i1 + w2*i2 + b1.
        w_hidden = tf.Variable(np.array([[0.15, 0.25], [0.20, 0.30]]), name="w1_w4")
        w_out = tf.Variable(np.array([[0.40, 0.50], [0.45, 0.55]]), name="w5_w8")
        b1 = tf.Variable(np.float64(0.35), name="b1")
        b2 = tf.Variable(np.float64(0.60), name="b2")
        out_h = tf.sigmoid(tf.matmul(x, w_hidden) + b1, name="out_h")
        out_o = tf.sigmoid(tf.matmul(out_h, w_out) + b2, name="out_o")
        error = tf.reduce_sum(0.5 * tf.square(target - out_o), name="E_total")
        g_b1, g_b2 = tf.gradients(error, [b1, b2])
        step = tf.train.GradientDescentOptimizer(0.5).minimize(error, var_list=[w_hidden, w_out])
        init = tf.global_variables_initializer()

    with tf.Session(graph=graph, backend=args.backend) as sess:
        sess.run(init)
        h, o, e, gb1, gb2 = sess.run([out_h, out_o, error, g_b1, g_b2])
        sess.run(step)
        wh, wo = sess.run([w_hidden, w_out])

    print(f"backend: {args.backend}")
    print("forward pass")
    print(f"  out_h1 = {h[0, 0]:.9f}   out_h2 = {h[0, 1]:.9f}")
    print(f"  out_o1 = {o[0, 0]:.9f}   out_o2 = {o[0, 1]:.9f}")
    print(f"  E_total = {e:.9f}")
    weights = {
        "w1": wh[0, 0], "w2": wh[1, 0], "w3": wh[0, 1], "w4": wh[1, 1],
        "w5": wo[0, 0], "w6": wo[1, 0], "w7": wo[0, 1], "w8": wo[1, 1],
    }  # fmt: skip
    print("weights after one step of gradient descent (learning rate 0.5)")
    for k, v in weights.items():
        print(f"  {k} = {v:.9f}")
    print("biases are not updated in the published example; had they been trained:")
    print(f"  dE/db1 = {gb1:.9f}  ->  b1 = {0.35 - 0.5 * gb1:.9f}")
    print(f"  dE/db2 = {gb2:.9f}  ->  b2 = {0.60 - 0.5 * gb2:.9f}")
    return {
        "out_h1": float(h[0, 0]), "out_h2": float(h[0, 1]), "out_o1": float(o[0, 0]),
        "out_o2": float(o[0, 1]), "E_total": float(e), **{k: float(v) for k, v in weights.items()},
        "dE/db1": float(gb1), "dE/db2": float(gb2),
    }  # fmt: skip


if __name__ == "__main__":
    main()
