"""Memory: the default markets (with the engine listening) run for an hour of simulated time in bounded memory.

Measured in a fresh interpreter so that what the rest of the suite loaded (Qt, ccxt...) does not count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_an_hour_of_simulated_market_stays_bounded():
    out = subprocess.run([sys.executable, "-m", "tests.simulator.memory_probe"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True)
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    print(fig)
    assert fig["simulated_ms"] == 3_600_000
    assert fig["rss_end_mb"] < 150
    assert fig["rss_end_mb"] - fig["rss_base_mb"] < 30
    assert fig["traced_growth_last_10min_bytes"] < 4_000_000
    # the live minutes were recorded and are served
    assert fig["live_minutes_served"] == 60 and fig["min_volume"] > 0
