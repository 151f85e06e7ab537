def test_graphdl_compare_on_an_example():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(root, "examples", "mlp_xor.py")
    proc = subprocess.run(
        [sys.executable, "-m", "graphdl.cli", "compare", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "loss:0" in proc.stdout and "PASS" in proc.stdout
