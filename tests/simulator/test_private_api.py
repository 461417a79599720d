"""Private REST routes over real 127.0.0.1 sockets: signed requests, Bitget envelopes, field shapes and error codes."""

from __future__ import annotations

import json
import time
from decimal import Decimal as D
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bitget_desktop.exchange.signing import Credentials, rest_headers
from bitget_desktop.simulator import instruments
from bitget_desktop.simulator.auth import ApiKeySpec, Auth
from bitget_desktop.simulator.engine import Engine
from bitget_desktop.simulator.private_api import PRIVATE_ROUTES, register_private_routes
from bitget_desktop.simulator.wire import ApiError, error_response
from tests.simulator.test_public_rest import fixture

CREDS = Credentials("bg_http_key", "http-secret", "http-pass")
READ_ONLY = Credentials("bg_read_key", "read-secret", "read-pass")


class FakeMarket:
    def __init__(self) -> None:
        self.books = {
            ("SPOT", "BTCUSDT"): ([(D("49990"), D("2"))], [(D("50010"), D("2"))]),
            ("USDT-FUTURES", "BTCUSDT"): ([(D("49999"), D("5"))], [(D("50001"), D("5"))]),
        }

    def instrument_spec(self, product, symbol):
        return instruments.spec(str(product), symbol)

    def book(self, product, symbol):
        return self.books.get((str(product), symbol), ([], []))

    def mark_price(self, product, symbol):
        return D("50000")

    last_price = mark_price


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@web.middleware
async def envelope_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as err:
        return error_response(err.code, err.msg, err.status)


class Client:
    def __init__(self, session: aiohttp.ClientSession, base: str, creds: Credentials = CREDS) -> None:
        self.session, self.base, self.creds = session, base, creds

    async def get(self, path: str, **params):
        query = urlencode(params)
        headers = rest_headers(self.creds, now_ms(), "GET", path, query, "")
        async with self.session.get(self.base + path + ("?" + query if query else ""), headers=headers) as r:
            return r.status, json.loads(await r.text())

    async def post(self, path: str, body: dict, raw: str | None = None):
        text = raw if raw is not None else json.dumps(body, separators=(",", ":"))
        headers = rest_headers(self.creds, now_ms(), "POST", path, "", text)
        async with self.session.post(self.base + path, data=text.encode(), headers=headers) as r:
            return r.status, json.loads(await r.text())


class RequestAuth:
    """The server's Auth checks, fed from the request without touching request storage."""

    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    async def authenticate(self, request: web.Request, *, permission: str | None = None):
        body = (await request.read()).decode()
        key = self.auth.verify(request.method, request.path, request.rel_url.raw_query_string, body, request.headers)
        if permission and permission not in key.permissions:
            raise ApiError("40014", "Incorrect permissions")
        return key


@pytest.fixture
async def api():
    engine = Engine(FakeMarket(), now_ms)
    auth = Auth([ApiKeySpec(CREDS.api_key, CREDS.secret, CREDS.passphrase),
                 ApiKeySpec(READ_ONLY.api_key, READ_ONLY.secret, READ_ONLY.passphrase, permissions=("read",))],
                now_ms)
    app = web.Application(middlewares=[envelope_errors])
    register_private_routes(app.router, engine, RequestAuth(auth))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        yield Client(session, f"http://127.0.0.1:{port}"), engine, session, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def ok(resp) -> object:
    status, body = resp
    assert status == 200 and body["code"] == "00000", body
    return body["data"]


def err(resp, code: str) -> dict:
    status, body = resp
    assert status == 400 and body["code"] == code and body["data"] is None, body
    return body


