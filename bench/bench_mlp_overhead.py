"""Where the MLP step's time goes between a hand-written `jax.jit` step and `Session.run`.

Timed alternately in one process, each with its own parameters fed back from its last step:
  jax.jit donated      the hand-written step (device parameters in, donated)
  graphdl program      graphdl's compiled program called directly (no Session around it)
  graphdl Session.run  the same program through `Session.run([train_op, loss], feed_dict)`
  minimal session      the least a Session must do around that program (find the program by fetches and
                       feed keys, variables from a dict under a lock, writes back): the floor of any design
  jax.jit + 1 us spin  the hand-written step after a 1 us busy wait (Python time of a known size)
  jax.jit device feeds the hand-written step fed device arrays instead of NumPy ones (no host transfer)
  ... + 1 us spin      the same after a 1 us busy wait

For each it prints the wall time per step and the main thread's CPU time per step (Python,
dispatch and waiting; XLA's worker threads excluded). `--part python` times the Session's own
Python warm, with the XLA call replaced by a stub that returns the first run's outputs.

    python bench/bench_mlp_overhead.py [--rounds 30] [--number 40] [--processes 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
from _timing import alternate, machine
from mlp_common import batch, build_graphdl, init_params, make_jax_step

import graphdl as gd

BASE = "jax.jit donated"


def _session(params: dict[str, np.ndarray]) -> tuple[Any, Any, Any, Any]:
    m = build_graphdl(params)
    sess = gd.Session(graph=m["graph"])
    sess.run(m["init"])
    xb, yb = batch()
    return sess, [m["train"], m["loss"]], {m["x"]: xb, m["y"]: yb}, m


def _spin(us: float) -> None:
    end = time.perf_counter() + us * 1e-6
    while time.perf_counter() < end:
        pass


def _minimal_session(jitted: Any, order: tuple[str, ...], params: dict[str, np.ndarray], key: Any) -> Any:
    """The least a Session does around the compiled program: look the program up by (fetches, feed keys),
    read the variables from a dict under a lock, call, store the writes, turn the loss into NumPy."""
    import threading

    from graphdl._jax import jax

    programs = {key: jitted}
    variables = {n: jax.device_put(params[n]) for n in order}
    lock = threading.RLock()

    def run(fetches: list[Any], feed_dict: dict[Any, np.ndarray]) -> list[Any]:
        prog = programs[(tuple(fetches), fetches.__class__, *feed_dict)]
        with lock:
            fetched, written, _ = prog(tuple([variables[n] for n in order]), (), tuple(feed_dict.values()))
            variables.update(zip(order, written, strict=True))
        return [None, np.array(fetched[-1])]

    return run


def one_process(rounds: int, number: int) -> dict[str, tuple[float, float]]:
    """{runner: (median wall seconds, median main-thread CPU seconds)} for one process."""
    from graphdl._jax import jax
    from runtime.inspect import _executable

    params = init_params()
    xb, yb = batch()
    sess, fetch, feed, _ = _session(params)
    execute, _ = _executable(sess, fetch, feed)
    order = execute.donated
    state: dict[str, Any] = {
        "jit": {k: jax.device_put(v) for k, v in params.items()},
        "spin": {k: jax.device_put(v) for k, v in params.items()},
        "dev": {k: jax.device_put(v) for k, v in params.items()},
        "devspin": {k: jax.device_put(v) for k, v in params.items()},
        "prog": tuple(jax.device_put(params[n]) for n in order),
    }
    jstep = make_jax_step(donate=True)
    jitted = execute.jitted

    def run_jit() -> None:
        state["jit"], loss = jstep(state["jit"], xb, yb)
        np.asarray(loss)

    def run_spin() -> None:
        _spin(1.0)
        state["spin"], loss = jstep(state["spin"], xb, yb)
        np.asarray(loss)

    xd, yd = jax.device_put(xb), jax.device_put(yb)

    def run_dev() -> None:
        state["dev"], loss = jstep(state["dev"], xd, yd)
        np.asarray(loss)

    def run_dev_spin() -> None:
        _spin(1.0)
        state["devspin"], loss = jstep(state["devspin"], xd, yd)
        np.asarray(loss)

    minimal = _minimal_session(jitted, order, params, (tuple(fetch), list, *feed))
    first = float(minimal(fetch, feed)[1]), float(sess.run(fetch, feed)[1])
    assert first[0] == first[1], f"the minimal session's first step differs from Session.run's: {first}"

    def run_program() -> None:
        fetched, written, _ = jitted(state["prog"], (), (xb, yb))
        state["prog"] = written
        np.asarray(fetched[-1])

    runners = {
        BASE: run_jit,
        "graphdl program": run_program,
        "graphdl Session.run": lambda: sess.run(fetch, feed),
        "minimal session": lambda: minimal(fetch, feed),
        "jax.jit + 1 us spin": run_spin,
        "jax.jit device feeds": run_dev,
        "... + 1 us spin": run_dev_spin,
    }
    cpu: dict[str, list[float]] = {}
    wall = alternate(runners, number, rounds, main_cpu=cpu)
    return {k: (float(np.median(wall[k])), float(np.median(cpu[k]))) for k in runners}


def python_only(number: int = 20000) -> dict[str, float]:
    """Warm per-call Python of Session.run and of a bare call, the XLA call replaced by a stub."""
    import runtime.xla as rx
    from graphdl._jax import jax

    real_jit = jax.jit

    class _Stub:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.fn = real_jit(*args, **kwargs)
            self.out: Any = None

        def __call__(self, *args: Any) -> Any:
            if self.out is None:
                self.out = self.fn(*args)
                jax.block_until_ready(self.out)
            return self.out

    class _Jax:
        jit = _Stub

        def __getattr__(self, name: str) -> Any:
            return getattr(jax, name)

    saved = rx.jax
    rx.jax = _Jax()  # type: ignore[assignment]
    try:
        sess, fetch, feed, _ = _session(init_params())
        sess.run(fetch, feed)
    finally:
        rx.jax = saved
    from runtime.inspect import _executable

    execute, _ = _executable(sess, fetch, feed)
    stub = execute.jitted
    xb, yb = feed.values()
    out = stub.out

    def bare() -> None:
        fetched, _, _ = stub(out[1], (), (xb, yb))
        np.asarray(fetched[-1])

    def best(f: Any) -> float:
        return min(timeit.repeat(f, number=number, repeat=5)) / number

    return {"stub call + np.asarray": best(bare), "Session.run": best(lambda: sess.run(fetch, feed))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--number", type=int, default=40)
    ap.add_argument("--processes", type=int, default=5)
    ap.add_argument("--part", choices=("all", "one", "python"), default="all")
    args = ap.parse_args()
    if args.part == "one":
        print("JSON " + json.dumps(one_process(args.rounds, args.number)))
        return
    if args.part == "python":
        for k, v in python_only().items():
            print(f"  {k:<24} {v * 1e6:6.2f} us")
        return
    print(machine())
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--rounds",
        str(args.rounds),
        "--number",
        str(args.number),
    ]
    rows = []
    for _ in range(max(args.processes, 1)):
        out = subprocess.run([*cmd, "--part", "one"], check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(next(ln[5:] for ln in out.splitlines() if ln.startswith("JSON "))))
    print(f"\nMLP 784-30-10 SGD step, batch 128: medians over {len(rows)} processes")
    print(f"  {'':<22} {'wall':>9} {'x jit':>7} {'main-thread CPU':>16}")
    for k in rows[0]:
        wall = float(np.median([r[k][0] for r in rows]))
        ratio = float(np.median([r[k][0] / r[BASE][0] for r in rows]))
        cpu = float(np.median([r[k][1] for r in rows]))
        print(f"  {k:<22} {wall * 1e6:7.1f} us {ratio:7.3f} {cpu * 1e6:13.1f} us")
    print("\nwarm Python per call (XLA call stubbed):")
    subprocess.run([*cmd, "--part", "python"], check=True)


if __name__ == "__main__":
    main()
