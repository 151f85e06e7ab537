"""The per-program closures `Session.run`'s fast path calls with the feed arrays (in feed_dict order).

Each checks the session is open, runs, applies all writes together at the end (nothing changes when a
run fails), bumps the step and returns the fetch structure of NumPy values.

On XLA a training loop pays, on top of the program, the Python between the program's end and the next
dispatch: the thread pools go to sleep when nothing is dispatched, so each microsecond there costs about
two. The compiled runner therefore leaves everything it can to the window while the program runs
(writes are stored then) and converts fetches by kinds known from the plan.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.errors import GraphError, UninitializedVariableError

OP, SCALAR, ARRAY, ANY = 0, 1, 2, 3  # what a flat fetch is: an op (None), a 0-d or n-d tensor, unknown rank


def fetch_kinds(plan: Any) -> list[int]:
    """The kind of each flat fetch of a plan, from the static shapes of its slots."""
    kinds = []
    for slot in plan.fetch_slots:
        if slot is None:
            kinds.append(OP)
            continue
        spec = plan.slot_specs.get(slot)
        ndims = spec.shape.ndims if spec is not None else None
        kinds.append(ANY if ndims is None else SCALAR if ndims == 0 else ARRAY)
    return kinds


def scalar(arr: Any) -> Any:
    """A fetched 0-d array as a NumPy scalar (np.float32(0.5)), as TF1's `Session.run` returns it."""
    return arr[()] if arr.__class__ is np.ndarray and not arr.ndim else arr


def block(values: Any) -> None:
    """Wait for a dispatched computation (TF1's run is synchronous; feeds may be reused after it)."""
    from graphdl._jax import jax

    jax.block_until_ready(values)


def _closed() -> GraphError:
    return GraphError("attempted to use a closed Session")


def tuple_getter(keys: Sequence[Any]) -> Any:
    """A C-level callable: container -> the tuple of its items at `keys` (a tuple even for one or none)."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda container: (container[key],)
    return lambda container: ()


def _feed_picker(names: list[str], feed_names: tuple[str, ...]) -> Any:
    """None when the executable takes the feeds in feed_dict order, else a C callable reordering them."""
    index = {n: i for i, n in enumerate(names)}
    perm = [index[n] for n in feed_names]
    return None if perm == list(range(len(names))) else tuple_getter(perm)


def pure_runner(session: Any, execute: Any) -> Any:
    """A stateless program with one fetch and no reordering: the leanest path."""
    pure = execute.pure_fn
    to_numpy = session._backend.to_numpy

    def run(arrays: Any) -> Any:
        session._step += 1
        out = to_numpy(pure(tuple(arrays))[0])
        return out if out.ndim else out[()]

    return run


def compiled_runner(session: Any, entry: Any, plan: Any, execute: Any) -> Any:
    """The runner of an XLA program: `execute.hot_call` reads and writes the session's variables."""
    lock, variables = session._lock, session._vars
    hot = execute.hot_call
    reads = frozenset(plan.var_reads)
    pick = _feed_picker(entry.names, execute.feed_names)
    rebuild, bare = entry.rebuild, entry.bare
    kinds = fetch_kinds(plan)
    count = len(kinds)
    only_ops = all(k == OP for k in kinds)
    values_at = [(i, k) for i, k in enumerate(kinds) if k != OP]
    kind0 = kinds[0] if kinds else OP
    asarray, array = np.asarray, np.array

    def run(arrays: Any) -> Any:
        with lock:
            if session._closed:
                raise _closed()
            step = session._step
            try:
                fetched, written = hot(variables, arrays if pick is None else pick(arrays), step)
            except UninitializedVariableError:
                if not variables.keys() >= reads:
                    session._raise_uninitialized(plan)  # names where the variable was made
                raise
            session._step = step + 1
        if only_ops:
            if written:
                block(written)  # TF1's run returns when the update is done
            return None if bare else rebuild([None] * count)
        if bare:
            v = fetched[0]
            return asarray(v)[()] if kind0 == SCALAR else array(v) if kind0 == ARRAY else scalar(array(v))
        out: list[Any] = [None] * count
        for i, k in values_at:
            v = fetched[i]
            out[i] = asarray(v)[()] if k == SCALAR else array(v) if k == ARRAY else scalar(array(v))
        return out if rebuild is list else rebuild(out)

    return run


def interpreted_runner(session: Any, entry: Any, plan: Any, execute: Any) -> Any:
    """The runner of the NumPy interpreter: `execute(variables, feeds, step)` -> (values, writes)."""
    lock, variables = session._lock, session._vars
    reads = frozenset(plan.var_reads)
    rebuild, bare, names = entry.rebuild, entry.bare, entry.names
    to_numpy, store = session._backend.to_numpy, session._backend_store
    op_fetches = [s is None for s in plan.fetch_slots]
    only_ops = all(op_fetches)

    def convert(v: Any) -> Any:
        arr = to_numpy(v)
        return arr if not isinstance(arr, np.ndarray) or arr.flags.writeable else arr.copy()

    def run(arrays: Any) -> Any:
        with lock:
            if session._closed:
                raise _closed()
            if reads and not variables.keys() >= reads:
                session._raise_uninitialized(plan)
            step = session._step
            values, writes = execute(variables, dict(zip(names, arrays, strict=True)), step)
            if writes:
                variables.update(store(writes))
            session._step = step + 1
        if only_ops:
            return None if bare else rebuild([None] * len(op_fetches))
        if bare:
            return scalar(convert(values[0]))
        return rebuild([None if op else scalar(convert(v)) for op, v in zip(op_fetches, values, strict=True)])

    return run