async def test_spot_round_trip_shapes(api) -> None:
    c, *_ = api
    placed = ok(await c.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "buy",
                                                                "orderType": "limit",
                                                                "force": "GTC", "price": "49000", "size": "0.1",
                                                                "clientOid": "mine-1"}))
    assert placed["clientOid"] == "mine-1" and placed["orderId"].isdigit()
    assets = ok(await c.get("/api/v2/spot/account/assets"))
    usdt = next(a for a in assets if a["coin"] == "USDT")
    assert usdt == {"coin": "USDT", "available": "95100", "frozen": "4900", "locked": "0", "limitAvailable": "0",
                    "uTime": usdt["uTime"]}
    [open_order] = ok(await c.get("/api/v2/spot/trade/unfilled-orders", symbol="BTCUSDT"))
    assert open_order["priceAvg"] == "49000" and open_order["status"] == "live" and "price" not in open_order
    [info] = ok(await c.get("/api/v2/spot/trade/orderInfo", clientOid="mine-1"))
    assert info["price"] == "49000" and info["feeDetail"] == ""
    cancelled = ok(await c.post("/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": placed["orderId"]}))
    assert cancelled["orderId"] == placed["orderId"]
    [hist] = ok(await c.get("/api/v2/spot/trade/history-orders", symbol="BTCUSDT"))
    assert hist["status"] == "cancelled"
    market = ok(await c.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "sell",
                                                                "orderType": "market", "size": "0.5"}))
    [filled] = ok(await c.get("/api/v2/spot/trade/orderInfo", orderId=market["orderId"]))
    assert filled["status"] == "filled" and filled["price"] == "0"
    fee = json.loads(filled["feeDetail"])  # a JSON *string*, as CCXT expects
    assert fee["USDT"]["feeCoinCode"] == "USDT" and fee["USDT"]["totalFee"] < 0
    [fill] = ok(await c.get("/api/v2/spot/trade/fills", symbol="BTCUSDT"))
    assert fill["feeDetail"]["feeCoin"] == "USDT" and fill["tradeScope"] == "taker"
    assert all(isinstance(v, str) for k, v in fill.items() if k != "feeDetail")


async def test_spot_errors(api) -> None:
    c, *_ = api
    body = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "49000", "size": "100"}
    err(await c.post("/api/v2/spot/trade/place-order", body), "43012")
    err(await c.post("/api/v2/spot/trade/place-order", body | {"size": "0.1", "price": "1.001"}), "41103")
    err(await c.post("/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": "1"}), "43001")
    assert ok(await c.get("/api/v2/spot/trade/orderInfo", orderId="1")) == []
    err(await c.post("/api/v2/spot/trade/place-order", {}, raw="{not json"), "40017")
    err(await c.post("/api/v2/spot/trade/place-order", {"side": "buy"}), "40019")


async def test_spot_batch_and_cancel_symbol(api) -> None:
    c, *_ = api
    data = ok(await c.post("/api/v2/spot/trade/batch-orders", {"symbol": "BTCUSDT", "orderList": [
        {"side": "buy", "orderType": "limit", "force": "gtc", "price": "40000", "size": "0.01", "clientOid": "b1"},
        {"side": "buy", "orderType": "limit", "force": "gtc", "price": "40000", "size": "99", "clientOid": "b2"},
    ]}))
    assert [s["clientOid"] for s in data["successList"]] == ["b1"]
    assert data["failureList"][0]["errorCode"] == "43012" and data["failureList"][0]["clientOid"] == "b2"
    data = ok(await c.post("/api/v2/spot/trade/batch-cancel-order", {"symbol": "BTCUSDT", "orderList": [
        {"clientOid": "b1"}, {"orderId": "42"}]}))
    assert len(data["successList"]) == 1 and data["failureList"][0]["errorCode"] == "43001"
    ok(await c.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                                                       "price": "40000", "size": "0.01"}))
    assert ok(await c.post("/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"})) == {"symbol": "BTCUSDT"}
    assert ok(await c.get("/api/v2/spot/trade/unfilled-orders")) == []


async def test_spot_account_info(api) -> None:
    c, *_ = api
    info = ok(await c.get("/api/v2/spot/account/info"))
    assert "stow" in info["authorities"] and info["userId"].isdigit()


async def test_read_only_key_cannot_trade(api) -> None:
    _, _, session, base = api
    ro = Client(session, base, READ_ONLY)
    ok(await ro.get("/api/v2/spot/account/assets"))
    err(await ro.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "buy", "orderType": "market",
                                                         "size": "10"}), "40014")


