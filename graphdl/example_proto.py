"""TF1's `tf.train.Example` protocol buffers (example.proto, feature.proto) made in Python: Example,
Features, Feature and the BytesList / FloatList / Int64List it holds, with SerializeToString,
ParseFromString and FromString. No protobuf library is needed; float and int64 lists are written
packed, as TF does, and read packed or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from graphdl.errors import DataLossError, GraphError
from graphdl.events import proto
from graphdl.events.summary_pb import _fields, _varint

__all__ = ["BytesList", "Example", "Feature", "Features", "FloatList", "Int64List"]


def _signed(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def _parse(data: bytes, what: str) -> list[tuple[int, int, Any]]:
    try:
        return _fields(bytes(data))
    except GraphError as exc:
        raise DataLossError(f"{what}: cannot parse the serialized proto ({exc})") from None


class _List:
    """A repeated `value` field: list-like (`append`, `extend`, indexing, iteration, len)."""

    _kind = ""

    def __init__(self, value: Iterable[Any] | None = None) -> None:
        self.value: list[Any] = []
        if value is not None:
            self.value.extend(self._convert(v) for v in value)

    def _convert(self, v: Any) -> Any:
        return v

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and list(self.value) == list(other.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(value={self.value!r})"


class BytesList(_List):
    """TF1 `tf.train.BytesList(value=[b"..."])`."""

    def _convert(self, v: Any) -> bytes:
        if isinstance(v, str):
            return v.encode()
        if isinstance(v, bytes | bytearray | np.bytes_):
            return bytes(v)
        raise GraphError(f"BytesList values must be bytes or str, got {type(v).__name__}")

    def SerializeToString(self) -> bytes:
        return b"".join(proto.f_bytes(1, v) for v in self.value)

    def _merge(self, data: bytes) -> None:
        self.value.extend(bytes(v) for f, w, v in _parse(data, "BytesList") if f == 1 and w == 2)


class FloatList(_List):
    """TF1 `tf.train.FloatList(value=[...])`: float32 values."""

    def _convert(self, v: Any) -> float:
        return float(np.float32(v))

    def SerializeToString(self) -> bytes:
        if not self.value:
            return b""
        return proto.f_bytes(1, np.asarray(self.value, dtype="<f4").tobytes())

    def _merge(self, data: bytes) -> None:
        for f, w, v in _parse(data, "FloatList"):
            if f == 1 and w == 2:  # packed
                self.value.extend(float(x) for x in np.frombuffer(v, dtype="<f4"))
            elif f == 1 and w == 5:
                self.value.append(float(np.frombuffer(v, dtype="<f4")[0]))


class Int64List(_List):
    """TF1 `tf.train.Int64List(value=[...])`."""

    def _convert(self, v: Any) -> int:
        n = int(v)
        if not -(1 << 63) <= n < 1 << 63:
            raise GraphError(f"Int64List value {n} does not fit in an int64")
        return n

    def SerializeToString(self) -> bytes:
        if not self.value:
            return b""
        return proto.f_bytes(1, b"".join(proto.varint(v) for v in self.value))

    def _merge(self, data: bytes) -> None:
        for f, w, v in _parse(data, "Int64List"):
            if f == 1 and w == 2:  # packed
                i = 0
                while i < len(v):
                    n, i = _varint(v, i)
                    self.value.append(_signed(n))
            elif f == 1 and w == 0:
                self.value.append(_signed(v))


_KINDS = (("bytes_list", 1, BytesList), ("float_list", 2, FloatList), ("int64_list", 3, Int64List))


class Feature:
    """TF1 `tf.train.Feature(bytes_list=... | float_list=... | int64_list=...)`: one of the three."""

    def __init__(self, bytes_list: Any = None, float_list: Any = None, int64_list: Any = None) -> None:
        given = [
            (k, v)
            for k, v in (("bytes_list", bytes_list), ("float_list", float_list), ("int64_list", int64_list))
            if v is not None
        ]
        if len(given) > 1:
            raise GraphError(
                f"Feature takes one of bytes_list, float_list, int64_list, got {[k for k, _ in given]}"
            )
        self._kind: str | None = given[0][0] if given else None
        self.bytes_list = bytes_list if bytes_list is not None else BytesList()
        self.float_list = float_list if float_list is not None else FloatList()
        self.int64_list = int64_list if int64_list is not None else Int64List()

    def WhichOneof(self, name: str) -> str | None:
        return self._kind if name == "kind" else None

    def HasField(self, name: str) -> bool:
        return self._kind == name

    def SerializeToString(self) -> bytes:
        for name, field, _ in _KINDS:
            if self._kind == name:
                return proto.f_bytes(field, getattr(self, name).SerializeToString())
        return b""

    def _merge(self, data: bytes) -> None:
        for f, w, v in _parse(data, "Feature"):
            for name, field, _ in _KINDS:
                if f == field and w == 2:
                    self._kind = name
                    getattr(self, name)._merge(v)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Feature) and self.SerializeToString() == other.SerializeToString()

    def __repr__(self) -> str:
        return f"Feature({self._kind}={getattr(self, self._kind)!r})" if self._kind else "Feature()"


class Features:
    """TF1 `tf.train.Features(feature={name: Feature})`: `feature` is a dict."""

    def __init__(self, feature: Mapping[str, Feature] | None = None) -> None:
        self.feature: dict[str, Feature] = dict(feature or {})

    def SerializeToString(self) -> bytes:
        out = b""
        for key in sorted(self.feature):  # map entries in key order (what TF's deterministic mode writes)
            entry = proto.f_string(1, key) + proto.f_bytes(2, self.feature[key].SerializeToString())
            out += proto.f_bytes(1, entry)
        return out

    def _merge(self, data: bytes) -> None:
        for f, w, v in _parse(data, "Features"):
            if f == 1 and w == 2:
                key, feature = "", Feature()
                for ef, ew, ev in _parse(v, "Features.FeatureEntry"):
                    if ef == 1 and ew == 2:
                        key = ev.decode()
                    elif ef == 2 and ew == 2:
                        feature._merge(ev)
                self.feature[key] = feature

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Features) and self.feature == other.feature


class Example:
    """TF1 `tf.train.Example(features=tf.train.Features(feature={...}))`."""

    def __init__(self, features: Features | None = None) -> None:
        self.features = features if features is not None else Features()

    def SerializeToString(self) -> bytes:
        body = self.features.SerializeToString()
        return proto.f_bytes(1, body) if body or self.features.feature else b""

    def ParseFromString(self, data: bytes) -> None:
        self.features = Features()
        for f, w, v in _parse(data, "Example"):
            if f == 1 and w == 2:
                self.features._merge(v)

    @classmethod
    def FromString(cls, data: bytes) -> Example:
        ex = cls()
        ex.ParseFromString(data)
        return ex

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Example) and self.features == other.features

    def __repr__(self) -> str:
        return f"Example(features={self.features.feature!r})"
