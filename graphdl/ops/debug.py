"""Debug ops: TF1's `tf.Print` (op Print), which passes its input through and prints values to stderr.

Each time the op runs it writes `message` followed by `[values]` for each data tensor (TF1's
SummarizeValue format: the first `summarize` entries, nested brackets per axis, `...` when cut) and
a newline to stderr; on XLA through `jax.debug.callback`, so it prints from compiled code. The op is
stateful, so graphdl's passes never fold, merge or drop it. `first_n` counts per op (per graph node,
across runs, sessions and backends), as TF1's kernel counts per op instance.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = ["Print"]

_COUNTS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _element(v: Any) -> str:
    """One value as TF1's StrCat writes it (shortest %g that round-trips, bools as 1/0)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    if isinstance(v, np.bool_ | bool):
        return "1" if v else "0"
    if isinstance(v, np.floating):
        digits = (6, 9) if v.dtype.itemsize <= 4 else (15, 17)
        s = f"{float(v):.{digits[0]}g}"
        if v.dtype.type(float(s)) != v and not np.isnan(v):
            s = f"{float(v):.{digits[1]}g}"
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(s, s)
    return str(v)


def summarize(value: Any, summarize: int = 3) -> str:
    """TF1's Tensor::SummarizeValue(summarize): first entries, nested brackets, '...' when cut."""
    a = np.asarray(value)
    n = a.size
    limit = n if summarize < 0 else min(summarize, n)
    flat = a.reshape(-1)
    if a.ndim == 0:
        out = " ".join(_element(flat[i]) for i in range(limit))
        return out + ("..." if n > limit else "")
    parts: list[str] = []
    idx = [0]

    def dim(k: int) -> None:
        if idx[0] >= limit:
            return
        count = a.shape[k]
        if k == a.ndim - 1:
            for i in range(count):
                if idx[0] >= limit:
                    if k != 0:
                        parts.append("...")
                    return
                if i > 0:
                    parts.append(" ")
                parts.append(_element(flat[idx[0]]))
                idx[0] += 1
            return
        for _ in range(count):
            opened = idx[0] < limit
            if opened:
                parts.append("[")
            dim(k + 1)
            if idx[0] < limit or opened:
                parts.append("]")

    dim(0)
    return "".join(parts) + ("..." if n > limit else "")


def _emit(node: Any, attrs: Mapping[str, Any], data: Sequence[Any]) -> None:
    first_n = int(attrs.get("first_n", -1))
    if first_n >= 0:
        with _LOCK:
            done = _COUNTS.get(node, 0)
            if done >= first_n:
                return
            _COUNTS[node] = done + 1
    s = int(attrs.get("summarize", 3))
    msg = str(attrs.get("message", "")) + "".join(f"[{summarize(d, s)}]" for d in data)
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _print_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    _emit(ctx.node, attrs, [np.asarray(d) for d in inputs[1:]])
    return inputs[0]


def _print_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    import jax

    node = ctx.node
    jax.debug.callback(lambda *d: _emit(node, attrs, [np.asarray(v) for v in d]), *inputs[1:], ordered=True)
    return inputs[0]


def _print_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [inputs[0]]


def _print_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [grads[0]] + [None] * (len(node.inputs) - 1)


register(
    "Print",
    api_name="Print",
    infer=_print_infer,
    evaluate=_print_eval,
    lower=_print_lower,
    gradient=_print_grad,
    stateful=True,
    samples=lambda rng: [
        Sample(
            [rng.standard_normal((2, 3)), np.arange(5, dtype=np.int32)],
            {"message": "x", "first_n": 0, "summarize": 3},
        )
    ],
    doc="Identity on input_ that prints message and the data tensors' values to stderr each time it runs.",
)


def Print(
    input_: Any,
    data: Sequence[Any],
    message: str | None = None,
    first_n: int | None = None,
    summarize: int | None = None,
    name: str | None = None,
) -> Tensor:
    """TF1 `tf.Print(input_, data, message)`: input_ unchanged; prints `message[d0][d1]...` when run."""
    x = convert_to_tensor(input_)
    ds = [convert_to_tensor(d) for d in data]
    attrs = {
        "message": "" if message is None else str(message),
        "first_n": -1 if first_n is None else int(first_n),
        "summarize": 3 if summarize is None else int(summarize),
    }
    return make_tensor("Print", [x, *ds], attrs, name or "Print")
