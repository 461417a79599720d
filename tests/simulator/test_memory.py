"""Memory: the default markets (with the engine listening) run for an hour of simulated time in bounded memory."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from bitget_desktop.simulator import Simulator, SimulatorConfig
from bitget_desktop.simulator.history import parse_granularity
from tests.simulator.conftest import KEY

pytestmark = pytest.mark.slow

T0 = 1_795_000_000_000
TICK = 200


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_an_hour_of_simulated_market_stays_bounded():
    clock = [T0]
    cfg = SimulatorConfig(seed=7, keys=[KEY], clock=lambda: clock[0], run_market=False)
    async with Simulator(cfg) as sim:
        m = sim.market

        def run(ticks: int) -> None:
            for _ in range(ticks):
                clock[0] += TICK
                m.advance(clock[0])

        run(5 * 60_000 // TICK)  # warm up: caches, tape and book filled
        # serve some history too, as a chart would
        for name in ("1m", "15m", "1H", "1D"):
            m.candles("SPOT", "BTCUSDT", parse_granularity(name), None, None, 1000)
        gc.collect()
        base = rss_mb()
        run(45 * 60_000 // TICK)
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        run(10 * 60_000 // TICK)  # the last ten minutes of the hour under tracemalloc
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert clock[0] - T0 == 3_600_000
        end = rss_mb()
        print(f"RSS {base:.1f} -> {end:.1f} MB; traced growth in the last 10 min {(after - before) / 1e6:.2f} MB")
        assert end < 150
        assert end - base < 30
        assert after - before < 4_000_000
        # the live minutes were recorded and are served
        rows = m.candles("SPOT", "BTCUSDT", parse_granularity("1m"), T0, clock[0], 100)
        assert len(rows) == 60 and rows[:, 5].min() > 0
