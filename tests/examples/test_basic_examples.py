"""The basic examples run on both backends and print what they claim."""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["interpreter", "xla"]


def load(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Matt Mazur, "A Step by Step Backpropagation Example": the published numbers.
PUBLISHED = {
    "out_h1": 0.593269992, "out_h2": 0.596884378, "out_o1": 0.75136507, "out_o2": 0.772928465,
    "E_total": 0.298371109,
    "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
    "w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
}  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
def test_backprop_worked_example(backend, capsys) -> None:
    res = load("backprop_worked_example").main(["--backend", backend])
    out = capsys.readouterr().out
    for key, want in PUBLISHED.items():
        assert res[key] == pytest.approx(want, abs=1e-8), key
        if key.startswith("w"):
            assert f"{key} = {want:.8f}"[:13] in out, key
    assert "out_h1 = 0.593269992" in out and "out_o2 = 0.772928465" in out
    assert "E_total = 0.298371109" in out
    assert "biases are not updated in the published example" in out
    assert res["dE/db2"] == pytest.approx(0.100400325, abs=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_perceptron_gates(backend, capsys) -> None:
    res = load("perceptron_gates").main(["--backend", backend])
    out = capsys.readouterr().out
    for gate in ("AND", "OR", "NOT"):
        assert res[gate]["accuracy"] == 1.0
        assert f"{gate} accuracy: 100%" in out
    assert res["XOR"]["accuracy"] <= 0.75
    assert "XOR accuracy: 100%" not in out
    assert "no line separates" in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_mlp_xor(backend, capsys) -> None:
    res = load("mlp_xor").main(["--backend", backend])
    out = capsys.readouterr().out
    assert res["accuracy"] == 1.0 and "XOR accuracy: 100%" in out
    np.testing.assert_array_equal(res["predicted"], [0, 1, 1, 0])
    assert res["losses"][-1] < 0.01 < res["losses"][0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_linear_regression(backend, capsys) -> None:
    res = load("linear_regression").main(["--backend", backend])
    out = capsys.readouterr().out
    assert res["w"] == pytest.approx(3.0, abs=0.05) and res["b"] == pytest.approx(2.0, abs=0.05)
    assert res["w"] == pytest.approx(res["lstsq"][0], abs=1e-3)
    assert res["b"] == pytest.approx(res["lstsq"][1], abs=1e-3)
    losses = [lv for _, lv in res["curve"]]
    assert losses[0] > 1.0 and losses[-1] < 0.02
    assert all(b <= a + 1e-7 for a, b in itertools.pairwise(losses))
    assert f"fitted:        w = {res['w']:.4f}, b = {res['b']:.4f}" in out


def test_script_runs_standalone() -> None:
    """`python examples/backprop_worked_example.py` works as a script."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "backprop_worked_example.py"), "--backend", "interpreter"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "w5 = 0.358916480" in proc.stdout
