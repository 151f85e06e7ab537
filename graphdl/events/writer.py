"""TF1's `tf.summary.FileWriter`: TensorBoard event files (TFRecord records of Event protos).

Each record is: length (uint64 LE), masked CRC32C of the length (uint32 LE), the Event bytes,
masked CRC32C of the bytes. The file is `events.out.tfevents.<time>.<host>` in `logdir`; its first
Event carries `file_version: "brain.Event:2"`, as TensorFlow writes it.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from typing import Any

import numpy as np

from graphdl.errors import GraphError
from graphdl.events import proto


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord uses."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """One TFRecord framing `data`."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc32c(length)) + data + struct.pack("<I", masked_crc32c(data))


def _graph_def(graph: Any) -> bytes:
    nodes = []
    for op in graph.get_operations():
        inputs = [t.name[:-2] if t.name.endswith(":0") else t.name for t in op.inputs]
        inputs += [f"^{c.name}" for c in op.control_inputs]
        nodes.append((op.name, op.type, inputs, op.device))
    return proto.graph_def(nodes)


class FileWriter:
    """Writes summaries and the graph for TensorBoard: `add_summary(summary_bytes, global_step)`,
    `add_graph(graph)`, `flush()`, `close()`; usable as a context manager."""

    def __init__(
        self,
        logdir: str,
        graph: Any = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        graph_def: Any = None,
        filename_suffix: str | None = None,
        session: Any = None,
    ) -> None:
        self._logdir = str(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}{filename_suffix or ''}"
        self._path = os.path.join(self._logdir, name)
        self._file: Any = open(self._path, "ab")  # noqa: SIM115 (kept open until close())
        self._flush_secs = flush_secs
        self._last_flush = time.time()
        self._write(proto.event(time.time(), file_version="brain.Event:2"))
        if graph is not None or graph_def is not None:
            self.add_graph(graph if graph is not None else graph_def)

    def get_logdir(self) -> str:
        return self._logdir

    @property
    def path(self) -> str:
        """The event file this writer appends to."""
        return self._path

    def _write(self, event: bytes) -> None:
        if self._file is None:
            raise GraphError("this FileWriter is closed; call reopen() to write again")
        self._file.write(tfrecord(event))
        if time.time() - self._last_flush >= self._flush_secs:
            self.flush()

    def add_summary(self, summary: Any, global_step: Any = None) -> None:
        """Write a serialized Summary (what `sess.run(summary_op)` returns) at `global_step`."""
        if isinstance(summary, np.ndarray):
            summary = summary[()]
        if hasattr(summary, "SerializeToString"):  # a tf.Summary made in Python
            summary = summary.SerializeToString()
        if not isinstance(summary, bytes | bytearray):
            raise GraphError(f"add_summary takes a serialized Summary (bytes), got {type(summary).__name__}")
        step = 0 if global_step is None else int(np.asarray(global_step))
        self._write(proto.event(time.time(), step, summary=bytes(summary)))

    def add_graph(self, graph: Any, global_step: Any = None, graph_def: Any = None) -> None:
        """Write the graph (ops, their inputs and devices) for TensorBoard's graph view."""
        graph = graph if graph is not None else graph_def
        if hasattr(graph, "graph") and not hasattr(graph, "get_operations"):
            graph = graph.graph  # a Session
        if not hasattr(graph, "get_operations"):
            raise GraphError(f"add_graph takes a graphdl Graph, got {type(graph).__name__}")
        step = 0 if global_step is None else int(global_step)
        self._write(proto.event(time.time(), step, graph_def=_graph_def(graph)))

    def add_session_log(self, session_log: Any, global_step: Any = None) -> None:
        """Write a `tf.SessionLog` (START, STOP or CHECKPOINT) at `global_step`."""
        if not hasattr(session_log, "SerializeToString"):
            raise GraphError(f"add_session_log takes a tf.SessionLog, got {type(session_log).__name__}")
        step = 0 if global_step is None else int(np.asarray(global_step))
        self._write(proto.event(time.time(), step, session_log=session_log.SerializeToString()))

    def add_run_metadata(self, run_metadata: Any, tag: str, global_step: Any = None) -> None:
        """Write a traced run's RunMetadata (from `sess.run(..., options=RunOptions(trace_level=
        FULL_TRACE), run_metadata=md)`) under `tag`, for TensorBoard's per-step timing view."""
        stats = getattr(getattr(run_metadata, "step_stats", None), "dev_stats", None)
        if stats is None:
            raise GraphError(f"add_run_metadata takes a tf.RunMetadata, got {type(run_metadata).__name__}")
        step = 0 if global_step is None else int(np.asarray(global_step))
        tagged = proto.tagged_run_metadata(str(tag), proto.run_metadata(stats))
        self._write(proto.event(time.time(), step, tagged_run_metadata=tagged))

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
        self._last_flush = time.time()

    def close(self) -> None:
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None

    def reopen(self) -> None:
        if self._file is None:
            self._file = open(self._path, "ab")  # noqa: SIM115

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass


class FileWriterCache:
    """TF1 `tf.summary.FileWriterCache`: one FileWriter per log directory, shared by whoever asks."""

    _writers: dict[str, FileWriter] = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir: str) -> FileWriter:
        """The cached writer of `logdir` (made with the default graph the first time)."""
        from graphdl.graph import get_default_graph

        key = os.path.abspath(str(logdir))
        with FileWriterCache._lock:
            writer = FileWriterCache._writers.get(key)
            if writer is None:
                writer = FileWriterCache._writers[key] = FileWriter(logdir, graph=get_default_graph())
            return writer

    @staticmethod
    def clear() -> None:
        """Close every cached writer and forget them."""
        with FileWriterCache._lock:
            writers, FileWriterCache._writers = list(FileWriterCache._writers.values()), {}
        for writer in writers:
            writer.close()
