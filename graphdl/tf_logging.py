"""TF1's `tf.logging`: levels, `set_verbosity` and the logging functions, on the 'graphdl' logger.

As in TF1 the default verbosity is WARN, messages go to stderr as `LEVEL:graphdl:message`, and
`log_every_n` / `log_first_n` count per call site.
"""

from __future__ import annotations

import logging as _logging
import sys
from typing import Any

__all__ = [
    "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "get_verbosity", "set_verbosity", "debug", "info",
    "warn", "warning", "error", "fatal", "log", "log_if", "log_every_n", "log_first_n", "vlog",
    "get_logger",
]  # fmt: skip

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
WARNING = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger: _logging.Logger | None = None
_counts: dict[tuple[str, int], int] = {}


def get_logger() -> _logging.Logger:
    """The 'graphdl' logger, set up on first use (stderr handler, WARN) unless the app configured it."""
    global _logger
    if _logger is None:
        logger = _logging.getLogger("graphdl")
        if not logger.handlers and not _logging.getLogger().handlers:
            handler = _logging.StreamHandler(sys.stderr)
            handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
            logger.addHandler(handler)
        if logger.level == _logging.NOTSET:
            logger.setLevel(WARN)
        _logger = logger
    return _logger


def get_verbosity() -> int:
    return get_logger().getEffectiveLevel()


def set_verbosity(v: int) -> None:
    """Show messages at level `v` and above (tf.logging.INFO, DEBUG, ...)."""
    get_logger().setLevel(v)


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().log(level, msg, *args, stacklevel=2, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().debug(msg, *args, stacklevel=2, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().info(msg, *args, stacklevel=2, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().warning(msg, *args, stacklevel=2, **kwargs)


warn = warning


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().error(msg, *args, stacklevel=2, **kwargs)


def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().critical(msg, *args, stacklevel=2, **kwargs)


def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().log(level, msg, *args, stacklevel=2, **kwargs)


def log_if(level: int, msg: Any, condition: Any, *args: Any) -> None:
    if condition:
        get_logger().log(level, msg, *args, stacklevel=2)


def _site_count() -> int:
    frame = sys._getframe(2)
    key = (frame.f_code.co_filename, frame.f_lineno)
    _counts[key] = _counts.get(key, 0) + 1
    return _counts[key]


def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Log on the 1st, (n+1)th, (2n+1)th, ... call from this line."""
    if (_site_count() - 1) % max(n, 1) == 0:
        get_logger().log(level, msg, *args, stacklevel=2)


def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Log only the first n calls from this line."""
    if _site_count() <= n:
        get_logger().log(level, msg, *args, stacklevel=2)
