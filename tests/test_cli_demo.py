"""`graphdl render` and `graphdl demo` from the command line, in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from graphdl.errors import GraphdlError
from graphdl.scripts import ScriptError, load_script

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import graphdl as gd

    def build():
        g = gd.Graph()
        with g.as_default():
            x = gd.placeholder(gd.float32, [None, 4], name="x")
            with gd.name_scope("layer"):
                w = gd.Variable(np.ones((4, 3), np.float32), name="w")
                y = gd.sigmoid(gd.matmul(x, w), name="y")
            loss = gd.reduce_sum(gd.square(y), name="loss")
            train = gd.train.GradientDescentOptimizer(0.1).minimize(loss)
            init = gd.global_variables_initializer()
        return {"graph": g, "fetches": [loss, train], "feed_dict": {x: np.ones((2, 4), np.float32)},
                "init": init, "name": "tiny"}
    """
)


def run_cli(*args: str, cwd: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "graphdl.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_load_script(tmp_path) -> None:
    p = tmp_path / "tiny.py"
    p.write_text(SCRIPT)
    spec = load_script(p)
    assert spec["name"] == "tiny" and len(spec["fetches"]) == 2 and len(spec["feed_dict"]) == 1
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n")
    with pytest.raises(ScriptError, match="must define build"):
        load_script(bad)
    bad.write_text("def build():\n    return {'fetches': []}\n")
    with pytest.raises(GraphdlError, match="'graph'"):
        load_script(bad)
    with pytest.raises(FileNotFoundError):
        load_script(tmp_path / "missing.py")


@needs_dot
def test_render_command(tmp_path) -> None:
    (tmp_path / "tiny.py").write_text(SCRIPT)
    r = run_cli("render", "tiny.py", "-o", "out.svg", cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "wrote out.svg" in r.stdout
    svg = (tmp_path / "out.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "tiny: forward graph" in svg
    r = run_cli(
        "render", "tiny.py", "-o", "both.png", "--view", "both", "--collapse", "gradients", cwd=str(tmp_path)
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "both.png").read_bytes()[:4] == b"\x89PNG"
    assert "folded" in r.stdout
    r = run_cli(
        "render", "tiny.py", "-o", "g.dot", "--view", "gradient", "--collapse", "1", cwd=str(tmp_path)
    )
    assert r.returncode == 0, r.stderr
    assert "gradients" in (tmp_path / "g.dot").read_text()


def test_render_command_errors(tmp_path) -> None:
    r = run_cli("render", "nope.py", cwd=str(tmp_path))
    assert r.returncode == 2 and "no such script" in r.stderr
    (tmp_path / "fwd.py").write_text(
        SCRIPT.replace("train = gd.train.GradientDescentOptimizer(0.1).minimize(loss)", "train = loss")
    )
    r = run_cli("render", "fwd.py", "-o", "x.dot", "--view", "gradient", cwd=str(tmp_path))
    assert r.returncode == 2 and "no gradient nodes" in r.stderr


@needs_dot
def test_demo_command(tmp_path) -> None:
    r = run_cli("demo", "--out", "demo-out", cwd=str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "accuracy 100%" in out
    assert "E_total = 0.298371109" in out and "w5 after one step = 0.35891648" in out
    for stem in ("xor_forward", "xor_gradient", "backprop_forward", "backprop_gradient"):
        path = tmp_path / "demo-out" / f"{stem}.svg"
        assert path.exists() and os.path.join("demo-out", f"{stem}.svg") in out
    assert "all checks passed" in out
