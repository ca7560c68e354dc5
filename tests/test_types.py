"""Every module of riskcalc and of the app is fully typed: mypy in strict mode (configured in pyproject.toml)
finds no error. The first run in a checkout takes about 45 s; later runs reuse .mypy_cache/."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_mypy_strict_finds_no_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
