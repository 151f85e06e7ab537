"""Checkpoint files: one `.npz` per checkpoint, written atomically and read without pickle.

A checkpoint `PREFIX` (what `Saver.save` returns, e.g. `model.ckpt-100`) is the file `PREFIX.npz`: one
array per variable under the variable's name, plus a JSON manifest (format, names, dtypes, shapes) stored
as a uint8 array under `MANIFEST`. It is written to a temporary file in the same folder, flushed and
fsynced, then renamed over the old one, so a crash leaves the previous checkpoint whole. The `checkpoint`
state file beside it uses TF1's text format (`model_checkpoint_path: "model.ckpt-100"`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from graphdl.errors import CheckpointError

FORMAT = "graphdl-checkpoint-1"
MANIFEST = "__graphdl_manifest__"
SUFFIX = ".npz"


def data_path(prefix: str) -> str:
    """The file that holds checkpoint `prefix`."""
    return prefix if prefix.endswith(SUFFIX) else prefix + SUFFIX


def _fsync_dir(folder: str) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a folder be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` through a fsynced temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def write_checkpoint(prefix: str, values: Mapping[str, np.ndarray]) -> str:
    """Write the arrays as checkpoint `prefix`; returns the file written."""
    manifest = {
        "format": FORMAT,
        "variables": {k: {"dtype": str(v.dtype), "shape": list(v.shape)} for k, v in values.items()},
    }
    if MANIFEST in values:
        raise CheckpointError(f"a variable may not be named {MANIFEST!r}")
    buf = io.BytesIO()
    arrays: dict[str, Any] = dict(values)
    arrays[MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    np.savez(buf, allow_pickle=False, **arrays)
    path = data_path(prefix)
    write_atomic(path, buf.getvalue())
    return path


@contextlib.contextmanager
def open_checkpoint(prefix: str) -> Iterator[tuple[dict[str, Any], Any]]:
    """(manifest, lazily loaded arrays) of checkpoint `prefix`; CheckpointError if it is not one."""
    path = data_path(prefix)
    if not os.path.isfile(path):
        raise CheckpointError(f"no checkpoint at {prefix!r} (looked for the file {path!r})")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path!r} is not a readable graphdl checkpoint: {exc}") from None
    with archive:
        try:
            manifest = json.loads(bytes(archive[MANIFEST]).decode("utf-8"))
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"{path!r} has no valid graphdl checkpoint manifest ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise CheckpointError(f"{path!r} has format {manifest.get('format')!r}, expected {FORMAT!r}")
        yield manifest, archive


def read_state(folder: str, latest_filename: str = "checkpoint") -> tuple[str, list[str]] | None:
    """(latest prefix, all kept prefixes) from TF1's text state file, or None when there is none."""
    path = os.path.join(folder, latest_filename)
    if not os.path.isfile(path):
        return None
    latest = ""
    every: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            value = value.strip()
            if not (len(value) >= 2 and value[0] == value[-1] == '"'):
                continue
            text = json.loads(value)  # TF1 writes C-escaped strings; JSON reads the common subset
            if key.strip() == "model_checkpoint_path":
                latest = text
            elif key.strip() == "all_model_checkpoint_paths":
                every.append(text)
    if not latest:
        return None

    def resolve(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(folder, p)

    return resolve(latest), [resolve(p) for p in every]


def write_state(folder: str, latest: str, every: list[str], latest_filename: str = "checkpoint") -> None:
    """TF1's `checkpoint` state file, paths relative to `folder` when they lie inside it."""

    def rel(p: str) -> str:
        ap = os.path.abspath(p)
        inside = os.path.dirname(ap) == os.path.abspath(folder)
        return os.path.basename(ap) if inside else ap

    lines = [f"model_checkpoint_path: {json.dumps(rel(latest))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(rel(p))}" for p in every]
    write_atomic(os.path.join(folder, latest_filename), ("\n".join(lines) + "\n").encode("utf-8"))
