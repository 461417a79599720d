"""The pieces together: a user's taker order trades against the simulated book, prints on the public tape (REST
and the `trade` channel) and reaches the private `fill` channel of that key only."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from tests.simulator.conftest import KEY, READ_KEY
from tests.simulator.test_ws import login_msg, recv, recv_until, subscribe


async def test_taker_fill_is_public_and_private(sim, http):
    async with aiohttp.ClientSession() as s, s.ws_connect(sim.ws_public_url) as pub, \
            s.ws_connect(sim.ws_private_url) as mine, s.ws_connect(sim.ws_private_url) as other:
        await mine.send_str(login_msg(KEY))
        await other.send_str(login_msg(READ_KEY))
        assert await recv(mine) == {"event": "login", "code": 0}
        assert await recv(other) == {"event": "login", "code": 0}
        fill = {"instType": "SPOT", "channel": "fill", "instId": "default"}
        await subscribe(mine, fill)
        await subscribe(other, fill)
        assert (await recv(mine))["event"] == "subscribe" and (await recv(other))["event"] == "subscribe"
        trade_arg = {"instType": "SPOT", "channel": "trade", "instId": "SOLUSDT"}
        await subscribe(pub, trade_arg)
        await recv_until(pub, lambda m: m.get("action") == "snapshot")

        size = "3.217"  # an odd size no synthetic trade is likely to have
        status, body = await http.signed_post(KEY, "/api/v2/spot/trade/place-order", {
            "symbol": "SOLUSDT", "side": "sell", "orderType": "market", "force": "gtc", "size": size})
        assert status == 200, body
        oid = body["data"]["orderId"]

        push = await recv_until(mine, lambda m: m.get("arg") == fill and m.get("data"), 5)
        assert {d["orderId"] for d in push["data"]} == {oid}
        assert sum(float(d["size"]) for d in push["data"]) == float(size)

        printed: list[dict] = []
        deadline = time.monotonic() + 5
        while sum(float(t["size"]) for t in printed if t["side"] == "sell") < float(size) - 1e-9:
            m = await recv_until(pub, lambda m: m.get("action") == "update", deadline - time.monotonic())
            printed += [t for t in m["data"] if t["size"] in {d["size"] for d in push["data"]}]
        _, tape = await http.get("/api/v2/spot/market/fills", "symbol=SOLUSDT&limit=100")
        assert {t["tradeId"] for t in printed} <= {t["tradeId"] for t in tape["data"]}

        try:  # the other key's socket saw no fill
            async with asyncio.timeout(0.5):
                while True:
                    m = json.loads((await other.receive()).data)
                    assert m.get("arg") != fill or not m.get("data")
        except TimeoutError:
            pass
