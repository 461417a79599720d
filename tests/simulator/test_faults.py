"""Rate limits (HTTP 429, code "429") and injected faults: latency, forced HTTP errors."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bitget_desktop.simulator import Simulator, SimulatorConfig
from bitget_desktop.simulator.server import RateLimiter
from tests.simulator.conftest import KEY, Http


async def test_public_rate_limit_answers_429():
    async with Simulator(SimulatorConfig(seed=1, run_market=False)) as sim, aiohttp.ClientSession() as s:
        http = Http(s, sim.rest_url)
        results = await asyncio.gather(*[http.get("/api/v2/public/time") for _ in range(80)])
        limited = [b for st, b in results if st == 429]
        assert limited and all(b["code"] == "429" and b["data"] is None for b in limited)
        assert sum(st == 200 for st, _ in results) >= 20
        # other endpoints have their own budget
        status, body = await http.get("/api/v2/spot/market/tickers", "symbol=BTCUSDT")
        assert status == 200 and body["code"] == "00000"


async def test_private_rate_limit_is_per_key():
    async with Simulator(SimulatorConfig(seed=1, keys=[KEY], run_market=False)) as sim, \
            aiohttp.ClientSession() as s:
        http = Http(s, sim.rest_url)
        results = await asyncio.gather(*[http.signed_get(KEY, "/api/v2/spot/account/info") for _ in range(6)])
        assert [st for st, _ in results].count(429) >= 3  # documented 1/s (a burst of 2)


def test_token_bucket_refills():
    t = [0.0]
    rl = RateLimiter(clock=lambda: t[0])
    assert all(rl.allow("/p", "c", 10) for _ in range(20))
    assert not rl.allow("/p", "c", 10)
    assert rl.allow("/p", "other", 10)
    t[0] += 0.1
    assert rl.allow("/p", "c", 10) and not rl.allow("/p", "c", 10)


async def test_forced_http_errors_then_recovery(sim, http):
    sim.faults.next_http_errors = [429, 503, 500]
    s1, b1 = await http.get("/api/v2/public/time")
    s2, b2 = await http.get("/api/v2/public/time")
    s3, b3 = await http.get("/api/v2/spot/market/tickers")
    s4, b4 = await http.get("/api/v2/public/time")
    assert (s1, b1["code"]) == (429, "429")
    assert s2 == 503 and s3 == 500 and b2["code"] == b3["code"] == "40015"
    assert s4 == 200 and b4["code"] == "00000" and sim.faults.next_http_errors == []


async def test_latency_fault(sim, http):
    t = time.perf_counter()
    await http.get("/api/v2/public/time")
    fast = time.perf_counter() - t
    sim.faults.latency_ms = 300
    t = time.perf_counter()
    status, _ = await http.get("/api/v2/public/time")
    assert status == 200 and time.perf_counter() - t >= 0.3 > fast
