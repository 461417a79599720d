"""Type checking and linting are part of the suite (and so of CI): mypy and ruff, configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What the suite holds to mypy (strict, the ui with checked function bodies, as pyproject says) and to ruff: the
# whole package and the whole tree.
TYPE_CHECKED = ["bitget_desktop"]
LINTED = ["bitget_desktop", "tests", "packaging"]


def _passes(tool: str, *args: str) -> None:
    """Run `python -m tool args` at the repository root (so it reads pyproject.toml); fail with its output."""
    result = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{tool} {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}",
                    pytrace=False)


def test_mypy_passes() -> None:
    _passes("mypy", *TYPE_CHECKED)


def test_ruff_passes() -> None:
    _passes("ruff", "check", "--output-format", "concise", *LINTED)
