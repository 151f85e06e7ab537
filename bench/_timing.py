"""Shared timing helpers: runners are timed alternately, in the same process, block by block."""

from __future__ import annotations

import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable


def alternate(
    runners: dict[str, Callable[[], object]],
    number: int,
    rounds: int,
    warmup: int = 3,
    main_cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Per-call seconds of each runner, one sample per (round, runner): the runners take turns,
    `number` calls at a time, in a new random order each round, so drifts of the machine hit them
    alike and no runner always follows the same one. `main_cpu`, when given, receives the same
    samples of the calling thread's CPU time (Python, dispatch and waiting, without XLA's workers)."""
    for f in runners.values():
        for _ in range(warmup):
            f()
    samples: dict[str, list[float]] = {k: [] for k in runners}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        order = list(runners.items())
        shuffle = random.Random(0).shuffle
        for _ in range(rounds):
            shuffle(order)
            for name, f in order:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                for _ in range(number):
                    f()
                samples[name].append((time.perf_counter() - t0) / number)
                if main_cpu is not None:
                    main_cpu.setdefault(name, []).append((time.thread_time() - c0) / number)
    finally:
        if gc_was:
            gc.enable()
    return samples


def report(title: str, samples: dict[str, list[float]], baseline: str, unit: str = "us") -> dict[str, float]:
    """Print medians and ratios against `baseline`; return the medians (seconds)."""
    scale = {"us": 1e6, "ms": 1e3}[unit]
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"\n{title}")
    width = max(len(k) for k in med)
    for k, m in med.items():
        lo, hi = min(samples[k]), max(samples[k])
        ratio = m / med[baseline]
        print(
            f"  {k:<{width}}  median {m * scale:9.1f} {unit}   (min {lo * scale:.1f}, max {hi * scale:.1f})"
            f"   x{ratio:.3f} vs {baseline}"
        )
    return med


def machine() -> str:
    import jax
    import numpy as np

    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, jax {jax.__version__}, {time.strftime('%Y-%m-%d')}"
    )
