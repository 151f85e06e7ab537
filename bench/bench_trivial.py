"""Per-call cost of a trivial graph: Session.run of `x + 1` on float32[4].

Peers, timed alternately in this process: a `jax.jit` call whose result is turned into NumPy,
and a plain NumPy `x + 1`. Target: graphdl (xla) at most 1.5x the jit call.

    python bench/bench_trivial.py [--rounds 30] [--number 2000]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
from _timing import alternate, machine, report

import graphdl as gd
from graphdl._jax import jax


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--number", type=int, default=2000)
    args = ap.parse_args()

    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [4], name="x")
        y = x + 1
    xla = gd.Session(graph=g, backend="xla")
    interp = gd.Session(graph=g, backend="interpreter")
    xv = np.arange(4, dtype=np.float32)
    feed = {x: xv}
    one = np.float32(1)
    jitted = jax.jit(lambda a: a + one)

    def run_jit() -> object:
        return np.asarray(jitted(xv))

    runners = {
        "jax.jit + np.asarray": run_jit,
        "graphdl xla Session.run": lambda: xla.run(y, feed),
        "graphdl interpreter Session.run": lambda: interp.run(y, feed),
        "numpy x + 1": lambda: xv + one,
    }
    np.testing.assert_array_equal(xla.run(y, feed), run_jit())
    print(machine())
    samples = alternate(runners, args.number, args.rounds)
    med = report("x + 1 on float32[4], per call", samples, "jax.jit + np.asarray")
    ratio = med["graphdl xla Session.run"] / med["jax.jit + np.asarray"]
    print(f"\nRESULT trivial xla/jit = {ratio:.3f} (target <= 1.5)")


if __name__ == "__main__":
    main()
