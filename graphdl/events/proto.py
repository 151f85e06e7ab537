"""The few protobuf messages TensorBoard reads (Summary, HistogramProto, Event, GraphDef), encoded by hand.

Field numbers are those of TensorFlow's summary.proto, event.proto, graph.proto and node_def.proto.
Only encoding is needed: graphdl writes event files and never parses them.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def varint(n: int) -> bytes:
    """Protobuf base-128 varint (negative int64 as its two's complement, 10 bytes)."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def f_bytes(field: int, data: bytes) -> bytes:
    return _key(field, _BYTES) + varint(len(data)) + data


def f_string(field: int, text: str) -> bytes:
    return f_bytes(field, text.encode("utf-8"))


def f_varint(field: int, n: int) -> bytes:
    return _key(field, _VARINT) + varint(n)


def f_double(field: int, x: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", x)


def f_float(field: int, x: float) -> bytes:
    return _key(field, _FIXED32) + struct.pack("<f", x)


def f_packed_doubles(field: int, xs: Sequence[float]) -> bytes:
    return f_bytes(field, np.asarray(xs, dtype="<f8").tobytes())


# --- Summary (tensorflow/core/framework/summary.proto) ---------------------------------------------


def scalar_value(tag: str, value: float) -> bytes:
    """A Summary holding one Summary.Value{tag, simple_value}."""
    return f_bytes(1, f_string(1, tag) + f_float(2, float(value)))


def histogram_value(tag: str, values: np.ndarray) -> bytes:
    """A Summary holding one Summary.Value{tag, histo} with TensorFlow's default buckets."""
    return f_bytes(1, f_string(1, tag) + f_bytes(5, histogram_proto(values)))


def image_value(tag: str, height: int, width: int, channels: int, png: bytes) -> bytes:
    """A Summary holding one Summary.Value{tag, image{height, width, colorspace, encoded PNG}}."""
    image = f_varint(1, height) + f_varint(2, width) + f_varint(3, channels) + f_bytes(4, png)
    return f_bytes(1, f_string(1, tag) + f_bytes(4, image))


def _default_bucket_limits() -> np.ndarray:
    # TensorFlow's histogram.cc: limits growing by 10% from 1e-12 to 1e20, mirrored, with 0 and
    # +-DBL_MAX at the ends.
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(sys.float_info.max)
    neg = [-x for x in reversed(pos)]
    return np.array([*neg, 0.0, *pos])


BUCKET_LIMITS = _default_bucket_limits()


def histogram_proto(values: np.ndarray) -> bytes:
    """HistogramProto of `values`, as TensorFlow's Histogram::EncodeToProto writes it (runs of empty
    buckets collapsed into one)."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    counts = np.bincount(np.searchsorted(BUCKET_LIMITS, x, side="right"), minlength=BUCKET_LIMITS.size)
    counts = counts[: BUCKET_LIMITS.size].astype(np.float64)
    limits_out: list[float] = []
    counts_out: list[float] = []
    i = 0
    while i < counts.size:
        end, count = BUCKET_LIMITS[i], counts[i]
        i += 1
        if count <= 0:
            while i < counts.size and counts[i] <= 0:
                end, count = BUCKET_LIMITS[i], counts[i]
                i += 1
        limits_out.append(float(end))
        counts_out.append(float(count))
    if x.size:
        lo, hi = float(x.min()), float(x.max())
    else:
        lo, hi = sys.float_info.max, -sys.float_info.max
    return (
        f_double(1, lo)
        + f_double(2, hi)
        + f_double(3, float(x.size))
        + f_double(4, float(x.sum()))
        + f_double(5, float(np.dot(x, x)))
        + f_packed_doubles(6, limits_out)
        + f_packed_doubles(7, counts_out)
    )


# --- Event (tensorflow/core/util/event.proto) and GraphDef --------------------------------------------


def event(
    wall_time: float,
    step: int = 0,
    *,
    file_version: str = "",
    summary: bytes = b"",
    graph_def: bytes = b"",
    tagged_run_metadata: bytes = b"",
    session_log: bytes | None = None,
) -> bytes:
    """An Event with whichever of file_version, graph_def, summary, session_log and tagged_run_metadata
    is given (an empty session_log, b"", is still written: STATUS_UNSPECIFIED)."""
    out = f_double(1, wall_time)
    if step:
        out += f_varint(2, step)
    if file_version:
        out += f_string(3, file_version)
    if graph_def:
        out += f_bytes(4, graph_def)
    if summary:
        out += f_bytes(5, summary)
    if session_log is not None:
        out += f_bytes(7, session_log)
    if tagged_run_metadata:
        out += f_bytes(8, tagged_run_metadata)
    return out


def run_metadata(dev_stats: Iterable[Any]) -> bytes:
    """A RunMetadata holding only step_stats (step_stats.proto): per device, each node's name, start
    time and durations in microseconds, what TensorBoard's graph view shows for a traced run."""
    devices = b""
    for dev in dev_stats:
        nodes = b""
        for n in dev.node_stats:
            nodes += f_bytes(
                2,
                f_string(1, n.node_name)
                + f_varint(2, int(n.all_start_micros))
                + f_varint(4, int(n.op_end_rel_micros))
                + f_varint(5, int(n.all_end_micros - n.all_start_micros))
                + f_string(8, n.timeline_label),
            )
        devices += f_bytes(1, f_string(1, dev.device) + nodes)
    return f_bytes(1, devices) if devices else b""


def tagged_run_metadata(tag: str, run_metadata: bytes) -> bytes:
    """TaggedRunMetadata: the tag TensorBoard lists and the serialized RunMetadata."""
    return f_string(1, tag) + f_bytes(2, run_metadata)


def graph_def(nodes: Iterable[tuple[str, str, Sequence[str], str]]) -> bytes:
    """GraphDef of (name, op type, inputs ('x:0', '^ctrl'), device) nodes, producer version 27."""
    out = b""
    for name, op, inputs, device in nodes:
        node = f_string(1, name) + f_string(2, op)
        for i in inputs:
            node += f_string(3, i)
        if device:
            node += f_string(4, device)
        out += f_bytes(1, node)
    return out + f_bytes(4, f_varint(1, 27))
