"""The bench scripts still run (a round or two each, nothing timed against a limit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_bench(script: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_mlp_overhead_one_process() -> None:
    out = run_bench("bench_mlp_overhead.py", "--part", "one", "--rounds", "2", "--number", "2")
    row = json.loads(next(ln[5:] for ln in out.splitlines() if ln.startswith("JSON ")))
    assert set(row) == {
        "jax.jit donated",
        "graphdl program",
        "graphdl Session.run",
        "minimal session",
        "jax.jit + 1 us spin",
        "jax.jit device feeds",
        "... + 1 us spin",
    }
    for wall, cpu in row.values():
        assert wall > 0 and cpu > 0


def test_mlp_bench_runners_agree() -> None:
    # bench_mlp asserts that graphdl, jax.jit and NumPy give the same first-step loss before timing
    out = run_bench("bench_mlp.py", "--part", "xla", "--rounds", "1", "--number", "2")
    assert "first-step loss: graphdl xla 0.686440  jax.jit 0.686440  numpy 0.686440" in out
    assert "RESULT mlp xla/jit" in out


def test_mlp_steps_bench_runs() -> None:
    # bench_mlp_steps asserts that run_steps and the hand-written lax.scan give the same losses first
    out = run_bench("bench_mlp_steps.py", "--steps", "5", "--rounds", "1", "--number", "1")
    assert "RESULT run_steps/jit-scan" in out
