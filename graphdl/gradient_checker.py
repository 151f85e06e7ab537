"""Gradient checking, like TF1's `tf.test.compute_gradient`: symbolic Jacobian vs central differences.

Both Jacobians of y with respect to x have shape [x.size, y.size] (TF1's layout): the symbolic one
is built by `gradients` seeded with each unit vector of y in turn, the numerical one moves each
element of x by +-delta. xs may be placeholders or other fed tensors, or Variables (set with
`Session.load_variable` and restored afterwards). Use float64 for tight comparisons.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from graphdl.errors import GraphError, ShapeError
from graphdl.tensor import Tensor

__all__ = ["compute_gradient", "compute_gradient_error", "jacobians"]


@contextlib.contextmanager
def _session(session: Any, graph: Any) -> Iterator[Any]:
    """The given session, else the default session of y's graph, else a new interpreter session."""
    if session is not None:
        yield session
        return
    from runtime.session import Session, get_default_session

    with contextlib.suppress(GraphError):
        default = get_default_session()
        if default.graph is graph:
            yield default
            return
    with Session(graph=graph, backend="interpreter") as sess:
        yield sess


def _is_variable(x: Any) -> bool:
    return not isinstance(x, Tensor) and hasattr(x, "_as_tensor")


def jacobians(
    y: Tensor,
    xs: Sequence[Any],
    x_values: Sequence[Any],
    feed_dict: Mapping[Any, Any] | None = None,
    delta: float = 1e-6,
    session: Any = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each x: (symbolic Jacobian, numerical Jacobian) of y, both of shape [x.size, y.size]."""
    from graphdl import gradients
    from graphdl.ops.state import placeholder

    graph = y.graph
    with graph.as_default():
        seed = placeholder(y.dtype, y.shape, name="jacobian_seed")
        grads = gradients(y, list(xs), grad_ys=seed)
    values = [np.array(v, dtype=x.dtype.np) for x, v in zip(xs, x_values, strict=True)]
    with _session(session, graph) as sess:
        saved = {k: sess.run(x) for k, x in enumerate(xs) if _is_variable(x)}
        base = dict(feed_dict or {})

        def run(fetch: Any, extra: Mapping[Any, Any], x_vals: Sequence[np.ndarray]) -> np.ndarray:
            fd = {**base, **extra}
            for x, v in zip(xs, x_vals, strict=True):
                if _is_variable(x):
                    sess.load_variable(x, v)
                else:
                    fd[x] = v
            return np.asarray(sess.run(fetch, fd), dtype=np.float64)

        try:
            y0 = run(y, {}, values)
            ny = y0.size
            out: list[tuple[np.ndarray, np.ndarray]] = []
            for k, (g, v) in enumerate(zip(grads, values, strict=True)):
                sym = np.zeros((v.size, ny))
                for j in range(ny if g is not None else 0):
                    unit = np.zeros(ny, dtype=y.dtype.np)
                    unit[j] = 1
                    sym[:, j] = run(g, {seed: unit.reshape(y0.shape)}, values).reshape(-1)
                num = np.zeros((v.size, ny))
                for i in range(v.size):
                    moved = list(values)
                    plus, minus = v.copy().reshape(-1), v.copy().reshape(-1)
                    plus[i] += delta
                    minus[i] -= delta
                    moved[k] = plus.reshape(v.shape)
                    yp = run(y, {}, moved).reshape(-1)
                    moved[k] = minus.reshape(v.shape)
                    ym = run(y, {}, moved).reshape(-1)
                    num[i] = (yp - ym) / (2 * delta)
                out.append((sym, num))
        finally:
            for k, value in saved.items():
                sess.load_variable(xs[k], value)
    return out


def compute_gradient(
    x: Any,
    x_shape: Any,
    y: Tensor,
    y_shape: Any,
    x_init_value: Any = None,
    delta: float = 1e-3,
    init_targets: Any = None,
    extra_feed_dict: Mapping[Any, Any] | None = None,
    session: Any = None,
) -> Any:
    """TF1 `tf.test.compute_gradient`: (theoretical, numerical) Jacobians of y with respect to x.

    x may be a list (then x_shape and x_init_value are lists too, and the result is a list of
    pairs). x_init_value defaults to standard normal values. init_targets run first (e.g. the
    variables' initializer).
    """
    single = not isinstance(x, list | tuple)
    xs = [x] if single else list(x)
    shapes = [x_shape] if single else list(x_shape)
    if len(shapes) != len(xs):
        raise ShapeError(f"compute_gradient: {len(xs)} xs but {len(shapes)} x_shapes")
    if x_init_value is None:
        rng = np.random.default_rng(0)
        inits = [rng.standard_normal(tuple(s)) for s in shapes]
    else:
        inits = [np.asarray(x_init_value)] if single else [np.asarray(v) for v in x_init_value]
    for t, s, v in zip(xs, shapes, inits, strict=True):
        if tuple(v.shape) != tuple(s):
            raise ShapeError(
                f"compute_gradient: x_init_value for '{t.name}' has shape {v.shape}, x_shape is {s}"
            )
    with _session(session, y.graph) as sess:
        if init_targets is not None:
            sess.run(init_targets)
        res = jacobians(y, xs, inits, extra_feed_dict, delta, sess)
        y_size = res[0][0].shape[1] if res else 0
    if int(np.prod(y_shape)) != y_size:
        raise ShapeError(
            f"compute_gradient: y '{y.name}' has {y_size} elements, y_shape {y_shape} says otherwise"
        )
    return res[0] if single else res


def compute_gradient_error(*args: Any, **kwargs: Any) -> float:
    """TF1 `tf.test.compute_gradient_error`: max |theoretical - numerical| over all Jacobian entries."""
    res = compute_gradient(*args, **kwargs)
    pairs = [res] if isinstance(res, tuple) else res
    return float(max((np.max(np.abs(a - b)) if a.size else 0.0 for a, b in pairs), default=0.0))
