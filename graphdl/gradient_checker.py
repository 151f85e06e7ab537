"""Gradient checking, like TF1's `tf.test.compute_gradient`: symbolic Jacobian vs central differences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl.tensor import Tensor


def _session(session: Any, graph: Any) -> Any:
    if session is not None:
        return session
    from runtime.session import Session

    return Session(graph=graph, backend="interpreter")


def jacobians(
    y: Tensor,
    xs: Sequence[Tensor],
    x_values: Sequence[np.ndarray],
    feed_dict: Mapping[Any, Any] | None = None,
    delta: float = 1e-6,
    session: Any = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each x: (symbolic Jacobian, numerical Jacobian), both of shape [x.size, y.size].

    The symbolic one seeds `grad_ys` with each unit vector in turn; the numerical one moves each
    element of x by +-delta (central differences). Run in float64 for meaningful comparisons.
    """
    from graphdl import gradients
    from graphdl.ops.state import placeholder

    graph = y.graph
    with graph.as_default():
        gy = placeholder(y.dtype, y.shape, name="jacobian_seed")
        grads = gradients(y, list(xs), grad_ys=gy)
    sess = _session(session, graph)
    base = dict(feed_dict or {})
    values = [np.array(v, dtype=x.dtype.np) for x, v in zip(xs, x_values, strict=True)]
    for x, v in zip(xs, values, strict=True):
        base[x] = v
    y0 = np.asarray(sess.run(y, base))
    ny = y0.size
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for k, (x, v) in enumerate(zip(xs, values, strict=True)):
        sym = np.zeros((v.size, ny))
        g = grads[k]
        if g is not None:
            for j in range(ny):
                seed = np.zeros(ny, dtype=y.dtype.np)
                seed[j] = 1
                fd = dict(base)
                fd[gy] = seed.reshape(y0.shape)
                sym[:, j] = np.asarray(sess.run(g, fd), dtype=np.float64).reshape(-1)
        num = np.zeros((v.size, ny))
        flat = v.reshape(-1)
        for i in range(v.size):
            old = flat[i]
            flat[i] = old + delta
            fd = dict(base)
            fd[x] = flat.reshape(v.shape).copy()
            yp = np.asarray(sess.run(y, fd), dtype=np.float64).reshape(-1)
            flat[i] = old - delta
            fd[x] = flat.reshape(v.shape).copy()
            ym = np.asarray(sess.run(y, fd), dtype=np.float64).reshape(-1)
            flat[i] = old
            num[i] = (yp - ym) / (2 * delta)
        out.append((sym, num))
    return out


def compute_gradient(
    x: Tensor | Sequence[Tensor],
    x_shape: Any,
    y: Tensor,
    y_shape: Any,
    x_init_value: Any = None,
    delta: float = 1e-3,
    init_targets: Any = None,
    extra_feed_dict: Mapping[Any, Any] | None = None,
    session: Any = None,
) -> Any:
    """TF1 `tf.test.compute_gradient`: (theoretical, numerical) Jacobians of y with respect to x."""
    single = isinstance(x, Tensor)
    xs = [x] if single else list(x)  # type: ignore[list-item]
    shapes = [x_shape] if single else list(x_shape)
    if x_init_value is None:
        rng = np.random.default_rng(0)
        inits = [rng.standard_normal(s) for s in shapes]
    else:
        inits = [x_init_value] if single else list(x_init_value)
    sess = _session(session, y.graph)
    if init_targets is not None:
        sess.run(init_targets)
    res = jacobians(y, xs, [np.asarray(v) for v in inits], extra_feed_dict, delta, sess)
    return res[0] if single else res


def compute_gradient_error(*args: Any, **kwargs: Any) -> float:
    """Max absolute difference between the theoretical and numerical Jacobians."""
    res = compute_gradient(*args, **kwargs)
    pairs = [res] if isinstance(res, tuple) else res
    return float(max(np.max(np.abs(a - b)) if a.size else 0.0 for a, b in pairs))
