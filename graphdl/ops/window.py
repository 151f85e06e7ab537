"""Sliding-window geometry and kernels shared by convolution and pooling (no ops registered here).

TF1's output sizes: VALID gives ceil((in - eff_k + 1) / stride), SAME gives ceil(in / stride) with
pad_total = max((out - 1) * stride + eff_k - in, 0), pad_before = pad_total // 2 and the rest after,
where eff_k = (k - 1) * dilation + 1. Kernels are written once against `xp` (NumPy or jax.numpy):
`windows` cuts the (padded) input into the kh * kw strided views a window position sees, and
`col2im` adds such views back into an array of the padded input's shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.errors import ShapeError

PADDINGS = ("SAME", "VALID")


def four(value: Any, what: str) -> list[int]:
    """An int, a pair or a list of four as TF1's [1, h, w, 1]-style list of four ints."""
    if isinstance(value, int | np.integer):
        return [1, int(value), int(value), 1]
    vals = [int(v) for v in value]
    if len(vals) == 1:
        return [1, vals[0], vals[0], 1]
    if len(vals) == 2:
        return [1, vals[0], vals[1], 1]
    if len(vals) != 4:
        raise ShapeError(f"{what} must be an int or a list of 1, 2 or 4 ints, got {value!r}")
    return vals


def padding_name(padding: Any) -> str:
    """'SAME' or 'VALID' (any case), else a ShapeError."""
    p = str(padding).upper()
    if p not in PADDINGS:
        raise ShapeError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return p


def out_size(n: int | None, k: int, s: int, d: int, padding: str) -> tuple[int | None, int, int]:
    """(output size, pad before, pad after) along one axis, as TF1 computes them."""
    eff = (k - 1) * d + 1
    if n is None:
        return None, 0, 0
    if padding == "VALID":
        if n < eff:
            raise ShapeError(f"window of size {eff} does not fit in an input of size {n} with VALID padding")
        return (n - eff) // s + 1, 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return out, total // 2, total - total // 2


@dataclass(frozen=True)
class Geometry:
    """Where the windows of one 2-D sliding-window op lie in an NHWC input."""

    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    oh: int
    ow: int
    pt: int
    pb: int
    pl: int
    pr: int

    @property
    def padded(self) -> tuple[int, int]:
        return self.h + self.pt + self.pb, self.w + self.pl + self.pr

    @property
    def has_padding(self) -> bool:
        return bool(self.pt or self.pb or self.pl or self.pr)


def geometry(h: int, w: int, kh: int, kw: int, attrs: Mapping[str, Any]) -> Geometry:
    """The window geometry for input spatial size (h, w), window (kh, kw) and the op's attrs."""
    s = attrs["strides"]
    d = attrs.get("dilations") or [1, 1, 1, 1]
    oh, pt, pb = out_size(h, kh, s[1], d[1], attrs["padding"])
    ow, pl, pr = out_size(w, kw, s[2], d[2], attrs["padding"])
    assert oh is not None and ow is not None
    return Geometry(h, w, kh, kw, s[1], s[2], d[1], d[2], oh, ow, pt, pb, pl, pr)


def pad(xp: Any, x: Any, g: Geometry, value: float = 0.0) -> Any:
    """x padded on H and W as the geometry says, with `value`."""
    if not g.has_padding:
        return x
    return xp.pad(x, ((0, 0), (g.pt, g.pb), (g.pl, g.pr), (0, 0)), constant_values=value)


def crop(x: Any, g: Geometry) -> Any:
    """The inverse of `pad`: the input's cells of an array of the padded shape."""
    if not g.has_padding:
        return x
    return x[:, g.pt : g.pt + g.h, g.pl : g.pl + g.w, :]


def _view(xp: Any, x: Any, g: Geometry, i: int, j: int) -> Any:
    r0, c0 = i * g.dh, j * g.dw
    r1, c1 = r0 + (g.oh - 1) * g.sh + 1, c0 + (g.ow - 1) * g.sw + 1
    if xp is np:
        return x[:, r0 : r1 : g.sh, c0 : c1 : g.sw, :]
    n, _, _, c = x.shape
    return jax.lax.slice(x, (0, r0, c0, 0), (n, r1, c1, c), (1, g.sh, g.sw, 1))


def windows(xp: Any, xp_padded: Any, g: Geometry) -> list[Any]:
    """The kh * kw views [N, oh, ow, C] of a padded input, window offsets in row-major order."""
    if g.oh == 0 or g.ow == 0:
        n, c = xp_padded.shape[0], xp_padded.shape[3]
        z = xp.zeros((n, g.oh, g.ow, c), xp_padded.dtype)
        return [z] * (g.kh * g.kw)
    return [_view(xp, xp_padded, g, i, j) for i in range(g.kh) for j in range(g.kw)]


def col2im(xp: Any, parts: Sequence[Any], g: Geometry, like: Any) -> Any:
    """Sum the kh * kw views [N, oh, ow, C] back into the input positions they came from.

    Returns an array of the input's (unpadded) shape; `like` gives batch, channels and dtype.
    """
    n, c = like.shape[0], parts[0].shape[3] if parts else like.shape[3]
    hp, wp = g.padded
    if g.oh == 0 or g.ow == 0:
        return xp.zeros((n, g.h, g.w, c), parts[0].dtype)
    if xp is np:
        out = np.zeros((n, hp, wp, c), parts[0].dtype)
        for k, p in enumerate(parts):
            i, j = divmod(k, g.kw)
            out[:, i * g.dh : i * g.dh + (g.oh - 1) * g.sh + 1 : g.sh,
                j * g.dw : j * g.dw + (g.ow - 1) * g.sw + 1 : g.sw, :] += p  # fmt: skip
        return crop(out, g)
    total = None
    zero = jnp.zeros((), parts[0].dtype)
    for k, p in enumerate(parts):
        i, j = divmod(k, g.kw)
        r0, c0 = i * g.dh, j * g.dw
        cfg = (
            (0, 0, 0),
            (r0, hp - r0 - ((g.oh - 1) * g.sh + 1), g.sh - 1),
            (c0, wp - c0 - ((g.ow - 1) * g.sw + 1), g.sw - 1),
            (0, 0, 0),
        )
        placed = jax.lax.pad(p, zero, cfg)
        total = placed if total is None else total + placed
    return crop(total, g)


def valid_counts(g: Geometry, dtype: Any) -> np.ndarray:
    """How many real (unpadded) cells each window covers, as a [1, oh, ow, 1] NumPy constant."""
    ones = pad(np, np.ones((1, g.h, g.w, 1), dtype), g, 0.0)
    return np.asarray(sum(windows(np, ones, g)), dtype)


def tiles(g: Geometry) -> bool:
    """True when windows tile the padded input exactly (ksize == strides, no dilation): reshape path."""
    return g.kh == g.sh and g.kw == g.sw and g.dh == 1 and g.dw == 1
