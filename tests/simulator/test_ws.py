"""Websocket endpoints: ping/pong, subscribe acks and 300xx errors, login, books (seq/pseq and CRC32 checked with zlib
on every update), fixed-depth books, trades, tickers, candles, private pushes, idle/lifetime/dropped sockets."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bitget_desktop.simulator import Simulator, SimulatorConfig
from tests.simulator.conftest import KEY, READ_KEY, UTA_KEY, sign

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bitget"  # vendored copies of the real captures


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


async def recv(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> Any:
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return msg.data if msg.data == "pong" else json.loads(msg.data)


async def recv_until(ws, pred, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        m = await recv(ws, max(0.01, deadline - time.monotonic()))
        if pred(m):
            return m


async def subscribe(ws, *args: dict[str, Any], op: str = "subscribe") -> None:
    await ws.send_str(json.dumps({"op": op, "args": list(args)}))


def login_msg(key=KEY, ts: str | None = None, passphrase: str | None = None, secret: str | None = None) -> str:
    t = ts or str(int(time.time()))
    return json.dumps({"op": "login", "args": [{
        "apiKey": key.api_key, "passphrase": key.passphrase if passphrase is None else passphrase, "timestamp": t,
        "sign": sign(key.secret if secret is None else secret, t + "GET/user/verify")}]})


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_ping_pong_and_illegal_requests(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        await ws.send_str("ping")
        assert await recv(ws) == "pong"
        await ws.send_str(json.dumps({"op": "ping"}))
        err = await recv(ws)
        assert err["event"] == "error" and err["code"] == 30002
        await ws.send_str("hello")
        assert (await recv(ws))["code"] == 30002


async def test_subscribe_ack_echoes_the_arg_and_errors(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        arg = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
        await subscribe(ws, arg)
        assert await recv(ws) == {"event": "subscribe", "arg": arg}
        books50 = fixture("ws_error_param_books50.json")
        await subscribe(ws, books50["arg"])
        assert await recv_until(ws, lambda m: m.get("event") == "error") == books50
        candle1h = fixture("ws_subscribe_error_candle1h.json")
        await subscribe(ws, candle1h["arg"])
        assert await recv_until(ws, lambda m: m.get("event") == "error") == candle1h
        unknown = fixture("ws_error_unknown_symbol.json")
        await subscribe(ws, unknown["arg"])
        assert await recv_until(ws, lambda m: m.get("event") == "error") == unknown
        await subscribe(ws, {"instType": "SPOT", "channel": "nonsense", "instId": "BTCUSDT"})
        assert (await recv_until(ws, lambda m: m.get("event") == "error"))["code"] == 30001
        # private channels need a login (and are not on the public socket)
        await subscribe(ws, {"instType": "SPOT", "channel": "orders", "instId": "default"})
        assert (await recv_until(ws, lambda m: m.get("event") == "error"))["code"] == 30001
        await subscribe(ws, arg, op="unsubscribe")
        assert await recv_until(ws, lambda m: m.get("event") == "unsubscribe") == {"event": "unsubscribe", "arg": arg}


async def test_login_errors_and_success(sim, session):
    async with session.ws_connect(sim.ws_private_url) as ws:
        await subscribe(ws, {"instType": "SPOT", "channel": "orders", "instId": "default"})
        err = await recv(ws)
        assert err["event"] == "error" and err["code"] == 30004 and err["op"] == "subscribe"
        bad_key = json.loads(login_msg())
        bad_key["args"][0]["apiKey"] = "nobody"
        await ws.send_str(json.dumps(bad_key))
        assert (await recv(ws))["code"] == 30011
        await ws.send_str(login_msg(passphrase="wrong"))
        assert (await recv(ws))["code"] == 30012
        await ws.send_str(login_msg(secret="wrong"))
        assert (await recv(ws))["code"] == 30015
        await ws.send_str(login_msg(ts=str(int(time.time()) - 120)))
        assert (await recv(ws))["code"] == 30014
        await ws.send_str(login_msg(ts="soon"))
        assert (await recv(ws))["code"] == 30013
        await ws.send_str(login_msg(UTA_KEY))
        assert (await recv(ws))["code"] == 30005
        await ws.send_str(login_msg(ts=str(int(time.time() * 1000))))  # a millisecond timestamp is accepted too
        assert await recv(ws) == {"event": "login", "code": 0}


def checksum(bids: list[list[str]], asks: list[list[str]]) -> int:
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    c = zlib.crc32(":".join(parts).encode())
    return c - (1 << 32) if c >= (1 << 31) else c


class LocalBook:
    """A client book keeping the exact strings received."""

    def __init__(self, snap: dict[str, Any]) -> None:
        self.bids = dict(snap["bids"])
        self.asks = dict(snap["asks"])
        self.seq = snap["seq"]

    def apply(self, upd: dict[str, Any]) -> None:
        for side, levels in ((self.bids, upd["bids"]), (self.asks, upd["asks"])):
            for p, s in levels:
                if float(s) == 0:
                    side.pop(p, None)
                else:
                    side[p] = s
        self.seq = upd["seq"]

    def top(self) -> tuple[list[list[str]], list[list[str]]]:
        bids = sorted(self.bids.items(), key=lambda kv: -float(kv[0]))[:25]
        asks = sorted(self.asks.items(), key=lambda kv: float(kv[0]))[:25]
        return [list(x) for x in bids], [list(x) for x in asks]


@pytest.mark.parametrize("inst_type", ["SPOT", "USDT-FUTURES"])
async def test_books_checksum_and_seq_on_every_update(sim, session, inst_type):
    arg = {"instType": inst_type, "channel": "books", "instId": "BTCUSDT"}
    async with session.ws_connect(sim.ws_public_url) as ws:
        await subscribe(ws, arg)
        assert (await recv(ws))["event"] == "subscribe"
        snap = await recv(ws)
        assert snap["action"] == "snapshot" and snap["arg"] == arg
        d = snap["data"][0]
        assert d["checksum"] == 0 and d["pseq"] == 0 and len(d["bids"]) >= 150 and len(d["asks"]) >= 150
        book = LocalBook(d)
        for _ in range(30):
            m = await recv(ws)
            assert m["action"] == "update" and m["arg"] == arg and isinstance(m["ts"], int)
            u = m["data"][0]
            assert set(u) == {"asks", "bids", "checksum", "ts", "seq", "pseq"}
            assert u["pseq"] == book.seq and u["seq"] > u["pseq"]
            book.apply(u)
            bids, asks = book.top()
            assert float(bids[0][0]) < float(asks[0][0])
            assert u["checksum"] == checksum(bids, asks)
        await subscribe(ws, arg, op="unsubscribe")


async def test_book_gap_fault_breaks_the_chain_once(sim, session):
    arg = {"instType": "SPOT", "channel": "books", "instId": "ETHUSDT"}
    async with session.ws_connect(sim.ws_public_url) as ws:
        await subscribe(ws, arg)
        await recv(ws)
        last = (await recv(ws))["data"][0]["seq"]
        u = (await recv(ws))["data"][0]
        assert u["pseq"] == last
        sim.faults.book_gap("ETHUSDT")
        prev, gaps = u["seq"], 0
        for _ in range(8):  # pushes already queued arrive first; exactly one link of the chain is missing
            d = (await recv(ws))["data"][0]
            gaps += d["pseq"] != prev
            prev = d["seq"]
        assert gaps == 1


async def test_fixed_depth_books_are_full_snapshots(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        for depth in (1, 5, 15):
            arg = {"instType": "USDT-FUTURES", "channel": f"books{depth}", "instId": "SOLUSDT"}
            await subscribe(ws, arg)
            for _ in range(3):
                m = await recv_until(ws, lambda m, arg=arg: m.get("arg") == arg and "action" in m)
                assert m["action"] == "snapshot"
                d = m["data"][0]
                assert len(d["bids"]) == depth and len(d["asks"]) == depth and d["pseq"] == 0
            await subscribe(ws, arg, op="unsubscribe")


async def test_ticker_trade_and_candle_channels(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        spot_t = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
        fut_t = {"instType": "USDT-FUTURES", "channel": "ticker", "instId": "BTCUSDT"}
        await subscribe(ws, spot_t, fut_t)
        s = await recv_until(ws, lambda m: m.get("arg") == spot_t and "data" in m)
        f = await recv_until(ws, lambda m: m.get("arg") == fut_t and "data" in m)
        assert set(s["data"][0]) == set(fixture("ws_ticker_spot.json")["data"][0])
        assert set(f["data"][0]) >= set(fixture("ws_ticker_usdt_futures.json")["data"][0])
        assert all(isinstance(v, str) for v in s["data"][0].values()) and isinstance(s["ts"], int)
        await subscribe(ws, spot_t, fut_t, op="unsubscribe")

        trade = {"instType": "USDT-FUTURES", "channel": "trade", "instId": "ETHUSDT"}
        await subscribe(ws, trade)
        snap = await recv_until(ws, lambda m: m.get("arg") == trade and "data" in m)
        assert snap["action"] == "snapshot" and snap["data"]
        ts = [int(t["ts"]) for t in snap["data"]]
        assert ts == sorted(ts, reverse=True)  # newest first
        upd = await recv_until(ws, lambda m: m.get("arg") == trade and m.get("action") == "update", 10)
        t0 = upd["data"][0]
        assert set(t0) == {"ts", "price", "size", "side", "tradeId"} and t0["tradeId"].isdigit()
        assert t0["side"] in ("buy", "sell")

        for inst_type, width in (("SPOT", 8), ("USDT-FUTURES", 7)):
            arg = {"instType": inst_type, "channel": "candle1m", "instId": "BTCUSDT"}
            await subscribe(ws, arg)
            snap = await recv_until(ws, lambda m, arg=arg: m.get("arg") == arg and "data" in m)
            rows = snap["data"]
            assert snap["action"] == "snapshot" and len(rows) >= 100
            assert all(len(r) == width and int(r[0]) % 60_000 == 0 for r in rows)
            assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)
            upd = await recv_until(ws, lambda m, arg=arg: m.get("arg") == arg and m.get("action") == "update")
            assert int(upd["data"][-1][0]) == int(rows[-1][0]) or int(upd["data"][-1][0]) == int(rows[-1][0]) + 60_000


async def test_wrong_inst_type_for_a_real_symbol_is_acked_then_silent(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        arg = {"instType": "COIN-FUTURES", "channel": "ticker", "instId": "BTCUSDT"}
        await subscribe(ws, arg)
        assert await recv(ws) == {"event": "subscribe", "arg": arg}
        with pytest.raises(asyncio.TimeoutError):
            await recv(ws, 0.5)


async def test_private_pushes_follow_the_subscribed_arg(sim, session, http):
    async with session.ws_connect(sim.ws_private_url) as ws:
        await ws.send_str(login_msg())
        assert await recv(ws) == {"event": "login", "code": 0}
        orders = {"instType": "SPOT", "channel": "orders", "instId": "default"}
        by_coin = {"instType": "SPOT", "channel": "account", "coin": "default"}
        other = {"instType": "SPOT", "channel": "orders", "instId": "ETHUSDT"}
        await subscribe(ws, orders, by_coin, other)
        acks = []
        while len(acks) < 3:
            m = await recv(ws)
            if m.get("event") == "subscribe":
                acks.append(m["arg"])
            elif m.get("arg") == by_coin:
                assert m["action"] == "snapshot" and {"coin", "available", "frozen"} <= set(m["data"][0])
        assert acks == [orders, by_coin, other]
        _, t = await http.get("/api/v2/spot/market/tickers", "symbol=BTCUSDT")
        price = round(float(t["data"][0]["bidPr"]) * 0.7, 2)
        status, placed = await http.signed_post(KEY, "/api/v2/spot/trade/place-order", {
            "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": str(price),
            "size": "0.001"})
        assert status == 200, placed
        oid = placed["data"]["orderId"]
        push = await recv_until(ws, lambda m: m.get("arg") == orders and any(
            d.get("orderId") == oid for d in m.get("data", [])))
        assert push["action"] == "snapshot" and isinstance(push["ts"], int)
        mine = next(d for d in push["data"] if d["orderId"] == oid)
        assert mine["instId"] == "BTCUSDT" and mine["status"] == "live"
        # the ETHUSDT-only subscription saw nothing of it; other keys' sockets neither
        await http.signed_post(KEY, "/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": oid})
        while True:
            m = await recv(ws, 3)
            assert m.get("arg") != other
            if m.get("arg") == orders and any(d["orderId"] == oid and d["status"] == "cancelled" for d in m["data"]):
                break


async def test_read_key_can_log_in(sim, session):
    async with session.ws_connect(sim.ws_private_url) as ws:
        await ws.send_str(login_msg(READ_KEY))
        assert await recv(ws) == {"event": "login", "code": 0}
        arg = {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"}
        await subscribe(ws, arg)
        assert await recv(ws) == {"event": "subscribe", "arg": arg}
        snap = await recv(ws)
        assert snap["action"] == "snapshot" and snap["arg"] == arg and snap["data"] == []


async def _closed(ws, timeout: float) -> bool:
    try:
        async with asyncio.timeout(timeout):
            while True:
                msg = await ws.receive()
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return True
    except TimeoutError:
        return False


async def test_idle_sockets_are_closed_and_pinging_ones_kept(session):
    cfg = SimulatorConfig(seed=3, ws_idle_timeout_s=0.6, run_market=False)
    async with Simulator(cfg) as s:
        async with session.ws_connect(s.ws_public_url) as idle, session.ws_connect(s.ws_public_url) as alive:
            async def keep_pinging():
                for _ in range(12):
                    await alive.send_str("ping")
                    await asyncio.sleep(0.15)
            pinger = asyncio.ensure_future(keep_pinging())
            assert await _closed(idle, 3.0)
            await pinger
            assert not alive.closed
            pongs = 0
            while pongs < 12:
                assert await recv(alive) == "pong"
                pongs += 1


async def test_max_lifetime_disconnect(session):
    cfg = SimulatorConfig(seed=3, ws_max_lifetime_s=0.5, run_market=False)
    async with Simulator(cfg) as s:
        async with session.ws_connect(s.ws_public_url) as ws:
            await ws.send_str("ping")
            assert await recv(ws) == "pong"
            assert await _closed(ws, 3.0)


async def test_drop_ws_now_closes_every_socket(sim, session):
    async with session.ws_connect(sim.ws_public_url) as a, session.ws_connect(sim.ws_private_url) as b:
        await a.send_str("ping")
        await b.send_str("ping")
        assert await recv(a) == "pong" and await recv(b) == "pong"
        assert sim.faults.drop_ws_now() == 2
        assert await _closed(a, 2.0) and await _closed(b, 2.0)
    async with session.ws_connect(sim.ws_public_url) as c:  # and reconnecting works
        await c.send_str("ping")
        assert await recv(c) == "pong"


async def test_flooding_client_is_disconnected(sim, session):
    async with session.ws_connect(sim.ws_public_url) as ws:
        for _ in range(40):
            await ws.send_str("ping")
        seen = []
        while True:
            msg = await asyncio.wait_for(ws.receive(), 5)
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            seen.append(msg.data)
        assert seen.count("pong") <= 21
        assert any('"code":30007' in m for m in seen)
