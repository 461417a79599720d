"""Type checking and linting are part of the suite (and so of CI): mypy and ruff, configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What the suite holds to mypy (strict, the ui relaxed as pyproject says) and to ruff: the whole package, and the
# whole tree but tests/benchmarks/bench_loop_lag.py (being reworked on another branch; issue 9: once it is clean,
# LINTED is ["bitget_desktop", "tests", "packaging"]). A bare `mypy` or `ruff check` shows what is left.
TYPE_CHECKED = ["bitget_desktop"]
LINTED = [
    "bitget_desktop",
    "packaging",
    "tests/conftest.py",
    "tests/test_credentials.py",
    "tests/test_layering.py",
    "tests/test_logs.py",
    "tests/test_settings.py",
    "tests/test_static_checks.py",
    "tests/app",
    "tests/benchmarks/bench_chart.py",
    "tests/benchmarks/bench_exchange.py",
    "tests/benchmarks/bench_order_click.py",
    "tests/benchmarks/bench_startup.py",
    "tests/conformance",
    "tests/domain",
    "tests/exchange",
    "tests/fixtures",
    "tests/simulator",
    "tests/terminal",
    "tests/ui",
]


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
