"""Linear regression by gradient descent: fit y = w * x + b to noisy points on y = 3x + 2.

The loss is the mean squared error; graphdl differentiates it symbolically and a
GradientDescentOptimizer steps w and b downhill. Prints the loss curve and the fitted line,
with the least-squares solution for comparison.

Run: python examples/linear_regression.py [--backend interpreter|xla] [--steps N] [--lr LR]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import graphdl as tf

TRUE_W, TRUE_B = 3.0, 2.0


def default_backend() -> str:
    """'xla' when the XLA backend is available, else the NumPy interpreter."""
    try:
        import runtime.xla  # noqa: F401
    except ImportError:
        return "interpreter"
    return "xla"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Fit the line, printing the loss every few steps and the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["interpreter", "xla"], default=default_backend())
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    xs = rng.uniform(-1.0, 1.0, 100).astype(np.float32)
    ys = (TRUE_W * xs + TRUE_B + rng.normal(0.0, 0.1, 100)).astype(np.float32)

    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        y = tf.placeholder(tf.float32, [None], name="y")
        w = tf.Variable(0.0, name="w")
        b = tf.Variable(0.0, name="b")
        prediction = w * x + b
        loss = tf.reduce_mean(tf.square(prediction - y), name="loss")
        train = tf.train.GradientDescentOptimizer(args.lr).minimize(loss)
        init = tf.global_variables_initializer()

    feed = {x: xs, y: ys}
    curve = []
    every = max(args.steps // 10, 1)
    print(f"backend: {args.backend}; fitting y = w*x + b to 100 points of y = {TRUE_W}x + {TRUE_B} + noise")
    with tf.Session(graph=graph, backend=args.backend) as sess:
        sess.run(init)
        for step in range(args.steps + 1):
            if step % every == 0 or step == args.steps:
                lv = float(sess.run(loss, feed))
                curve.append((step, lv))
                print(f"  step {step:4d}  loss {lv:.6f}")
            if step < args.steps:
                sess.run(train, feed)
        wv, bv = (float(v) for v in sess.run([w, b]))
    lsq_w, lsq_b = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)
    print(f"fitted:        w = {wv:.4f}, b = {bv:.4f}")
    print(f"least squares: w = {lsq_w:.4f}, b = {lsq_b:.4f}")
    return {"w": wv, "b": bv, "curve": curve, "lstsq": (float(lsq_w), float(lsq_b))}


if __name__ == "__main__":
    main()
