"""Reading IDX files (the MNIST format): big-endian magic and sizes, then raw bytes; raw or gzip."""

from __future__ import annotations

import gzip
import hashlib
import os

import numpy as np

from graphdl.errors import CheckpointError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


class DatasetError(CheckpointError):
    """A data file is missing, corrupt, or does not match its published checksum."""


def read_bytes(path: str) -> bytes:
    """The decompressed bytes of a raw or `.gz` file."""
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        data = f.read()
    if head == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path}: corrupt gzip data ({exc})") from None
    return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_idx(data: bytes, expected_magic: int, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into a uint8 array, checking the magic number and that the sizes fit."""
    if len(data) < 8:
        raise DatasetError(f"{source}: too short to be an IDX file ({len(data)} bytes)")
    magic = int.from_bytes(data[0:4], "big")
    if magic != expected_magic:
        raise DatasetError(f"{source}: magic number {magic}, expected {expected_magic}")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{source}: truncated header")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    count = int(np.prod(dims)) if dims else 1
    if len(data) - header != count:
        raise DatasetError(
            f"{source}: header says {dims} ({count} bytes of data) but the file holds {len(data) - header}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def write_idx(path: str, array: np.ndarray, compress: bool | None = None) -> None:
    """Write a uint8 array as an IDX file (gzip when the path ends in .gz); used by tests and tools."""
    arr = np.ascontiguousarray(array, dtype=np.uint8)
    magic = (0x08 << 8) | arr.ndim
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    payload = header + arr.tobytes()
    if compress if compress is not None else path.endswith(".gz"):
        payload = gzip.compress(payload)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
