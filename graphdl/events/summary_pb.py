"""TF1's `tf.Summary` protocol buffer, for summaries made in Python: `tf.Summary(value=[
tf.Summary.Value(tag="acc", simple_value=0.9)])`, `summary.value.add(tag=..., simple_value=...)`, and
`summary.ParseFromString(sess.run(merged))` to add to a fetched summary (cifar10_eval.py does).

Only what graphdl writes is decoded into fields (tag, simple_value); images and histograms keep their
encoded bytes, so a parsed summary serializes back unchanged. No protobuf library is needed.
"""

from __future__ import annotations

import struct
from typing import Any

from graphdl.errors import GraphError
from graphdl.events import proto

__all__ = ["Summary"]


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if i >= len(data):
            raise GraphError("Summary.ParseFromString: truncated data")
        b = data[i]
        value |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            return value, i
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of a message: ints for varints, bytes otherwise."""
    out: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        field, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        elif wire == 2:
            n, i = _varint(data, i)
            value, i = data[i : i + n], i + n
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        else:
            raise GraphError(f"Summary.ParseFromString: unsupported wire type {wire}")
        if i > len(data):
            raise GraphError("Summary.ParseFromString: truncated data")
        out.append((field, wire, value))
    return out


class _Value:
    """TF1 `tf.Summary.Value`: a tag and one of simple_value, or the encoded image/histo/... kept as bytes."""

    def __init__(
        self, tag: str = "", simple_value: float | None = None, node_name: str = "", **kwargs: Any
    ) -> None:
        unknown = set(kwargs) - {"image", "histo", "audio", "tensor", "metadata"}
        if unknown:
            raise GraphError(f"Summary.Value has no field {sorted(unknown)[0]!r}")
        self.tag = tag
        self.node_name = node_name
        self.simple_value = simple_value
        self._raw = b""  # other fields, encoded, as parsed

    def HasField(self, name: str) -> bool:
        return name == "simple_value" and self.simple_value is not None

    def SerializeToString(self) -> bytes:
        body = proto.f_string(1, self.tag) if self.tag else b""
        if self.node_name:
            body += proto.f_string(7, self.node_name)
        if self.simple_value is not None:
            body += proto.f_float(2, float(self.simple_value))
        return body + self._raw

    @classmethod
    def _parse(cls, data: bytes) -> _Value:
        v = cls()
        for field, wire, value in _fields(data):
            if field == 1 and wire == 2:
                v.tag = value.decode("utf-8")
            elif field == 7 and wire == 2:
                v.node_name = value.decode("utf-8")
            elif field == 2 and wire == 5:
                v.simple_value = struct.unpack("<f", value)[0]
            else:
                v._raw += _encode(field, wire, value)
        return v

    def __repr__(self) -> str:
        return f"Summary.Value(tag={self.tag!r}, simple_value={self.simple_value!r})"


def _encode(field: int, wire: int, value: Any) -> bytes:
    if wire == 0:
        return proto.f_varint(field, value)
    if wire == 2:
        return proto.f_bytes(field, value)
    return proto.varint((field << 3) | wire) + value


class _Values(list):  # type: ignore[type-arg]
    """The repeated `value` field: a list with protobuf's `add(**fields)`."""

    def add(self, **fields: Any) -> _Value:
        v = _Value(**fields)
        self.append(v)
        return v


class Summary:
    """TF1 `tf.Summary`: a list of tagged values that `FileWriter.add_summary` writes."""

    Value = _Value

    def __init__(self, value: list[_Value] | None = None) -> None:
        self.value = _Values(value or [])

    def SerializeToString(self) -> bytes:
        return b"".join(proto.f_bytes(1, v.SerializeToString()) for v in self.value)

    def ParseFromString(self, data: Any) -> None:
        """Replace the values by those of a serialized Summary (what `sess.run(summary_op)` returns)."""
        self.value = _Values()
        self.MergeFromString(data)

    def MergeFromString(self, data: Any) -> None:
        """Append the values of a serialized Summary."""
        if hasattr(data, "item") and getattr(data, "ndim", 1) == 0:
            data = data.item()
        if not isinstance(data, bytes | bytearray):
            raise GraphError(f"Summary.ParseFromString takes bytes, got {type(data).__name__}")
        for field, wire, value in _fields(bytes(data)):
            if field == 1 and wire == 2:
                self.value.append(_Value._parse(value))

    def __repr__(self) -> str:
        return f"Summary(value={list(self.value)!r})"
