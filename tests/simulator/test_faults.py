"""Rate limits (HTTP 429, code "429") and injected faults: latency, forced HTTP errors."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bitget_desktop.simulator import Simulator, SimulatorConfig
from bitget_desktop.simulator.server import RateLimiter
from tests.simulator.conftest import KEY, Http, sign


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


# -- after processing, per endpoint, per socket kind; the loopback control endpoint ------------------------------

PLACE = "/api/v2/spot/trade/place-order"


def _order(oid: str) -> dict[str, str]:
    return {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": "1000",
            "size": "0.01", "clientOid": oid}


async def _find(http: Http, oid: str) -> list[dict]:
    status, body = await http.signed_get(KEY, "/api/v2/spot/trade/orderInfo", f"clientOid={oid}")
    assert status == 200, body
    return body["data"]


async def test_answer_lost_after_processing(sim, http):
    sim.faults.lose_answer(PLACE)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await http.signed_post(KEY, PLACE, _order("lost-1"))
    assert [o["clientOid"] for o in await _find(http, "lost-1")] == ["lost-1"]  # it was placed all the same
    status, body = await http.signed_post(KEY, PLACE, _order("lost-2"))  # one request only
    assert status == 200 and body["data"]["clientOid"] == "lost-2"


async def test_server_error_after_processing(sim, http):
    sim.faults.error_after(PLACE, 502)
    status, body = await http.signed_post(KEY, PLACE, _order("late-1"))
    assert status == 502 and body["code"] == "40015"
    assert len(await _find(http, "late-1")) == 1


async def test_latency_on_one_endpoint(sim, http):
    sim.faults.endpoint_latency_ms["/api/v2/spot/market/tickers"] = 400
    t = time.perf_counter()
    await http.get("/api/v2/public/time")
    assert time.perf_counter() - t < 0.3
    t = time.perf_counter()
    status, _ = await http.get("/api/v2/spot/market/tickers", "symbol=BTCUSDT")
    assert status == 200 and time.perf_counter() - t >= 0.4


async def _login(ws: aiohttp.ClientWebSocketResponse) -> None:
    ts = str(int(time.time()))
    await ws.send_json({"op": "login", "args": [{"apiKey": KEY.api_key, "passphrase": KEY.passphrase,
                                                 "timestamp": ts, "sign": sign(KEY.secret, ts + "GET/user/verify")}]})
    assert (await ws.receive_json(timeout=2))["event"] == "login"


async def test_drop_only_private_and_silence(sim):
    base = sim.rest_url.replace("http", "ws")
    async with aiohttp.ClientSession() as s, s.ws_connect(base + "/v2/ws/public") as pub, \
            s.ws_connect(base + "/v2/ws/private") as priv:
        await _login(priv)
        assert sim.faults.drop_private_now() == 1
        assert (await priv.receive(timeout=2)).type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR,
                                                        aiohttp.WSMsgType.CLOSE)
        await pub.send_str("ping")
        assert (await pub.receive(timeout=2)).data == "pong"
        assert sim.faults.silence_ws("public") == 1
        await pub.send_str("ping")
        with pytest.raises(asyncio.TimeoutError):
            await pub.receive(timeout=0.4)  # open, but nothing comes back any more
        assert not pub.closed


async def test_malformed_frames_are_sent_on_every_socket(sim):
    from bitget_desktop.simulator.faults import MALFORMED_FRAMES

    base = sim.rest_url.replace("http", "ws")
    async with aiohttp.ClientSession() as s, s.ws_connect(base + "/v2/ws/public") as pub:
        assert sim.faults.send_malformed(which="public") == 1
        got = [(await pub.receive(timeout=2)).data for _ in MALFORMED_FRAMES]
        assert got == list(MALFORMED_FRAMES)


async def test_control_endpoint_is_off_by_default_and_sets_faults_when_on():
    async with Simulator(SimulatorConfig(seed=1, run_market=False)) as sim, aiohttp.ClientSession() as s:
        async with s.post(sim.rest_url + "/sim/faults", json={"latency_ms": 5}) as r:
            assert r.status == 404 and sim.faults.latency_ms == 0
    async with Simulator(SimulatorConfig(seed=1, run_market=False, control=True)) as sim, \
            aiohttp.ClientSession() as s:
        async with s.post(sim.rest_url + "/sim/faults", json={"next_http_errors": [503], "error_after": {
                PLACE: 500}, "endpoint_latency_ms": {"/x": 3}}) as r:
            assert r.status == 200 and (await r.json())["code"] == "00000"
        assert sim.faults.next_http_errors == [503] and sim.faults.after_processing == {PLACE: [500]}
        async with s.post(sim.rest_url + "/sim/faults", json={"no_such_fault": 1}) as r:
            assert r.status == 400 and "no_such_fault" in (await r.json())["msg"]
        async with s.post(sim.rest_url + "/sim/faults", json={"clear": True}) as r:
            assert r.status == 200 and sim.faults.after_processing == {} and sim.faults.next_http_errors == []
