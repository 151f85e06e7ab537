"""`Session.make_callable` and `Session.list_devices`: TF1's prepared-step and device-listing API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from graphdl.errors import FeedError
from graphdl.tensor import Tensor


def make_callable(
    session: Any, fetches: Any, feed_list: Any = None, accept_options: bool = False
) -> Callable[..., Any]:
    """A function of the feed values (positional, in `feed_list` order) that runs `fetches`.

    It returns what `session.run(fetches, ...)` returns. Fetches and feeds are checked now; the
    values at each call, as `run` checks them. With `accept_options`, it also takes `options=` and
    `run_metadata=` keywords.
    """
    graph = session.graph
    if feed_list is None:
        feeds: list[Tensor] = []
    elif isinstance(feed_list, list | tuple):
        feeds = []
        for f in feed_list:
            t = graph.as_graph_element(f)
            if not isinstance(t, Tensor):
                raise FeedError(f"make_callable: cannot feed {f!r}: only tensors can be fed")
            feeds.append(t)
    else:
        raise FeedError(f"make_callable: feed_list must be a list or tuple, got {type(feed_list).__name__}")
    if len(set(feeds)) != len(feeds):
        dup = next(t.name for t in feeds if feeds.count(t) > 1)
        raise FeedError(f"make_callable: tensor '{dup}' appears more than once in feed_list")
    session._make_entry(fetches, dict.fromkeys(feeds))  # check the fetches and feeds now
    names = ", ".join(t.name for t in feeds) or "none"
    run = session.run

    def call(*values: Any, **kwargs: Any) -> Any:
        if len(values) != len(feeds):
            raise FeedError(f"this callable takes {len(feeds)} feed value(s) ({names}), got {len(values)}")
        if kwargs and (not accept_options or set(kwargs) - {"options", "run_metadata"}):
            allowed = "options=, run_metadata=" if accept_options else "no keyword arguments"
            raise FeedError(f"this callable takes {allowed}; got {', '.join(kwargs)}")
        return run(fetches, dict(zip(feeds, values, strict=True)), **kwargs)

    return call


class DeviceAttributes(NamedTuple):
    """One entry of `Session.list_devices()`, with TF1's field names."""

    name: str
    device_type: str
    memory_limit_bytes: int
    incarnation: int


def list_devices() -> list[DeviceAttributes]:
    """The devices JAX has on this machine, named the TF1 way ('/job:localhost/.../device:CPU:0')."""
    from graphdl._jax import jax
    from runtime.session_config import canonical_device

    out = []
    seen = set()
    for platform in ("cpu", "gpu", "tpu"):
        try:
            devices = jax.devices(platform)
        except RuntimeError:
            continue
        for d in devices:
            if d in seen:
                continue
            seen.add(d)
            stats = d.memory_stats() if hasattr(d, "memory_stats") else None
            limit = int((stats or {}).get("bytes_limit", 0))
            name = canonical_device(d)
            out.append(DeviceAttributes(name, name.rsplit(":", 2)[-2], limit, 0))
    return out
