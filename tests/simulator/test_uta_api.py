"""The simulator's v3 (unified account) REST surface: field names and JSON types as the recorded v3 payloads,
family refusals, account-wide hold mode and the v3 position-side semantics, over real sockets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.simulator.conftest import KEY, READ_KEY, UTA_KEY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bitget-v3"
D = Decimal


def fixture(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())


def types(d: dict[str, Any]) -> dict[str, type]:
    return {k: type(v) for k, v in d.items()}


def same_shape(ours: dict[str, Any], theirs: dict[str, Any], *, optional: set[str] = frozenset()) -> None:
    """Every recorded field is present with the same JSON type (null in the record matches anything)."""
    missing = set(theirs) - set(ours) - optional
    assert not missing, missing
    for k, v in theirs.items():
        if k in ours and v is not None and ours[k] is not None:
            assert type(ours[k]) is type(v), (k, ours[k], v)


async def place(http, payload: dict[str, Any]) -> dict[str, Any]:
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order", payload)
    assert status == 200, body
    return body["data"]


# -- public -----------------------------------------------------------------------------------------------------------


async def test_public_shapes(http):
    status, body = await http.get("/api/v3/market/instruments", "category=USDT-FUTURES")
    assert status == 200
    btc = next(r for r in body["data"] if r["symbol"] == "BTCUSDT")
    same_shape(btc, fixture("rest_market_instruments_usdt_futures.json")["data"][0])
    _, body = await http.get("/api/v3/market/instruments", "category=SPOT&symbol=BTCUSDT")
    (spot,) = body["data"]
    same_shape(spot, fixture("rest_market_instruments_spot_item_ccxt.json"))
    _, body = await http.get("/api/v3/market/tickers", "category=USDT-FUTURES&symbol=BTCUSDT")
    same_shape(body["data"][0], fixture("rest_market_tickers_futures.json")["data"][0])
    _, body = await http.get("/api/v3/market/orderbook", "category=SPOT&symbol=BTCUSDT&limit=5")
    book = body["data"]
    assert set(book) == {"a", "b", "ts"} and len(book["a"]) == 5 and isinstance(book["a"][0][0], float)
    assert isinstance(book["ts"], str) and book["b"][0][0] < book["a"][0][0]
    for path in ("candles", "history-candles"):
        _, body = await http.get(f"/api/v3/market/{path}", "category=SPOT&symbol=BTCUSDT&interval=1H&limit=3")
        rows = body["data"]
        assert len(rows) == 3 and all(len(r) == 7 and all(isinstance(x, str) for x in r) for r in rows)
    status, body = await http.get("/api/v3/market/candles", "category=SPOT&symbol=BTCUSDT&interval=1h")
    assert status == 400 and body["code"] == "40020"  # v3 spells hours 1H
    status, body = await http.get("/api/v3/market/history-candles",
                                  "category=SPOT&symbol=BTCUSDT&interval=1m&limit=101")
    assert status == 400
    status, body = await http.get("/api/v3/market/instruments", "category=spot-margin")
    assert status == 400 and body["code"] == "40020"


# -- families and permissions ------------------------------------------------------------------------------------------


async def test_family_refusals_and_permissions(http):
    status, body = await http.signed_get(KEY, "/api/v3/account/assets")
    assert status == 400 and body["code"] == "40084"
    status, body = await http.signed_post(KEY, "/api/v3/trade/place-order", {"category": "SPOT"})
    assert status == 400 and body["code"] == "40084"
    status, body = await http.signed_get(UTA_KEY, "/api/v2/spot/account/assets")
    assert status == 400 and body["code"] == "40085"
    status, body = await http.signed_post(READ_KEY, "/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
    assert status == 400 and body["code"] == "40084"  # family first


async def test_account_shapes(http):
    _, body = await http.signed_get(UTA_KEY, "/api/v3/account/settings")
    settings = body["data"]
    same_shape(settings, fixture("rest_account_settings.json")["data"])
    assert settings["accountMode"] == "unified" and settings["holdMode"] == "one_way_mode"
    _, body = await http.signed_get(UTA_KEY, "/api/v3/account/assets")
    assets = body["data"]
    same_shape(assets, fixture("rest_account_assets.json")["data"])
    usdt = next(a for a in assets["assets"] if a["coin"] == "USDT")
    same_shape(usdt, fixture("rest_account_assets.json")["data"]["assets"][0])
    assert usdt["balance"] == usdt["available"] == "100000"
    _, body = await http.signed_get(UTA_KEY, "/api/v3/account/info")
    same_shape(body["data"], fixture("rest_account_info.json")["data"])
    status, body = await http.signed_post(UTA_KEY, "/api/v3/account/set-leverage",
                                          {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "leverage": "12"})
    assert status == 200 and body["data"] == "success"
    _, body = await http.signed_get(UTA_KEY, "/api/v3/account/settings")
    assert {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "marginMode": "crossed",
            "leverage": "12"} in body["data"]["symbolConfigList"]


# -- trading ------------------------------------------------------------------------------------------------------


async def test_spot_order_shapes(http, sim):
    _, body = await http.get("/api/v3/market/tickers", "category=SPOT&symbol=BTCUSDT")
    price = str((D(body["data"][0]["lastPrice"]) * D("0.8")).quantize(D("0.01")))
    ack = await place(http, {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                             "qty": "0.01", "price": price, "timeInForce": "gtc", "clientOid": "uta-spot-1"})
    same_shape(ack, fixture("rest_trade_place_order.json")["data"])
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/unfilled-orders", "category=SPOT")
    (live,) = body["data"]["list"]
    same_shape(live, fixture("rest_trade_unfilled_orders.json")["data"]["list"][0])
    assert live["orderStatus"] == "live" and live["feeDetail"] == [{"feeCoin": None, "fee": None}]
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/cancel-order", {"clientOid": "uta-spot-1"})
    same_shape(body["data"], fixture("rest_trade_cancel_order.json")["data"])
    buy = await place(http, {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy", "orderType": "market",
                             "qty": "100"})
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/order-info", f"orderId={buy['orderId']}")
    info = body["data"]
    same_shape(info, fixture("rest_trade_order_info.json")["data"])
    assert (info["qty"], info["amount"], info["orderStatus"]) == ("0", "100", "filled")  # quote-sized market buy
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/history-orders", "category=SPOT")
    assert [o["orderStatus"] for o in body["data"]["list"]] == ["filled", "cancelled"]
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/fills", f"category=SPOT&orderId={buy['orderId']}")
    fill = body["data"]["list"][0]
    same_shape(fill, fixture("rest_trade_fills.json")["data"]["list"][0])
    assert D(fill["feeDetail"][0]["fee"]) > 0 and fill["feeDetail"][0]["feeCoin"] == "BTC"
    status, body = await http.signed_get(UTA_KEY, "/api/v3/trade/order-info", "clientOid=nope")
    assert status == 400 and body["code"] == "25204"
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order", {
        "category": "SPOT", "symbol": "BTCUSDT", "side": "buy", "orderType": "market", "qty": "10",
        "clientOid": "x" * 33})
    assert status == 400 and body["code"] == "40305"


async def test_hedge_semantics_and_account_wide_hold_mode(http, sim):
    status, body = await http.signed_post(UTA_KEY, "/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
    assert status == 200 and body["data"] == "success"
    base = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "orderType": "market", "qty": "0.02"}
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order", {**base, "side": "buy"})
    assert status == 400 and body["code"] == "40774"  # hedge needs posSide
    await place(http, {**base, "side": "buy", "posSide": "long"})  # open long
    await place(http, {**base, "side": "sell", "posSide": "short"})  # open short
    close = await place(http, {**base, "qty": "0.01", "side": "sell", "posSide": "long"})  # close long
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/order-info", f"orderId={close['orderId']}")
    order = body["data"]
    assert (order["side"], order["posSide"], order["tradeSide"], order["holdMode"]) == ("sell", "long", "close",
                                                                                      "hedge_mode")
    _, body = await http.signed_get(UTA_KEY, "/api/v3/position/current-position", "category=USDT-FUTURES")
    rows = {r["posSide"]: r for r in body["data"]["list"]}
    assert {k: r["total"] for k, r in rows.items()} == {"long": "0.01", "short": "0.02"}
    same_shape(rows["long"], fixture("rest_position_current_position.json")["data"]["list"][0])
    status, body = await http.signed_post(UTA_KEY, "/api/v3/account/set-hold-mode", {"holdMode": "one_way_mode"})
    assert status == 400 and body["code"] == "40920"  # refused with positions open
    _, body = await http.signed_post(UTA_KEY, "/api/v3/trade/close-positions",
                                     {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "short"})
    same_shape(body["data"]["list"][0], fixture("rest_trade_close_positions.json")["data"]["list"][0])
    _, body = await http.signed_get(UTA_KEY, "/api/v3/position/current-position",
                                    "category=USDT-FUTURES&posSide=short")
    assert body["data"]["list"] == []
    await place(http, {**base, "qty": "0.01", "side": "sell", "posSide": "long"})
    status, body = await http.signed_post(UTA_KEY, "/api/v3/account/set-hold-mode", {"holdMode": "one_way_mode"})
    assert status == 200
    # the engine holds one unified account: spot USDT is the futures wallet
    acc = sim.engine.account(UTA_KEY.api_key)
    assert acc.spot["USDT"].available + acc.spot["USDT"].frozen == sim.engine.futures_book(
        UTA_KEY.api_key, "USDT-FUTURES").balance < D("100000")


async def test_one_way_reduce_only_and_v3_error_codes(http):
    base = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "orderType": "market"}
    await place(http, {**base, "side": "sell", "qty": "0.05"})  # open short
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order",
                                          {**base, "side": "buy", "qty": "0.01", "reduceOnly": "yes",
                                           "posSide": "short"})
    assert status == 400 and body["code"] == "25236"  # posSide with reduceOnly
    ro = await place(http, {**base, "side": "buy", "qty": "0.01", "reduceOnly": "yes"})
    _, body = await http.signed_get(UTA_KEY, "/api/v3/trade/order-info", f"clientOid={ro['clientOid']}")
    assert (body["data"]["reduceOnly"], body["data"]["tradeSide"], body["data"]["posSide"]) == ("YES", "close", "")
    _, body = await http.signed_get(UTA_KEY, "/api/v3/position/current-position", "category=USDT-FUTURES")
    (pos,) = body["data"]["list"]
    assert (pos["posSide"], pos["total"], pos["holdMode"]) == ("short", "0.04", "one_way_mode")
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order",
                                          {**base, "side": "buy", "qty": "20"})
    assert status == 400 and body["code"] in ("25202", "25203")
    _, body = await http.signed_post(UTA_KEY, "/api/v3/trade/close-positions", {"category": "USDT-FUTURES"})
    assert len(body["data"]["list"]) == 1
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/close-positions", {"category": "USDT-FUTURES"})
    assert status == 400 and body["code"] == "25227"
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/cancel-symbol-order", {"category": "SPOT"})
    assert status == 200 and body["data"] == {"list": []}


@pytest.mark.parametrize("hold_mode", ["one_way_mode", "hedge_mode"])
async def test_spot_spending_cannot_take_futures_margin(http, sim, hold_mode):
    await http.signed_post(UTA_KEY, "/api/v3/account/set-hold-mode", {"holdMode": hold_mode})
    await http.signed_post(UTA_KEY, "/api/v3/account/set-leverage",
                           {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "leverage": "1"})
    _, body = await http.get("/api/v3/market/tickers", "category=USDT-FUTURES&symbol=BTCUSDT")
    last = D(body["data"][0]["lastPrice"])
    qty = (D("60000") / last).quantize(D("0.0001"))  # ~60k USDT of margin at 1x
    extra = {"posSide": "long"} if hold_mode == "hedge_mode" else {}
    await place(http, {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "side": "buy", "orderType": "market",
                       "qty": str(qty), **extra})
    status, body = await http.signed_post(UTA_KEY, "/api/v3/trade/place-order", {
        "category": "SPOT", "symbol": "ETHUSDT", "side": "buy", "orderType": "market", "qty": "50000"})
    assert status == 400 and body["code"] == "25202"  # 100k wallet, ~60k in margin
    await place(http, {"category": "SPOT", "symbol": "ETHUSDT", "side": "buy", "orderType": "market",
                       "qty": "30000"})


# -- v3 private websocket ----------------------------------------------------------------------------------------------


async def test_v3_private_ws_pushes_orders_fills_positions_account(http, sim):
    import aiohttp

    from tests.simulator.test_ws import login_msg, recv, recv_until, subscribe

    url = sim.rest_url.replace("http", "ws") + "/v3/ws/private"
    async with aiohttp.ClientSession() as s, s.ws_connect(url) as ws:
        await subscribe(ws, {"instType": "UTA", "topic": "order"})
        assert (await recv(ws))["code"] == 30004  # log in first
        await ws.send_str(login_msg(KEY))
        assert (await recv(ws))["code"] == 30005  # a classic key has no v3 socket
        await ws.send_str(login_msg(UTA_KEY))
        assert await recv(ws) == {"event": "login", "code": 0}
        await subscribe(ws, {"instType": "UTA", "topic": "orders"})
        assert (await recv(ws))["code"] == 30001
        topics = ("order", "fill", "position", "account")
        await subscribe(ws, *({"instType": "UTA", "topic": t} for t in topics))
        seen: dict[str, Any] = {}
        while len(seen) < 3:  # acks, then snapshots of the open orders, positions and the account (fills: none)
            m = await recv(ws)
            if m.get("event") != "subscribe":
                seen[m["arg"]["topic"]] = m
        assert seen["position"]["data"] == [] and seen["order"]["data"] == []
        acc = seen["account"]
        same_shape(acc, fixture("ws_private_account_push.json"))
        same_shape(acc["data"][0], fixture("ws_private_account_push.json")["data"][0])
        usdt = next(c for c in acc["data"][0]["coin"] if c["coin"] == "USDT")
        same_shape(usdt, fixture("ws_private_account_push.json")["data"][0]["coin"][0])

        await place(http, {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "side": "buy", "orderType": "market",
                           "qty": "0.01", "clientOid": "ws-open-1"})

        def topic_is(t: str, pred=lambda d: True):
            return lambda m: isinstance(m, dict) and m.get("arg", {}).get("topic") == t and any(
                pred(d) for d in m["data"])

        order = await recv_until(ws, topic_is("order", lambda d: d["orderStatus"] == "filled"))
        o = next(d for d in order["data"] if d["clientOid"] == "ws-open-1")
        same_shape(o, fixture("ws_private_order_push.json")["data"][0])
        assert o["category"] == "usdt-futures" and o["reduceOnly"] == "no"
        fill = await recv_until(ws, topic_is("fill"))
        same_shape(fill["data"][0], fixture("ws_private_fill_push.json")["data"][0])
        pos = await recv_until(ws, topic_is("position", lambda d: d["positionStatus"] == "normal"))
        same_shape(pos["data"][0], fixture("ws_private_position_push.json")["data"][0])
        assert (pos["data"][0]["posSide"], pos["data"][0]["size"]) == ("long", "0.01")
        await http.signed_post(UTA_KEY, "/api/v3/trade/close-positions", {"category": "USDT-FUTURES"})
        ended = await recv_until(ws, topic_is("position", lambda d: d["positionStatus"] == "ended"))
        assert [(d["posSide"], d["size"]) for d in ended["data"]] == [("long", "0")]
        await recv_until(ws, topic_is("account"))


async def test_v3_public_ws_topics(sim):
    import aiohttp

    from tests.simulator.test_ws import recv, recv_until, subscribe

    url = sim.rest_url.replace("http", "ws") + "/v3/ws/public"
    args = [{"instType": "usdt-futures", "topic": "ticker", "symbol": "BTCUSDT"},
            {"instType": "usdt-futures", "topic": "publicTrade", "symbol": "BTCUSDT"},
            {"instType": "spot", "topic": "books", "symbol": "BTCUSDT"},
            {"instType": "usdt-futures", "topic": "kline", "symbol": "BTCUSDT", "interval": "1m"}]
    async with aiohttp.ClientSession() as s, s.ws_connect(url) as ws:
        await subscribe(ws, {"instType": "usdt-futures", "topic": "candle1m", "symbol": "BTCUSDT"})
        assert (await recv(ws))["code"] == 30001
        await subscribe(ws, *args)
        got: dict[str, list[Any]] = {}

        def collect(m):
            if isinstance(m, dict) and "action" in m:
                got.setdefault(m["arg"]["topic"], []).append(m)
            return {"ticker", "publicTrade", "books", "kline"} <= got.keys() and len(got["books"]) >= 2

        await recv_until(ws, collect, timeout=10)
        same_shape(got["ticker"][0]["data"][0], fixture("ws_public_ticker_push.json")["data"][0])
        same_shape(got["publicTrade"][0]["data"][0], fixture("ws_public_publicTrade_push.json")["data"][0])
        same_shape(got["kline"][0]["data"][0], fixture("ws_public_kline_push.json")["data"][0])
        snap, upd = got["books"][0], got["books"][1]
        assert snap["action"] == "snapshot" and upd["action"] == "update" and "checksum" not in upd["data"][0]
        book = fixture("ws_public_books1_push.json")["data"][0]
        same_shape(upd["data"][0], book, optional={"maxDepth"})
        assert upd["data"][0]["pseq"] == snap["data"][0]["seq"]
