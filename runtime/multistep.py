"""`Session.run_steps`: many runs of the same fetches in one call, with per-step feeds stacked.

Each fed value carries a leading axis of length `steps`; step k runs with the k-th slices, exactly as
`steps` calls of `Session.run` would (variables carried from one step to the next, the run counter
advanced per step, so random ops draw what those calls would draw), and each fetched value comes back
stacked along a new leading axis. On XLA the steps are one compiled program: a `lax.scan` over the
step's program, so the variables stay on the device and Python runs once per call instead of once
per step (DESIGN's "fused multi-step training"). On the interpreter the steps run one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax
from graphdl.errors import FeedError, GraphError, UninitializedVariableError
from graphdl.nest import flatten, pack
from graphdl.tensor import Tensor
from runtime.xla import XlaExecutable

ALIGN = 64  # XLA:CPU uses a host array in place when it starts on a 64-byte boundary


def run_steps(session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None, steps: int | None) -> Any:
    """See `Session.run_steps`."""
    from runtime.session import convert_feed

    graph = session.graph
    if graph._host_feeders:
        raise GraphError(
            "run_steps takes each step's inputs from feed_dict; a graph with tf.data iterators or queues "
            "runs one step per Session.run"
        )
    stacked = {k: v if isinstance(v, np.ndarray) else np.asarray(v) for k, v in (feed_dict or {}).items()}
    lengths = {v.shape[0] if v.ndim else None for v in stacked.values()}
    if steps is None:
        if len(lengths) != 1 or None in lengths:
            raise FeedError(
                "run_steps needs steps= or fed values that all stack the steps along their first axis"
            )
        steps = int(next(iter(lengths)))  # type: ignore[arg-type]
    steps = int(steps)
    if steps < 1:
        raise GraphError(f"run_steps: steps must be at least 1, got {steps}")
    for k, v in stacked.items():
        if not v.ndim or v.shape[0] != steps:
            name = k.name if isinstance(k, Tensor) else k
            raise FeedError(
                f"run_steps: the value fed to '{name}' must stack {steps} steps along its first axis, "
                f"got shape {v.shape}"
            )
    entry = session._entry_slow(fetches, stacked or None)
    first = [convert_feed(t, v[0]) for t, v in zip(entry.tensors, stacked.values(), strict=True)]
    arrays = [np.asarray(v, dtype=t.dtype.np) for t, v in zip(entry.tensors, stacked.values(), strict=True)]
    prog = entry.programs.get(tuple(a.shape for a in first)) or session._new_program(entry, first)
    if not isinstance(prog.execute, XlaExecutable):  # the interpreter: one run per step
        runs = [
            session.run(fetches, {k: v[i] for k, v in zip(stacked, arrays, strict=True)})
            for i in range(steps)
        ]
        leaves = [flatten(r) for r in runs]
        return pack(runs[0], [_stack([leaf[j] for leaf in leaves]) for j in range(len(leaves[0]))])
    return _run_compiled(session, entry, prog, arrays, steps)


def _stack(values: list[Any]) -> Any:
    return None if values[0] is None else np.stack([np.asarray(v) for v in values])


def _scan_program(execute: XlaExecutable, n: int) -> Any:
    """The jitted program of n steps: `lax.scan` of the step's program, the written variables carried
    (their buffers donated), read-only variables and the step's constants shared by every step."""
    cache = execute.__dict__.setdefault("_steps_programs", {})
    if n in cache:
        return cache[n]
    from graphdl._jax import jax, jnp

    program, donated, optional, writes = (
        execute.program,
        execute.donated,
        execute.optional,
        execute.write_names,
    )
    uses_step = execute.uses_step

    def steps_fn(carried: Any, kvals: Any, fstack: Any, step0: Any) -> Any:
        def body(carry: dict[str, Any], xs: Any) -> Any:
            fvals, i = xs
            dvals = tuple(carry[name] for name in donated)
            ovals = {name: carry[name] for name in optional}
            fetched, written, checks = program(dvals, kvals, fvals, ovals, step0 + i if uses_step else None)
            if checks:
                raise GraphError(
                    "run_steps: the fetches need run-time checks (tf.Assert, assert_*, check_numerics, a "
                    "slice bounded at run time), which stop a run part way; run them one step per Session.run"
                )
            return dict(zip(writes, written, strict=True)), fetched

        carry, fetched = jax.lax.scan(body, carried, (fstack, jnp.arange(n, dtype=jnp.int64)))
        return fetched, carry

    cache[n] = jax.jit(steps_fn, donate_argnums=(0,))
    return cache[n]


def _aligned(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    raw = np.empty(int(np.prod(shape)) * np.dtype(dtype).itemsize + ALIGN, np.uint8)
    start = (-raw.ctypes.data) % ALIGN
    return raw[start : start + raw.size - ALIGN].view(dtype).reshape(shape)


def _staged(execute: XlaExecutable, n: int, arrays: list[np.ndarray]) -> tuple[Any, ...]:
    """The stacked feeds as XLA:CPU takes them without a copy of its own: an array already aligned
    and contiguous as it is, else copied into this program's aligned staging buffer (kept between
    calls). For a batch of steps this is several times cheaper than JAX's copy of an unaligned array,
    which allocates fresh memory on every call. Other platforms copy to the device anyway."""
    if execute.backend.platform != "cpu":
        return tuple(arrays)
    buffers = execute.__dict__.setdefault("_steps_staging", {})
    out = []
    for i, a in enumerate(arrays):
        if a.flags.c_contiguous and a.ctypes.data % ALIGN == 0:
            out.append(a)
            continue
        buf = buffers.get((n, i))
        if buf is None or buf.shape != a.shape or buf.dtype != a.dtype:
            buf = buffers[(n, i)] = _aligned(a.shape, a.dtype)
        np.copyto(buf, a)
        out.append(buf)
    return tuple(out)


def _distinct(carried: dict[str, Any], kept: list[Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The carried (donated) buffers, each distinct and not also passed read-only: copies where one
    array stands for two variables."""
    from graphdl._jax import jnp

    seen: set[int] = set()
    for name, v in carried.items():
        if id(v) in seen:
            carried[name] = jnp.array(v, copy=True)
        seen.add(id(carried[name]))
    return carried, tuple(jnp.array(v, copy=True) if id(v) in seen else v for v in kept)


def _run_compiled(session: Any, entry: Any, prog: Any, arrays: list[np.ndarray], steps: int) -> Any:
    execute = prog.execute
    jitted = _scan_program(execute, steps)
    order = [entry.names.index(n) for n in execute.feed_names]
    with session._lock:
        if session._closed:
            raise GraphError("attempted to use a closed Session")
        variables = session._vars
        missing = [n for n in (*execute.var_reads, *execute.write_names) if n not in variables]
        if missing:
            raise UninitializedVariableError(
                f"run_steps: variable '{missing[0]}' is not initialized; run its initializer with Session.run first"
            )
        step = session._step
        feeds = _staged(execute, steps, [arrays[i] for i in order])
        carried, kept = _distinct(
            {n: variables[n] for n in execute.write_names}, [variables[n] for n in execute.kept]
        )
        fetched, written = jitted(carried, kept, feeds, np.int64(step))
        variables.update(written)
        session._step = step + steps
        # done before the lock is released: the next call may refill the staging buffers
        values = [
            None if slot is None else np.array(v)
            for slot, v in zip(prog.plan.fetch_slots, fetched, strict=True)
        ]
        jax.block_until_ready(written)
    return entry.rebuild(values)
