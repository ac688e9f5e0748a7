"""The code passes ``ruff check`` (the version pinned in pyproject's dev extras)."""

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUFF = pathlib.Path(sys.executable).with_name("ruff")


@pytest.mark.skipif(not RUFF.exists() and shutil.which("ruff") is None,
                    reason="ruff not installed (pip install -e '.[dev]')")
def test_ruff_check_passes():
    ruff = str(RUFF) if RUFF.exists() else shutil.which("ruff")
    proc = subprocess.run([ruff, "check", "--no-cache", "--exclude", "build", "."], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
