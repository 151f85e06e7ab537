"""TF1's `tf.app`: `tf.app.flags` (absl's flags, as in TF >= 1.5) and `tf.app.run`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from absl import app as _absl_app
from absl import flags

__all__ = ["flags", "run"]


def _parse_flags_tolerate_undef(argv: list[str]) -> list[str]:
    """TF1's parser: known flags are parsed, the rest stay in argv for `main`."""
    return flags.FLAGS(argv, known_only=True)


def run(main: Callable[[list[str]], Any] | None = None, argv: list[str] | None = None) -> None:
    """TF1 `tf.app.run`: parse the flags, then `sys.exit(main(argv))` (main defaults to __main__.main)."""
    main = main or sys.modules["__main__"].main
    _absl_app.run(main=main, argv=argv, flags_parser=_parse_flags_tolerate_undef)
