"""Runs the default markets (engine listening, history served) for an hour of simulated time in a fresh process
and prints its memory figures as JSON; tests/simulator/test_memory.py asserts on them."""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc

from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig
from bitget_desktop.simulator.history import parse_granularity

T0 = 1_795_000_000_000
TICK = 200


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def probe() -> dict[str, float]:
    clock = [T0]
    key = ApiKeySpec("mem-key", "mem-secret", "mem-pass")
    cfg = SimulatorConfig(seed=7, keys=[key], clock=lambda: clock[0], run_market=False)
    start = rss_mb()
    async with Simulator(cfg) as sim:
        m = sim.market

        def run(ticks: int) -> None:
            for _ in range(ticks):
                clock[0] += TICK
                m.advance(clock[0])

        run(5 * 60_000 // TICK)  # warm up: caches, tape and book filled
        for name in ("1m", "15m", "1H", "1D"):  # serve some history too, as a chart would
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
        rows = m.candles("SPOT", "BTCUSDT", parse_granularity("1m"), T0, clock[0], 100)
        return {
            "simulated_ms": clock[0] - T0,
            "rss_start_mb": start,
            "rss_base_mb": base,
            "rss_end_mb": rss_mb(),
            "traced_growth_last_10min_bytes": after - before,
            "live_minutes_served": len(rows),
            "min_volume": float(rows[:, 5].min()) if len(rows) else 0.0,
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe())))
