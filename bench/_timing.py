"""Shared timing helpers: runners are timed alternately, in the same process, block by block."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable


def alternate(
    runners: dict[str, Callable[[], object]], number: int, rounds: int, warmup: int = 3
) -> dict[str, list[float]]:
    """Per-call seconds of each runner, one sample per (round, runner): the runners take turns,
    `number` calls at a time, so drifts of the machine hit them alike."""
    for f in runners.values():
        for _ in range(warmup):
            f()
    samples: dict[str, list[float]] = {k: [] for k in runners}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, f in runners.items():
                t0 = time.perf_counter()
                for _ in range(number):
                    f()
                samples[name].append((time.perf_counter() - t0) / number)
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
