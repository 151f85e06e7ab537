"""Fused multi-step training: the MNIST MLP 784-30-10 SGD step, `steps` steps per call.

Timed alternately in this process, per step:
  graphdl run_steps     Session.run_steps([train_op, loss], stacked feeds): one XLA program, lax.scan
  jax.jit scan          hand-written: `steps` steps in one jax.jit'd lax.scan (DESIGN's ~230 us peer)
  graphdl Session.run   one Session.run per step (the usual loop)
  jax.jit step          hand-written jax.jit step per batch
All fed the same NumPy batches (stacked [steps, 128, 784] for the fused runners).

    python bench/bench_mlp_steps.py [--steps 100] [--rounds 10] [--number 2]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
from _timing import alternate, machine, report
from mlp_common import BATCH, LR, _loss_jax, batch, build_graphdl, init_params, make_jax_step

import graphdl as gd


def make_jax_scan() -> Any:
    """A hand-written `jax.jit` of `steps` SGD steps in one lax.scan: (params, X, Y) -> (params, losses)."""
    from graphdl._jax import jax

    lr = np.float32(LR)

    def step(p: dict, xy: tuple) -> tuple:
        loss, g = jax.value_and_grad(_loss_jax)(p, *xy)
        return {k: p[k] - lr * g[k] for k in p}, loss

    return jax.jit(lambda p, X, Y: jax.lax.scan(step, p, (X, Y)), donate_argnums=(0,))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--number", type=int, default=2)
    args = ap.parse_args()
    n = args.steps
    params = init_params()
    xs, ys = batch(n=BATCH * n)
    X, Y = xs.reshape(n, BATCH, 784), ys.reshape(n, BATCH, 10)
    m = build_graphdl(params)
    fetch = [m["train"], m["loss"]]
    sess = gd.Session(graph=m["graph"])
    sess.run(m["init"])
    loop_sess = gd.Session(graph=m["graph"])
    loop_sess.run(m["init"])
    jscan, jstep = make_jax_scan(), make_jax_step(donate=True)
    state = {
        "scan": {k: v.copy() for k, v in params.items()},
        "step": {k: v.copy() for k, v in params.items()},
    }

    first = sess.run_steps(fetch, {m["x"]: X, m["y"]: Y})[1]
    state["scan"], losses = jscan(state["scan"], X, Y)
    assert np.allclose(first, np.asarray(losses), atol=1e-5), "run_steps and the hand-written scan disagree"

    def run_scan() -> None:
        state["scan"], losses = jscan(state["scan"], X, Y)
        np.asarray(losses)

    def run_loop() -> None:
        for i in range(n):
            loop_sess.run(fetch, {m["x"]: X[i], m["y"]: Y[i]})

    def run_jit_loop() -> None:
        for i in range(n):
            state["step"], loss = jstep(state["step"], X[i], Y[i])
            float(np.asarray(loss))

    runners = {
        "jax.jit scan (hand-written)": run_scan,
        "graphdl run_steps": lambda: sess.run_steps(fetch, {m["x"]: X, m["y"]: Y}),
        "jax.jit step loop (hand-written)": run_jit_loop,
        "graphdl Session.run loop": run_loop,
    }
    samples = alternate(runners, args.number, args.rounds, warmup=1)
    per_step = {k: [t / n for t in v] for k, v in samples.items()}
    print(machine())
    med = report(f"MLP 784-30-10 SGD, {n} steps per call, per step", per_step, "jax.jit scan (hand-written)")
    print(
        f"\nRESULT run_steps/jit-scan = {med['graphdl run_steps'] / med['jax.jit scan (hand-written)']:.3f}; "
        f"run_steps/jit-step = {med['graphdl run_steps'] / med['jax.jit step loop (hand-written)']:.3f}"
    )


if __name__ == "__main__":
    main()
