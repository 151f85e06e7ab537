"""TF1's `tf.gfile` on the local file system: the file helpers course programs call around training
(`Exists`, `MakeDirs`, `DeleteRecursively` for a log directory, `GFile` to read a vocabulary).

Paths are local; a URL scheme such as `gs://` raises an OSError naming the path.
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from typing import IO, Any

__all__ = [
    "Copy",
    "DeleteRecursively",
    "Exists",
    "FastGFile",
    "GFile",
    "Glob",
    "IsDirectory",
    "ListDirectory",
    "MakeDirs",
    "MkDir",
    "Open",
    "Remove",
    "Rename",
    "Stat",
    "Walk",
]


def _local(path: Any) -> str:
    p = os.fspath(path)
    if isinstance(p, bytes):
        p = p.decode()
    if "://" in p:
        raise OSError(f"graphdl's gfile reads local files only, not {p!r}")
    return p


class GFile:
    """TF1 `tf.gfile.GFile(name, mode='r')`: a file object (read, write, readline, iteration, `with`)."""

    def __init__(self, name: Any, mode: str = "r") -> None:
        self.name = _local(name)
        self.mode = mode
        self._f: IO[Any] = open(self.name, mode)  # noqa: SIM115  (closed by close/__exit__)

    def read(self, n: int = -1) -> Any:
        return self._f.read(n)

    def readline(self) -> Any:
        return self._f.readline()

    def readlines(self) -> list[Any]:
        return self._f.readlines()

    def write(self, data: Any) -> None:
        self._f.write(data)

    def flush(self) -> None:
        self._f.flush()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def close(self) -> None:
        self._f.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._f)

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


Open = GFile
FastGFile = GFile


class _FileStat:
    """What `Stat` returns: TF1's FileStatistics fields."""

    def __init__(self, path: str) -> None:
        st = os.stat(path)
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = os.path.isdir(path)


def Exists(filename: Any) -> bool:
    """True when the path exists."""
    return os.path.exists(_local(filename))


def IsDirectory(dirname: Any) -> bool:
    """True when the path is a directory."""
    return os.path.isdir(_local(dirname))


def MakeDirs(dirname: Any) -> None:
    """Create the directory and its parents; no error when it exists."""
    os.makedirs(_local(dirname), exist_ok=True)


def MkDir(dirname: Any) -> None:
    """Create one directory (its parent must exist)."""
    os.mkdir(_local(dirname))


def DeleteRecursively(dirname: Any) -> None:
    """Delete a directory and everything under it (or a single file)."""
    p = _local(dirname)
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p)
    else:
        os.remove(p)


def Remove(filename: Any) -> None:
    """Delete one file."""
    os.remove(_local(filename))


def Rename(oldname: Any, newname: Any, overwrite: bool = False) -> None:
    """Rename a file; an existing target is an error unless `overwrite`."""
    src, dst = _local(oldname), _local(newname)
    if os.path.exists(dst) and not overwrite:
        raise FileExistsError(f"cannot rename {src!r} to {dst!r}: the target exists (pass overwrite=True)")
    os.replace(src, dst)


def Copy(oldpath: Any, newpath: Any, overwrite: bool = False) -> None:
    """Copy a file; an existing target is an error unless `overwrite`."""
    src, dst = _local(oldpath), _local(newpath)
    if os.path.exists(dst) and not overwrite:
        raise FileExistsError(f"cannot copy {src!r} to {dst!r}: the target exists (pass overwrite=True)")
    shutil.copyfile(src, dst)


def Glob(filename: Any) -> list[str]:
    """The paths matching a glob pattern, sorted."""
    return sorted(_glob.glob(_local(filename)))


def ListDirectory(dirname: Any) -> list[str]:
    """The entry names of a directory (not full paths), sorted."""
    p = _local(dirname)
    if not os.path.isdir(p):
        raise FileNotFoundError(f"{p!r} is not a directory")
    return sorted(os.listdir(p))


def Walk(top: Any, in_order: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """(dirname, subdirectory names, file names) for each directory under `top`, as os.walk."""
    yield from os.walk(_local(top), topdown=in_order)


def Stat(filename: Any) -> _FileStat:
    """The file's length, modification time (ns) and whether it is a directory."""
    return _FileStat(_local(filename))