async def test_mix_one_way_flow(api) -> None:
    c, *_ = api
    q = {"symbol": "BTCUSDT", "productType": "usdt-futures", "marginCoin": "USDT"}
    acct = ok(await c.get("/api/v2/mix/account/account", **q))
    assert acct["posMode"] == "one_way_mode" and acct["marginMode"] == "crossed"
    assert acct["crossedMarginLeverage"] == 10 and acct["available"] == "100000"
    real = fixture("mix_account_account.json")["data"]
    assert set(real) <= set(acct)
    lev = ok(await c.post("/api/v2/mix/account/set-leverage", q | {"leverage": "20"}))
    assert lev["crossMarginLeverage"] == "20"
    err(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "market", "size": "0.1",
                                                           "tradeSide": "Open", "marginMode": "crossed"}), "40774")
    placed = ok(await c.post("/api/v2/mix/order/place-order", q | {
        "side": "buy", "orderType": "market", "size": "0.1", "marginMode": "crossed", "force": "GTC",
        "presetStopSurplusPrice": "60000", "presetStopLossPrice": "40000", "clientOid": "fut-1"}))
    detail = ok(await c.get("/api/v2/mix/order/detail", symbol="BTCUSDT", productType="USDT-FUTURES",
                            orderId=placed["orderId"]))
    assert detail["state"] == "filled" and "feeDetail" not in detail and "status" not in detail
    assert detail["price"] == "" and detail["priceAvg"] == "50001" and detail["reduceOnly"] == "NO"
    assert detail["posSide"] == "net" and detail["tradeSide"] == "buy_single" and D(detail["fee"]) < 0
    [p] = ok(await c.get("/api/v2/mix/position/all-position", productType="USDT-FUTURES", marginCoin="USDT"))
    assert p["holdSide"] == "long" and p["total"] == "0.1" and p["leverage"] == "20" and p["posMode"] == "one_way_mode"
    assert D(p["liquidationPrice"]) >= 0 and p["openPriceAvg"] == "50001"
    plans = ok(await c.get("/api/v2/mix/order/orders-plan-pending", productType="USDT-FUTURES",
                           planType="profit_loss"))
    assert sorted(x["planType"] for x in plans["entrustedList"]) == ["loss_plan", "profit_plan"]
    err(await c.post("/api/v2/mix/account/set-position-mode", {"productType": "USDT-FUTURES",
                                                               "posMode": "hedge_mode"}), "40920")
    err(await c.post("/api/v2/mix/account/set-margin-mode", q | {"marginMode": "isolated"}), "45117")
    closed = ok(await c.post("/api/v2/mix/order/close-positions", {"productType": "USDT-FUTURES",
                                                                   "symbol": "BTCUSDT"}))
    assert closed["successList"][0]["symbol"] == "BTCUSDT"
    assert ok(await c.get("/api/v2/mix/position/single-position", **q)) == []
    hist = ok(await c.get("/api/v2/mix/order/orders-history", productType="USDT-FUTURES", symbol="BTCUSDT"))
    assert [o["status"] for o in hist["entrustedList"]] == ["filled", "filled"]
    assert hist["entrustedList"][0]["reduceOnly"] == "YES"
    fills = ok(await c.get("/api/v2/mix/order/fills", productType="USDT-FUTURES", symbol="BTCUSDT"))
    assert isinstance(fills["fillList"][0]["feeDetail"], list) and fills["endId"]
    assert fills["fillList"][0]["profit"] == "-0.2"
    assert ok(await c.post("/api/v2/mix/account/set-position-mode", {"productType": "USDT-FUTURES",
                                                                     "posMode": "hedge_mode"})) == {
        "posMode": "hedge_mode"}


