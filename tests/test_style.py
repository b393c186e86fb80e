"""The code base stays ruff-clean (config in pyproject.toml)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    paths = [p for p in ("src", "tests", "bench") if (ROOT / p).exists()]
    res = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
