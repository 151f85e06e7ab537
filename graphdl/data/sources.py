"""tf.data's generator and file sources: from_generator (behind `Dataset.from_generator`),
TextLineDataset and FixedLengthRecordDataset."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from graphdl.data.dataset import Dataset
from graphdl.data.elements import Element, Env, Getter, _as_bytes, _flatten_up_to, _leaf
from graphdl.dtypes import DType, as_dtype
from graphdl.errors import DTypeError, ExecutionError, GraphError, ShapeError
from graphdl.nest import flatten, pack
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = ["FixedLengthRecordDataset", "TextLineDataset", "from_generator"]


def from_generator(
    generator: Callable[..., Any], output_types: Any, output_shapes: Any = None, args: Any = None
) -> Dataset:
    """TF1: the elements `generator()` yields (called anew at each initialization), converted
    to `output_types` and checked against `output_shapes`."""
    from graphdl.data.iterator import _flatten_shapes

    if not callable(generator):
        raise GraphError("Dataset.from_generator: `generator` must be callable")
    types = [as_dtype(t) for t in flatten(output_types)]
    shapes = (
        [as_shape(s) for s in _flatten_shapes(output_shapes, output_types)]
        if output_shapes is not None
        else [TensorShape(None)] * len(types)
    )
    if len(shapes) != len(types):
        raise GraphError("Dataset.from_generator: output_types and output_shapes do not match")
    call_args = tuple(args) if args is not None else ()

    def convert(value: Any, dtype: DType, shape: TensorShape) -> np.ndarray:
        try:
            arr = _as_bytes(value) if dtype.name == "string" else np.asarray(value, dtype=dtype.np)
        except (TypeError, ValueError):
            raise DTypeError(
                "Dataset.from_generator: `generator` yielded an element that could not be converted "
                f"to the expected type {dtype.name}: {value!r}"
            ) from None
        if not shape.is_compatible_with(TensorShape(arr.shape)):
            raise ShapeError(
                f"Dataset.from_generator: `generator` yielded an element of shape {arr.shape} where "
                f"an element of shape {shape} was expected"
            )
        return arr

    def make(env: Env) -> Iterator[Element]:
        for value in generator(*call_args):
            parts = _flatten_up_to(output_types, value)
            if parts is None:
                raise DTypeError(
                    "Dataset.from_generator: `generator` yielded an element that did not match the "
                    f"expected structure {output_types!r}: {value!r}"
                )
            yield pack(output_types, [convert(v, d, s) for v, d, s in zip(parts, types, shapes, strict=True)])

    return Dataset(make, output_types, types, shapes)


def _filenames(filenames: Any, what: str) -> tuple[Getter, tuple[Tensor, ...]]:
    """A getter of the file names (a string, a list of them, or a string tensor) and its sources."""
    if isinstance(filenames, Tensor):
        if filenames.dtype.name != "string":
            raise DTypeError(f"{what}: filenames must be a string tensor, got {filenames.dtype.name}")
        getter, _, shape, src = _leaf(filenames)
        if shape.dims is not None and len(shape.dims) > 1:
            raise ShapeError(f"{what}: filenames must be a scalar or a vector, got shape {shape}")
        return getter, (src,) if src is not None else ()
    arr = _as_bytes(np.asarray(filenames, dtype=object))
    if arr.ndim > 1:
        raise ShapeError(f"{what}: filenames must be a string or a list of strings")
    return (lambda env: arr), ()


def _read(name: Any, compression_type: str | None, what: str) -> bytes:
    path = name.decode() if isinstance(name, bytes) else str(name)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise ExecutionError(f"{what}: cannot read {path!r}: {exc}") from None
    kind = (compression_type or "").upper()
    if kind == "GZIP":
        return gzip.decompress(raw)
    if kind == "ZLIB":
        return zlib.decompress(raw)
    if kind:
        raise GraphError(f"{what}: compression_type must be '', 'GZIP' or 'ZLIB', got {compression_type!r}")
    return raw


def _file_dataset(
    filenames: Any, what: str, records: Callable[[bytes], list[bytes]], compression: Any
) -> Dataset:
    names, sources = _filenames(filenames, what)

    def make(env: Env) -> Iterator[Element]:
        for name in np.asarray(names(env), dtype=object).reshape(-1):
            for r in records(_read(name, compression, what)):
                out = np.empty((), dtype=object)
                out[()] = r
                yield out

    return Dataset(make, 0, [as_dtype("string")], [TensorShape([])], sources)


def TextLineDataset(filenames: Any, compression_type: str | None = None, buffer_size: Any = None) -> Dataset:
    """TF1: the lines of the files (without their line ends), as string scalars, file after file."""

    def lines(data: bytes) -> list[bytes]:
        out = data.split(b"\n")
        if out and out[-1] == b"":
            out.pop()
        return [x[:-1] if x.endswith(b"\r") else x for x in out]

    return _file_dataset(filenames, "TextLineDataset", lines, compression_type)


def FixedLengthRecordDataset(
    filenames: Any,
    record_bytes: int,
    header_bytes: int | None = None,
    footer_bytes: int | None = None,
    buffer_size: Any = None,
    compression_type: str | None = None,
) -> Dataset:
    """TF1: fixed-size records of the files (after a header, before a footer), as string scalars."""
    size, head, foot = int(record_bytes), int(header_bytes or 0), int(footer_bytes or 0)
    if size < 1:
        raise GraphError(f"FixedLengthRecordDataset: record_bytes must be positive, got {record_bytes}")

    def records(data: bytes) -> list[bytes]:
        body = data[head : len(data) - foot]
        if len(body) % size:
            raise ExecutionError(
                f"FixedLengthRecordDataset: excluding the header ({head} bytes) and footer ({foot} bytes), "
                f"the file size ({len(data)} bytes) is not a multiple of record_bytes ({size})"
            )
        return [body[i : i + size] for i in range(0, len(body), size)]

    return _file_dataset(filenames, "FixedLengthRecordDataset", records, compression_type)


def TFRecordDataset(
    filenames: Any,
    compression_type: str | None = None,
    buffer_size: Any = None,
    num_parallel_reads: Any = None,
) -> Dataset:
    """TF1: the records of TFRecord files (checksums verified), as string scalars, file after file."""
    from graphdl.tfrecord import read_records

    return _file_dataset(
        filenames, "TFRecordDataset", lambda data: read_records(data, "TFRecordDataset"), compression_type
    )