async def test_mix_hedge_flow_and_orders(api) -> None:
    c, *_ = api
    pt = {"productType": "USDT-FUTURES"}
    q = pt | {"symbol": "BTCUSDT", "marginCoin": "USDT"}
    ok(await c.post("/api/v2/mix/account/set-position-mode", pt | {"posMode": "hedge_mode"}))
    err(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "market", "size": "0.1",
                                                           "marginMode": "crossed"}), "40774")
    ok(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "market", "size": "0.2",
                                                          "tradeSide": "Open", "marginMode": "crossed"}))
    close = ok(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "limit", "size": "0.1",
                                                                  "price": "55000", "tradeSide": "close",
                                                                  "marginMode": "crossed"}))
    pending = ok(await c.get("/api/v2/mix/order/orders-pending", **pt))
    [o] = pending["entrustedList"]
    assert o["status"] == "live" and o["tradeSide"] == "close" and o["posSide"] == "long" and o["reduceOnly"] == "YES"
    [p] = ok(await c.get("/api/v2/mix/position/all-position", **pt))
    assert p["locked"] == "0.1" and p["available"] == "0.1"
    err(await c.post("/api/v2/mix/order/cancel-order", q | {"orderId": "12345"}), "40768")
    err(await c.get("/api/v2/mix/order/detail", symbol="BTCUSDT", productType="USDT-FUTURES", orderId="12345"),
        "40109")
    res = ok(await c.post("/api/v2/mix/order/batch-cancel-orders",
                          q | {"orderIdList": [{"orderId": close["orderId"]}]}))
    assert res["successList"][0]["orderId"] == close["orderId"]
    detail = ok(await c.get("/api/v2/mix/order/detail", **q, orderId=close["orderId"]))
    assert detail["state"] == "canceled"
    batch = ok(await c.post("/api/v2/mix/order/batch-place-order", q | {"marginMode": "crossed", "orderList": [
        {"side": "sell", "tradeSide": "open", "orderType": "limit", "price": "60000", "size": "0.1", "clientOid": "x1"},
        {"side": "sell", "tradeSide": "close", "orderType": "market", "size": "0.1", "clientOid": "x2"},
    ]}))
    assert [s["clientOid"] for s in batch["successList"]] == ["x1"]
    assert batch["failureList"][0]["errorCode"] == "22002"
    res = ok(await c.post("/api/v2/mix/order/cancel-all-orders", pt | {"marginCoin": "USDT"}))
    assert len(res["successList"]) == 1
    rev = ok(await c.post("/api/v2/mix/order/click-backhand", q))
    assert rev["orderId"].isdigit()
    [p] = ok(await c.get("/api/v2/mix/position/all-position", **pt))
    assert p["holdSide"] == "short" and p["total"] == "0.2"
    accounts = ok(await c.get("/api/v2/mix/account/accounts", **pt))
    assert accounts[0]["marginCoin"] == "USDT" and accounts[0]["assetList"][0]["coin"] == "USDT"
    err(await c.get("/api/v2/mix/account/accounts", productType="NOPE"), "40020")
    assert ok(await c.get("/api/v2/mix/account/bill", **pt)) == {"bills": [], "endId": ""}


def test_every_brief_route_is_registered() -> None:
    paths = {p for _, p, _ in PRIVATE_ROUTES}
    for needed in (
        "/api/v2/spot/account/assets", "/api/v2/spot/account/info", "/api/v2/spot/trade/place-order",
        "/api/v2/spot/trade/cancel-order", "/api/v2/spot/trade/batch-orders", "/api/v2/spot/trade/batch-cancel-order",
        "/api/v2/spot/trade/cancel-symbol-order", "/api/v2/spot/trade/orderInfo",
        "/api/v2/spot/trade/unfilled-orders", "/api/v2/spot/trade/history-orders", "/api/v2/spot/trade/fills",
        "/api/v2/mix/account/account", "/api/v2/mix/account/accounts", "/api/v2/mix/account/set-leverage",
        "/api/v2/mix/account/set-margin-mode", "/api/v2/mix/account/set-position-mode",
        "/api/v2/mix/position/all-position", "/api/v2/mix/position/single-position",
        "/api/v2/mix/order/place-order", "/api/v2/mix/order/batch-place-order", "/api/v2/mix/order/cancel-order",
        "/api/v2/mix/order/batch-cancel-orders", "/api/v2/mix/order/cancel-all-orders",
        "/api/v2/mix/order/close-positions", "/api/v2/mix/order/click-backhand", "/api/v2/mix/order/detail",
        "/api/v2/mix/order/orders-pending", "/api/v2/mix/order/orders-history", "/api/v2/mix/order/fills",
        "/api/v2/mix/order/fill-history", "/api/v2/mix/order/orders-plan-pending",
    ):
        assert needed in paths


