"""Loading a user's graph script for `graphdl render` and `graphdl compare`.

A script is a Python file that defines `build()` returning a dict:

    {"graph": Graph, "fetches": [tensors or ops], "feed_dict": {placeholder: array},
     "init": op (optional), "name": str (optional)}

Loading runs the file: it is the user's own program, as `python script.py` would run it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from graphdl.errors import GraphdlError

__all__ = ["ScriptError", "load_script"]


class ScriptError(GraphdlError, ValueError):
    """A script cannot be loaded, has no build(), or its build() returns the wrong thing."""


def load_script(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Run the script at `path`, call its `build()` and return the checked dict.

    Raises FileNotFoundError for a missing file and ScriptError when build() is missing or returns
    something other than a dict with a graphdl Graph under "graph" and a list under "fetches".
    Errors raised while the script runs propagate unchanged (with their traceback).
    """
    from graphdl.graph import Graph

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such script: {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    mod_name = "graphdl_script_" + "".join(c if c.isalnum() else "_" for c in stem)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ScriptError(f"{path}: cannot be loaded as a Python module (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)  # the script may import its neighbours
    try:
        spec.loader.exec_module(module)
        build = getattr(module, "build", None)
        if not callable(build):
            raise ScriptError(
                f"{path}: the script must define build() returning "
                '{"graph": ..., "fetches": [...], "feed_dict": {...}}'
            )
        result = build()
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
    if not isinstance(result, dict):
        raise ScriptError(f"{path}: build() must return a dict, got {type(result).__name__}")
    missing = [k for k in ("graph", "fetches") if k not in result]
    if missing:
        raise ScriptError(f"{path}: build() returned a dict without {', '.join(repr(k) for k in missing)}")
    if not isinstance(result["graph"], Graph):
        raise ScriptError(
            f"{path}: build()['graph'] must be a graphdl.Graph, got {type(result['graph']).__name__}"
        )
    fetches = result["fetches"]
    if not isinstance(fetches, list | tuple):
        fetches = [fetches]
    out = dict(result)
    out["fetches"] = list(fetches)
    out["feed_dict"] = dict(result.get("feed_dict") or {})
    out.setdefault("name", stem)
    return out
