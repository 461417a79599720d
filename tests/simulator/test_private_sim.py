"""Private routes and private websocket pushes through the real Simulator (server, auth, engine) on 127.0.0.1."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from bitget_desktop.exchange.signing import Credentials, rest_headers, ws_login_args
from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig

CREDS = Credentials("bg_engine_sim_key", "engine-sim-secret", "engine-sim-pass")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@pytest.fixture
async def simulator(tmp_path):
    cfg = SimulatorConfig(seed=11, keys=[ApiKeySpec(CREDS.api_key, CREDS.secret, CREDS.passphrase)],
                          tick_ms=50, rate_limits=False, state_path=tmp_path / "state.json")
    async with Simulator(cfg) as s:
        yield s


async def signed(session: aiohttp.ClientSession, base: str, method: str, path: str, body: dict | None = None,
                 query: str = ""):
    text = "" if body is None else json.dumps(body)
    headers = rest_headers(CREDS, now_ms(), method, path, query, text)
    url = base + path + (f"?{query}" if query else "")
    async with session.request(method, url, data=text.encode() if text else None, headers=headers) as r:
        return r.status, await r.json(content_type=None)


async def test_orders_and_private_pushes(simulator) -> None:
    base = simulator.rest_url
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(simulator.ws_private_url) as ws:
            await ws.send_str(json.dumps({"op": "login", "args": [ws_login_args(CREDS, now_ms() // 1000)]}))
            login = json.loads((await ws.receive()).data)
            assert login["event"] == "login" and login["code"] in (0, "0")
            await ws.send_str(json.dumps({"op": "subscribe", "args": [
                {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"},
                {"instType": "USDT-FUTURES", "channel": "fill", "instId": "default"},
                {"instType": "SPOT", "channel": "orders", "instId": "default"},
            ]}))
            status, body = await signed(session, base, "POST", "/api/v2/mix/order/place-order", {
                "symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginMode": "crossed", "marginCoin": "USDT",
                "side": "buy", "orderType": "market", "size": "0.01"})
            assert status == 200 and body["code"] == "00000", body
            order_id = body["data"]["orderId"]
            seen: dict[str, dict] = {}
            while not {"positions", "fill"} <= set(seen):
                msg = await ws.receive(timeout=10)
                data = json.loads(msg.data)
                if data.get("action") and data["data"]:
                    seen.setdefault(data["arg"]["channel"], data)
            assert seen["fill"]["data"][0]["orderId"] == order_id
            assert seen["positions"]["data"][0]["holdSide"] == "long"
            status, body = await signed(session, base, "GET", "/api/v2/mix/order/detail",
                                        query=f"orderId={order_id}&productType=USDT-FUTURES&symbol=BTCUSDT")
            assert body["data"]["state"] == "filled"
            status, body = await signed(session, base, "POST", "/api/v2/mix/account/set-position-mode",
                                        {"productType": "USDT-FUTURES", "posMode": "hedge_mode"})
            assert status == 400 and body["code"] == "40920"
            status, body = await signed(session, base, "POST", "/api/v2/spot/trade/place-order", {
                "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000", "size": "0.01",
                "clientOid": "x-1"})
            assert body["code"] == "00000", body
            status, body = await signed(session, base, "POST", "/api/v2/spot/trade/place-order", {
                "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000", "size": "0.01",
                "clientOid": "x-1"})
            assert status == 400 and body["code"] == "43118"
    simulator.save()
    saved = json.loads(simulator.config.state_path.read_text())
    assert saved["accounts"][0]["api_key"] == CREDS.api_key