async def test_lenient_parsing_and_error_paths(api) -> None:
    c, engine, *_ = api
    # numbers as JSON numbers, enums in any case
    placed = ok(await c.post("/api/v2/spot/trade/place-order", {"symbol": "btcusdt", "side": "BUY",
                                                                "orderType": "Limit",
                                                                "force": "Post_Only", "price": 40000, "size": 0.01}))
    assert engine.find_order(CREDS.api_key, placed["orderId"]).force == "post_only"
    q = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "usdt"}
    ok(await c.post("/api/v2/mix/order/place-order", q | {"side": "Buy", "orderType": "MARKET", "size": 0.01,
                                                          "reduceOnly": "NO", "force": "gtc"}))
    err(await c.post("/api/v2/mix/order/place-order", q | {"side": "sell", "orderType": "market", "size": "0.01",
                                                           "reduceOnly": "maybe"}), "40020")
    err(await c.post("/api/v2/mix/order/place-order", {"symbol": "BTCUSDT", "side": "buy", "orderType": "market",
                                                       "size": "0.01"}), "40019")
    err(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "market", "size": "0.01",
                                                           "marginCoin": "BTC"}), "40020")
    err(await c.post("/api/v2/mix/account/set-leverage", q | {"leverage": "2.5"}), "40020")
    err(await c.post("/api/v2/mix/account/set-leverage", q | {"leverage": "500"}), "43050")
    err(await c.post("/api/v2/mix/account/set-position-mode", {"productType": "USDT-FUTURES", "posMode": "both"}),
        "40020")
    err(await c.get("/api/v2/spot/trade/orderInfo", orderId="abc"), "40020")
    err(await c.get("/api/v2/spot/trade/orderInfo"), "40019")
    err(await c.post("/api/v2/spot/trade/batch-orders", {"symbol": "BTCUSDT", "orderList": [{}] * 51}), "40306")
    err(await c.post("/api/v2/mix/order/place-order", q | {"symbol": "NOPEUSDT", "side": "buy", "orderType": "market",
                                                           "size": "1"}), "40102")
    err(await c.post("/api/v2/spot/trade/place-order", {"symbol": "NOPEUSDT", "side": "buy", "orderType": "market",
                                                        "size": "10"}), "40034")
    res = ok(await c.post("/api/v2/mix/order/cancel-plan-order", {"productType": "USDT-FUTURES",
                                                                  "orderIdList": [{"orderId": "1"}]}))
    assert res["failureList"][0]["errorCode"] == "43025"
    dup = {"side": "buy", "orderType": "limit", "price": "40000", "size": "0.01", "clientOid": "same"}
    ok(await c.post("/api/v2/mix/order/place-order", q | dup))
    err(await c.post("/api/v2/mix/order/place-order", q | dup), "40786")
    err(await c.post("/api/v2/mix/order/close-positions", {"productType": "USDT-FUTURES", "symbol": "ETHUSDT"}),
        "22002")


async def test_mix_modify_order_replaces(api) -> None:
    c, *_ = api
    q = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"}
    placed = ok(await c.post("/api/v2/mix/order/place-order", q | {"side": "buy", "orderType": "limit", "size": "0.01",
                                                                   "price": "40000", "clientOid": "m1"}))
    err(await c.post("/api/v2/mix/order/modify-order", q | {"orderId": placed["orderId"], "newClientOid": "m2",
                                                            "newPrice": "41000"}), "40925")
    new = ok(await c.post("/api/v2/mix/order/modify-order", q | {"orderId": placed["orderId"], "newClientOid": "m2",
                                                                 "newPrice": "41000", "newSize": "0.02"}))
    assert new["clientOid"] == "m2" and new["orderId"] != placed["orderId"]
    pending = ok(await c.get("/api/v2/mix/order/orders-pending", productType="USDT-FUTURES"))["entrustedList"]
    assert [(o["clientOid"], o["price"], o["size"]) for o in pending] == [("m2", "41000", "0.02")]
    err(await c.post("/api/v2/mix/order/modify-order", q | {"orderId": placed["orderId"], "newClientOid": "m3"}),
        "40768")
