"""TF1's TFRecord files (`tf.python_io`): `TFRecordWriter`, `tf_record_iterator` and their options.

A file is a sequence of records, each framed as: length (uint64, little endian), the masked CRC-32C of
those 8 bytes, the data, and the masked CRC-32C of the data; optionally the whole file is GZIP or ZLIB
compressed. Reading checks both checksums (DataLossError when one does not match or a record is cut).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from graphdl.errors import DataLossError, GraphError, NotFoundError
from graphdl.events.writer import masked_crc32c, tfrecord

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]


class TFRecordCompressionType:
    """TF1 `tf.python_io.TFRecordCompressionType`."""

    NONE, ZLIB, GZIP = 0, 1, 2


class TFRecordOptions:
    """TF1 `tf.python_io.TFRecordOptions(compression_type)`: NONE, ZLIB or GZIP (or their names)."""

    def __init__(self, compression_type: Any = None, **kwargs: Any) -> None:
        self.compression_type = _compression(compression_type)

    @classmethod
    def get_compression_type_string(cls, options: Any) -> str:
        kind = _compression(getattr(options, "compression_type", options))
        return {0: "", 1: "ZLIB", 2: "GZIP"}[kind]


def _compression(kind: Any) -> int:
    if kind is None or kind == "":
        return TFRecordCompressionType.NONE
    if isinstance(kind, TFRecordOptions):
        return kind.compression_type
    names = {"NONE": 0, "ZLIB": 1, "GZIP": 2}
    if isinstance(kind, str) and kind.upper() in names:
        return names[kind.upper()]
    if kind in (0, 1, 2):
        return int(kind)
    raise GraphError(f"TFRecord compression_type must be NONE, ZLIB or GZIP, got {kind!r}")


class TFRecordWriter:
    """TF1 `tf.python_io.TFRecordWriter(path, options=None)`: `write(record)` appends one record."""

    def __init__(self, path: str, options: Any = None) -> None:
        self._path = str(path)
        self._kind = _compression(options)
        self._file: Any = open(self._path, "wb")  # noqa: SIM115 - closed by close()
        self._zlib = zlib.compressobj() if self._kind == TFRecordCompressionType.ZLIB else None
        if self._kind == TFRecordCompressionType.GZIP:
            self._file = gzip.GzipFile(fileobj=self._file, mode="wb")

    def write(self, record: Any) -> None:
        if self._file is None:
            raise GraphError(f"TFRecordWriter: {self._path} is closed")
        data = (
            record
            if isinstance(record, bytes)
            else record.encode()
            if isinstance(record, str)
            else bytes(record)
        )
        framed = tfrecord(data)
        self._file.write(self._zlib.compress(framed) if self._zlib is not None else framed)

    def flush(self) -> None:
        if self._file is not None:
            if self._zlib is not None:
                self._file.write(self._zlib.flush(zlib.Z_SYNC_FLUSH))
            self._file.flush()

    def close(self) -> None:
        if self._file is None:
            return
        if self._zlib is not None:
            self._file.write(self._zlib.flush())
        inner = getattr(self._file, "fileobj", None)
        self._file.close()
        if inner is not None:
            inner.close()
        self._file = None

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(data: bytes, where: str) -> list[bytes]:
    """The records of a TFRecord file's (decompressed) bytes, their checksums verified."""
    out = []
    pos, n = 0, len(data)
    while pos < n:
        if pos + 12 > n:
            raise DataLossError(f"{where}: truncated record at byte {pos}")
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if masked_crc32c(header) != header_crc:
            raise DataLossError(f"{where}: corrupted record at byte {pos} (length checksum)")
        end = pos + 12 + length
        if end + 4 > n:
            raise DataLossError(f"{where}: truncated record at byte {pos}")
        record = data[pos + 12 : end]
        (data_crc,) = struct.unpack("<I", data[end : end + 4])
        if masked_crc32c(record) != data_crc:
            raise DataLossError(f"{where}: corrupted record at byte {pos} (data checksum)")
        out.append(record)
        pos = end + 4
    return out


def read_file(path: Any, compression: Any, what: str) -> bytes:
    """A TFRecord file's bytes, decompressed."""
    name = path.decode() if isinstance(path, bytes) else str(path)
    try:
        with open(name, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise NotFoundError(f"{what}: {name}: no such file") from None
    kind = _compression(compression)
    if kind == TFRecordCompressionType.GZIP:
        return gzip.decompress(raw)
    if kind == TFRecordCompressionType.ZLIB:
        return zlib.decompress(raw)
    return raw


def tf_record_iterator(path: str, options: Any = None) -> Iterator[bytes]:
    """TF1 `tf.python_io.tf_record_iterator(path, options=None)`: the records of a file, as bytes."""
    yield from read_records(read_file(path, options, "tf_record_iterator"), str(path))
