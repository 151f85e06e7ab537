"""Time to the first result of the MLP step: graphdl (graph build with autodiff, Session, planning,
passes, lowering, XLA compile, run) against the first call of a hand-written jax.jit step.

Every sample is a fresh Python process (so no compile cache is shared); the two kinds of process
alternate. Target: graphdl at most 1.5x the hand-written jit step.

    python bench/bench_first_run.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time
sys.path.insert(0, {here!r})
import numpy as np
import graphdl as gd
from graphdl._jax import jax
from mlp_common import batch, build_graphdl, init_params, make_jax_step
params = init_params(); xb, yb = batch()
jax.devices()  # start the XLA client outside the timed region, for both kinds
gd.Session  # and finish importing graphdl (runtime, compiler: lazily imported on first use)
kind = {kind!r}
if kind == "jit":
    t0 = time.perf_counter()
    step = make_jax_step()
    p, loss = step(params, xb, yb)
    float(np.asarray(loss))
    out = {{"first": time.perf_counter() - t0}}
else:
    t0 = time.perf_counter()
    m = build_graphdl(params)
    sess = gd.Session(graph=m["graph"])
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    sess.run(m["init"])
    t_init = time.perf_counter() - t1
    t2 = time.perf_counter()
    _, loss = sess.run([m["train"], m["loss"]], {{m["x"]: xb, m["y"]: yb}})
    t_step = time.perf_counter() - t2
    out = {{"first": t_build + t_step, "build": t_build, "init_run": t_init, "step_run": t_step,
           "total_with_init": time.perf_counter() - t0}}
print("JSON" + json.dumps(out))
"""


def sample(kind: str) -> dict[str, float]:
    code = CHILD.format(here=HERE, kind=kind)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("JSON")][-1]
    return json.loads(line[4:])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    from _timing import machine

    jit: list[dict[str, float]] = []
    gdl: list[dict[str, float]] = []
    for _ in range(args.rounds):
        jit.append(sample("jit"))
        gdl.append(sample("graphdl"))
    print(machine())
    med = lambda rows, k: statistics.median(r[k] for r in rows)  # noqa: E731
    j = med(jit, "first")
    print("\nfirst MLP step (fresh process each, medians)")
    print(f"  jax.jit first call (trace + compile + run)       {j * 1e3:8.1f} ms")
    for k, label in (
        ("first", "graphdl build + first train run"),
        ("build", "  graph build (autodiff, minimize) + Session()"),
        ("step_run", "  first Session.run(train) (plan+lower+compile)"),
        ("init_run", "graphdl initializer run (separate program)"),
        ("total_with_init", "graphdl build + init run + first train run"),
    ):
        print(f"  {label:<48} {med(gdl, k) * 1e3:8.1f} ms   x{med(gdl, k) / j:.2f}")
    print(f"\nRESULT first-run graphdl/jit = {med(gdl, 'first') / j:.3f} (target <= 1.5)")
    print(f"RESULT first-run incl. init run graphdl/jit = {med(gdl, 'total_with_init') / j:.3f}")


if __name__ == "__main__":
    main()
