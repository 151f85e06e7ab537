"""A counter-based random generator written once against an array namespace `xp` (NumPy or jax.numpy).

Both backends call the same functions here, with `xp=numpy` in the interpreter and `xp=jax.numpy` in
the lowering, so a random op draws bit-for-bit the same numbers on both.

The generator is Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC 2011; the generator behind `jax.random`), in uint32 arithmetic only. A stream key is
derived from (seed, seed2) and the session's run counter `step`, so each `Session.run` draws new
numbers, as TF1 does, and a new session restarts the stream. Element `i` of draw `stream` is the
Threefry hash of the counter (i, stream) under that key, giving 64 random bits.

Conversions:
  uniform float   from the top 10/23/52 mantissa bits (float16/32/64): exactly the same in both
                  backends (integer-to-float conversion and a multiplication by a power of two).
  normal          Box-Muller in float64. `log` and `cos` in float64 may differ by an ulp between
                  NumPy and XLA; after the cast to float32 (or float16) a mismatch needs the float64
                  value within one float64 ulp of a float32 rounding boundary, about 2**-29 per
                  element, so float32 normals agree bit for bit in practice (none in 10**6 in the
                  tests); float64 normals agree to about one ulp.
  truncated       TF1 redraws values beyond 2 standard deviations; here `TRUNCATED_ROUNDS`
  normal          candidates come from independent streams and the first within 2 is taken (the
                  chance that all are outside is 0.0455**8 ~ 2e-11 per element; then the last
                  candidate is clipped to [-2, 2]).
The random ops (`graphdl.ops.random`) then scale and shift in float64 and round once to the dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "threefry2x32",
    "base_key",
    "step_key",
    "random_words",
    "uniform_float",
    "standard_normal",
    "truncated_normal",
    "uniform_int",
    "TRUNCATED_ROUNDS",
]

_MASK32 = 0xFFFFFFFF
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
TRUNCATED_ROUNDS = 8


def _u32(xp: Any, x: Any) -> Any:
    return xp.asarray(x, dtype=xp.uint32)


def _rotl(x: Any, r: int) -> Any:
    return (x << r) | (x >> (32 - r))


def threefry2x32(xp: Any, k0: Any, k1: Any, x0: Any, x1: Any) -> tuple[Any, Any]:
    """Threefry-2x32 (20 rounds) of counters (x0, x1) under key (k0, k1); uint32 arrays broadcast."""
    k0, k1, x0, x1 = (_u32(xp, v) for v in (k0, k1, x0, x1))
    ks = (k0, k1, k0 ^ k1 ^ _u32(xp, _PARITY))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x0 = x0 + x1
            x1 = _rotl(x1, r)
            x1 = x1 ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + _u32(xp, i + 1)
    return x0, x1


def base_key(seed: int, seed2: int) -> tuple[int, int]:
    """The key of an op's stream from its (graph seed, op seed); plain ints, the same for every backend."""
    s, s2 = int(seed) & 0xFFFFFFFFFFFFFFFF, int(seed2) & 0xFFFFFFFFFFFFFFFF
    with np.errstate(over="ignore"):
        a = np.array([s & _MASK32], np.uint32)
        b = np.array([s >> 32], np.uint32)
        c = np.array([s2 & _MASK32], np.uint32)
        d = np.array([s2 >> 32], np.uint32)
        k0, k1 = threefry2x32(np, a, b, c, d)
    return int(k0[0]), int(k1[0])


def step_key(xp: Any, key: tuple[int, int], step: Any) -> tuple[Any, Any]:
    """Mix the run counter into a base key; `step` is a Python int or a (traced) integer scalar."""
    s = xp.asarray(step, dtype=xp.int64)
    lo = (s & _MASK32).astype(xp.uint32)
    hi = ((s >> 32) & _MASK32).astype(xp.uint32)
    return threefry2x32(xp, key[0], key[1], xp.reshape(lo, (1,)), xp.reshape(hi, (1,)))


def random_words(xp: Any, key: tuple[Any, Any], n: int, stream: int) -> tuple[Any, Any]:
    """64 random bits per element as two uint32 arrays of length n: the hash of (i, stream)."""
    if n >= 2**32:
        raise ValueError(f"a random op can draw at most 2**32 - 1 values at once, not {n}")
    idx = xp.arange(n, dtype=xp.uint32)
    return threefry2x32(xp, key[0], key[1], idx, _u32(xp, stream))


def _uniform64(xp: Any, hi: Any, lo: Any) -> Any:
    """[0, 1) float64 from 52 bits: the top 20 of `hi` and all of `lo` (exact arithmetic only)."""
    m = (hi >> 12).astype(xp.float64) * 4294967296.0 + lo.astype(xp.float64)
    return m * (2.0**-52)


def uniform_float(xp: Any, key: tuple[Any, Any], n: int, dtype: Any, stream: int = 0) -> Any:
    """n floats uniform in [0, 1), built from as many random bits as the dtype has mantissa bits."""
    dt = np.dtype(dtype)
    nmant = np.finfo(dt).nmant
    hi, lo = random_words(xp, key, n, stream)
    if nmant > 32:
        return _uniform64(xp, hi, lo).astype(dt)
    m = (hi >> (32 - nmant)).astype(dt)
    return m * xp.asarray(2.0**-nmant, dtype=dt)


def _normal64(xp: Any, key: tuple[Any, Any], n: int, stream: int) -> Any:
    """n standard normals in float64 by Box-Muller, from streams 2*stream and 2*stream + 1."""
    h1, l1 = random_words(xp, key, n, 2 * stream)
    h2, l2 = random_words(xp, key, n, 2 * stream + 1)
    u1 = 1.0 - _uniform64(xp, h1, l1)  # (0, 1]: log is finite
    u2 = _uniform64(xp, h2, l2)
    return xp.sqrt(-2.0 * xp.log(u1)) * xp.cos((2.0 * np.pi) * u2)


def standard_normal(xp: Any, key: tuple[Any, Any], n: int, dtype: Any) -> Any:
    """n standard normal values of `dtype` (computed in float64, then cast)."""
    return _normal64(xp, key, n, 0).astype(np.dtype(dtype))


def truncated_normal(xp: Any, key: tuple[Any, Any], n: int, dtype: Any) -> Any:
    """n standard normals with |x| < 2: the first of TRUNCATED_ROUNDS candidates that is in range."""
    out = xp.clip(_normal64(xp, key, n, TRUNCATED_ROUNDS - 1), -2.0, 2.0)
    for k in range(TRUNCATED_ROUNDS - 2, -1, -1):
        c = _normal64(xp, key, n, k)
        out = xp.where(xp.abs(c) < 2.0, c, out)
    return out.astype(np.dtype(dtype))


def uniform_int(xp: Any, key: tuple[Any, Any], n: int, minval: Any, maxval: Any, dtype: Any) -> Any:
    """n integers in [minval, maxval) as TF1 draws them: minval + bits % (maxval - minval)."""
    dt = np.dtype(dtype)
    hi, lo = random_words(xp, key, n, 0)
    lo_v = xp.asarray(minval, dtype=dt)
    if dt.itemsize <= 4:
        span = (xp.asarray(maxval, dtype=dt) - lo_v).astype(xp.uint32)
        r = hi % span
    else:
        span = (xp.asarray(maxval, dtype=dt) - lo_v).astype(xp.uint64)
        bits = (hi.astype(xp.uint64) << 32) | lo.astype(xp.uint64)
        r = bits % span
    return lo_v + r.astype(dt)
