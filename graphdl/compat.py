"""TF's `tf.compat`: `tf.compat.v1` is graphdl itself (a program written as
`import tensorflow.compat.v1 as tf` ports by changing that import to `import graphdl as tf`, or by
keeping `tf.compat.v1.` prefixes), and the byte/text helpers."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["as_bytes", "as_str", "as_text", "path_to_str"]  # and v1, resolved on access


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """`bytes` unchanged, `str` encoded."""
    if isinstance(bytes_or_text, bytearray | bytes):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    raise TypeError(f"expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """`str` unchanged, `bytes` decoded."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes | bytearray):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def path_to_str(path: Any) -> Any:
    """An os.PathLike as its string; anything else unchanged."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def __getattr__(name: str) -> Any:
    if name == "v1":
        import graphdl

        return graphdl
    raise AttributeError(f"module 'graphdl.compat' has no attribute {name!r}")
