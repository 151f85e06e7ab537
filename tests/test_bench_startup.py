"""bench/bench_startup.py still runs and prints its breakdown (one round of the MLP, nothing timed
against a limit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_startup_breakdown_of_the_mlp() -> None:
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "bench", "bench_startup.py"),
            "--rounds",
            "1",
            "--programs",
            "mlp",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    row = json.loads(next(ln[5:] for ln in out.stdout.splitlines() if ln.startswith("JSON ")))
    assert row["program"] == "mlp"
    assert 0 < row["graphdl"] < row["after_import"] < row["total"]
    assert row["xla_compile"] > 0
    # the initializer is evaluated on the host: the train step is the one XLA program
    assert "XLA programs compiled in the process: ['jit(<lambda>)']" in out.stdout
    table = out.stdout.splitlines()
    head = next(i for i, ln in enumerate(table) if ln.strip().startswith("first run of"))
    init_row = table[head + 1].split()
    assert init_row[0] == "initializer" and len(init_row) == 10 and init_row[-1] == "0"
